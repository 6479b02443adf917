#include "projections/facts.h"

#include <algorithm>
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

PaymentFact PaymentOf(const StoredFact& e) {
  const auto& v = e.v;
  PaymentFact p;
  p.record_id = e.record_id;
  p.scheme = static_cast<v1::Scheme>(v[slot::kScheme]);
  p.payer = static_cast<v1::Payer>(v[slot::kPayer]);
  p.purpose = static_cast<v1::Purpose>(v[slot::kPurpose]);
  p.year = static_cast<int>(v[slot::kPeriodYear]);
  p.month = static_cast<int>(v[slot::kPeriodMonth]);
  p.amount_fen = v[slot::kAmountFen];
  p.paid_on = D(static_cast<int32_t>(v[slot::kPaidOn]));
  p.paid_at = v[slot::kPaidAt];
  p.pool = e.pool;
  return p;
}

// R10: the pool of each fact in the canonical order, reduced to its changes.
std::vector<PoolChange> PoolChanges(const std::vector<const StoredFact*>& live) {
  std::vector<PoolChange> out;
  if (live.empty()) return out;
  bool one_pool = true;
  for (const StoredFact* e : live) one_pool = one_pool && e->pool == live[0]->pool;
  if (one_pool) {
    out.push_back({D(live[0]->business_date), live[0]->pool});
    return out;
  }
  std::vector<const StoredFact*> order = live;
  std::sort(order.begin(), order.end(), [](const StoredFact* a, const StoredFact* b) {
    return std::make_tuple(a->business_date, static_cast<int>(a->source), std::cref(a->record_id)) <
           std::make_tuple(b->business_date, static_cast<int>(b->source), std::cref(b->record_id));
  });
  for (const StoredFact* e : order) {
    if (e->business_date == 0) continue;
    if (out.empty() || out.back().pool != e->pool) out.push_back({D(e->business_date), e->pool});
  }
  if (out.empty()) out.push_back({D(0), order[0]->pool});
  return out;
}

}  // namespace

PersonFacts CollectFacts(const std::string& id_number, const std::vector<v1::Event>& events,
                         std::optional<int64_t> as_of_us) {
  std::vector<StoredFact> facts;
  facts.reserve(events.size());
  for (const v1::Event& e : events) facts.push_back(FactOfEvent(e, -1));
  return CollectFacts(id_number, facts, as_of_us);
}

PersonFacts CollectFacts(const std::string& id_number, const std::vector<const v1::Event*>& events,
                         std::optional<int64_t> as_of_us) {
  std::vector<StoredFact> facts;
  facts.reserve(events.size());
  for (const v1::Event* e : events) facts.push_back(FactOfEvent(*e, -1));
  return CollectFacts(id_number, facts, as_of_us);
}

PersonFacts CollectFacts(const std::string& id_number, const std::vector<StoredFact>& facts,
                         std::optional<int64_t> as_of_us) {
  PersonFacts f;
  f.id_number = id_number;
  if (as_of_us) f.known_on = CstDay(absl::FromUnixMicros(*as_of_us));
  std::vector<std::string_view> refunded, reversed;
  std::vector<const StoredFact*> refunds;
  std::vector<const StoredFact*> live;
  live.reserve(facts.size());
  for (const StoredFact& e : facts) {
    if (as_of_us && e.recorded_at_us > *as_of_us) continue;
    live.push_back(&e);
    if (e.type == v1::Event::kRefund) {
      refunded.push_back(e.target);
      refunds.push_back(&e);
    }
    if (e.type == v1::Event::kClaimReversal) reversed.push_back(e.target);
  }
  std::sort(refunded.begin(), refunded.end());
  std::sort(reversed.begin(), reversed.end());
  auto in = [](const std::vector<std::string_view>& set, const std::string& id) {
    return !set.empty() && std::binary_search(set.begin(), set.end(), std::string_view(id));
  };
  std::vector<PaymentFact> refunded_payments;
  const StoredFact* latest = nullptr;
  for (const StoredFact* ep : live) {
    const StoredFact& e = *ep;
    if (latest == nullptr ||
        std::make_tuple(e.business_date, static_cast<int>(e.source), std::cref(e.record_id)) >
            std::make_tuple(latest->business_date, static_cast<int>(latest->source),
                            std::cref(latest->record_id))) {
      latest = ep;
    }
    if (e.business_date != 0) Touch(f, e.business_date / 10000);
    const auto& v = e.v;
    switch (e.type) {
      case v1::Event::kContribution: {
        const int period_year = static_cast<int>(v[slot::kPeriodYear]);
        Touch(f, period_year);
        First(f.first_fact_year, period_year);
        if (e.source == v1::TAX && in(refunded, e.record_id)) {
          refunded_payments.push_back(PaymentOf(e));
          break;
        }
        f.payments.push_back(PaymentOf(e));
        break;
      }
      case v1::Event::kStatus: {
        StatusFact st;
        st.record_id = e.record_id;
        st.status = static_cast<v1::Status>(v[slot::kStatus]);
        st.from = D(static_cast<int32_t>(v[slot::kFrom]));
        if (v[slot::kTo] != 0) st.to = D(static_cast<int32_t>(v[slot::kTo]));
        st.pool = e.pool;
        if (st.status == v1::BIRTH) {
          if (!f.birth || st.from < *f.birth) f.birth = st.from;
        }
        if (st.status == v1::BIRTH || st.status == v1::REGISTERED) {
          First(f.first_fact_year, static_cast<int>(st.from.year()));
        }
        if (st.status == v1::DEATH && (!f.death || st.from < *f.death)) f.death = st.from;
        f.statuses.push_back(std::move(st));
        break;
      }
      case v1::Event::kRegistry: {
        RegistryFact rf;
        rf.record_id = e.record_id;
        rf.action = static_cast<v1::Action>(v[slot::kAction]);
        rf.scheme = static_cast<v1::Scheme>(v[slot::kRegScheme]);
        rf.kind = static_cast<v1::EmployeeKind>(v[slot::kKind]);
        rf.effective = D(static_cast<int32_t>(v[slot::kEffective]));
        rf.fee_waived = v[slot::kFeeWaived] != 0;
        rf.deemed_months = v[slot::kDeemedMonths];
        rf.sex = static_cast<v1::Sex>(v[slot::kSex]);
        rf.pool = e.pool;
        First(f.first_fact_year, static_cast<int>(rf.effective.year()));
        f.registry.push_back(std::move(rf));
        break;
      }
      case v1::Event::kClaim: {
        if (in(reversed, e.record_id)) break;
        ClaimFact cf;
        cf.record_id = e.record_id;
        cf.scheme = static_cast<v1::Scheme>(v[slot::kClaimScheme]);
        cf.service_date = D(static_cast<int32_t>(v[slot::kServiceDate]));
        cf.total_cost_fen = v[slot::kTotalFen];
        cf.basic_fund_paid_fen = v[slot::kBasicFen];
        cf.critical_illness_paid_fen = v[slot::kCriticalFen];
        cf.pool = e.pool;
        f.claims.push_back(std::move(cf));
        break;
      }
      default:
        break;  // refunds and reversals were applied above
    }
  }
  if (latest != nullptr) {
    f.region = latest->region;
    f.pool = latest->pool;
  }
  f.pools = PoolChanges(live);
  for (const StoredFact* r : refunds) {
    RefundFact rf;
    rf.record_id = r->record_id;
    rf.refund_of = r->target;
    rf.refunded_on = D(static_cast<int32_t>(r->v[slot::kPaidOn]));
    for (const PaymentFact& p : refunded_payments) {
      if (p.record_id == rf.refund_of) rf.payment = p;
    }
    f.refunds.push_back(std::move(rf));
  }
  std::sort(f.refunds.begin(), f.refunds.end(), [](const RefundFact& a, const RefundFact& b) {
    return std::tie(a.refunded_on, a.record_id) < std::tie(b.refunded_on, b.record_id);
  });
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

const std::string& PersonFacts::PoolOn(Date day) const {
  static const std::string kNone;
  if (pools.empty()) return kNone;
  auto it = std::upper_bound(pools.begin(), pools.end(), day,
                             [](Date d, const PoolChange& c) { return d < c.on; });
  return it == pools.begin() ? pools.front().pool : std::prev(it)->pool;
}

}  // namespace enrol
