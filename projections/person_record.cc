#include "projections/person_record.h"

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"

namespace enrol {
namespace {

using fact_codec::PutSigned;
using fact_codec::PutString;
using fact_codec::PutVarint;

constexpr uint8_t kFormat = 1;

}  // namespace

std::string EncodePersonRecord(const PersonRecord& r) {
  // Region and pool codes are few per person (one to three): a table, then
  // indexes into it, found by a linear search.
  std::vector<std::string_view> areas;
  auto index = [&areas](std::string_view s) -> uint64_t {
    for (size_t i = 0; i < areas.size(); ++i) {
      if (areas[i] == s) return i;
    }
    areas.push_back(s);
    return areas.size() - 1;
  };
  for (const StoredFact& f : r.facts) {
    index(f.region);
    index(f.pool);
  }
  std::string out;
  out.reserve(64 + r.facts.size() * 40 + r.years.size() * 128);
  out.push_back(static_cast<char>(kFormat));
  PutString(&out, r.id_number);
  PutVarint(&out, areas.size());
  for (std::string_view a : areas) PutString(&out, a);
  PutSigned(&out, r.first_year);
  PutVarint(&out, r.years.size());
  for (const std::string& y : r.years) PutString(&out, y);
  PutVarint(&out, r.facts.size());
  int64_t last_recorded = 0;
  for (const StoredFact& f : r.facts) {
    fact_codec::AppendContent(f, &out, [&](const std::string& s) { PutVarint(&out, index(s)); });
    PutVarint(&out, static_cast<uint64_t>(f.offset + 1));
    PutSigned(&out, f.recorded_at_us - last_recorded);
    last_recorded = f.recorded_at_us;
  }
  return out;
}

absl::StatusOr<PersonRecord> DecodePersonRecord(std::string_view bytes) {
  auto bad = [](const char* what) {
    return absl::DataLossError(absl::StrCat("a person record is corrupt (", what, ")"));
  };
  fact_codec::Reader in(bytes);
  PersonRecord r;
  uint8_t format = 0;
  if (!in.Byte(&format) || format != kFormat) return bad("unknown format");
  uint64_t n = 0;
  if (!in.String(&r.id_number) || !in.Varint(&n) || n > bytes.size()) return bad("areas");
  std::vector<std::string> areas(n);
  for (auto& a : areas) {
    if (!in.String(&a)) return bad("areas");
  }
  int64_t first = 0;
  if (!in.Signed(&first) || !in.Varint(&n) || n > bytes.size()) return bad("years");
  r.first_year = static_cast<int32_t>(first);
  r.years.resize(n);
  for (auto& y : r.years) {
    if (!in.String(&y)) return bad("years");
  }
  if (!in.Varint(&n) || n > bytes.size()) return bad("facts");
  r.facts.resize(n);
  int64_t last_recorded = 0;
  auto area = [&](std::string* s) {
    uint64_t i = 0;
    if (!in.Varint(&i) || i >= areas.size()) return false;
    *s = areas[i];
    return true;
  };
  for (StoredFact& f : r.facts) {
    uint64_t offset = 0;
    int64_t recorded = 0;
    if (!in.Content(&f, area)) return bad("fact");
    if (!in.Varint(&offset) || !in.Signed(&recorded)) return bad("fact position");
    f.offset = static_cast<int64_t>(offset) - 1;
    f.recorded_at_us = last_recorded + recorded;
    last_recorded = f.recorded_at_us;
  }
  if (!in.AtEnd()) return bad("trailing bytes");
  return r;
}

}  // namespace enrol
