// PersonRecord: a person's projection as the state store keeps it. Each fact
// is the whole content of its event in a compact form (day numbers as
// yyyymmdd varints, fen, enums as small integers, region and pool interned),
// with its log position and recorded time; the derived years follow as their
// serialized answers. No copy of a full event is kept: what only the log has
// (origin file and line) is read from the log by position.
//
// The encoded value opens with a format byte and holds the ID number itself,
// so that a store keyed by a pseudonym of the ID, or a value encrypted whole,
// needs no other change (proto/README.md, "The projection").
//
// Plain values; the functions are thread-safe.
#ifndef ENROL_PROJECTIONS_PERSON_RECORD_H_
#define ENROL_PROJECTIONS_PERSON_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/fact.h"

namespace enrol {

struct PersonRecord {
  std::string id_number;
  std::vector<StoredFact> facts;  // unique, in (source, record_id) order
  int32_t first_year = 0;         // years[i] answers first_year + i
  std::vector<std::string> years;  // PersonYear, id_number and region cleared
};

std::string EncodePersonRecord(const PersonRecord& r);
// kDataLoss when the bytes are not a record of this format.
absl::StatusOr<PersonRecord> DecodePersonRecord(std::string_view bytes);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_PERSON_RECORD_H_
