#include "ledger/embedded_log.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/content_hash.h"
#include "ledger/fault_fs.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

v1::Event Pay(const std::string& record_id, const std::string& person, int64_t fen) {
  v1::Event e;
  e.set_source(v1::TAX);
  e.set_record_id(record_id);
  e.set_person(person);
  e.set_region("532501");
  e.set_pool("532500");
  e.mutable_contribution()->set_amount_fen(fen);
  e.mutable_origin()->set_file("a.jsonl");
  return e;
}

TEST(EmbeddedLog, AppendsAreIdempotentAndConflictsAreNamed) {
  const TestDir tmp("embedded-log");
  std::string dir = tmp.NewPath("log");
  auto log = EmbeddedLog::Open(dir);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<v1::Event> batch = {Pay("T1", "532501199001011239", 40000),
                                  Pay("T2", "532501199001011239", 40000),
                                  Pay("T1", "532501199001011239", 40000),   // dup in call
                                  Pay("T2", "532501199001011239", 50000)};  // conflict in call
  std::vector<AppendResult> r;
  ASSERT_TRUE((*log)->Append(batch, &r).ok());
  EXPECT_EQ(r[0].kind, AppendResult::Kind::kAppended);
  EXPECT_EQ(r[1].kind, AppendResult::Kind::kAppended);
  EXPECT_EQ(r[2].kind, AppendResult::Kind::kDuplicate);
  EXPECT_EQ(r[3].kind, AppendResult::Kind::kConflict);
  EXPECT_EQ(r[1].offset.value, r[0].offset.value + 1);

  // Same content from another file is a duplicate; other content a conflict.
  std::vector<v1::Event> again = {Pay("T1", "532501199001011239", 40000),
                                  Pay("T2", "532501199001011239", 1)};
  again[0].mutable_origin()->set_file("b.jsonl");
  ASSERT_TRUE((*log)->Append(again, &r).ok());
  EXPECT_EQ(r[0].kind, AppendResult::Kind::kDuplicate);
  EXPECT_EQ(r[1].kind, AppendResult::Kind::kConflict);
  EXPECT_EQ((*log)->EventCount(), 2);
}

TEST(EmbeddedLog, ReopenKeepsOffsetsAndEvents) {
  const TestDir tmp("embedded-log");
  std::string dir = tmp.NewPath("log");
  int32_t partition = 0;
  {
    auto log = EmbeddedLog::Open(dir, {.partitions = 4});
    ASSERT_TRUE(log.ok());
    std::vector<v1::Event> batch = {Pay("T1", "532501199001011239", 1),
                                    Pay("T2", "532501199001011239", 2)};
    std::vector<AppendResult> r;
    ASSERT_TRUE((*log)->Append(batch, &r).ok());
    partition = r[0].partition.value;
  }
  auto log = EmbeddedLog::Open(dir, {.partitions = 9});  // stored count wins
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->partitions(), 4);
  EXPECT_EQ((*log)->EndOffset(Partition{partition})->value, 2);
  std::vector<LogEntry> out;
  ASSERT_TRUE((*log)->Read(Partition{partition}, Offset{1}, 10, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event.record_id(), "T2");
  EXPECT_EQ(out[0].event.event_id(), "tax:T2");
  EXPECT_GT(out[0].event.recorded_at_us(), 0);
  EXPECT_EQ(out[0].event.content_hash().size(), 32u);
  std::vector<v1::Event> more = {Pay("T3", "532501199001011239", 3)};
  std::vector<AppendResult> r;
  ASSERT_TRUE((*log)->Append(more, &r).ok());
  EXPECT_EQ(r[0].offset.value, 2);
}

// `replay` opens the log writable only to keep writers out, with its
// compactions deferred: none runs while it reads (they took a third of a
// replay's CPU), and what is pending runs at the next writable open.
TEST(EmbeddedLog, DeferredCompactionsWaitForTheNextWriter) {
  const TestDir tmp("embedded-log");
  const std::string dir = tmp.NewPath("log");
  const std::string pending = "rocksdb.compaction-pending";
  {
    auto log = EmbeddedLog::Open(dir, {.partitions = 4, .defer_compactions = true});
    ASSERT_TRUE(log.ok());
    for (int f = 0; f < 6; ++f) {  // six table files at level 0, past RocksDB's trigger of four
      std::vector<v1::Event> batch = {Pay(absl::StrCat("T", f), "532501199001011239", f + 1)};
      std::vector<AppendResult> r;
      ASSERT_TRUE((*log)->Append(batch, &r).ok());
      ASSERT_TRUE((*log)->Flush().ok());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // time a compaction would have had to start
    EXPECT_EQ((*log)->IntProperty(pending), 1u);
    EXPECT_EQ((*log)->IntProperty("rocksdb.num-running-compactions"), 0u);
  }
  auto log = EmbeddedLog::Open(dir, {.partitions = 4});
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 1000 && (*log)->IntProperty(pending) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ((*log)->IntProperty(pending), 0u);
  EXPECT_EQ((*log)->EventCount(), 6);
}

TEST(EmbeddedLog, DeadLettersAreKeptOncePerPosition) {
  const TestDir tmp("embedded-log");
  std::string dir = tmp.NewPath("log");
  auto log = EmbeddedLog::Open(dir);
  ASSERT_TRUE(log.ok());
  v1::DeadLetter d;
  d.set_source(v1::CIVIL);
  d.set_file("c.jsonl");
  d.set_line(3);
  d.set_reason("status: unknown value \"x\"");
  ASSERT_TRUE((*log)->Put({d, d}).ok());
  d.set_source(v1::TAX);
  ASSERT_TRUE((*log)->Put({d}).ok());
  int all = 0, civil = 0;
  ASSERT_TRUE((*log)->ForEach(std::nullopt, [&](const v1::DeadLetter&) { return ++all, true; }).ok());
  ASSERT_TRUE((*log)->ForEach(v1::CIVIL, [&](const v1::DeadLetter&) { return ++civil, true; }).ok());
  EXPECT_EQ(all, 2);
  EXPECT_EQ(civil, 1);
}

TEST(EmbeddedLog, ReadOnlyOpenOfMissingDirIsNotFound) {
  const TestDir tmp("embedded-log");
  auto log = EmbeddedLog::Open(tmp.NewPath("missing"), {.read_only = true});
  EXPECT_EQ(log.status().code(), absl::StatusCode::kNotFound);
}

// The stored form (the fact's content, no protobuf message) reads back as the
// event that was appended: content, content hash, event id, recorded time and
// origin; and a scan yields the same fact without building a message.
TEST(EmbeddedLog, StoredFormReadsBackAsTheAppendedEvent) {
  const TestDir tmp("embedded-log");
  std::string dir = tmp.NewPath("log");
  auto log = EmbeddedLog::Open(dir, {.partitions = 1});
  ASSERT_TRUE(log.ok()) << log.status();
  v1::Event pay = Pay("T1", "532501199001011239", 40000);
  pay.set_business_date(20251012);
  auto* c = pay.mutable_contribution();
  c->set_scheme(v1::EMPLOYEE);
  c->set_payer(v1::EMPLOYER);
  c->set_purpose(v1::MAKEUP);
  c->set_period_year(2025);
  c->set_period_month(9);
  c->set_paid_at(1760232600);
  c->set_paid_on(20251012);
  pay.mutable_origin()->set_line(7);
  v1::Event refund = Pay("T2", "532501199001011239", 0);
  refund.clear_contribution();
  refund.mutable_refund()->set_refund_of("T1");
  refund.mutable_refund()->set_amount_fen(-40000);
  std::vector<v1::Event> batch = {pay, refund};
  std::vector<AppendResult> r;
  ASSERT_TRUE((*log)->Append(batch, &r).ok());
  std::vector<LogEntry> back;
  ASSERT_TRUE((*log)->Read(Partition{0}, Offset{0}, 10, &back).ok());
  ASSERT_EQ(back.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back[i].event.SerializeAsString(), batch[i].SerializeAsString()) << back[i].event.ShortDebugString();
  }
  std::vector<StoredFact> facts;
  ASSERT_TRUE((*log)->ScanFacts(Partition{0}, Offset{1}, 10, [&](const std::string& person, StoredFact& f) {
    EXPECT_EQ(person, "532501199001011239");
    facts.push_back(f);
  }).ok());
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0].offset, 1);
  EXPECT_EQ(facts[0].target, "T1");
  EXPECT_EQ(facts[0].recorded_at_us, batch[1].recorded_at_us());
}

// A disk that fails under an append (ENOSPC on a write, EIO on a sync) or a
// dead-letter write: the call fails as retryable, nothing of it is half
// applied, and after a reopen the same calls complete.
TEST(EmbeddedLogFaults, AFailedWriteOrSyncLeavesNothingHalfAppended) {
  const TestDir tmp("embedded-log");
  struct Case {
    const char* name;
    bool sync;
    FaultFs::Fault fault;
  };
  for (const Case& c : {Case{"enospc-write", false, FaultFs::Fault::kNoSpace},
                        Case{"eio-sync", true, FaultFs::Fault::kIoError},
                        Case{"eio-write", false, FaultFs::Fault::kIoError}}) {
    SCOPED_TRACE(c.name);
    std::string dir = tmp.NewPath(std::string("log-") + c.name);
    const std::string person = "532501199001011239";
    std::vector<v1::Event> first = {Pay("A1", person, 1), Pay("A2", person, 2)};
    std::vector<v1::Event> second = {Pay("B1", person, 3), Pay("B2", person, 4), Pay("B3", person, 5)};
    std::vector<AppendResult> r;
    {
      FaultEnv faults;
      auto log = EmbeddedLog::Open(dir, {.partitions = 2, .env = faults.env.get()});
      ASSERT_TRUE(log.ok()) << log.status();
      ASSERT_TRUE((*log)->Append(first, &r).ok());
      if (c.sync) {
        faults.fs->FailSyncs(c.fault, ".log");
      } else {
        faults.fs->FailWrites(c.fault, ".log");
      }
      std::vector<v1::Event> batch = second;
      absl::Status s = (*log)->Append(batch, &r);
      EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
      v1::DeadLetter d;
      d.set_source(v1::TAX);
      d.set_file("f.jsonl");
      d.set_line(1);
      absl::Status dead = (*log)->Put({d});
      EXPECT_FALSE(dead.ok());
      EXPECT_GT(faults.fs->failures(), 0);
    }
    // Reopened on a healthy disk: the failed batch is there whole or not at all.
    auto log = EmbeddedLog::Open(dir);
    ASSERT_TRUE(log.ok()) << log.status();
    const int64_t count = (*log)->EventCount();
    EXPECT_TRUE(count == 2 || count == 5) << count;
    std::vector<v1::Event> again = second;
    ASSERT_TRUE((*log)->Append(again, &r).ok());
    EXPECT_EQ((*log)->EventCount(), 5);
    std::vector<LogEntry> entries;
    for (int32_t p = 0; p < 2; ++p) ASSERT_TRUE((*log)->Read(Partition{p}, Offset{0}, 100, &entries).ok());
    EXPECT_EQ(entries.size(), 5u);
  }
}

}  // namespace
}  // namespace enrol
