// Fact: the content of one event in a compact, typed form (day numbers as
// yyyymmdd, fen, enums as small integers, the payload's fields as slots), with
// its log position and recorded time. The embedded log stores events in this
// form and the projection keeps a person's facts in it; both read it without
// building protobuf messages. Its canonical content bytes are written down in
// proto/README.md.
//
// Plain values; the functions are thread-safe.
#ifndef ENROL_LEDGER_FACT_H_
#define ENROL_LEDGER_FACT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

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

// The fact an event states. offset: the event's log position (-1 unknown).
StoredFact FactOfEvent(const v1::Event& e, int64_t offset);
// The event back: content and recorded time (no event_id, origin or content hash).
v1::Event EventOfFact(const StoredFact& f, const std::string& id_number);

// (source, record_id) order, the idempotency key.
bool FactKeyLess(const StoredFact& a, const StoredFact& b);

// The canonical bytes of a fact's content (no offset, no recorded time):
// source u8, kind u8, record_id, region, pool (strings), business_date, the
// target of a refund or reversal, the payload's slots (signed varints).
void AppendFactContent(const StoredFact& f, std::string* out);

// Fact content as AppendFactContent writes it, with region and pool written by
// `put_area` (a person record interns them).
namespace fact_codec {

// Inline: a person's record and digest put a few hundred of these, and the
// calls were a twentieth of a replay's CPU.
void PutLongVarint(std::string* out, uint64_t v);  // v >= 0x80
inline void PutVarint(std::string* out, uint64_t v) {
  if (v < 0x80) {  // most of them: lengths, indexes, small figures
    out->push_back(static_cast<char>(v));
    return;
  }
  PutLongVarint(out, v);
}
inline void PutSigned(std::string* out, int64_t v) {  // zigzag, as protobuf's sint64
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
inline void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}
inline int SlotCount(v1::Event::PayloadCase type) {
  switch (type) {
    case v1::Event::kContribution:
    case v1::Event::kRefund: return 8;
    case v1::Event::kRegistry: return 7;
    case v1::Event::kStatus: return 3;
    case v1::Event::kClaim: return 7;
    case v1::Event::kClaimReversal: return 2;
    default: return 0;
  }
}
inline bool HasTarget(v1::Event::PayloadCase type) {
  return type == v1::Event::kRefund || type == v1::Event::kClaimReversal;
}

template <typename PutArea>
void AppendContent(const StoredFact& f, std::string* out, const PutArea& put_area) {
  out->push_back(static_cast<char>(f.source));
  out->push_back(static_cast<char>(f.type));
  PutString(out, f.record_id);
  put_area(f.region);
  put_area(f.pool);
  PutSigned(out, f.business_date);
  if (HasTarget(f.type)) PutString(out, f.target);
  const int slots = SlotCount(f.type);
  for (int i = 0; i < slots; ++i) PutSigned(out, f.v[static_cast<size_t>(i)]);
}

// A bounds-checked reader of these encodings; every call returns false at the
// end of the input or on a malformed varint.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bool Varint(uint64_t* v);
  bool Signed(int64_t* v);
  bool String(std::string* s);
  bool Byte(uint8_t* b);
  bool AtEnd() const { return p_ == end_; }
  // Reads a fact's content; `get_area` reads a region or pool.
  template <typename GetArea>
  bool Content(StoredFact* f, const GetArea& get_area) {
    uint8_t source = 0, type = 0;
    int64_t date = 0;
    if (!Byte(&source) || !Byte(&type) || !String(&f->record_id) || !get_area(&f->region) ||
        !get_area(&f->pool) || !Signed(&date)) {
      return false;
    }
    f->source = static_cast<v1::Source>(source);
    f->type = static_cast<v1::Event::PayloadCase>(type);
    f->business_date = static_cast<int32_t>(date);
    if (HasTarget(f->type) && !String(&f->target)) return false;
    for (int i = 0; i < SlotCount(f->type); ++i) {
      if (!Signed(&f->v[static_cast<size_t>(i)])) return false;
    }
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace fact_codec
}  // namespace enrol

#endif  // ENROL_LEDGER_FACT_H_
