#include "projections/person_record.h"

#include <tuple>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace enrol {
namespace {

using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

constexpr uint8_t kFormat = 1;

int SlotCount(v1::Event::PayloadCase type) {
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

bool HasTarget(v1::Event::PayloadCase type) {
  return type == v1::Event::kRefund || type == v1::Event::kClaimReversal;
}

void PutVarint(std::string* out, uint64_t v) {
  uint8_t buf[10];
  uint8_t* end = CodedOutputStream::WriteVarint64ToArray(v, buf);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
}
void PutSigned(std::string* out, int64_t v) { PutVarint(out, google::protobuf::internal::WireFormatLite::ZigZagEncode64(v)); }
void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// The content of a fact; region and pool written by `put_area`.
template <typename PutArea>
void AppendContent(const StoredFact& f, std::string* out, const PutArea& put_area) {
  out->push_back(static_cast<char>(f.source));
  out->push_back(static_cast<char>(f.type));
  PutString(out, f.record_id);
  put_area(f.region);
  put_area(f.pool);
  PutSigned(out, f.business_date);
  if (HasTarget(f.type)) PutString(out, f.target);
  for (int i = 0; i < SlotCount(f.type); ++i) PutSigned(out, f.v[static_cast<size_t>(i)]);
}

class Reader {
 public:
  explicit Reader(std::string_view b)
      : in_(reinterpret_cast<const uint8_t*>(b.data()), static_cast<int>(b.size())) {}
  bool Varint(uint64_t* v) { return in_.ReadVarint64(v); }
  bool Signed(int64_t* v) {
    uint64_t u;
    if (!in_.ReadVarint64(&u)) return false;
    *v = google::protobuf::internal::WireFormatLite::ZigZagDecode64(u);
    return true;
  }
  bool String(std::string* s) {
    uint32_t n;
    return in_.ReadVarint32(&n) && in_.ReadString(s, static_cast<int>(n));
  }
  bool Byte(uint8_t* b) { return in_.ReadRaw(b, 1); }
  bool AtEnd() { return in_.ExpectAtEnd(); }

 private:
  CodedInputStream in_;
};

}  // namespace

StoredFact FactOfEvent(const v1::Event& e, int64_t offset) {
  StoredFact f;
  f.source = e.source();
  f.type = e.payload_case();
  f.record_id = e.record_id();
  f.region = e.region();
  f.pool = e.pool();
  f.business_date = e.business_date();
  f.offset = offset;
  f.recorded_at_us = e.recorded_at_us();
  auto& v = f.v;
  switch (f.type) {
    case v1::Event::kContribution: {
      const auto& c = e.contribution();
      v = {c.scheme(), c.payer(), c.purpose(), c.period_year(), c.period_month(), c.amount_fen(), c.paid_at(), c.paid_on()};
      break;
    }
    case v1::Event::kRefund: {
      const auto& c = e.refund();
      f.target = c.refund_of();
      v = {c.scheme(), c.payer(), c.purpose(), c.period_year(), c.period_month(), c.amount_fen(), c.paid_at(), c.paid_on()};
      break;
    }
    case v1::Event::kRegistry: {
      const auto& r = e.registry();
      v = {r.action(), r.scheme(), r.kind(), r.effective(), r.fee_waived(), r.deemed_months(), r.sex(), 0};
      break;
    }
    case v1::Event::kStatus: {
      const auto& s = e.status();
      v = {s.status(), s.effective_from(), s.effective_to(), 0, 0, 0, 0, 0};
      break;
    }
    case v1::Event::kClaim: {
      const auto& c = e.claim();
      v = {c.scheme(), c.kind(), c.service_date(), c.settled_at(), c.total_cost_fen(), c.basic_fund_paid_fen(),
           c.critical_illness_paid_fen(), 0};
      break;
    }
    case v1::Event::kClaimReversal: {
      const auto& c = e.claim_reversal();
      f.target = c.reverse_of();
      v = {c.service_date(), c.settled_at(), 0, 0, 0, 0, 0, 0};
      break;
    }
    default:
      break;
  }
  return f;
}

v1::Event EventOfFact(const StoredFact& f, const std::string& id_number) {
  v1::Event e;
  e.set_source(f.source);
  e.set_record_id(f.record_id);
  e.set_person(id_number);
  e.set_region(f.region);
  e.set_pool(f.pool);
  e.set_business_date(f.business_date);
  e.set_recorded_at_us(f.recorded_at_us);
  const auto& v = f.v;
  auto i32 = [](int64_t x) { return static_cast<int32_t>(x); };
  switch (f.type) {
    case v1::Event::kContribution:
    case v1::Event::kRefund: {
      auto set = [&](auto* c) {
        c->set_scheme(static_cast<v1::Scheme>(v[slot::kScheme]));
        c->set_payer(static_cast<v1::Payer>(v[slot::kPayer]));
        c->set_purpose(static_cast<v1::Purpose>(v[slot::kPurpose]));
        c->set_period_year(i32(v[slot::kPeriodYear]));
        c->set_period_month(i32(v[slot::kPeriodMonth]));
        c->set_amount_fen(v[slot::kAmountFen]);
        c->set_paid_at(v[slot::kPaidAt]);
        c->set_paid_on(i32(v[slot::kPaidOn]));
      };
      if (f.type == v1::Event::kContribution) {
        set(e.mutable_contribution());
      } else {
        set(e.mutable_refund());
        e.mutable_refund()->set_refund_of(f.target);
      }
      break;
    }
    case v1::Event::kRegistry: {
      auto* r = e.mutable_registry();
      r->set_action(static_cast<v1::Action>(v[slot::kAction]));
      r->set_scheme(static_cast<v1::Scheme>(v[slot::kRegScheme]));
      r->set_kind(static_cast<v1::EmployeeKind>(v[slot::kKind]));
      r->set_effective(i32(v[slot::kEffective]));
      r->set_fee_waived(v[slot::kFeeWaived] != 0);
      r->set_deemed_months(v[slot::kDeemedMonths]);
      r->set_sex(static_cast<v1::Sex>(v[slot::kSex]));
      break;
    }
    case v1::Event::kStatus: {
      auto* s = e.mutable_status();
      s->set_status(static_cast<v1::Status>(v[slot::kStatus]));
      s->set_effective_from(i32(v[slot::kFrom]));
      s->set_effective_to(i32(v[slot::kTo]));
      break;
    }
    case v1::Event::kClaim: {
      auto* c = e.mutable_claim();
      c->set_scheme(static_cast<v1::Scheme>(v[slot::kClaimScheme]));
      c->set_kind(static_cast<v1::ClaimKind>(v[slot::kClaimKind]));
      c->set_service_date(i32(v[slot::kServiceDate]));
      c->set_settled_at(v[slot::kSettledAt]);
      c->set_total_cost_fen(v[slot::kTotalFen]);
      c->set_basic_fund_paid_fen(v[slot::kBasicFen]);
      c->set_critical_illness_paid_fen(v[slot::kCriticalFen]);
      break;
    }
    case v1::Event::kClaimReversal: {
      auto* c = e.mutable_claim_reversal();
      c->set_reverse_of(f.target);
      c->set_service_date(i32(v[slot::kRevServiceDate]));
      c->set_settled_at(v[slot::kRevSettledAt]);
      break;
    }
    default:
      break;
  }
  return e;
}

bool FactKeyLess(const StoredFact& a, const StoredFact& b) {
  return std::tie(a.source, a.record_id) < std::tie(b.source, b.record_id);
}

void AppendFactContent(const StoredFact& f, std::string* out) {
  AppendContent(f, out, [out](const std::string& s) { PutString(out, s); });
}

std::string EncodePersonRecord(const PersonRecord& r) {
  // Region and pool codes are few per person: a table, then indexes.
  std::vector<std::string_view> areas;
  std::unordered_map<std::string_view, uint64_t> index;
  for (const StoredFact& f : r.facts) {
    for (const std::string* s : {&f.region, &f.pool}) {
      if (index.emplace(*s, areas.size()).second) areas.push_back(*s);
    }
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
    AppendContent(f, &out, [&](const std::string& s) { PutVarint(&out, index[s]); });
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
  Reader in(bytes);
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
  for (StoredFact& f : r.facts) {
    uint8_t source = 0, type = 0;
    uint64_t region = 0, pool = 0, offset = 0;
    int64_t date = 0, recorded = 0;
    if (!in.Byte(&source) || !in.Byte(&type) || !in.String(&f.record_id) || !in.Varint(&region) ||
        !in.Varint(&pool) || region >= areas.size() || pool >= areas.size() || !in.Signed(&date)) {
      return bad("fact");
    }
    f.source = static_cast<v1::Source>(source);
    f.type = static_cast<v1::Event::PayloadCase>(type);
    f.region = areas[region];
    f.pool = areas[pool];
    f.business_date = static_cast<int32_t>(date);
    if (HasTarget(f.type) && !in.String(&f.target)) return bad("fact target");
    for (int i = 0; i < SlotCount(f.type); ++i) {
      if (!in.Signed(&f.v[static_cast<size_t>(i)])) return bad("fact fields");
    }
    if (!in.Varint(&offset) || !in.Signed(&recorded)) return bad("fact position");
    f.offset = static_cast<int64_t>(offset) - 1;
    f.recorded_at_us = last_recorded + recorded;
    last_recorded = f.recorded_at_us;
  }
  if (!in.AtEnd()) return bad("trailing bytes");
  return r;
}

}  // namespace enrol
