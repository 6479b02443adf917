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

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/event.pb.h"

namespace enrol {

// The payload fields of a fact, by payload kind (the slots of StoredFact::v).
namespace slot {
// Contribution (tax pay) and Refund (tax refund).
enum Payment { kScheme, kPayer, kPurpose, kPeriodYear, kPeriodMonth, kAmountFen, kPaidAt, kPaidOn };
// RegistryAction.
enum Registry { kAction, kRegScheme, kKind, kEffective, kFeeWaived, kDeemedMonths, kSex };
// StatusChange.
enum Status { kStatus, kFrom, kTo };
// Claim.
enum Claim { kClaimScheme, kClaimKind, kServiceDate, kSettledAt, kTotalFen, kBasicFen, kCriticalFen };
// ClaimReversal.
enum Reversal { kRevServiceDate, kRevSettledAt };
}  // namespace slot

struct StoredFact {
  v1::Source source = v1::SOURCE_UNSPECIFIED;
  v1::Event::PayloadCase type = v1::Event::PAYLOAD_NOT_SET;
  std::string record_id;
  std::string region;
  std::string pool;
  int32_t business_date = 0;  // yyyymmdd
  std::string target;         // refund_of or reverse_of
  std::array<int64_t, 8> v{};  // payload fields, see `slot`
  // Not content: where and when the log holds the event.
  int64_t offset = -1;         // in the person's partition; -1 unknown
  int64_t recorded_at_us = 0;
};

struct PersonRecord {
  std::string id_number;
  std::vector<StoredFact> facts;  // unique, in (source, record_id) order
  int32_t first_year = 0;         // years[i] answers first_year + i
  std::vector<std::string> years;  // PersonYear, id_number and region cleared
};

// The fact an event states. offset: the event's log position (-1 unknown).
StoredFact FactOfEvent(const v1::Event& e, int64_t offset);
// The event back, content and recorded time (no origin, no content hash).
v1::Event EventOfFact(const StoredFact& f, const std::string& id_number);

// (source, record_id) order, the idempotency key.
bool FactKeyLess(const StoredFact& a, const StoredFact& b);

std::string EncodePersonRecord(const PersonRecord& r);
// kDataLoss when the bytes are not a record of this format.
absl::StatusOr<PersonRecord> DecodePersonRecord(std::string_view bytes);

// The canonical bytes of a fact's content (no offset, no recorded time): the
// digest hashes these, so two ledgers holding the same facts agree however
// the facts arrived.
void AppendFactContent(const StoredFact& f, std::string* out);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_PERSON_RECORD_H_
