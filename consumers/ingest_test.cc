// End-to-end tests of IngestFiles into an EmbeddedLog: good records are
// appended once, bad ones are kept verbatim in the dead-letter store with
// their file, line and a reason naming the field (CONTRACT.md, Feeds).
#include "consumers/ingest.h"

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/embedded_log.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::unique_ptr<EmbeddedLog> OpenLog(const std::string& dir) {
  auto log = EmbeddedLog::Open(dir, {.partitions = 4});
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? std::move(*log) : nullptr;
}

const ProfileSet& Profiles() {
  static const ProfileSet* profiles = [] {
    auto p = ProfileSet::Builtin();
    EXPECT_TRUE(p.ok()) << p.status();
    return new ProfileSet(p.ok() ? *std::move(p) : ProfileSet());
  }();
  return *profiles;
}

absl::StatusOr<IngestCounts> Ingest(EmbeddedLog* log, v1::Source source,
                                    const std::vector<std::string>& files,
                                    const IngestOptions& options = {}) {
  return IngestFiles(log, log, source, files, Profiles(), options);
}

// Every stored event, read back through Log::Read.
std::vector<v1::Event> AllEvents(Log* log) {
  std::vector<v1::Event> events;
  for (int32_t p = 0; p < log->partitions(); ++p) {
    auto end = log->EndOffset(Partition{p});
    EXPECT_TRUE(end.ok()) << end.status();
    if (!end.ok()) continue;
    std::vector<LogEntry> out;
    absl::Status s = log->Read(Partition{p}, Offset{0}, static_cast<size_t>(end->value) + 1, &out);
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(static_cast<int64_t>(out.size()), end->value);
    for (LogEntry& e : out) events.push_back(std::move(e.event));
  }
  return events;
}

std::map<std::string, v1::Event> EventsById(Log* log) {
  std::map<std::string, v1::Event> by_id;
  for (v1::Event& e : AllEvents(log)) {
    EXPECT_EQ(by_id.count(e.record_id()), 0u) << "stored twice: " << e.record_id();
    by_id[e.record_id()] = std::move(e);
  }
  return by_id;
}

std::vector<v1::DeadLetter> DeadLetters(DeadLetterStore* store,
                                        std::optional<v1::Source> source = std::nullopt) {
  std::vector<v1::DeadLetter> out;
  absl::Status s = store->ForEach(source, [&](const v1::DeadLetter& d) {
    out.push_back(d);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

// Dead letters of one file by line.
std::map<int64_t, v1::DeadLetter> LettersByLine(DeadLetterStore* store, const std::string& file) {
  std::map<int64_t, v1::DeadLetter> by_line;
  for (v1::DeadLetter& d : DeadLetters(store)) {
    if (d.file() != file) continue;
    EXPECT_EQ(by_line.count(d.line()), 0u) << "two dead letters for line " << d.line();
    by_line[d.line()] = std::move(d);
  }
  return by_line;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

const char kId[] = "532501199001011239";

std::string TaxLine(const std::string& record_id, const std::string& amount,
                    const std::string& extra = "") {
  return absl::StrCat("{\"record_id\":\"", record_id, "\",\"id_number\":\"", kId,
                      "\",\"region\":\"532501\",\"scheme\":\"resident\",\"payer\":\"individual\","
                      "\"period\":\"2026\",\"amount\":\"",
                      amount, "\",\"paid_at\":\"2025-10-12T09:30:00+08:00\"", extra, "}");
}

// The mixed batch: line -> what must become of it.
struct Expected {
  int64_t line;
  std::string text;
  std::string record_id;  // of a dead letter; "" when it cannot be read
  std::string reason_prefix;
};

struct MixedFile {
  std::string path;
  std::vector<std::string> good_ids;
  std::vector<Expected> bad;
};

MixedFile WriteMixed(const std::string& dir) {
  const std::string bad_amount = TaxLine("T3", "400.001");
  const std::string bad_json = "{\"record_id\":\"T4\",\"amount\":";
  const std::string bad_id = absl::StrCat(
      "{\"record_id\":\"T6\",\"id_number\":\"532501199001011238\",\"region\":\"532501\","
      "\"scheme\":\"resident\",\"payer\":\"individual\",\"period\":\"2026\",\"amount\":\"400.00\","
      "\"paid_at\":\"2025-10-12T09:30:00+08:00\"}");
  const std::string bad_utf8 = TaxLine("T7", "400.00", ",\"note\":\"\xC3\x28\"");
  const std::string unknown_field = TaxLine("T8", "400.00", ",\"amout\":\"1.00\"");
  const std::string no_offset = absl::StrCat(
      "{\"record_id\":\"T11\",\"id_number\":\"", kId,
      "\",\"region\":\"532501\",\"scheme\":\"resident\",\"payer\":\"individual\","
      "\"period\":\"2026\",\"amount\":\"400.00\",\"paid_at\":\"2025-10-12T09:30:00\"}");
  const std::string lines[] = {
      /*1*/ TaxLine("T1", "400.00"),
      /*2*/ absl::StrCat("{\"record_id\":\"T2\",\"id_number\":\"", kId,
                         "\",\"region\":\"532501\",\"scheme\":\"employee\",\"payer\":\"employer\","
                         "\"period\":\"2025-03\",\"amount\":\"1234.56\","
                         "\"paid_at\":\"2025-03-15T10:00:00+08:00\"}"),
      /*3*/ "",
      /*4*/ bad_amount,
      /*5*/ bad_json,
      /*6*/ absl::StrCat("{\"record_id\":\"T5\",\"id_number\":\"", kId,
                         "\",\"region\":\"532501\",\"op\":\"refund\",\"refund_of\":\"T1\","
                         "\"amount\":\"400.00\",\"paid_at\":\"2025-11-01T10:00:00+08:00\"}"),
      /*7*/ bad_id,
      /*8*/ bad_utf8,
      /*9*/ unknown_field,
      /*10*/ TaxLine("T9", "380.50"),
      /*11*/ no_offset,
  };
  std::string text;
  for (const std::string& l : lines) absl::StrAppend(&text, l, "\n");
  MixedFile m;
  m.path = WriteFile(dir, "mixed.jsonl", text);
  m.good_ids = {"T1", "T2", "T5", "T9"};
  m.bad = {
      {4, bad_amount, "T3", "amount: "},
      {5, bad_json, "", "record: "},
      {7, bad_id, "T6", "id_number: "},
      {8, bad_utf8, "", "record: "},
      {9, unknown_field, "T8", "amout: "},
      {11, no_offset, "T11", "paid_at: "},
  };
  return m;
}

void ExpectDeadLetters(DeadLetterStore* store, const MixedFile& m) {
  auto letters = LettersByLine(store, m.path);
  EXPECT_EQ(letters.size(), m.bad.size());
  for (const Expected& x : m.bad) {
    SCOPED_TRACE(absl::StrCat("line ", x.line));
    auto it = letters.find(x.line);
    ASSERT_NE(it, letters.end()) << "no dead letter for line " << x.line;
    const v1::DeadLetter& d = it->second;
    EXPECT_EQ(d.source(), v1::TAX);
    EXPECT_EQ(d.file(), m.path);
    EXPECT_EQ(d.line(), x.line);
    EXPECT_EQ(d.record(), x.text);  // verbatim, byte for byte
    EXPECT_TRUE(StartsWith(d.reason(), x.reason_prefix))
        << "reason \"" << d.reason() << "\" should start with \"" << x.reason_prefix << "\"";
    if (!x.record_id.empty()) {
      EXPECT_EQ(d.record_id(), x.record_id);
    }
  }
}

// ---------------------------------------------------------------------------

TEST(Ingest, MixedBatchAppendsGoodRecordsAndKeepsEveryBadOne) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  MixedFile m = WriteMixed(dir);
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);

  auto counts = Ingest(log.get(), v1::TAX, {m.path});
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->accepted, 4);
  EXPECT_EQ(counts->duplicates, 0);
  EXPECT_EQ(counts->rejected, 6);
  EXPECT_EQ(counts->records(), 10);  // the blank line is no record

  auto events = EventsById(log.get());
  ASSERT_EQ(events.size(), 4u);
  for (const std::string& id : m.good_ids) {
    SCOPED_TRACE(id);
    ASSERT_EQ(events.count(id), 1u);
    const v1::Event& e = events[id];
    EXPECT_EQ(e.source(), v1::TAX);
    EXPECT_EQ(e.person(), kId);
    EXPECT_EQ(e.event_id(), absl::StrCat("tax:", id));
    EXPECT_EQ(e.origin().file(), m.path);
    EXPECT_EQ(e.content_hash().size(), 32u);
  }
  EXPECT_EQ(events["T1"].origin().line(), 1);
  EXPECT_EQ(events["T1"].contribution().amount_fen(), 40000);
  EXPECT_EQ(events["T2"].contribution().period_month(), 3);
  EXPECT_EQ(events["T5"].origin().line(), 6);
  EXPECT_EQ(events["T5"].refund().refund_of(), "T1");
  EXPECT_EQ(events["T9"].origin().line(), 10);
  EXPECT_EQ(events["T9"].contribution().amount_fen(), 38050);

  ExpectDeadLetters(log.get(), m);
  EXPECT_EQ(DeadLetters(log.get(), v1::TAX).size(), 6u);
  EXPECT_TRUE(DeadLetters(log.get(), v1::CLAIMS).empty());
}

TEST(Ingest, SameFileTwiceGivesDuplicatesAndEachRunsDeadLettersOnce) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  MixedFile m = WriteMixed(dir);
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);
  auto first = Ingest(log.get(), v1::TAX, {m.path});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->accepted, 4);
  auto before = EventsById(log.get());

  auto second = Ingest(log.get(), v1::TAX, {m.path});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->accepted, 0);
  EXPECT_EQ(second->duplicates, 4);
  EXPECT_EQ(second->rejected, 6);  // rejected again, stored once in this run
  EXPECT_EQ(log->EventCount(), 4);
  EXPECT_EQ(DeadLetters(log.get()).size(), 6u);
  ExpectDeadLetters(log.get(), m);

  // The stored events are the first ones, untouched.
  auto after = EventsById(log.get());
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [id, e] : before) {
    EXPECT_EQ(after[id].content_hash(), e.content_hash()) << id;
    EXPECT_EQ(after[id].recorded_at_us(), e.recorded_at_us()) << id;
  }

  // And after reopening the store.
  log.reset();
  log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);
  auto third = Ingest(log.get(), v1::TAX, {m.path});
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->accepted, 0);
  EXPECT_EQ(third->duplicates, 4);
  EXPECT_EQ(log->EventCount(), 4);
  // A new run (the store opened again, as by another `enrol ingest`) keeps
  // its own letters beside the first run's: nothing is replaced (issue 9).
  std::vector<v1::DeadLetter> letters = DeadLetters(log.get());
  EXPECT_EQ(letters.size(), 12u);
  std::set<std::string> runs;
  for (const v1::DeadLetter& d : letters) runs.insert(d.run());
  EXPECT_EQ(runs.size(), 2u);
}

TEST(Ingest, ConflictingDuplicateIsRejectedNamingRecordId) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);
  std::string first = WriteFile(dir, "first.jsonl", TaxLine("T1", "400.00") + "\n" + TaxLine("T2", "400.00") + "\n");
  auto c1 = Ingest(log.get(), v1::TAX, {first});
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_EQ(c1->accepted, 2);

  const std::string conflict = TaxLine("T1", "500.00");
  std::string second = WriteFile(dir, "second.jsonl",
                                 conflict + "\n" + TaxLine("T2", "400.00") + "\n" + TaxLine("T3", "1.00") + "\n");
  auto c2 = Ingest(log.get(), v1::TAX, {second});
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(c2->accepted, 1);    // T3
  EXPECT_EQ(c2->duplicates, 1);  // T2, same content from another file
  EXPECT_EQ(c2->rejected, 1);    // T1 with another amount
  EXPECT_EQ(log->EventCount(), 3);

  auto letters = LettersByLine(log.get(), second);
  ASSERT_EQ(letters.size(), 1u);
  const v1::DeadLetter& d = letters.begin()->second;
  EXPECT_EQ(d.line(), 1);
  EXPECT_EQ(d.file(), second);
  EXPECT_EQ(d.source(), v1::TAX);
  EXPECT_EQ(d.record_id(), "T1");
  EXPECT_EQ(d.record(), conflict);
  EXPECT_TRUE(StartsWith(d.reason(), "record_id: conflicting duplicate")) << d.reason();

  // The stored T1 keeps its first content.
  auto events = EventsById(log.get());
  EXPECT_EQ(events["T1"].contribution().amount_fen(), 40000);
  EXPECT_EQ(events["T1"].origin().file(), first);

  // Running the conflicting file again does not add a second dead letter.
  auto c3 = Ingest(log.get(), v1::TAX, {second});
  ASSERT_TRUE(c3.ok()) << c3.status();
  EXPECT_EQ(c3->accepted, 0);
  EXPECT_EQ(c3->duplicates, 2);
  EXPECT_EQ(c3->rejected, 1);
  EXPECT_EQ(LettersByLine(log.get(), second).size(), 1u);
  EXPECT_EQ(DeadLetters(log.get()).size(), 1u);
}

TEST(Ingest, ConflictWithinOneFile) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);
  const std::string again = TaxLine("T1", "400.00");
  const std::string other = TaxLine("T1", "1.00");
  std::string path = WriteFile(dir, "f.jsonl", TaxLine("T1", "400.00") + "\n" + again + "\n" + other + "\n");
  auto c = Ingest(log.get(), v1::TAX, {path});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->accepted, 1);
  EXPECT_EQ(c->duplicates, 1);
  EXPECT_EQ(c->rejected, 1);
  auto letters = LettersByLine(log.get(), path);
  ASSERT_EQ(letters.count(3), 1u);
  EXPECT_EQ(letters[3].record(), other);
  EXPECT_TRUE(StartsWith(letters[3].reason(), "record_id: conflicting duplicate")) << letters[3].reason();
  EXPECT_EQ(EventsById(log.get())["T1"].contribution().amount_fen(), 40000);
}

// The same records as JSON Lines and as CSV, per feed.
struct FeedPair {
  v1::Source source;
  std::string jsonl;
  std::string csv;
  size_t records;
};

std::vector<FeedPair> SameRecordsTwoFormats() {
  const std::string id = kId;
  std::vector<FeedPair> pairs;
  pairs.push_back(FeedPair{
      v1::TAX,
      absl::StrCat(
          "{\"record_id\":\"T1\",\"id_number\":\"", id, "\",\"region\":\"532501\",\"scheme\":\"resident\","
          "\"payer\":\"individual\",\"period\":\"2026\",\"amount\":\"400.00\","
          "\"paid_at\":\"2025-10-12T09:30:00+08:00\"}\n"
          "{\"record_id\":\"T2\",\"id_number\":\"", id, "\",\"region\":\"532501\",\"scheme\":\"employee\","
          "\"payer\":\"flexible\",\"purpose\":\"makeup\",\"period\":\"2025-03\",\"amount\":\"1234.5\","
          "\"paid_at\":\"2025-03-15T02:00:00Z\",\"op\":\"pay\"}\n"
          "{\"record_id\":\"T3\",\"id_number\":\"", id, "\",\"region\":\"532501\",\"op\":\"refund\","
          "\"refund_of\":\"T1\",\"amount\":\"400.00\",\"paid_at\":\"2025-11-01T10:00:00+08:00\"}\n"),
      absl::StrCat("record_id,id_number,region,scheme,payer,purpose,period,amount,paid_at,op,refund_of\n"
                   "T1,", id, ",532501,resident,individual,,2026,400.00,2025-10-12T09:30:00+08:00,,\n"
                   "\"T2\",", id, ",532501,employee,flexible,makeup,2025-03,\"1234.5\",2025-03-15T02:00:00Z,pay,\n"
                   "T3,", id, ",532501,,,,,400.00,2025-11-01T10:00:00+08:00,refund,T1\n"),
      3});
  pairs.push_back(FeedPair{
      v1::CIVIL,
      absl::StrCat("{\"record_id\":\"C1\",\"id_number\":\"", id, "\",\"region\":\"532501\","
                   "\"status\":\"minimum_living\",\"effective_from\":\"2025-01-01\",\"effective_to\":\"2025-12-31\"}\n"
                   "{\"record_id\":\"C2\",\"id_number\":\"", id, "\",\"region\":\"532501\","
                   "\"status\":\"birth\",\"effective_from\":\"1990-01-01\"}\n"),
      absl::StrCat("record_id,id_number,region,status,effective_from,effective_to\n"
                   "C1,", id, ",532501,minimum_living,2025-01-01,2025-12-31\n"
                   "C2,", id, ",532501,birth,1990-01-01,\n"),
      2});
  pairs.push_back(FeedPair{
      v1::REGISTRY,
      absl::StrCat("{\"record_id\":\"R1\",\"id_number\":\"", id, "\",\"region\":\"532501\","
                   "\"action\":\"enrol\",\"scheme\":\"resident\",\"effective\":\"2025-01-01\",\"fee_waived\":true}\n"
                   "{\"record_id\":\"R2\",\"id_number\":\"", id, "\",\"region\":\"532501\","
                   "\"action\":\"transfer_in\",\"scheme\":\"employee\",\"kind\":\"employer\","
                   "\"effective\":\"2025-02-01\",\"deemed_years\":2.5}\n"
                   "{\"record_id\":\"R3\",\"id_number\":\"", id, "\",\"region\":\"532501\","
                   "\"action\":\"retire\",\"scheme\":\"employee\",\"effective\":\"2050-01-01\",\"sex\":\"male\","
                   "\"deemed_years\":\"10\"}\n"),
      absl::StrCat("record_id,id_number,region,action,scheme,kind,effective,fee_waived,deemed_years,sex\n"
                   "R1,", id, ",532501,enrol,resident,,2025-01-01,true,,\n"
                   "R2,", id, ",532501,transfer_in,employee,employer,2025-02-01,,2.5,\n"
                   "R3,", id, ",532501,retire,employee,,2050-01-01,,10,male\n"),
      3});
  pairs.push_back(FeedPair{
      v1::CLAIMS,
      absl::StrCat("{\"record_id\":\"K1\",\"id_number\":\"", id, "\",\"region\":\"532501\","
                   "\"scheme\":\"resident\",\"kind\":\"inpatient\",\"service_date\":\"2025-06-01\","
                   "\"settled_at\":\"2025-06-05T10:00:00+08:00\",\"total_cost\":\"10000.00\","
                   "\"basic_fund_paid\":\"6000.00\",\"critical_illness_paid\":\"1000.00\"}\n"
                   "{\"record_id\":\"K2\",\"id_number\":\"", id, "\",\"region\":\"532501\",\"op\":\"reverse\","
                   "\"reverse_of\":\"K1\",\"service_date\":\"2025-06-01\"}\n"),
      absl::StrCat("record_id,id_number,region,scheme,kind,service_date,settled_at,total_cost,"
                   "basic_fund_paid,critical_illness_paid,op,reverse_of\n"
                   "K1,", id, ",532501,resident,inpatient,2025-06-01,2025-06-05T10:00:00+08:00,10000.00,"
                   "6000.00,1000.00,settle,\n"
                   "K2,", id, ",532501,,,2025-06-01,,,,,reverse,K1\n"),
      2});
  return pairs;
}

TEST(Ingest, CsvAndJsonlOfTheSameRecordsGiveTheSameEvents) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  auto from_json = OpenLog(dir + "/json-log");
  auto from_csv = OpenLog(dir + "/csv-log");
  ASSERT_NE(from_json, nullptr);
  ASSERT_NE(from_csv, nullptr);
  size_t total = 0;
  for (const FeedPair& f : SameRecordsTwoFormats()) {
    SCOPED_TRACE(v1::Source_Name(f.source));
    std::string name = v1::Source_Name(f.source);
    std::string jsonl = WriteFile(dir, name + ".jsonl", f.jsonl);
    std::string csv = WriteFile(dir, name + ".csv", f.csv);
    auto cj = Ingest(from_json.get(), f.source, {jsonl});
    ASSERT_TRUE(cj.ok()) << cj.status();
    EXPECT_EQ(cj->accepted, static_cast<int64_t>(f.records));
    EXPECT_EQ(cj->rejected, 0);
    auto cc = Ingest(from_csv.get(), f.source, {csv});
    ASSERT_TRUE(cc.ok()) << cc.status();
    EXPECT_EQ(cc->accepted, static_cast<int64_t>(f.records));
    EXPECT_EQ(cc->rejected, 0);
    // The CSV file into the JSON-fed log: every record is already there.
    auto again = Ingest(from_json.get(), f.source, {csv});
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->accepted, 0);
    EXPECT_EQ(again->duplicates, static_cast<int64_t>(f.records));
    EXPECT_EQ(again->rejected, 0);
    total += f.records;
  }
  for (const auto& d : DeadLetters(from_csv.get())) ADD_FAILURE() << d.line() << ": " << d.reason();
  for (const auto& d : DeadLetters(from_json.get())) ADD_FAILURE() << d.line() << ": " << d.reason();

  auto json_events = EventsById(from_json.get());
  auto csv_events = EventsById(from_csv.get());
  ASSERT_EQ(json_events.size(), total);
  ASSERT_EQ(csv_events.size(), total);
  for (auto& [id, je] : json_events) {
    SCOPED_TRACE(id);
    ASSERT_EQ(csv_events.count(id), 1u);
    v1::Event& ce = csv_events[id];
    EXPECT_EQ(je.content_hash().size(), 32u);
    EXPECT_EQ(je.content_hash(), ce.content_hash());
    EXPECT_EQ(ce.origin().line(), je.origin().line() + 1);  // the CSV header is line 1
    // Apart from where and when, the events are the same.
    je.clear_origin();
    ce.clear_origin();
    je.clear_recorded_at_us();
    ce.clear_recorded_at_us();
    EXPECT_EQ(je.SerializeAsString(), ce.SerializeAsString())
        << "json: " << je.DebugString() << "\ncsv: " << ce.DebugString();
  }
}

TEST(Ingest, SmallBatchesCountEverything) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  std::string text;
  int good = 0, bad = 0;
  for (int i = 1; i <= 10; ++i) {
    if (i % 3 == 0) {
      absl::StrAppend(&text, TaxLine(absl::StrCat("T", i), "1.001"), "\n");  // bad amount
      ++bad;
    } else {
      absl::StrAppend(&text, TaxLine(absl::StrCat("T", i), absl::StrCat(i, ".00")), "\n");
      ++good;
    }
  }
  std::string path = WriteFile(dir, "small.jsonl", text);
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);

  IngestOptions options;
  options.batch_records = 3;
  int after_batch_calls = 0;
  std::vector<IngestCounts> progress;
  options.after_batch = [&] {
    ++after_batch_calls;
    return absl::OkStatus();
  };
  options.progress = [&](const IngestCounts& c) { progress.push_back(c); };

  auto counts = Ingest(log.get(), v1::TAX, {path}, options);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->accepted, good);
  EXPECT_EQ(counts->duplicates, 0);
  EXPECT_EQ(counts->rejected, bad);
  EXPECT_GE(after_batch_calls, 4);  // 10 records in batches of 3
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().accepted, good);
  EXPECT_EQ(progress.back().rejected, bad);
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_GE(progress[i].records(), progress[i - 1].records());
  EXPECT_EQ(log->EventCount(), good);
  auto letters = LettersByLine(log.get(), path);
  EXPECT_EQ(letters.size(), static_cast<size_t>(bad));
  for (int64_t line : {3, 6, 9}) {
    ASSERT_EQ(letters.count(line), 1u) << line;
    EXPECT_TRUE(StartsWith(letters[line].reason(), "amount: ")) << letters[line].reason();
  }

  // Again, in batches of 3: all duplicates.
  auto again = Ingest(log.get(), v1::TAX, {path}, options);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->accepted, 0);
  EXPECT_EQ(again->duplicates, good);
  EXPECT_EQ(again->rejected, bad);
  EXPECT_EQ(log->EventCount(), good);
  EXPECT_EQ(DeadLetters(log.get()).size(), static_cast<size_t>(bad));
}

TEST(Ingest, BatchOfOneAndSeveralFiles) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  std::string a = WriteFile(dir, "a.jsonl", TaxLine("A1", "1.00") + "\n" + TaxLine("A2", "-1") + "\n");
  std::string b = WriteFile(dir, "b.csv",
                            absl::StrCat("record_id,id_number,region,scheme,payer,period,amount,paid_at\n"
                                         "B1,", kId, ",532501,resident,individual,2026,2.00,2025-10-12T09:30:00+08:00\n"
                                         "B2,", kId, ",532501,resident,individual,2026,2.00\n"));
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);
  IngestOptions options;
  options.batch_records = 1;
  auto counts = Ingest(log.get(), v1::TAX, {a, b}, options);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->accepted, 2);
  EXPECT_EQ(counts->rejected, 2);
  auto la = LettersByLine(log.get(), a);
  ASSERT_EQ(la.count(2), 1u);
  EXPECT_TRUE(StartsWith(la[2].reason(), "amount: ")) << la[2].reason();
  auto lb = LettersByLine(log.get(), b);
  ASSERT_EQ(lb.count(3), 1u);
  EXPECT_TRUE(StartsWith(lb[3].reason(), "record: ")) << lb[3].reason();
  EXPECT_EQ(lb[3].record(), absl::StrCat("B2,", kId, ",532501,resident,individual,2026,2.00"));
  auto events = EventsById(log.get());
  EXPECT_EQ(events["B1"].origin().file(), b);
  EXPECT_EQ(events["B1"].origin().line(), 2);
}

// "Bad input never stops a batch and is never lost" (CONTRACT.md): a CSV
// file whose header row cannot be read must not stop the other files, and its
// lines must be kept in the dead-letter store.
TEST(Ingest, MalformedCsvHeaderDoesNotStopTheBatch) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  std::string before = WriteFile(dir, "a.jsonl", TaxLine("A1", "1.00") + "\n");
  const std::string row = absl::StrCat("B1,", kId, ",532501,resident,individual,2026,2.00,2025-10-12T09:30:00+08:00");
  std::string bad = WriteFile(dir, "b.csv",
                              "record_id,id_number,\"region,scheme,payer,period,amount,paid_at\n" + row + "\n");
  std::string after = WriteFile(dir, "c.jsonl", TaxLine("C1", "3.00") + "\n");
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);
  auto counts = Ingest(log.get(), v1::TAX, {before, bad, after});
  ASSERT_TRUE(counts.ok()) << counts.status() << " (events appended before the failure: "
                           << log->EventCount() << ")";
  EXPECT_EQ(counts->accepted, 2);
  auto events = EventsById(log.get());
  EXPECT_EQ(events.count("A1"), 1u);
  EXPECT_EQ(events.count("C1"), 1u);
  auto letters = LettersByLine(log.get(), bad);
  ASSERT_FALSE(letters.empty()) << "the lines of " << bad << " were lost";
  bool row_kept = false;
  for (const auto& [line, d] : letters) {
    EXPECT_TRUE(StartsWith(d.reason(), "record: ")) << d.reason();
    row_kept = row_kept || d.record() == row;
  }
  EXPECT_TRUE(row_kept) << "the data row of " << bad << " is not in the dead-letter store";
}

TEST(Ingest, MissingFileFailsBeforeAnythingIsAppended) {
  const TestDir tmp("enrol-ingest");
  const std::string dir = tmp.path();
  MixedFile m = WriteMixed(dir);
  auto log = OpenLog(dir + "/log");
  ASSERT_NE(log, nullptr);
  const std::string missing = dir + "/missing.jsonl";
  auto counts = Ingest(log.get(), v1::TAX, {m.path, missing});
  EXPECT_FALSE(counts.ok());
  EXPECT_NE(counts.status().message().find("missing.jsonl"), absl::string_view::npos) << counts.status();
  EXPECT_EQ(log->EventCount(), 0);
  EXPECT_TRUE(DeadLetters(log.get()).empty());

  counts = Ingest(log.get(), v1::TAX, {missing, m.path});
  EXPECT_FALSE(counts.ok());
  EXPECT_EQ(log->EventCount(), 0);
  EXPECT_TRUE(DeadLetters(log.get()).empty());

  // With the file in place, the same command goes through.
  WriteFile(dir, "missing.jsonl", TaxLine("M1", "1.00") + "\n");
  counts = Ingest(log.get(), v1::TAX, {m.path, missing});
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->accepted, 5);
  EXPECT_EQ(counts->rejected, 6);
}

}  // namespace
}  // namespace enrol
