#include "projections/facts.h"

#include <algorithm>
#include <set>
#include <functional>
#include <tuple>

namespace enrol {
namespace {

Date D(int32_t ymd) { return FromYmd(ymd); }

void Touch(PersonFacts& f, int year) {
  if (year <= 0) return;
  if (f.min_year == 0 || year < f.min_year) f.min_year = year;
  if (year > f.max_year) f.max_year = year;
}

void First(std::optional<int>& slot, int year) {
  if (!slot || year < *slot) slot = year;
}

}  // namespace

PersonFacts CollectFacts(const std::string& id_number, const std::vector<v1::Event>& events,
                         std::optional<int64_t> as_of_us) {
  std::vector<const v1::Event*> ptrs;
  ptrs.reserve(events.size());
  for (const v1::Event& e : events) ptrs.push_back(&e);
  return CollectFacts(id_number, ptrs, as_of_us);
}

PersonFacts CollectFacts(const std::string& id_number, const std::vector<const v1::Event*>& events,
                         std::optional<int64_t> as_of_us) {
  PersonFacts f;
  f.id_number = id_number;
  if (as_of_us) f.known_on = CstDay(absl::FromUnixMicros(*as_of_us));
  std::set<std::string> refunded, reversed;
  std::vector<const v1::Event*> live;
  live.reserve(events.size());
  for (const v1::Event* ep : events) {
    const v1::Event& e = *ep;
    if (as_of_us && e.recorded_at_us() > *as_of_us) continue;
    live.push_back(&e);
    if (e.has_refund()) refunded.insert(e.refund().refund_of());
    if (e.has_claim_reversal()) reversed.insert(e.claim_reversal().reverse_of());
  }
  const v1::Event* latest = nullptr;
  for (const v1::Event* ep : live) {
    const v1::Event& e = *ep;
    if (latest == nullptr ||
        std::make_tuple(e.business_date(), static_cast<int>(e.source()), std::cref(e.record_id())) >
            std::make_tuple(latest->business_date(), static_cast<int>(latest->source()),
                            std::cref(latest->record_id()))) {
      latest = ep;
    }
    if (e.business_date() != 0) Touch(f, e.business_date() / 10000);
    switch (e.payload_case()) {
      case v1::Event::kContribution: {
        const auto& c = e.contribution();
        Touch(f, c.period_year());
        First(f.first_fact_year, c.period_year());
        if (e.source() == v1::TAX && refunded.count(e.record_id())) break;
        PaymentFact p;
        p.record_id = e.record_id();
        p.scheme = c.scheme();
        p.payer = c.payer();
        p.purpose = c.purpose();
        p.year = c.period_year();
        p.month = c.period_month();
        p.amount_fen = c.amount_fen();
        p.paid_on = D(c.paid_on());
        p.paid_at = c.paid_at();
        p.pool = e.pool();
        f.payments.push_back(std::move(p));
        break;
      }
      case v1::Event::kStatus: {
        const auto& s = e.status();
        StatusFact st;
        st.record_id = e.record_id();
        st.status = s.status();
        st.from = D(s.effective_from());
        if (s.effective_to() != 0) st.to = D(s.effective_to());
        if (s.status() == v1::BIRTH) {
          if (!f.birth || st.from < *f.birth) f.birth = st.from;
          First(f.first_fact_year, static_cast<int>(st.from.year()));
        }
        if (s.status() == v1::DEATH && (!f.death || st.from < *f.death)) f.death = st.from;
        f.statuses.push_back(std::move(st));
        break;
      }
      case v1::Event::kRegistry: {
        const auto& r = e.registry();
        RegistryFact rf;
        rf.record_id = e.record_id();
        rf.action = r.action();
        rf.scheme = r.scheme();
        rf.kind = r.kind();
        rf.effective = D(r.effective());
        rf.fee_waived = r.fee_waived();
        rf.deemed_months = r.deemed_months();
        rf.sex = r.sex();
        First(f.first_fact_year, static_cast<int>(rf.effective.year()));
        f.registry.push_back(std::move(rf));
        break;
      }
      case v1::Event::kClaim: {
        if (reversed.count(e.record_id())) break;
        const auto& c = e.claim();
        ClaimFact cf;
        cf.record_id = e.record_id();
        cf.scheme = c.scheme();
        cf.service_date = D(c.service_date());
        cf.total_cost_fen = c.total_cost_fen();
        cf.basic_fund_paid_fen = c.basic_fund_paid_fen();
        cf.critical_illness_paid_fen = c.critical_illness_paid_fen();
        f.claims.push_back(std::move(cf));
        break;
      }
      default:
        break;  // refunds and reversals were applied above
    }
  }
  if (latest != nullptr) {
    f.region = latest->region();
    f.pool = latest->pool();
  }
  std::sort(f.payments.begin(), f.payments.end(), [](const PaymentFact& a, const PaymentFact& b) {
    return std::tie(a.paid_on, a.paid_at, a.record_id) < std::tie(b.paid_on, b.paid_at, b.record_id);
  });
  std::sort(f.statuses.begin(), f.statuses.end(), [](const StatusFact& a, const StatusFact& b) {
    return std::tie(a.from, a.record_id) < std::tie(b.from, b.record_id);
  });
  std::sort(f.registry.begin(), f.registry.end(), [](const RegistryFact& a, const RegistryFact& b) {
    return std::tie(a.effective, a.record_id) < std::tie(b.effective, b.record_id);
  });
  std::sort(f.claims.begin(), f.claims.end(), [](const ClaimFact& a, const ClaimFact& b) {
    return std::tie(a.service_date, a.record_id) < std::tie(b.service_date, b.record_id);
  });
  return f;
}

}  // namespace enrol
