// Tests of FeedReader and SplitCsvLine against the feed formats of
// CONTRACT.md: JSON Lines, and CSV with a header row of the same field names.
#include "consumers/feed_reader.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

// Writes `bytes` exactly (no newline translation) to the test's directory/name.
std::string WriteFile(const TestDir& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir.NewPath(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return path;
}

// Every record of the file; fails the test on an Open or read error.
std::vector<RawRecord> ReadAll(const std::string& path) {
  std::vector<RawRecord> out;
  auto reader = FeedReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return out;
  for (;;) {
    RawRecord r;
    auto more = (*reader)->Next(&r);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    out.push_back(std::move(r));
  }
  return out;
}

// The value of a field, "<absent>" when the field is missing or null (an
// empty CSV cell counts as absent).
std::string Value(const RawRecord& r, const std::string& name) {
  const RawField* f = r.Find(name);
  if (f == nullptr || f->kind == RawField::Kind::kNull) return "<absent>";
  return f->value;
}

bool Absent(const RawRecord& r, const std::string& name) {
  const RawField* f = r.Find(name);
  return f == nullptr || f->kind == RawField::Kind::kNull;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// ---------------------------------------------------------------------------
// JSON Lines

TEST(FeedReaderJsonl, ReadsFieldsWithKindsAndPositions) {
  const TestDir tmp("enrol-feed-reader");
  std::string path = WriteFile(
      tmp, "tax.jsonl",
      "{\"record_id\":\"T1\",\"amount\":\"400.00\",\"n\":12,\"d\":1.5,\"b\":true,\"z\":null,"
      "\"o\":{\"x\":1},\"a\":[1]}\n"
      "{\"record_id\":\"T2\",\"note\":\"\xE4\xB8\xAD\xE6\x96\x87 \\\"q\\\"\"}\n");
  auto records = ReadAll(path);
  ASSERT_EQ(records.size(), 2u);
  const RawRecord& r = records[0];
  EXPECT_EQ(r.file, path);
  EXPECT_EQ(r.line, 1);
  EXPECT_TRUE(r.parse_error.empty()) << r.parse_error;
  EXPECT_EQ(r.text,
            "{\"record_id\":\"T1\",\"amount\":\"400.00\",\"n\":12,\"d\":1.5,\"b\":true,\"z\":null,"
            "\"o\":{\"x\":1},\"a\":[1]}");
  ASSERT_NE(r.Find("record_id"), nullptr);
  EXPECT_EQ(r.Find("record_id")->value, "T1");
  EXPECT_EQ(r.Find("record_id")->kind, RawField::Kind::kString);
  EXPECT_EQ(r.Find("amount")->value, "400.00");
  EXPECT_EQ(r.Find("amount")->kind, RawField::Kind::kString);
  EXPECT_EQ(r.Find("n")->kind, RawField::Kind::kNumber);
  EXPECT_EQ(r.Find("n")->value, "12");
  EXPECT_EQ(r.Find("d")->kind, RawField::Kind::kNumber);
  EXPECT_EQ(r.Find("d")->value, "1.5");
  EXPECT_EQ(r.Find("b")->kind, RawField::Kind::kBool);
  EXPECT_EQ(r.Find("b")->value, "true");
  EXPECT_EQ(r.Find("z")->kind, RawField::Kind::kNull);
  EXPECT_EQ(r.Find("o")->kind, RawField::Kind::kOther);
  EXPECT_EQ(r.Find("a")->kind, RawField::Kind::kOther);
  EXPECT_EQ(r.Find("missing"), nullptr);

  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(Value(records[1], "note"), "\xE4\xB8\xAD\xE6\x96\x87 \"q\"");
}

TEST(FeedReaderJsonl, LastLineWithoutNewlineIsRead) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "a.jsonl", "{\"record_id\":\"A\"}\n{\"record_id\":\"B\"}"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(Value(records[1], "record_id"), "B");
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].text, "{\"record_id\":\"B\"}");
}

TEST(FeedReaderJsonl, BadLinesComeOutWithParseErrorAndDoNotStopTheFile) {
  const TestDir tmp("enrol-feed-reader");
  std::string path = WriteFile(tmp, "bad.jsonl",
                               "{\"record_id\":\"A\"}\n"
                               "{\"record_id\":\"B\",\n"          // truncated
                               "[1,2,3]\n"                         // not an object
                               "\"just a string\"\n"               // not an object
                               "{\"record_id\":\"C\",\"record_id\":\"D\"}\n"  // key twice
                               "not json at all\n"
                               "{\"record_id\":\"E\"}\n");
  auto records = ReadAll(path);
  ASSERT_EQ(records.size(), 7u);
  EXPECT_TRUE(records[0].parse_error.empty());
  for (int i = 1; i <= 5; ++i) {
    SCOPED_TRACE(records[i].text);
    EXPECT_TRUE(StartsWith(records[i].parse_error, "record: ")) << records[i].parse_error;
    EXPECT_EQ(records[i].line, i + 1);
    EXPECT_EQ(records[i].file, path);
  }
  EXPECT_EQ(records[1].text, "{\"record_id\":\"B\",");
  EXPECT_EQ(records[5].text, "not json at all");
  EXPECT_TRUE(records[6].parse_error.empty());
  EXPECT_EQ(Value(records[6], "record_id"), "E");
  EXPECT_EQ(records[6].line, 7);
}

TEST(FeedReaderJsonl, BlankLinesAreSkippedButCounted) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "blank.jsonl",
                                   "\n{\"record_id\":\"A\"}\n\n   \n\t\n{\"record_id\":\"B\"}\n\n"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(records[1].line, 6);
  EXPECT_EQ(Value(records[1], "record_id"), "B");
}

TEST(FeedReaderJsonl, CrlfLineEndingsAreStripped) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "crlf.jsonl",
                                   "{\"record_id\":\"A\",\"amount\":\"1.00\"}\r\n\r\n"
                                   "{\"record_id\":\"B\"}\r\n"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].parse_error.empty()) << records[0].parse_error;
  EXPECT_EQ(records[0].text, "{\"record_id\":\"A\",\"amount\":\"1.00\"}");
  EXPECT_EQ(Value(records[0], "amount"), "1.00");
  EXPECT_EQ(records[1].line, 3);
  EXPECT_EQ(records[1].text, "{\"record_id\":\"B\"}");
}

TEST(FeedReaderJsonl, Utf8BomIsIgnored) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "bom.jsonl", "\xEF\xBB\xBF{\"record_id\":\"A\"}\n{\"record_id\":\"B\"}\n"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].parse_error.empty()) << records[0].parse_error;
  EXPECT_EQ(Value(records[0], "record_id"), "A");
  EXPECT_EQ(records[0].line, 1);
}

TEST(FeedReaderJsonl, InvalidUtf8LineIsAParseErrorKeptVerbatim) {
  const TestDir tmp("enrol-feed-reader");
  const std::string bad = "{\"record_id\":\"B\",\"note\":\"\xC3\x28\xFF\"}";
  auto records =
      ReadAll(WriteFile(tmp, "utf8.jsonl", "{\"record_id\":\"A\"}\n" + bad + "\n{\"record_id\":\"C\"}\n"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0].parse_error.empty());
  EXPECT_TRUE(StartsWith(records[1].parse_error, "record: ")) << records[1].parse_error;
  EXPECT_NE(records[1].parse_error.find("UTF-8"), std::string::npos) << records[1].parse_error;
  EXPECT_EQ(records[1].text, bad);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_TRUE(records[2].parse_error.empty());
  EXPECT_EQ(Value(records[2], "record_id"), "C");
}

// ---------------------------------------------------------------------------
// CSV

TEST(FeedReaderCsv, HeaderNamesTheFields) {
  const TestDir tmp("enrol-feed-reader");
  std::string path = WriteFile(tmp, "tax.csv",
                               "record_id,id_number,amount\n"
                               "T1,532501199001011239,400.00\n"
                               "T2,532501199001011239,12.5\n");
  auto records = ReadAll(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].file, path);
  EXPECT_EQ(records[0].line, 2);  // the header is line 1
  EXPECT_EQ(records[0].text, "T1,532501199001011239,400.00");
  EXPECT_TRUE(records[0].parse_error.empty()) << records[0].parse_error;
  ASSERT_EQ(records[0].fields.size(), 3u);
  EXPECT_EQ(Value(records[0], "record_id"), "T1");
  EXPECT_EQ(Value(records[0], "id_number"), "532501199001011239");
  EXPECT_EQ(Value(records[0], "amount"), "400.00");
  EXPECT_EQ(records[0].Find("amount")->kind, RawField::Kind::kString);
  EXPECT_EQ(records[1].line, 3);
  EXPECT_EQ(Value(records[1], "amount"), "12.5");
}

TEST(FeedReaderCsv, HeaderOnlyFileHasNoRecords) {
  const TestDir tmp("enrol-feed-reader");
  EXPECT_TRUE(ReadAll(WriteFile(tmp, "empty.csv", "record_id,amount\n")).empty());
  EXPECT_TRUE(ReadAll(WriteFile(tmp, "empty2.csv", "")).empty());
}

TEST(FeedReaderCsv, QuotedCellsKeepCommasAndDoubledQuotes) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "q.csv",
                                   "record_id,note,amount\n"
                                   "T1,\"a, b, c\",\"400.00\"\n"
                                   "T2,\"he said \"\"hi\"\"\",1\n"
                                   "\"T3\",\"\"\"\",2\n"));
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) EXPECT_TRUE(r.parse_error.empty()) << r.text << ": " << r.parse_error;
  EXPECT_EQ(Value(records[0], "note"), "a, b, c");
  EXPECT_EQ(Value(records[0], "amount"), "400.00");
  EXPECT_EQ(Value(records[1], "note"), "he said \"hi\"");
  EXPECT_EQ(Value(records[1], "amount"), "1");
  EXPECT_EQ(Value(records[2], "record_id"), "T3");
  EXPECT_EQ(Value(records[2], "note"), "\"");
  EXPECT_EQ(records[1].text, "T2,\"he said \"\"hi\"\"\",1");
}

TEST(FeedReaderCsv, EmptyCellsAreAbsent) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "e.csv",
                                   "record_id,purpose,refund_of,amount\n"
                                   "T1,,,400.00\n"
                                   "T2,regular,,\n"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].parse_error.empty()) << records[0].parse_error;
  EXPECT_TRUE(Absent(records[0], "purpose"));
  EXPECT_TRUE(Absent(records[0], "refund_of"));
  EXPECT_FALSE(Absent(records[0], "amount"));
  EXPECT_TRUE(records[1].parse_error.empty()) << records[1].parse_error;
  EXPECT_EQ(Value(records[1], "purpose"), "regular");
  EXPECT_TRUE(Absent(records[1], "refund_of"));
  EXPECT_TRUE(Absent(records[1], "amount"));  // trailing empty cell
}

TEST(FeedReaderCsv, WrongColumnCountIsAParseError) {
  const TestDir tmp("enrol-feed-reader");
  std::string path = WriteFile(tmp, "cols.csv",
                               "record_id,id_number,amount\n"
                               "T1,532501199001011239\n"
                               "T2,532501199001011239,1.00,extra\n"
                               "T3,532501199001011239,3.00\n");
  auto records = ReadAll(path);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(StartsWith(records[0].parse_error, "record: ")) << records[0].parse_error;
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(records[0].text, "T1,532501199001011239");
  EXPECT_TRUE(StartsWith(records[1].parse_error, "record: ")) << records[1].parse_error;
  EXPECT_EQ(records[1].line, 3);
  EXPECT_TRUE(records[2].parse_error.empty()) << records[2].parse_error;
  EXPECT_EQ(Value(records[2], "amount"), "3.00");
  EXPECT_EQ(records[2].line, 4);
}

TEST(FeedReaderCsv, MalformedQuotingIsAParseError) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "mq.csv",
                                   "record_id,note\n"
                                   "T1,\"unterminated\n"
                                   "T2,\"closed\"trailing\n"
                                   "T3,bare\"quote\n"
                                   "T4,fine\n"));
  ASSERT_EQ(records.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(records[i].text);
    EXPECT_TRUE(StartsWith(records[i].parse_error, "record: ")) << records[i].parse_error;
    EXPECT_EQ(records[i].line, i + 2);
  }
  EXPECT_EQ(records[0].text, "T1,\"unterminated");
  EXPECT_TRUE(records[3].parse_error.empty());
  EXPECT_EQ(Value(records[3], "note"), "fine");
}

// A JSON Lines record that names a field twice is a parse error; a CSV header
// that names a column twice must not silently drop one of the two values.
TEST(FeedReaderCsv, RepeatedHeaderNameDoesNotLoseAValue) {
  const TestDir tmp("enrol-feed-reader");
  auto reader = FeedReader::Open(WriteFile(tmp, "dup.csv", "record_id,amount,amount\nT1,1.00,2.00\n"));
  ASSERT_TRUE(reader.ok()) << reader.status();
  RawRecord r;
  auto more = (*reader)->Next(&r);
  if (!more.ok()) return;  // refusing the file is fine
  ASSERT_TRUE(*more);
  EXPECT_TRUE(StartsWith(r.parse_error, "record: "))
      << "the record was read with amount=" << Value(r, "amount") << " and the other value dropped";
}

TEST(FeedReaderCsv, BlankLinesAreSkippedButCounted) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "blank.csv", "\nrecord_id,amount\n\nT1,1\n  \n\nT2,2\n"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 4);
  EXPECT_EQ(Value(records[0], "record_id"), "T1");
  EXPECT_EQ(records[1].line, 7);
  EXPECT_EQ(Value(records[1], "amount"), "2");
}

TEST(FeedReaderCsv, CrlfLineEndingsAreStripped) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "crlf.csv", "record_id,amount\r\nT1,400.00\r\n\r\nT2,\r\n"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].parse_error.empty()) << records[0].parse_error;
  EXPECT_EQ(records[0].text, "T1,400.00");
  EXPECT_EQ(Value(records[0], "amount"), "400.00");  // no '\r' in the last cell
  ASSERT_NE(records[0].Find("amount"), nullptr);     // the header's last name has no '\r'
  EXPECT_EQ(records[1].line, 4);
  EXPECT_TRUE(Absent(records[1], "amount"));
}

TEST(FeedReaderCsv, Utf8BomIsIgnored) {
  const TestDir tmp("enrol-feed-reader");
  auto records = ReadAll(WriteFile(tmp, "bom.csv", "\xEF\xBB\xBFrecord_id,amount\nT1,1.00\n"));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].parse_error.empty()) << records[0].parse_error;
  ASSERT_NE(records[0].Find("record_id"), nullptr) << "the BOM became part of the first name";
  EXPECT_EQ(Value(records[0], "record_id"), "T1");
}

TEST(FeedReaderCsv, InvalidUtf8LineIsAParseErrorKeptVerbatim) {
  const TestDir tmp("enrol-feed-reader");
  const std::string bad = "T2,caf\xE9";
  auto records = ReadAll(WriteFile(tmp, "utf8.csv", "record_id,note\nT1,ok\n" + bad + "\nT3,ok\n"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0].parse_error.empty());
  EXPECT_TRUE(StartsWith(records[1].parse_error, "record: ")) << records[1].parse_error;
  EXPECT_NE(records[1].parse_error.find("UTF-8"), std::string::npos) << records[1].parse_error;
  EXPECT_EQ(records[1].text, bad);
  EXPECT_EQ(records[1].line, 3);
  EXPECT_TRUE(records[2].parse_error.empty());
  EXPECT_EQ(Value(records[2], "record_id"), "T3");
}

// ---------------------------------------------------------------------------
// Format choice

TEST(FeedReaderFormat, PathWithoutExtensionIsSniffed) {
  const TestDir tmp("enrol-feed-reader");
  auto json = ReadAll(WriteFile(tmp, "feed_json", "\n  \n{\"record_id\":\"A\",\"amount\":\"1.00\"}\n"));
  ASSERT_EQ(json.size(), 1u);
  EXPECT_TRUE(json[0].parse_error.empty()) << json[0].parse_error;
  EXPECT_EQ(Value(json[0], "amount"), "1.00");
  EXPECT_EQ(json[0].line, 3);

  auto csv = ReadAll(WriteFile(tmp, "feed_csv", "record_id,amount\nA,1.00\nB,2.00\n"));
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_TRUE(csv[0].parse_error.empty()) << csv[0].parse_error;
  EXPECT_EQ(Value(csv[0], "record_id"), "A");
  EXPECT_EQ(Value(csv[1], "amount"), "2.00");
  EXPECT_EQ(csv[1].line, 3);

  auto bom = ReadAll(WriteFile(tmp, "feed_bom", "\xEF\xBB\xBF{\"record_id\":\"A\"}\n"));
  ASSERT_EQ(bom.size(), 1u);
  EXPECT_TRUE(bom[0].parse_error.empty()) << bom[0].parse_error;
  EXPECT_EQ(Value(bom[0], "record_id"), "A");

  auto bom_csv = ReadAll(WriteFile(tmp, "feed_bom_csv", "\xEF\xBB\xBFrecord_id\nA\n"));
  ASSERT_EQ(bom_csv.size(), 1u);
  EXPECT_EQ(Value(bom_csv[0], "record_id"), "A");
}

TEST(FeedReaderFormat, ExtensionDecidesOverContent) {
  const TestDir tmp("enrol-feed-reader");
  // A .jsonl file whose first line is not JSON is JSON Lines all the same.
  auto jsonl = ReadAll(WriteFile(tmp, "x.jsonl", "record_id,amount\n{\"record_id\":\"A\"}\n"));
  ASSERT_EQ(jsonl.size(), 2u);
  EXPECT_TRUE(StartsWith(jsonl[0].parse_error, "record: "));
  EXPECT_TRUE(jsonl[1].parse_error.empty());
  auto ndjson = ReadAll(WriteFile(tmp, "x.ndjson", "{\"record_id\":\"A\"}\n"));
  ASSERT_EQ(ndjson.size(), 1u);
  EXPECT_EQ(Value(ndjson[0], "record_id"), "A");
}

TEST(FeedReaderFormat, MissingFileIsNotFound) {
  const TestDir tmp("enrol-feed-reader");
  auto reader = FeedReader::Open(tmp.NewPath("does-not-exist.jsonl"));
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound) << reader.status();
}

// ---------------------------------------------------------------------------
// Streaming a large file

TEST(FeedReaderLarge, ReadsTwoHundredThousandJsonLinesOneByOne) {
  const TestDir tmp("enrol-feed-reader");
  constexpr int kLines = 200000;
  std::string path = tmp.NewPath("big.jsonl");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 1; i <= kLines; ++i) {
      if (i % 50000 == 0) {
        out << "\n";  // a blank line: skipped, but counted
        continue;
      }
      out << "{\"record_id\":\"T" << i << "\",\"id_number\":\"532501199001011239\",\"amount\":\""
          << i % 1000 << ".00\"}\n";
    }
  }
  auto reader = FeedReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  RawRecord r;  // one record reused: the reader streams
  int64_t count = 0;
  int64_t last_line = 0;
  int errors = 0;
  for (;;) {
    auto more = (*reader)->Next(&r);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ++count;
    if (!r.parse_error.empty()) ++errors;
    EXPECT_GT(r.line, last_line);
    last_line = r.line;
    if (r.line % 20011 == 0) {
      EXPECT_EQ(Value(r, "record_id"), absl::StrCat("T", r.line));
      EXPECT_EQ(Value(r, "amount"), absl::StrCat(r.line % 1000, ".00"));
    }
  }
  EXPECT_EQ(count, kLines - kLines / 50000);
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(last_line, kLines - 1);  // the last line is blank
  reader->reset();
  std::filesystem::remove(path);
}

TEST(FeedReaderLarge, ReadsTwoHundredThousandCsvLinesOneByOne) {
  const TestDir tmp("enrol-feed-reader");
  constexpr int kRows = 200000;
  std::string path = tmp.NewPath("big.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "record_id,note,amount\n";
    for (int i = 1; i <= kRows; ++i) out << "T" << i << ",\"n, " << i << "\"," << i % 1000 << ".50\n";
  }
  auto reader = FeedReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  RawRecord r;
  int64_t count = 0;
  for (;;) {
    auto more = (*reader)->Next(&r);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ++count;
    ASSERT_TRUE(r.parse_error.empty()) << r.line << ": " << r.parse_error;
    ASSERT_EQ(r.line, count + 1);
    if (count % 40000 == 0) {
      EXPECT_EQ(Value(r, "record_id"), absl::StrCat("T", count));
      EXPECT_EQ(Value(r, "note"), absl::StrCat("n, ", count));
    }
  }
  EXPECT_EQ(count, kRows);
  EXPECT_EQ(r.line, kRows + 1);
  EXPECT_EQ(Value(r, "amount"), absl::StrCat(kRows % 1000, ".50"));
  reader->reset();
  std::filesystem::remove(path);
}

// ---------------------------------------------------------------------------
// SplitCsvLine

std::vector<std::string> Split(const std::string& line, bool* ok) {
  std::vector<std::string> cells;
  *ok = SplitCsvLine(line, &cells);
  return cells;
}

TEST(SplitCsvLine, SplitsPlainAndQuotedCells) {
  bool ok = false;
  EXPECT_EQ(Split("a,b,c", &ok), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(Split("a,,c", &ok), (std::vector<std::string>{"a", "", "c"}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(Split("a,", &ok), (std::vector<std::string>{"a", ""}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(Split(",", &ok), (std::vector<std::string>{"", ""}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(Split("", &ok), (std::vector<std::string>{""}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(Split("\"x,y\",\"he said \"\"hi\"\"\",\"\"", &ok),
            (std::vector<std::string>{"x,y", "he said \"hi\"", ""}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(Split("\"\"\"\"", &ok), (std::vector<std::string>{"\""}));
  EXPECT_TRUE(ok);
  EXPECT_EQ(Split("a b, c ", &ok), (std::vector<std::string>{"a b", " c "}));
  EXPECT_TRUE(ok);
}

TEST(SplitCsvLine, RejectsMalformedQuoting) {
  bool ok = true;
  Split("\"open", &ok);
  EXPECT_FALSE(ok);
  Split("a,\"open,b", &ok);
  EXPECT_FALSE(ok);
  Split("\"x\"y,b", &ok);
  EXPECT_FALSE(ok);
  Split("a\"b,c", &ok);
  EXPECT_FALSE(ok);
  Split("\"a\"\"", &ok);  // the doubled quote leaves the cell open
  EXPECT_FALSE(ok);
}

// A line of 150,000 fields is checked for repeated names in linear time
// (it took 20 s before); the repeat is still found, at the end.
TEST(FeedReaderJsonl, RepeatedNameAmongVeryManyFieldsIsFound) {
  const TestDir tmp("enrol-feed-reader");
  std::string line = "{";
  for (int i = 0; i < 150000; ++i) absl::StrAppend(&line, "\"f", i, "\":\"x\",");
  line += "\"f7\":\"y\"}\n";
  auto records = ReadAll(WriteFile(tmp, "many.jsonl", line));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].parse_error, "record: field \"f7\" appears twice");
}

}  // namespace
}  // namespace enrol
