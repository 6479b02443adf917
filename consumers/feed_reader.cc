#include "consumers/feed_reader.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json.h"

namespace enrol {
namespace {

// Field names seen so far in one record: a scan while they are as few as a
// feed has, a hash set past that, so a line of 150,000 fields is checked in
// linear time. It holds views: each name must outlive the set.
class NameSet {
 public:
  // True when `name` was added before; adds it otherwise.
  bool Repeats(std::string_view name) {
    if (set_.empty()) {
      for (size_t i = 0; i < count_; ++i) {
        if (few_[i] == name) return true;
      }
      if (count_ < few_.size()) {
        few_[count_++] = name;
        return false;
      }
      set_.insert(few_.begin(), few_.end());
    }
    return !set_.insert(name).second;
  }

 private:
  std::array<std::string_view, 16> few_;
  size_t count_ = 0;
  absl::flat_hash_set<std::string_view> set_;
};

}  // namespace

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool Blank(const std::string& s) {
  for (char c : s) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

std::string NumberText(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v > -1e15 && v < 1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrFormat("%.15g", v);
}

}  // namespace

const RawField* RawRecord::Find(std::string_view name) const {
  for (const RawField& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<FeedReader>> FeedReader::Open(const std::string& path) {
  std::FILE* f = nullptr;
  bool owned = true;
  if (path == "-") {
    f = stdin;
    owned = false;
  } else {
    f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
    }
  }
  std::unique_ptr<FeedReader> reader = FromStream(f, path);
  reader->owned_ = owned;
  return reader;
}

std::unique_ptr<FeedReader> FeedReader::FromStream(std::FILE* f, const std::string& name) {
  bool csv = EndsWith(name, ".csv") || EndsWith(name, ".CSV");
  auto reader = std::unique_ptr<FeedReader>(new FeedReader(f, /*owned=*/false, name, csv));
  reader->sniffed_ = csv || EndsWith(name, ".jsonl") || EndsWith(name, ".json") || EndsWith(name, ".ndjson");
  return reader;
}

FeedReader::FeedReader(std::FILE* f, bool owned, std::string path, bool csv)
    : f_(f), owned_(owned), path_(std::move(path)), csv_(csv) {}

FeedReader::~FeedReader() {
  std::free(buf_);
  if (owned_) std::fclose(f_);
}

bool FeedReader::ReadLine(std::string* line) {
  if (has_pending_) {
    has_pending_ = false;
    *line = std::move(pending_);
    return true;
  }
  errno = 0;
  ssize_t n = ::getline(&buf_, &cap_, f_);
  if (n < 0) {
    // The end, or a failure: a read error, or a line too long to hold
    // (ENOMEM), which must not pass for the end of the file.
    if (!std::feof(f_) || std::ferror(f_)) read_errno_ = errno != 0 ? errno : EIO;
    return false;
  }
  ++line_no_;
  size_t len = static_cast<size_t>(n);
  while (len > 0 && (buf_[len - 1] == '\n' || buf_[len - 1] == '\r')) --len;
  line->assign(buf_, len);
  if (line_no_ == 1 && line->compare(0, 3, "\xEF\xBB\xBF") == 0) line->erase(0, 3);  // BOM
  return true;
}

absl::StatusOr<bool> FeedReader::Next(RawRecord* r) {
  std::string line;
  for (;;) {
    if (!ReadLine(&line)) {
      if (read_errno_ != 0) {
        return absl::UnavailableError(absl::StrCat("reading ", path_, " stopped after line ", line_no_, ": ",
                                                   std::strerror(read_errno_),
                                                   "; the records before it are committed, run again to go on"));
      }
      return false;
    }
    if (Blank(line)) continue;
    if (!sniffed_) {
      sniffed_ = true;
      csv_ = line.find_first_not_of(" \t") == std::string::npos ||
             line[line.find_first_not_of(" \t")] != '{';
    }
    if (csv_ && header_.empty() && header_error_.empty()) {
      // A header that cannot be used makes every row of the file a reject
      // (the header line too), so nothing is lost and the batch goes on.
      if (!IsValidUtf8(line) || !SplitCsvLine(line, &header_) || header_.empty()) {
        header_error_ = "record: the CSV header row (line 1) is malformed";
      }
      NameSet names;
      for (size_t i = 0; i < header_.size() && header_error_.empty(); ++i) {
        std::string& h = header_[i];
        size_t b = h.find_first_not_of(' '), e = h.find_last_not_of(' ');
        h = b == std::string::npos ? std::string() : h.substr(b, e - b + 1);
        if (h.empty()) header_error_ = absl::StrCat("record: CSV header column ", i + 1, " has no name");
        if (header_error_.empty() && names.Repeats(h)) {
          header_error_ = absl::StrCat("record: CSV header names \"", h, "\" twice");
        }
      }
      if (header_error_.empty()) continue;
      header_.clear();
    }
    break;
  }
  r->file = path_;
  r->line = line_no_;
  r->text = std::move(line);
  r->parse_error.clear();
  if (!header_error_.empty()) {
    r->fields.clear();
    r->parse_error = header_error_;
  } else if (!csv_) {
    ParseJson(r);  // simdjson validates UTF-8
  } else if (!IsValidUtf8(r->text)) {
    r->fields.clear();
    r->parse_error = "record: is not valid UTF-8";
  } else {
    r->fields.clear();
    ParseCsv(r);
  }
  return true;
}

void FeedReader::ParseJson(RawRecord* r) { ParseJsonRecord(json_, r); }

namespace {

// ParseJsonRecord's work; *used counts the field slots it filled.
void ParseJsonFields(simdjson::dom::parser& parser, RawRecord* r, size_t* used) {
  r->parse_error.clear();
  simdjson::dom::element doc;
  auto err = parser.parse(r->text.data(), r->text.size(), /*realloc_if_needed=*/true).get(doc);
  if (err) {
    r->parse_error = err == simdjson::UTF8_ERROR
                         ? "record: is not valid UTF-8"
                         : absl::StrCat("record: is not a JSON object (", simdjson::error_message(err), ")");
    return;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    r->parse_error = "record: is not a JSON object";
    return;
  }
  NameSet names;  // views of the parser's keys, which live until the next parse
  for (auto field : obj) {
    if (names.Repeats(field.key)) {
      r->parse_error = absl::StrCat("record: field \"", std::string(field.key), "\" appears twice");
      return;
    }
    if (*used == r->fields.size()) r->fields.emplace_back();
    RawField& f = r->fields[(*used)++];
    f.name.assign(field.key.data(), field.key.size());
    f.value.clear();
    simdjson::dom::element v = field.value;
    switch (v.type()) {
      case simdjson::dom::element_type::STRING: {
        std::string_view sv = v.get_string().value_unsafe();
        f.value.assign(sv.data(), sv.size());
        f.kind = RawField::Kind::kString;
        break;
      }
      case simdjson::dom::element_type::INT64:
        f.value = absl::StrCat(v.get_int64().value_unsafe());
        f.kind = RawField::Kind::kNumber;
        break;
      case simdjson::dom::element_type::UINT64:
        f.value = absl::StrCat(v.get_uint64().value_unsafe());
        f.kind = RawField::Kind::kNumber;
        break;
      case simdjson::dom::element_type::DOUBLE:
        f.value = NumberText(v.get_double().value_unsafe());
        f.kind = RawField::Kind::kNumber;
        break;
      case simdjson::dom::element_type::BOOL:
        f.value = v.get_bool().value_unsafe() ? "true" : "false";
        f.kind = RawField::Kind::kBool;
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        f.kind = RawField::Kind::kNull;
        break;
      default:
        f.kind = RawField::Kind::kOther;
        break;
    }
  }
}

}  // namespace

void ParseJsonRecord(simdjson::dom::parser& parser, RawRecord* r) {
  // The record's field slots are reused from its last line, strings and
  // all, and cut to the fields this line has.
  size_t used = 0;
  ParseJsonFields(parser, r, &used);
  r->fields.resize(used);
}

void FeedReader::ParseCsv(RawRecord* r) {
  std::vector<std::string> cells;
  if (!SplitCsvLine(r->text, &cells)) {
    r->parse_error = "record: malformed CSV quoting";
    return;
  }
  if (cells.size() != header_.size()) {
    r->parse_error = absl::StrCat("record: has ", cells.size(), " CSV columns, the header has ",
                                  header_.size());
    return;
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    RawField f;
    f.name = header_[i];
    f.kind = cells[i].empty() ? RawField::Kind::kNull : RawField::Kind::kString;
    f.value = std::move(cells[i]);
    r->fields.push_back(std::move(f));
  }
}

bool SplitCsvLine(const std::string& line, std::vector<std::string>* cells) {
  cells->clear();
  std::string cell;
  size_t i = 0;
  const size_t n = line.size();
  for (;;) {
    cell.clear();
    if (i < n && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= n) return false;  // unterminated quote
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            cell.push_back('"');
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          cell.push_back(line[i++]);
        }
      }
      if (i < n && line[i] != ',') return false;
    } else {
      while (i < n && line[i] != ',') {
        if (line[i] == '"') return false;
        cell.push_back(line[i++]);
      }
    }
    cells->push_back(cell);
    if (i >= n) break;
    ++i;  // the comma
  }
  return true;
}

}  // namespace enrol
