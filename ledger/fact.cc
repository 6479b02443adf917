#include "ledger/fact.h"

#include <tuple>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace enrol {
namespace fact_codec {

using google::protobuf::internal::WireFormatLite;

void PutLongVarint(std::string* out, uint64_t v) {
  uint8_t buf[10];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(v, buf);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
}

bool Reader::Varint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
    const uint8_t b = static_cast<uint8_t>(*p_++);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool Reader::Signed(int64_t* v) {
  uint64_t u;
  if (!Varint(&u)) return false;
  *v = WireFormatLite::ZigZagDecode64(u);
  return true;
}

bool Reader::String(std::string* s) {
  uint64_t n;
  if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
  s->assign(p_, static_cast<size_t>(n));
  p_ += n;
  return true;
}

bool Reader::Byte(uint8_t* b) {
  if (p_ == end_) return false;
  *b = static_cast<uint8_t>(*p_++);
  return true;
}

}  // namespace fact_codec

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
  fact_codec::AppendContent(f, out, [out](const std::string& s) { fact_codec::PutString(out, s); });
}

}  // namespace enrol
