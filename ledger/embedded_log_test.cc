#include "ledger/embedded_log.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "ledger/content_hash.h"

namespace enrol {
namespace {

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             (name + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir.string();
}

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
  std::string dir = TempDir("log");
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
  std::string dir = TempDir("log");
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

TEST(EmbeddedLog, DeadLettersAreKeptOncePerPosition) {
  std::string dir = TempDir("log");
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
  auto log = EmbeddedLog::Open(TempDir("missing"), {.read_only = true});
  EXPECT_EQ(log.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace enrol
