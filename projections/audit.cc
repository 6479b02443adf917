#include "projections/audit.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/money.h"
#include "ledger/content_hash.h"
#include "projections/facts.h"
#include "projections/employee_rules.h"
#include "projections/person_model.h"
#include "projections/resident_rules.h"

namespace enrol {
namespace {

using Month = absl::CivilMonth;

// The rule behind a finding and its seed article, from the profile of the
// finding's year.
void Cite(const PersonFacts& facts, const ProfileSet& profiles, int year, const std::string& rule,
          v1::Finding* f) {
  f->set_rule(rule.substr(0, rule.find('_')));
  const v1::PolicyProfile* p = profiles.Find(PoolOfYear(facts, year));
  if (p != nullptr) f->set_rule_source(RuleSource(VersionFor(*p, year), rule));
}

v1::Finding& Add(std::vector<v1::Finding>* out, const std::string& finding, const std::string& id,
                 const std::string& record_id, int year) {
  v1::Finding& f = out->emplace_back();
  f.set_finding(finding);
  f.set_id_number(id);
  f.set_record_id(record_id);
  f.set_year(year);
  return f;
}

// R12: the first and last months of each employee run that meets resident
// cover are the months of a move between the schemes.
bool MoveMonth(const EmployeeTimeline& t, Month m) { return !t.Covered(m - 1) || !t.Covered(m + 1); }

// R12 duplicate_enrolment: resident and employee cover on the same day other
// than in a month of moving between the schemes, or standing resident
// payments for one year in two pools.
void DuplicateEnrolments(const PersonFacts& facts, const ProfileSet& profiles, std::optional<int> only,
                         std::vector<v1::Finding>* out) {
  if (facts.empty()) return;
  const auto [first, last] = StoredYears(facts, profiles);
  auto years = EvaluatePerson(facts, profiles, first, last);
  if (!years.ok()) return;
  const EmployeeTimeline timeline = EvaluateEmployeeCover(facts, profiles, last);
  for (const v1::PersonYear& py : *years) {
    const int y = py.year();
    if (only && y != *only) continue;
    const v1::ResidentYear& r = py.resident();
    std::vector<std::string> both;
    if (r.enrolled()) {
      const Date from = ParseDate(r.waiting().benefits_from()).value_or(Date(y + 1, 1, 1));
      for (Month m(y, 1); m <= Month(y, 12); ++m) {
        if (!timeline.Covered(m) || Date(m + 1) - 1 < from || MoveMonth(timeline, m)) continue;
        if (facts.death && Date(m) > *facts.death) continue;
        both.push_back(FormatDate(Date(m)).substr(0, 7));
      }
    }
    if (!both.empty()) {
      v1::Finding& f = Add(out, "duplicate_enrolment", facts.id_number, "", y);
      f.set_scheme("resident+employee");
      f.set_date(both.front() + "-01");
      f.set_reason(absl::StrCat("resident cover for ", y, " (benefits from ", r.waiting().benefits_from(),
                                ") and employee cover in the same month(s): ", absl::StrJoin(both, ", ")));
      Cite(facts, profiles, y, "R12_duplicate_enrolment", &f);
    }
    const PaymentFact* first_pay = nullptr;
    for (const PaymentFact& p : facts.payments) {  // by payment date
      if (p.scheme != v1::RESIDENT || p.month != 0 || p.year != y) continue;
      if (p.purpose != v1::REGULAR && p.purpose != v1::MAKEUP) continue;
      if (first_pay == nullptr) {
        first_pay = &p;
      } else if (p.pool != first_pay->pool) {
        v1::Finding& f = Add(out, "duplicate_enrolment", facts.id_number, p.record_id, y);
        f.set_source("tax");
        f.set_refers_to(first_pay->record_id);
        f.set_date(FormatDate(p.paid_on));
        f.set_reason(absl::StrCat("resident contributions for ", y, " stand in two pools: ", first_pay->record_id,
                                  " in ", first_pay->pool, " and ", p.record_id, " in ", p.pool));
        Cite(facts, profiles, y, "R12_duplicate_enrolment", &f);
      }
    }
  }
}

// R12 refund_after_benefits: a refund of a resident payment for Y dated on or
// after the day Y's cover began (judged with the refunded payment standing),
// unless the person died, took up employee cover in Y, or the payment was a
// duplicate.
void RefundsAfterBenefits(const PersonRecord& record, const PersonFacts& facts, const ProfileSet& profiles,
                          std::optional<int> only, std::vector<v1::Finding>* out) {
  for (const RefundFact& rf : facts.refunds) {
    if (!rf.payment || rf.payment->scheme != v1::RESIDENT || rf.payment->month != 0) continue;
    const int y = rf.payment->year;
    if (only && y != *only) continue;
    if (facts.death) continue;
    bool duplicate = false;
    for (const PaymentFact& p : facts.payments) {
      duplicate = duplicate || (p.scheme == v1::RESIDENT && p.month == 0 && p.year == y &&
                                (p.purpose == v1::REGULAR || p.purpose == v1::MAKEUP));
    }
    if (duplicate) continue;
    // Cover as it stood before the refund.
    std::vector<StoredFact> without;
    for (const StoredFact& e : record.facts) {
      if (!(e.type == v1::Event::kRefund && e.record_id == rf.record_id)) without.push_back(e);
    }
    PersonFacts before = CollectFacts(facts.id_number, without);
    auto years = EvaluatePerson(before, profiles, y, y);
    if (!years.ok() || !(*years)[0].resident().enrolled()) continue;
    const std::string& began = (*years)[0].resident().waiting().benefits_from();
    const std::optional<Date> from = ParseDate(began);
    if (!from || rf.refunded_on < *from) continue;
    const EmployeeTimeline timeline = EvaluateEmployeeCover(before, profiles, y);
    bool employee_started = false;
    for (Month m(y, 1); m <= Month(y, 12); ++m) {
      employee_started = employee_started || (timeline.Covered(m) && !timeline.Covered(m - 1));
    }
    if (employee_started) continue;
    v1::Finding& f = Add(out, "refund_after_benefits", facts.id_number, rf.record_id, y);
    f.set_source("tax");
    f.set_refers_to(rf.refund_of);
    f.set_date(FormatDate(rf.refunded_on));
    f.set_reason(absl::StrCat("refund on ", FormatDate(rf.refunded_on), " of ", rf.refund_of, ", the payment for ",
                              y, ", after its cover began on ", began,
                              "; no death, no employee cover starting in ", y, ", not a duplicate"));
    Cite(facts, profiles, y, "R12_refund_after_benefits", &f);
  }
}

// R12 claim_after_death: a fund payment for a service date after a death.
void ClaimsAfterDeath(const PersonFacts& facts, const ProfileSet& profiles, std::optional<int> only,
                      std::vector<v1::Finding>* out) {
  if (!facts.death) return;
  for (const ClaimFact& c : facts.claims) {
    if (c.service_date <= *facts.death) continue;
    if (c.basic_fund_paid_fen == 0 && c.critical_illness_paid_fen == 0) continue;
    const int y = static_cast<int>(c.service_date.year());
    if (only && y != *only) continue;
    v1::Finding& f = Add(out, "claim_after_death", facts.id_number, c.record_id, y);
    f.set_source("claims");
    f.set_date(FormatDate(c.service_date));
    f.set_scheme(c.scheme == v1::EMPLOYEE ? "employee" : "resident");
    f.set_basic_fund_paid(FormatFen(c.basic_fund_paid_fen));
    f.set_critical_illness_paid(FormatFen(c.critical_illness_paid_fen));
    f.set_reason(absl::StrCat("fund payment for a service on ", FormatDate(c.service_date), ", after the death on ",
                              FormatDate(*facts.death)));
    Cite(facts, profiles, y, "R12_claim_after_death", &f);
  }
}

}  // namespace

std::vector<v1::Finding> PersonFindings(const std::string& id, const PersonRecord& record,
                                        const ProfileSet& profiles, std::optional<int> year) {
  std::vector<v1::Finding> out;
  std::set<std::string_view> tax_ids, claim_ids;
  for (const StoredFact& e : record.facts) {
    if (e.type == v1::Event::kContribution) tax_ids.insert(e.record_id);
    if (e.type == v1::Event::kClaim) claim_ids.insert(e.record_id);
  }
  // Refunds and reversals of records the ledger does not have.
  for (const StoredFact& e : record.facts) {
    const int y = e.business_date / 10000;
    if (year && y != *year) continue;
    if (e.type == v1::Event::kRefund && !tax_ids.count(e.target)) {
      v1::Finding& f = out.emplace_back();
      f.set_finding("unknown_target");
      f.set_id_number(id);
      f.set_record_id(e.record_id);
      f.set_source("tax");
      f.set_refers_to(e.target);
      f.set_year(y);
      f.set_date(FormatYmd(e.business_date));
      f.set_reason(absl::StrCat("refund_of names ", e.target,
                                ", which the ledger has no contribution of this person for"));
    }
    if (e.type == v1::Event::kClaimReversal && !claim_ids.count(e.target)) {
      v1::Finding& f = out.emplace_back();
      f.set_finding("unknown_target");
      f.set_id_number(id);
      f.set_record_id(e.record_id);
      f.set_source("claims");
      f.set_refers_to(e.target);
      f.set_year(y);
      f.set_date(FormatYmd(e.business_date));
      f.set_reason(absl::StrCat("reverse_of names ", e.target,
                                ", which the ledger has no claim of this person for"));
    }
  }
  // Fund payments on days the person was not entitled in the claim's scheme.
  PersonFacts facts = CollectFacts(id, record.facts);
  for (const ClaimFact& c : facts.claims) {
    if (c.basic_fund_paid_fen == 0 && c.critical_illness_paid_fen == 0) continue;
    const int y = static_cast<int>(c.service_date.year());
    if (year && y != *year) continue;
    auto cover = EvaluateCoverage(facts, profiles, c.service_date);
    if (!cover.ok()) continue;  // no profile: nothing to judge against
    const char* scheme = c.scheme == v1::EMPLOYEE ? "employee" : "resident";
    if (cover->covered() && cover->scheme() == scheme) continue;
    v1::Finding& f = out.emplace_back();
    f.set_finding("payment_without_entitlement");
    f.set_id_number(id);
    f.set_record_id(c.record_id);
    f.set_source("claims");
    f.set_date(FormatDate(c.service_date));
    f.set_year(y);
    f.set_scheme(scheme);
    f.set_basic_fund_paid(FormatFen(c.basic_fund_paid_fen));
    f.set_critical_illness_paid(FormatFen(c.critical_illness_paid_fen));
    f.set_reason(cover->covered() ? absl::StrCat("covered only by the ", cover->scheme(), " scheme that day")
                                  : cover->reason());
    Cite(facts, profiles, y, "R9", &f);
  }
  DuplicateEnrolments(facts, profiles, year, &out);
  RefundsAfterBenefits(record, facts, profiles, year, &out);
  ClaimsAfterDeath(facts, profiles, year, &out);
  return out;
}

absl::Status Audit(StateStore* state, DeadLetterStore* dead, const ProfileSet& profiles,
                   std::optional<int> year, const std::function<void(const v1::Finding&)>& emit) {
  // Persons are stored by pseudonym: their findings are put in ID order, so
  // an audit reads the same whatever the key.
  std::vector<v1::Finding> persons;
  absl::Status s = state->ForEachPerson([&](const std::string& id, const PersonRecord& person) {
    for (v1::Finding& f : PersonFindings(id, person, profiles, year)) persons.push_back(std::move(f));
    return true;
  });
  if (!s.ok()) return s;
  std::stable_sort(persons.begin(), persons.end(),
                   [](const v1::Finding& a, const v1::Finding& b) { return a.id_number() < b.id_number(); });
  for (const v1::Finding& f : persons) emit(f);
  return dead->ForEach(std::nullopt, [&](const v1::DeadLetter& d) {
    const bool closed = absl::StartsWith(d.reason(), "period: resident period") &&
                        absl::StrContains(d.reason(), "is closed");
    const bool conflict = absl::StartsWith(d.reason(), "record_id: conflicting duplicate");
    if (!closed && !conflict) return true;
    if (year && d.year() != *year) return true;
    v1::Finding f;
    f.set_finding(closed ? "closed_period" : "conflicting_duplicate");
    f.set_id_number(d.id_number());
    f.set_record_id(d.record_id());
    f.set_source(SourceName(d.source()));
    f.set_file(d.file());
    f.set_line(static_cast<int32_t>(d.line()));
    f.set_year(d.year());
    f.set_reason(d.reason());
    emit(f);
    return true;
  });
}

}  // namespace enrol
