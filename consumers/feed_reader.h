// Streaming readers for the feed formats of CONTRACT.md: JSON Lines, and CSV
// with a header row of the same field names. A reader holds one line at a
// time, so memory does not grow with the file. Records come out as named
// string fields for validate.h; a line that cannot be read as a record comes
// out with parse_error set, never dropped.
//
// Thread-compatible: one reader per thread.
#ifndef ENROL_CONSUMERS_FEED_READER_H_
#define ENROL_CONSUMERS_FEED_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "simdjson.h"

namespace enrol {

struct RawField {
  enum class Kind { kString, kNumber, kBool, kNull, kOther };
  std::string name;
  std::string value;  // text of a string, number or bool
  Kind kind = Kind::kString;
};

struct RawRecord {
  std::string file;
  int64_t line = 0;       // 1-based line number in the file
  std::string text;       // the line as read, without its line ending
  std::vector<RawField> fields;
  std::string parse_error;  // "record: ..." when the line is not a record

  const RawField* Find(std::string_view name) const;
};

class FeedReader {
 public:
  // path "-" reads standard input. The format is CSV when the path ends in
  // ".csv", JSON Lines when it ends in ".jsonl"/".json"/".ndjson", and
  // otherwise sniffed from the first non-blank line ('{' means JSON Lines).
  static absl::StatusOr<std::unique_ptr<FeedReader>> Open(const std::string& path);
  // Reads an open stream (not closed by the reader); `name` names it in
  // records and decides the format as a path would.
  static std::unique_ptr<FeedReader> FromStream(std::FILE* f, const std::string& name);
  ~FeedReader();

  // The next record; false at the end of the file. kUnavailable on a read error.
  absl::StatusOr<bool> Next(RawRecord* record);

 private:
  FeedReader(std::FILE* f, bool owned, std::string path, bool csv);
  bool ReadLine(std::string* line);
  void ParseJson(RawRecord* r);
  void ParseCsv(RawRecord* r);

  std::FILE* f_;
  bool owned_;
  std::string path_;
  bool csv_;
  bool sniffed_ = false;
  std::vector<std::string> header_;
  std::string header_error_;  // set when the CSV header is unusable
  int64_t line_no_ = 0;
  int read_errno_ = 0;  // why reading stopped, when it was not the end
  char* buf_ = nullptr;
  size_t cap_ = 0;
  std::string pending_;  // a line read while sniffing
  bool has_pending_ = false;
  simdjson::dom::parser json_;
};

// Parses one JSON Lines record (r->text) into r's fields, or sets
// r->parse_error. `parser` is reused between calls.
void ParseJsonRecord(simdjson::dom::parser& parser, RawRecord* r);

// Splits one CSV line (RFC 4180 quoting, no embedded line breaks).
// false when the quoting is malformed.
bool SplitCsvLine(const std::string& line, std::vector<std::string>* cells);

}  // namespace enrol

#endif  // ENROL_CONSUMERS_FEED_READER_H_
