// A person's facts in the shape the rules read them: typed, with refunds and
// claim reversals applied, in a canonical order that does not depend on the
// order in which the events arrived. Pure; thread-compatible values.
#ifndef ENROL_PROJECTIONS_FACTS_H_
#define ENROL_PROJECTIONS_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/dates.h"
#include "projections/person_record.h"
#include "proto/event.pb.h"

namespace enrol {

struct PaymentFact {
  std::string record_id;
  v1::Scheme scheme = v1::SCHEME_UNSPECIFIED;
  v1::Payer payer = v1::PAYER_UNSPECIFIED;
  v1::Purpose purpose = v1::REGULAR;
  int year = 0;
  int month = 0;  // employee months; 0 for yearly periods
  int64_t amount_fen = 0;
  Date paid_on;
  int64_t paid_at = 0;
  std::string pool;  // pooling region the contribution was paid in
};

struct StatusFact {
  std::string record_id;
  v1::Status status = v1::STATUS_UNSPECIFIED;
  Date from;
  std::optional<Date> to;
  std::string pool;
  // True when the status holds on some day of [a, b].
  bool Overlaps(Date a, Date b) const { return from <= b && (!to || *to >= a); }
};

struct RegistryFact {
  std::string record_id;
  v1::Action action = v1::ACTION_UNSPECIFIED;
  v1::Scheme scheme = v1::SCHEME_UNSPECIFIED;
  v1::EmployeeKind kind = v1::KIND_UNSPECIFIED;
  Date effective;
  bool fee_waived = false;
  int64_t deemed_months = 0;
  v1::Sex sex = v1::SEX_UNSPECIFIED;
  std::string pool;
};

// R10: from `on` (a business date) the person's facts are in `pool`, until the
// next change.
struct PoolChange {
  Date on;
  std::string pool;
};

struct ClaimFact {
  std::string record_id;
  v1::Scheme scheme = v1::SCHEME_UNSPECIFIED;
  Date service_date;
  int64_t total_cost_fen = 0;
  int64_t basic_fund_paid_fen = 0;
  int64_t critical_illness_paid_fen = 0;
  std::string pool;
};

// R12: a refund of a resident or employee payment, kept beside its effect.
struct RefundFact {
  std::string record_id;
  std::string refund_of;
  Date refunded_on;
  std::optional<PaymentFact> payment;  // the payment it took back, when known
};

struct PersonFacts {
  std::string id_number;
  std::string region;  // of the latest fact by business date
  std::string pool;
  // Standing contributions (op pay, not refunded), by (paid_on, paid_at, record_id).
  std::vector<PaymentFact> payments;
  std::vector<StatusFact> statuses;      // by (from, record_id)
  std::vector<RegistryFact> registry;    // by (effective, record_id)
  std::vector<ClaimFact> claims;         // standing (not reversed), by (service_date, record_id)
  std::vector<RefundFact> refunds;       // by (refunded_on, record_id)
  // R10: where the facts were, by business date: the pool of the first fact,
  // then each change (ties in the canonical order of `region`).
  std::vector<PoolChange> pools;
  std::optional<Date> birth;             // earliest civil `birth`
  std::optional<Date> death;             // earliest civil `death`
  // R2: the year of the first known fact (birth, entry in the population
  // register, registry action, period of the first contribution), before the
  // mechanism start is applied.
  std::optional<int> first_fact_year;
  // The year range the facts touch (business dates and periods).
  int min_year = 0;
  int max_year = 0;
  // With --as-of: the CST day the facts are known through. A contribution
  // not yet overdue on that day is not (yet) arrears.
  std::optional<Date> known_on;
  bool empty() const { return min_year == 0; }
  // R10: the pool of the latest fact dated on or before `day` (before every
  // fact: the pool of the first).
  const std::string& PoolOn(Date day) const;
};

// Builds the facts of `id_number` from its events (any order). With as_of_us,
// only events recorded at or before it count.
PersonFacts CollectFacts(const std::string& id_number, const std::vector<const v1::Event*>& events,
                         std::optional<int64_t> as_of_us = std::nullopt);
PersonFacts CollectFacts(const std::string& id_number, const std::vector<v1::Event>& events,
                         std::optional<int64_t> as_of_us = std::nullopt);
// The same from stored facts (the projection's form).
PersonFacts CollectFacts(const std::string& id_number, const std::vector<StoredFact>& facts,
                         std::optional<int64_t> as_of_us = std::nullopt);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_FACTS_H_
