// Unit tests of the resident-scheme rules R1-R9 (shared/DOMAIN.md) as
// EvaluateResident implements them, with the worked examples of DOMAIN.md and
// CONTRACT.md and the boundaries of each rule. Every test builds one person's
// events, folds them with CollectFacts and reads the ResidentYear of a year.
#include "projections/resident_rules.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "common/ids.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "projections/audit.h"
#include "projections/facts.h"
#include "projections/person_model.h"
#include "projections/profiles.h"
#include "proto/event.pb.h"
#include "proto/query.pb.h"

namespace enrol {
namespace {

constexpr char kHongheId[] = "532501199001011239";
constexpr char kHongheArea[] = "532501";
constexpr char kSuizhouArea[] = "421302";

const ProfileSet& Profiles() {
  static const ProfileSet* profiles = [] {
    auto p = ProfileSet::Builtin();
    EXPECT_TRUE(p.ok()) << p.status();
    return new ProfileSet(p.ok() ? *std::move(p) : ProfileSet());
  }();
  return *profiles;
}

const v1::ResidentPolicy& Policy(const std::string& pool, int year) {
  const v1::PolicyProfile* p = Profiles().Find(pool);
  EXPECT_NE(p, nullptr) << pool;
  return VersionFor(*p, year).resident();
}

Date Day(const std::string& s) {
  std::optional<Date> d = ParseDate(s);
  EXPECT_TRUE(d.has_value()) << "bad date in test: " << s;
  return d.value_or(Date(1970, 1, 1));
}

int32_t Ymd(const std::string& s) { return ToYmd(Day(s)); }

// 10:00 CST of the day, as Unix seconds.
int64_t PaidAt(const std::string& day) {
  Date d = Day(day);
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(d.year(), d.month(), d.day(), 10, 0, 0), Cst()));
}

// An 18-character ID of someone born on `birth` (YYYY-MM-DD) in `area`, with a
// valid GB 11643 check character.
std::string IdBornOn(const std::string& area, const std::string& birth) {
  std::string ymd = std::to_string(Ymd(birth));
  std::string first17 = area + ymd + "123";
  return first17 + IdCheckCharacter(first17);
}

// One person's events, built fact by fact.
class Person {
 public:
  explicit Person(std::string id = kHongheId, std::string area = kHongheArea)
      : id_(std::move(id)), area_(std::move(area)) {}

  static Person Suizhou() {
    std::string first17 = std::string(kSuizhouArea) + "19900101" + "123";
    return Person(first17 + IdCheckCharacter(first17), kSuizhouArea);
  }
  static Person NewbornHonghe(const std::string& birth) {
    Person p(IdBornOn(kHongheArea, birth), kHongheArea);
    p.Birth(birth);
    return p;
  }
  static Person NewbornSuizhou(const std::string& birth) {
    Person p(IdBornOn(kSuizhouArea, birth), kSuizhouArea);
    p.Birth(birth);
    return p;
  }

  // A regular resident contribution by the individual for `year`.
  Person& Pay(int year, const std::string& paid, std::string rid = "") {
    return Contribution(v1::RESIDENT, v1::INDIVIDUAL, v1::REGULAR, year, 0, paid, std::move(rid));
  }
  // Pays every year of [from, to] on 12 October of the year before (in window).
  Person& PayInWindow(int from, int to) {
    for (int y = from; y <= to; ++y) Pay(y, std::to_string(y - 1) + "-10-12");
    return *this;
  }
  Person& Repair(int year, const std::string& paid, std::string rid = "") {
    return Contribution(v1::RESIDENT, v1::INDIVIDUAL, v1::REPAIR, year, 0, paid, std::move(rid));
  }
  Person& EmployeeMonth(int year, int month) {
    std::string paid = std::to_string(year) + (month < 10 ? "-0" : "-") + std::to_string(month) +
                       "-15";
    return Contribution(v1::EMPLOYEE, v1::EMPLOYER, v1::REGULAR, year, month, paid, "");
  }
  Person& Refund(const std::string& of, const std::string& on = "2026-06-30") {
    v1::Event& e = New(v1::TAX, "");
    auto* r = e.mutable_refund();
    r->set_refund_of(of);
    r->set_scheme(v1::RESIDENT);
    r->set_payer(v1::INDIVIDUAL);
    r->set_paid_at(PaidAt(on));
    r->set_paid_on(Ymd(on));
    e.set_business_date(Ymd(on));
    return *this;
  }
  Person& Status(v1::Status status, const std::string& from, const std::string& to = "") {
    v1::Event& e = New(v1::CIVIL, "");
    auto* s = e.mutable_status();
    s->set_status(status);
    s->set_effective_from(Ymd(from));
    if (!to.empty()) s->set_effective_to(Ymd(to));
    e.set_business_date(Ymd(from));
    return *this;
  }
  Person& Birth(const std::string& day) { return Status(v1::BIRTH, day); }
  Person& Registry(v1::Action action, const std::string& effective, bool fee_waived = false) {
    v1::Event& e = New(v1::REGISTRY, "");
    auto* r = e.mutable_registry();
    r->set_action(action);
    r->set_scheme(v1::RESIDENT);
    r->set_effective(Ymd(effective));
    r->set_fee_waived(fee_waived);
    e.set_business_date(Ymd(effective));
    return *this;
  }
  // A resident claim; amounts in fen.
  Person& Claim(const std::string& rid, const std::string& service, int64_t basic_fen,
                int64_t ci_fen, int64_t total_fen = -1) {
    v1::Event& e = New(v1::CLAIMS, rid);
    auto* c = e.mutable_claim();
    c->set_scheme(v1::RESIDENT);
    c->set_kind(v1::INPATIENT);
    c->set_service_date(Ymd(service));
    c->set_settled_at(PaidAt(service) + 86400);
    c->set_total_cost_fen(total_fen >= 0 ? total_fen : basic_fen + ci_fen + 10000);
    c->set_basic_fund_paid_fen(basic_fen);
    c->set_critical_illness_paid_fen(ci_fen);
    e.set_business_date(Ymd(service));
    return *this;
  }
  Person& Reverse(const std::string& claim_rid, const std::string& service) {
    v1::Event& e = New(v1::CLAIMS, "");
    auto* r = e.mutable_claim_reversal();
    r->set_reverse_of(claim_rid);
    r->set_service_date(Ymd(service));
    r->set_settled_at(PaidAt(service) + 2 * 86400);
    e.set_business_date(Ymd(service));
    return *this;
  }

  PersonFacts Facts() const { return CollectFacts(id_, events_); }

  // The records that follow are of `area` (a move, R10).
  Person& In(std::string area) {
    area_ = std::move(area);
    return *this;
  }
  Person& EmployeeMonthPaid(int year, int month, const std::string& paid) {
    return Contribution(v1::EMPLOYEE, v1::EMPLOYER, v1::REGULAR, year, month, paid, "");
  }

  // The whole answer for `year`, as `enrol query` gives it.
  v1::PersonYear Query(int year) const {
    auto years = EvaluatePerson(Facts(), Profiles(), year, year);
    EXPECT_TRUE(years.ok()) << years.status();
    return years.ok() ? (*years)[0] : v1::PersonYear();
  }

  v1::Explanation Explain(int year) const {
    auto x = ExplainPerson(Facts(), Profiles(), year);
    EXPECT_TRUE(x.ok()) << x.status();
    return x.ok() ? *x : v1::Explanation();
  }

  // `enrol audit`'s findings of this person, of one kind.
  std::vector<v1::Finding> Findings(const std::string& kind) const {
    PersonRecord record;
    record.id_number = id_;
    for (const v1::Event& e : events_) record.facts.push_back(FactOfEvent(e, -1));
    std::sort(record.facts.begin(), record.facts.end(), FactKeyLess);
    std::vector<v1::Finding> out;
    for (v1::Finding& f : PersonFindings(id_, record, Profiles(), std::nullopt)) {
      if (f.finding() == kind) out.push_back(std::move(f));
    }
    return out;
  }

  v1::ResidentYear Year(int year) const {
    PersonFacts f = Facts();
    EXPECT_NE(Profiles().Find(f.pool), nullptr) << f.pool;
    if (Profiles().Find(f.pool) == nullptr) return {};
    std::vector<v1::ResidentYear> out = EvaluateResident(f, Profiles(), year, year);
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? v1::ResidentYear() : out[0];
  }

  v1::Coverage CoveredOn(const std::string& day) const {
    auto c = EvaluateCoverage(Facts(), Profiles(), Day(day));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : v1::Coverage();
  }

  const std::string& id() const { return id_; }

 private:
  Person& Contribution(v1::Scheme scheme, v1::Payer payer, v1::Purpose purpose, int year,
                       int month, const std::string& paid, std::string rid) {
    v1::Event& e = New(v1::TAX, std::move(rid));
    auto* c = e.mutable_contribution();
    c->set_scheme(scheme);
    c->set_payer(payer);
    c->set_purpose(purpose);
    c->set_period_year(year);
    c->set_period_month(month);
    c->set_amount_fen(scheme == v1::RESIDENT ? 40000 : 60000);
    c->set_paid_at(PaidAt(paid));
    c->set_paid_on(Ymd(paid));
    e.set_business_date(Ymd(paid));
    return *this;
  }

  v1::Event& New(v1::Source source, std::string rid) {
    ++seq_;
    if (rid.empty()) rid = "R" + std::to_string(seq_);
    v1::Event& e = events_.emplace_back();
    static const char* const kNames[] = {"", "tax", "civil", "registry", "claims"};
    e.set_event_id(std::string(kNames[source]) + ":" + rid);
    e.set_source(source);
    e.set_record_id(rid);
    e.set_person(id_);
    e.set_region(area_);
    e.set_pool(PoolOf(area_));
    e.set_recorded_at_us(1'700'000'000'000'000 + seq_);
    return e;
  }

  std::string id_;
  std::string area_;
  std::vector<v1::Event> events_;
  int seq_ = 0;
};

// ---------------------------------------------------------------------------
// Month arithmetic (DOMAIN.md section 2).

TEST(AddMonths, ClampsToTheLastDayOfTheMonth) {
  EXPECT_EQ(AddMonths(Date(2025, 11, 30), 3), Date(2026, 2, 28));
  EXPECT_EQ(AddMonths(Date(2027, 11, 30), 3), Date(2028, 2, 29));  // leap year
  EXPECT_EQ(AddMonths(Date(2025, 8, 31), 1), Date(2025, 9, 30));
  EXPECT_EQ(AddMonths(Date(2025, 11, 6), 3), Date(2026, 2, 6));
  EXPECT_EQ(AddMonths(Date(2025, 1, 1), 22), Date(2026, 11, 1));
}

TEST(AddMonths, LatePaymentOn30NovemberWaitsUntilTheLastDayOfFebruary) {
  Person p;
  p.Pay(2025, "2025-11-30");
  v1::ResidentYear r = p.Year(2025);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-02-28");
}

TEST(AddMonths, LatePaymentOn30NovemberBeforeALeapYearWaitsUntil29February) {
  Person p;
  p.PayInWindow(2025, 2026).Pay(2027, "2027-11-30");
  EXPECT_EQ(p.Year(2027).waiting().benefits_from(), "2028-02-29");
}

// ---------------------------------------------------------------------------
// R1: enrolled year and window.

TEST(R1Window, HongheRunsFromFirstSeptemberToLastDayOfFebruary) {
  const v1::ResidentPolicy& pol = Policy("532500", 2026);
  EXPECT_EQ(WindowStart(pol, 2026), Date(2025, 9, 1));
  EXPECT_EQ(WindowEnd(pol, 2026), Date(2026, 2, 28));
  EXPECT_EQ(WindowEnd(Policy("532500", 2028), 2028), Date(2028, 2, 29));
}

TEST(R1Window, SuizhouRunsFromFirstSeptemberTo31DecemberOfThePreviousYear) {
  const v1::ResidentPolicy& pol = Policy("421300", 2026);
  EXPECT_EQ(WindowStart(pol, 2026), Date(2025, 9, 1));
  EXPECT_EQ(WindowEnd(pol, 2026), Date(2025, 12, 31));
}

TEST(R1Window, HongheLastDayOfFebruaryIsInWindow) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-02-28");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_TRUE(r.enrolled());
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-01-01");
}

TEST(R1Window, HongheFirstOfMarchIsAfterWindow) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-03-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_TRUE(r.enrolled());
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.waiting().fixed_months(), 3);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-06-01");
}

TEST(R1Window, HongheLeapYearWindowEndsOn29February) {
  Person p;
  p.PayInWindow(2025, 2027).Pay(2028, "2028-02-29");
  v1::ResidentYear r = p.Year(2028);
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.waiting().benefits_from(), "2028-01-01");
  EXPECT_EQ(r.critical_illness_cap().zero_claim_bonus(), 12000);
}

TEST(R1Window, Suizhou31DecemberOfThePreviousYearIsInWindow) {
  Person p = Person::Suizhou();
  p.Pay(2025, "2024-10-12").Pay(2026, "2025-12-31");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-01-01");
}

TEST(R1Window, SuizhouFirstOfJanuaryIsAfterWindow) {
  Person p = Person::Suizhou();
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-01-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-04-01");
}

TEST(R1Window, PaymentBeforeTheWindowCountsAsInWindow) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2025-03-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.paid_on(), "2025-03-01");
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.waiting().benefits_from(), "2026-01-01");
}

TEST(R1Enrolled, StandingPaymentEnrolsItsYear) {
  Person p;
  p.Pay(2025, "2024-10-12");
  v1::ResidentYear r = p.Year(2025);
  EXPECT_TRUE(r.enrolled());
  EXPECT_EQ(r.paid_on(), "2024-10-12");
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.continuous_years(), 1);
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2025-01-01");
}

TEST(R1Enrolled, YearWithoutPaymentIsNotEnrolled) {
  Person p;
  p.Pay(2025, "2024-10-12");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_FALSE(r.enrolled());
  EXPECT_EQ(r.paid_on(), "");
  EXPECT_EQ(r.waiting().benefits_from(), "");
  EXPECT_EQ(r.continuous_years(), 0);
}

TEST(R1Enrolled, RegularPaymentDatedAfterItsYearIsNotEnrolment) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2027-01-05");
  EXPECT_FALSE(p.Year(2026).enrolled());
}

TEST(R1Enrolled, PaymentOn31DecemberOfItsYearStillEnrols) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-12-31");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_TRUE(r.enrolled());
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-03-31");  // after the year: no cover in it
}

TEST(R1Enrolled, EarliestStandingPaymentIsTheFirst) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-05-01", "T9").Pay(2026, "2026-04-01", "T8");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.paid_on(), "2026-04-01");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-07-01");
}

TEST(R1Enrolled, RepairPaymentDoesNotEnrol) {
  Person p;
  p.Pay(2025, "2024-10-12").Repair(2026, "2026-05-01").Pay(2027, "2026-10-12");
  EXPECT_FALSE(p.Year(2026).enrolled());
  EXPECT_EQ(p.Year(2027).break_years(), 1);
}

TEST(R1Enrolled, EmployeeMonthsAreNotResidentEnrolment) {
  Person p;
  p.Pay(2025, "2024-10-12").EmployeeMonth(2026, 3);
  EXPECT_FALSE(p.Year(2026).enrolled());
}

TEST(R1Refund, RefundedPaymentDoesNotEnrol) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2025-10-12", "T2").Refund("T2");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_FALSE(r.enrolled());
  EXPECT_EQ(r.waiting().benefits_from(), "");
}

TEST(R1Refund, NextStandingPaymentIsTheFirst) {
  Person p;
  p.Pay(2025, "2024-10-12")
      .Pay(2026, "2025-10-12", "T2")
      .Refund("T2", "2025-11-01")
      .Pay(2026, "2026-04-01", "T3");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_TRUE(r.enrolled());
  EXPECT_EQ(r.paid_on(), "2026-04-01");
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-07-01");
  EXPECT_EQ(r.critical_illness_cap().zero_claim_bonus(), 0);  // not paid in the window
}

TEST(R1Refund, RefundOfAnotherRecordChangesNothing) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2025-10-12", "T2").Refund("T1");
  EXPECT_TRUE(p.Year(2026).enrolled());
  EXPECT_EQ(p.Year(2026).paid_on(), "2025-10-12");
}

// ---------------------------------------------------------------------------
// R2: break years and the obligation start.

TEST(R2BreakYears, FirstFactStartsTheObligation) {
  Person p;  // born 1990, first seen with a 2028 contribution
  p.Pay(2028, "2027-10-12");
  v1::ResidentYear r = p.Year(2028);
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2028-01-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R2BreakYears, ObligationNeverStartsBefore2025) {
  Person p;
  p.Registry(v1::ENROL, "2020-03-01").Pay(2026, "2025-10-12");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.break_years(), 1);  // 2025 only, not 2020-2024
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-04-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 3000);
}

TEST(R2BreakYears, CountsConsecutiveNonInsuredYearsRightBeforeY) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2028, "2027-10-12");
  EXPECT_EQ(p.Year(2026).break_years(), 0);
  EXPECT_EQ(p.Year(2027).break_years(), 1);
  EXPECT_EQ(p.Year(2028).break_years(), 2);
  EXPECT_EQ(p.Year(2029).break_years(), 0);
  EXPECT_EQ(p.Year(2030).break_years(), 1);
}

TEST(R2BreakYears, RegistryActionStartsTheObligation) {
  Person p;
  p.Registry(v1::TERMINATE, "2026-06-01").Pay(2028, "2027-10-12");
  EXPECT_EQ(p.Year(2028).break_years(), 2);  // 2026, 2027
}

TEST(R2BreakYears, BirthStartsTheObligation) {
  Person p = Person::NewbornHonghe("2026-05-01");
  p.Pay(2028, "2027-10-12");  // not the birth year nor the year after: no newborn exemption
  v1::ResidentYear r = p.Year(2028);
  EXPECT_EQ(r.break_years(), 2);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2028-05-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 6000);
}

TEST(R2BreakYears, EmployeeMonthMakesTheYearInsured) {
  Person p;
  // Employer staff paid July-December 2026: covered from August (E1), so 2026
  // has employee coverage.
  p.Pay(2025, "2024-10-12");
  for (int m = 7; m <= 12; ++m) p.EmployeeMonth(2026, m);
  p.Pay(2027, "2026-10-12");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-01-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R2BreakYears, EmployeeContributionPeriodStartsTheObligation) {
  Person p;
  // Employee contributions from March 2025 (covered from April, E1) start the
  // obligation in 2025; 2025 is insured, 2026 is not.
  for (int m = 3; m <= 12; ++m) p.EmployeeMonth(2025, m);
  p.Pay(2027, "2026-10-12");
  EXPECT_EQ(p.Year(2027).break_years(), 1);  // 2026
}

// ---------------------------------------------------------------------------
// R3: waiting periods.

TEST(R3Waiting, NoBreakPaidInWindowHasNoWaiting) {
  Person p;
  p.PayInWindow(2025, 2026);
  const v1::ResidentYear r = p.Year(2026);
  const v1::Waiting& w = r.waiting();
  EXPECT_EQ(w.exempt(), "");
  EXPECT_EQ(w.fixed_months(), 0);
  EXPECT_EQ(w.variable_months(), 0);
  EXPECT_EQ(w.repaired_months(), 0);
  EXPECT_EQ(w.total_months(), 0);
  EXPECT_EQ(w.benefits_from(), "2026-01-01");
}

TEST(R3Waiting, NoBreakPaidAfterWindowWaitsThreeMonthsFromPayment) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-05-10");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().fixed_months(), 3);
  EXPECT_EQ(r.waiting().variable_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-08-10");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Waiting, OneBreakYearWaitsThreeMonthsFromFirstJanuary) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2027, "2026-10-12");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 1);
  EXPECT_EQ(r.waiting().fixed_months(), 3);
  EXPECT_EQ(r.waiting().variable_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-04-01");
}

TEST(R3Waiting, TwoBreakYearsAddOneVariableMonth) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2028, "2027-10-12");
  v1::ResidentYear r = p.Year(2028);
  EXPECT_EQ(r.break_years(), 2);
  EXPECT_EQ(r.waiting().fixed_months(), 3);
  EXPECT_EQ(r.waiting().variable_months(), 1);
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2028-05-01");
}

TEST(R3Waiting, ThreeBreakYearsAddTwoVariableMonths) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2029, "2028-10-12");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.break_years(), 3);
  EXPECT_EQ(r.waiting().variable_months(), 2);
  EXPECT_EQ(r.waiting().total_months(), 5);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-06-01");
}

TEST(R3Waiting, BreakAndPaymentAfterWindowWaitFromThePaymentDate) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2028, "2028-05-10");
  v1::ResidentYear r = p.Year(2028);
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2028-09-10");
}

TEST(R3Waiting, ExactlyFourBreakYearsWaitsAtLeastSixMonths) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2030, "2029-10-12");
  v1::ResidentYear r = p.Year(2030);
  EXPECT_EQ(r.break_years(), 4);
  EXPECT_EQ(r.waiting().fixed_months(), 3);
  EXPECT_EQ(r.waiting().variable_months(), 3);
  EXPECT_EQ(r.waiting().total_months(), 6);
  EXPECT_EQ(r.waiting().benefits_from(), "2030-07-01");
}

TEST(R3Waiting, ExactlyFourBreakYearsRepairedStillWaitSixMonths) {
  Person p;
  p.Pay(2025, "2024-10-12")
      .Repair(2026, "2029-11-01")
      .Repair(2027, "2029-11-02")
      .Repair(2028, "2029-11-03")
      .Pay(2030, "2029-10-12");
  v1::ResidentYear r = p.Year(2030);
  EXPECT_EQ(r.break_years(), 4);
  EXPECT_EQ(r.waiting().total_months(), 6);
  EXPECT_EQ(r.waiting().benefits_from(), "2030-07-01");
}

TEST(R3Waiting, FiveBreakYearsWaitSevenMonths) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2031, "2030-10-12");
  v1::ResidentYear r = p.Year(2031);
  EXPECT_EQ(r.break_years(), 5);
  EXPECT_EQ(r.waiting().variable_months(), 4);
  EXPECT_EQ(r.waiting().total_months(), 7);
  EXPECT_EQ(r.waiting().benefits_from(), "2031-08-01");
}

TEST(R3Waiting, WaitingHasNoMaximum) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2046, "2045-10-12");
  v1::ResidentYear r = p.Year(2046);
  EXPECT_EQ(r.break_years(), 20);
  EXPECT_EQ(r.waiting().variable_months(), 19);
  EXPECT_EQ(r.waiting().total_months(), 22);
  EXPECT_EQ(r.waiting().benefits_from(), "2047-11-01");
}

TEST(R3Waiting, PaymentOn6November2025WaitsUntil5February2026) {
  Person p;
  p.Pay(2025, "2025-11-06");
  v1::ResidentYear r = p.Year(2025);
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-02-06");
}

TEST(R3Waiting, WaitingRunningIntoNextYearDelaysThatYearsBenefits) {
  Person p;
  p.Pay(2025, "2025-11-06").Pay(2026, "2025-12-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-02-06");
}

TEST(R3Waiting, WaitingRunningIntoNextYearBlocksCoverThere) {
  Person p;
  p.Pay(2025, "2025-11-06").Pay(2026, "2025-12-01");
  EXPECT_FALSE(p.CoveredOn("2025-12-31").covered());
  EXPECT_FALSE(p.CoveredOn("2026-01-01").covered());
  EXPECT_FALSE(p.CoveredOn("2026-02-05").covered());
  v1::Coverage c = p.CoveredOn("2026-02-06");
  EXPECT_TRUE(c.covered());
  EXPECT_EQ(c.scheme(), "resident");
}

TEST(R3Waiting, NoWaitingBeforeTheMechanismStart) {
  Person p;
  p.Pay(2024, "2024-06-01");
  v1::ResidentYear r = p.Year(2024);
  EXPECT_TRUE(r.enrolled());
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2024-01-01");
}

// ---------------------------------------------------------------------------
// R3: newborns.

TEST(R3Newborn, HonghePaymentOnDay90IsCoveredFromBirth) {
  Person p = Person::NewbornHonghe("2025-05-10");
  p.Pay(2025, "2025-08-08");  // 2025-05-10 + 90 days
  v1::ResidentYear r = p.Year(2025);
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2025-05-10");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Newborn, HonghePaymentOnDay91IsCoveredFromFirstOfNextMonth) {
  Person p = Person::NewbornHonghe("2025-05-10");
  p.Pay(2025, "2025-08-09");
  v1::ResidentYear r = p.Year(2025);
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().benefits_from(), "2025-09-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Newborn, FirstEnrolmentForTheYearAfterBirthIsExempt) {
  Person p = Person::NewbornHonghe("2025-11-20");
  p.Pay(2026, "2025-12-10");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.break_years(), 1);  // 2025, the birth year
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-01-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Newborn, YearAfterBirthPaidAfter90DaysIsCoveredFromFirstOfNextMonth) {
  Person p = Person::NewbornHonghe("2025-10-01");
  p.Pay(2026, "2026-04-15");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-05-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Newborn, FirstEnrolmentTwoYearsAfterBirthIsNotExempt) {
  Person p = Person::NewbornHonghe("2025-05-10");
  p.Pay(2027, "2026-10-12");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 2);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-05-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 6000);
}

TEST(R3Newborn, OnlyTheFirstEnrolledYearIsExempt) {
  Person p = Person::NewbornHonghe("2025-05-10");
  p.Pay(2025, "2025-06-01").Pay(2026, "2026-04-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-07-01");
}

TEST(R3Newborn, SuizhouFeeWaivedRegistryEnrolWithin12MonthsIsCoveredFromBirth) {
  Person p = Person::NewbornSuizhou("2025-03-10");
  p.Registry(v1::ENROL, "2025-11-01", /*fee_waived=*/true);
  v1::ResidentYear r = p.Year(2025);
  EXPECT_TRUE(r.enrolled());
  EXPECT_EQ(r.paid_on(), "2025-11-01");
  EXPECT_TRUE(r.in_window());  // a fee-waived enrolment counts as in window
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().benefits_from(), "2025-03-10");
  EXPECT_EQ(r.critical_illness_cap().base(), 350000);
}

TEST(R3Newborn, SuizhouRegistryEnrolWithoutFeeWaiverIsNotEnrolment) {
  Person p = Person::NewbornSuizhou("2025-03-10");
  p.Registry(v1::ENROL, "2025-11-01", /*fee_waived=*/false);
  EXPECT_FALSE(p.Year(2025).enrolled());
}

TEST(R3Newborn, SuizhouPaymentAfter90DaysButWithin12MonthsIsCoveredFromBirth) {
  Person p = Person::NewbornSuizhou("2025-01-15");
  p.Pay(2025, "2025-12-01");
  v1::ResidentYear r = p.Year(2025);
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().benefits_from(), "2025-01-15");
}

TEST(R3Newborn, HonghePaymentAfter90DaysOfTheSameBirthIsNotCoveredFromBirth) {
  Person p = Person::NewbornHonghe("2025-01-15");
  p.Pay(2025, "2025-12-01");
  EXPECT_EQ(p.Year(2025).waiting().benefits_from(), "2026-01-01");
}

TEST(R3Newborn, SuizhouPaymentExactly12MonthsAfterBirthIsCoveredFromBirth) {
  Person p = Person::NewbornSuizhou("2025-01-15");
  p.Pay(2026, "2026-01-15");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-01-01");  // birth date, not before 1 Jan of Y
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Newborn, SuizhouPaymentOneDayAfter12MonthsIsCoveredFromFirstOfNextMonth) {
  Person p = Person::NewbornSuizhou("2025-01-15");
  p.Pay(2026, "2026-01-16");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-02-01");
}

// ---------------------------------------------------------------------------
// R3: exemptions other than newborns.

TEST(R3Exemption, MedicalAssistanceAddedAfterWindowIsCoveredFromPayment) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::MEDICAL_ASSISTANCE, "2026-03-15").Pay(2026, "2026-04-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "medical_assistance");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-04-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Exemption, MedicalAssistanceStartingOnLastDayOfWindowIsNotExempt) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::MEDICAL_ASSISTANCE, "2026-02-28").Pay(2026, "2026-04-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-07-01");
}

TEST(R3Exemption, MedicalAssistanceAfterBreakHasNoPenalty) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::MEDICAL_ASSISTANCE, "2027-03-10").Pay(2027, "2027-03-20");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 1);
  EXPECT_EQ(r.waiting().exempt(), "medical_assistance");
  EXPECT_EQ(r.waiting().benefits_from(), "2027-03-20");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Exemption, VeteranPayingInWindowAfterBreakIsCoveredFromFirstJanuary) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::VETERAN, "2026-12-15").Pay(2027, "2027-01-10");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.break_years(), 1);
  EXPECT_EQ(r.waiting().exempt(), "veteran");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-01-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Exemption, VeteranPayingExactlyThreeMonthsAfterStatusStartIsExempt) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::VETERAN, "2026-03-01").Pay(2026, "2026-06-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "veteran");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-06-01");
}

TEST(R3Exemption, VeteranPayingMoreThanThreeMonthsAfterStatusStartWaits) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::VETERAN, "2026-03-01").Pay(2026, "2026-06-02");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-09-02");
}

TEST(R3Exemption, StatusStartingAfterThePaymentDoesNotExempt) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::VETERAN, "2026-05-01").Pay(2026, "2026-04-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-07-01");
}

TEST(R3Exemption, MilitaryDependentPayingWithinThreeMonthsIsExempt) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::MILITARY_DEPENDENT, "2027-02-01").Pay(2027, "2027-04-30");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 1);
  EXPECT_EQ(r.waiting().exempt(), "military_dependent");
  EXPECT_EQ(r.waiting().benefits_from(), "2027-04-30");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Exemption, ReleasedPrisonerPayingWithinThreeMonthsIsExempt) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::RELEASED_PRISONER, "2028-06-10").Pay(2028, "2028-07-01");
  v1::ResidentYear r = p.Year(2028);
  EXPECT_EQ(r.break_years(), 2);
  EXPECT_EQ(r.waiting().exempt(), "released_prisoner");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2028-07-01");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Exemption, SchemeTransferWithinThreeMonthsOfEmployeeCoverEnd) {
  Person p;
  for (int m = 1; m <= 12; ++m) p.EmployeeMonth(2025, m);
  p.Pay(2026, "2026-03-31");  // employee cover ended 2025-12-31; + 3 months = 2026-03-31
  v1::ResidentYear r = p.Year(2026);
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().exempt(), "scheme_transfer");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-03-31");
}

TEST(R3Exemption, SchemeTransferMoreThanThreeMonthsAfterEmployeeCoverEndWaits) {
  Person p;
  for (int m = 1; m <= 12; ++m) p.EmployeeMonth(2025, m);
  p.Pay(2026, "2026-04-01");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2026-07-01");
}

TEST(R3Exemption, SchemeTransferAfterBreakHasNoPenalty) {
  Person p;
  p.Pay(2025, "2024-10-12").EmployeeMonth(2027, 1).EmployeeMonth(2027, 2).Pay(2027, "2027-04-10");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 1);  // 2026
  EXPECT_EQ(r.waiting().exempt(), "scheme_transfer");
  EXPECT_EQ(r.waiting().benefits_from(), "2027-04-10");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R3Exemption, NotLookedAtWhenThereIsNoWaiting) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::VETERAN, "2025-12-01").Pay(2026, "2025-12-10");
  v1::ResidentYear r = p.Year(2026);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-01-01");
}

// ---------------------------------------------------------------------------
// R4: repairs. The base person paid 2025, broke 2026-2028 and paid 2029 in the
// window: N=3, fixed 3 + variable 2 = 5 months, benefits from 2029-06-01.

Person ThreeBreakYears() {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2029, "2028-10-10");
  return p;
}

TEST(R4Repair, WithoutRepairThreeBreakYearsWaitFiveMonths) {
  v1::ResidentYear r = ThreeBreakYears().Year(2029);
  EXPECT_EQ(r.waiting().variable_months(), 2);
  EXPECT_EQ(r.waiting().repaired_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 5);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-06-01");
}

TEST(R4Repair, OneRepairedYearTakesOneMonthOff) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2028-11-01");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().variable_months(), 2);
  EXPECT_EQ(r.waiting().repaired_months(), 1);
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-05-01");
}

TEST(R4Repair, EachDistinctRepairedYearTakesOneMonthOff) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2028-11-01").Repair(2027, "2028-11-02");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().repaired_months(), 2);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-04-01");
}

TEST(R4Repair, RepairsNeverTakeOffMoreThanTheVariableMonths) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2028-11-01").Repair(2027, "2028-11-02").Repair(2028, "2028-11-03");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().variable_months(), 2);
  EXPECT_EQ(r.waiting().repaired_months(), 2);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-04-01");
}

TEST(R4Repair, SameYearRepairedTwiceTakesOneMonthOff) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2028-11-01").Repair(2026, "2028-11-05");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().repaired_months(), 1);
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-05-01");
}

TEST(R4Repair, RefundedRepairTakesNoMonthOff) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2028-11-01", "REP1").Refund("REP1", "2028-12-01");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().repaired_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 5);
}

TEST(R4Repair, RepairOfAYearOutsideTheCurrentBreakRunChangesNothing) {
  Person p;
  p.Registry(v1::ENROL, "2025-01-01")  // obligation from 2025
      .Pay(2026, "2025-10-12")         // N=1 (2025)
      .Pay(2029, "2028-10-10")         // N=2 (2027, 2028)
      .Repair(2025, "2028-11-01");     // a break year of the earlier run
  EXPECT_EQ(p.Year(2026).break_years(), 1);
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.break_years(), 2);
  EXPECT_EQ(r.waiting().variable_months(), 1);
  EXPECT_EQ(r.waiting().repaired_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-05-01");
}

TEST(R4Repair, RepairPaidDuringTheShortenedWaitKeepsTheShortenedEnd) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2029-04-20");  // before the shortened wait ends (2029-04-30)
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().repaired_months(), 1);
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-05-01");
}

TEST(R4Repair, RepairNeverBackdatesCover) {
  // Paid 2029-05-20: after the shortened wait would have ended (2029-04-30),
  // before the unrepaired one ends (2029-05-31): cover from the next day.
  Person p = ThreeBreakYears();
  p.Repair(2026, "2029-05-20");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().repaired_months(), 1);
  EXPECT_EQ(r.waiting().total_months(), 4);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-05-21");
}

TEST(R4Repair, RepairOnTheLastWaitingDayGivesCoverFromTheNextDay) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2029-05-31");  // last day of the unrepaired wait
  EXPECT_EQ(p.Year(2029).waiting().benefits_from(), "2029-06-01");
}

TEST(R4Repair, RepairAfterTheWaitEndedChangesNothing) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2029-06-15");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().repaired_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 5);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-06-01");
}

TEST(R4Repair, RepairOnTheFirstCoveredDayChangesNothing) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2029-06-01");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.waiting().total_months(), 5);
  EXPECT_EQ(r.waiting().benefits_from(), "2029-06-01");
}

TEST(R4Repair, RepairAfterTheShortenedWaitEndedDoesNotLengthenIt) {
  // The first repair shortens the wait to 4 months: covered from 2029-05-01.
  // The second comes on 2029-05-20, after that wait ended: it must not take
  // away the cover of 2029-05-01..2029-05-20 (R4: "never lengthen a wait").
  Person p = ThreeBreakYears();
  p.Repair(2026, "2028-11-01").Repair(2027, "2029-05-20");
  EXPECT_EQ(p.Year(2029).waiting().benefits_from(), "2029-05-01");
}

TEST(R4Repair, RepairShortensAWaitStartingOnALatePayment) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2028, "2028-05-10").Repair(2026, "2028-06-01");
  v1::ResidentYear r = p.Year(2028);
  EXPECT_EQ(r.waiting().repaired_months(), 1);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2028-08-10");
}

TEST(R4Repair, RepairWithoutVariableMonthsChangesNothing) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2027, "2026-10-12").Repair(2026, "2026-11-01");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.waiting().variable_months(), 0);
  EXPECT_EQ(r.waiting().repaired_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 3);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-04-01");
}

TEST(R4Repair, OneRepairAfterFiveBreakYearsReachesTheSixMonthFloor) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2031, "2030-10-12").Repair(2026, "2030-11-01");
  v1::ResidentYear r = p.Year(2031);
  EXPECT_EQ(r.waiting().variable_months(), 4);
  EXPECT_EQ(r.waiting().total_months(), 6);
  EXPECT_EQ(r.waiting().benefits_from(), "2031-07-01");
}

TEST(R4Repair, NeverBelowSixMonthsAfterFourOrMoreBreakYears) {
  Person p;
  p.Pay(2025, "2024-10-12")
      .Pay(2031, "2030-10-12")
      .Repair(2026, "2030-11-01")
      .Repair(2027, "2030-11-02")
      .Repair(2028, "2030-11-03")
      .Repair(2029, "2030-11-04");
  v1::ResidentYear r = p.Year(2031);
  EXPECT_EQ(r.break_years(), 5);
  EXPECT_EQ(r.waiting().total_months(), 6);
  EXPECT_EQ(r.waiting().benefits_from(), "2031-07-01");
}

TEST(R4Repair, RepairTakingNoMonthOffDoesNotDelayCover) {
  // N=5: 7 months; the first repair takes it to the 6-month floor, the second
  // (paid 2031-07-20, before the unrepaired end 2031-08-01) takes nothing off.
  Person p;
  p.Pay(2025, "2024-10-12")
      .Pay(2031, "2030-10-12")
      .Repair(2026, "2030-11-01")
      .Repair(2027, "2031-07-20");
  v1::ResidentYear r = p.Year(2031);
  EXPECT_EQ(r.waiting().total_months(), 6);
  EXPECT_EQ(r.waiting().benefits_from(), "2031-07-01");
}

TEST(R4Repair, RepairsRestoreNeitherContinuityNorPenalty) {
  Person p = ThreeBreakYears();
  p.Repair(2026, "2028-11-01").Repair(2027, "2028-11-02").Repair(2028, "2028-11-03");
  p.Pay(2030, "2029-10-12");
  v1::ResidentYear r = p.Year(2029);
  EXPECT_EQ(r.break_years(), 3);
  EXPECT_EQ(r.continuous_years(), 1);
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 9000);
  EXPECT_FALSE(p.Year(2027).enrolled());
  v1::ResidentYear next = p.Year(2030);
  EXPECT_EQ(next.continuous_years(), 2);
  EXPECT_EQ(next.critical_illness_cap().break_penalty(), 9000);
}

// ---------------------------------------------------------------------------
// R5: continuous years and the continuity bonus.

TEST(R5Continuity, ContinuousYearsCountFrom2025) {
  Person p;
  p.PayInWindow(2023, 2027);
  EXPECT_EQ(p.Year(2025).continuous_years(), 1);
  EXPECT_EQ(p.Year(2026).continuous_years(), 2);
  EXPECT_EQ(p.Year(2027).continuous_years(), 3);
}

TEST(R5Continuity, BonusStartsAtTheFifthContinuousYear) {
  Person p;
  p.PayInWindow(2025, 2030);
  EXPECT_EQ(p.Year(2028).continuous_years(), 4);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().continuity_bonus(), 0);
  EXPECT_EQ(p.Year(2029).continuous_years(), 5);
  EXPECT_EQ(p.Year(2029).critical_illness_cap().continuity_bonus(), 4000);
  EXPECT_EQ(p.Year(2030).continuous_years(), 6);
  EXPECT_EQ(p.Year(2030).critical_illness_cap().continuity_bonus(), 8000);
}

TEST(R5Continuity, BreakRestartsTheCountButKeepsTheBonus) {
  Person p;
  p.PayInWindow(2025, 2029).Pay(2031, "2030-10-12");
  EXPECT_EQ(p.Year(2030).critical_illness_cap().continuity_bonus(), 4000);
  v1::ResidentYear r = p.Year(2031);
  EXPECT_EQ(r.break_years(), 1);
  EXPECT_EQ(r.continuous_years(), 1);
  EXPECT_EQ(r.critical_illness_cap().continuity_bonus(), 4000);
}

TEST(R5Continuity, EmployeeYearNeitherCountsNorBreaks) {
  Person p;
  p.PayInWindow(2025, 2026);
  for (int m = 1; m <= 12; ++m) p.EmployeeMonth(2027, m);  // covered February-December 2027
  p.PayInWindow(2028, 2030);
  EXPECT_EQ(p.Year(2028).break_years(), 0);
  EXPECT_EQ(p.Year(2028).continuous_years(), 3);
  EXPECT_EQ(p.Year(2029).critical_illness_cap().continuity_bonus(), 0);
  EXPECT_EQ(p.Year(2030).continuous_years(), 5);
  EXPECT_EQ(p.Year(2030).critical_illness_cap().continuity_bonus(), 4000);
}

TEST(R5Continuity, LatePaymentStillCounts) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-05-10");
  EXPECT_EQ(p.Year(2026).continuous_years(), 2);
}

// ---------------------------------------------------------------------------
// R6: zero-claim bonus (and R9: claims by service date, reversals).

TEST(R6ZeroClaimBonus, AccumulatesForEachClaimFreeYear) {
  Person p;
  p.PayInWindow(2025, 2027);
  EXPECT_EQ(p.Year(2025).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 4000);
  EXPECT_EQ(p.Year(2027).critical_illness_cap().zero_claim_bonus(), 8000);
}

TEST(R6ZeroClaimBonus, ContractExampleFor2027) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2025-10-12").Pay(2027, "2026-10-12");
  v1::ResidentYear r = p.Year(2027);
  EXPECT_TRUE(r.enrolled());
  EXPECT_EQ(r.paid_on(), "2026-10-12");
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.continuous_years(), 3);
  EXPECT_EQ(r.break_years(), 0);
  EXPECT_EQ(r.waiting().exempt(), "");
  EXPECT_EQ(r.waiting().fixed_months(), 0);
  EXPECT_EQ(r.waiting().variable_months(), 0);
  EXPECT_EQ(r.waiting().repaired_months(), 0);
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-01-01");
  const v1::CriticalIllnessCap& cap = r.critical_illness_cap();
  EXPECT_EQ(cap.base(), 400000);
  EXPECT_EQ(cap.continuity_bonus(), 0);
  EXPECT_EQ(cap.zero_claim_bonus(), 8000);
  EXPECT_EQ(cap.break_penalty(), 0);
  EXPECT_EQ(cap.effective(), 408000);
  EXPECT_FALSE(cap.unlimited());
}

TEST(R6ZeroClaimBonus, NoBonusWhenPaidAfterTheWindow) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-05-10").Pay(2027, "2026-10-12");
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2027).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, NoBonusAfterABasicFundPayment) {
  Person p;
  p.PayInWindow(2025, 2027).Claim("C1", "2025-06-01", 100, 0);
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2027).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, NoBonusAfterACriticalIllnessPayment) {
  Person p;
  p.PayInWindow(2025, 2026).Claim("C1", "2025-06-01", 0, 100);
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 0);
}

TEST(R6ZeroClaimBonus, ClaimWithoutFundPaymentKeepsTheBonus) {
  Person p;
  p.PayInWindow(2025, 2026).Claim("C1", "2025-06-01", 0, 0, 5000);
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, ReversedClaimDoesNotCount) {
  Person p;
  p.PayInWindow(2025, 2026).Claim("C1", "2025-06-01", 100, 0).Reverse("C1", "2025-06-01");
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, ReversalOfAnotherClaimKeepsTheClaim) {
  Person p;
  p.PayInWindow(2025, 2026).Claim("C1", "2025-06-01", 100, 0).Reverse("C9", "2025-06-01");
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 0);
}

TEST(R6ZeroClaimBonus, ClaimCountsInTheYearOfItsServiceDate) {
  Person p;
  p.PayInWindow(2025, 2027).Claim("C1", "2025-12-31", 100, 0);  // settled 2026-01-01
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2027).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, NoBonusWhenThePreviousYearWasNotEnrolled) {
  Person p;
  p.Pay(2025, "2024-10-12").PayInWindow(2027, 2028);
  EXPECT_EQ(p.Year(2027).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, NoBonusForYearsBeforeTheMechanismStart) {
  Person p;
  p.PayInWindow(2024, 2026);
  EXPECT_EQ(p.Year(2025).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2026).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, ResetWhenCriticalIllnessPaymentsExceedTheBase) {
  Person p;
  p.PayInWindow(2025, 2029).Claim("C1", "2027-05-01", 0, 40000001);  // 400,000.01 yuan
  EXPECT_EQ(p.Year(2027).critical_illness_cap().zero_claim_bonus(), 8000);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2029).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, NoResetWhenCriticalIllnessPaymentsEqualTheBase) {
  Person p;
  p.PayInWindow(2025, 2029).Claim("C1", "2027-05-01", 0, 40000000);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().zero_claim_bonus(), 8000);
  EXPECT_EQ(p.Year(2029).critical_illness_cap().zero_claim_bonus(), 12000);
}

TEST(R6ZeroClaimBonus, ResetSumsTheCriticalIllnessPaymentsOfTheYear) {
  Person p;
  p.PayInWindow(2025, 2028)
      .Claim("C1", "2027-02-01", 0, 20000000)
      .Claim("C2", "2027-09-01", 0, 20000001);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().zero_claim_bonus(), 0);
}

TEST(R6ZeroClaimBonus, ResetThresholdIsBaseMinusAppliedPenalty) {
  // Paid 2025, broke 2026 (penalty 3000), paid 2027-2031: threshold 397,000.
  Person p;
  p.Pay(2025, "2024-10-12").PayInWindow(2027, 2031).Claim("C1", "2029-05-01", 0, 39700001);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().zero_claim_bonus(), 4000);
  EXPECT_EQ(p.Year(2029).critical_illness_cap().zero_claim_bonus(), 8000);
  EXPECT_EQ(p.Year(2030).critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(p.Year(2031).critical_illness_cap().zero_claim_bonus(), 4000);
}

TEST(R6ZeroClaimBonus, NoResetAtExactlyBaseMinusAppliedPenalty) {
  Person p;
  p.Pay(2025, "2024-10-12").PayInWindow(2027, 2030).Claim("C1", "2029-05-01", 0, 39700000);
  EXPECT_EQ(p.Year(2030).critical_illness_cap().zero_claim_bonus(), 8000);
}

TEST(R6ZeroClaimBonus, ReversedCriticalIllnessClaimDoesNotReset) {
  Person p;
  p.PayInWindow(2025, 2028).Claim("C1", "2027-05-01", 0, 40000001).Reverse("C1", "2027-05-01");
  EXPECT_EQ(p.Year(2028).critical_illness_cap().zero_claim_bonus(), 12000);
}

// ---------------------------------------------------------------------------
// R7: break penalty.

TEST(R7BreakPenalty, ThreeThousandPerBreakYear) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2028, "2027-10-12");
  v1::ResidentYear r = p.Year(2028);
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 6000);
  EXPECT_EQ(r.critical_illness_cap().effective(), 394000);
}

TEST(R7BreakPenalty, AccumulatesOverEpisodes) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2027, "2026-10-12").Pay(2030, "2029-10-12");
  EXPECT_EQ(p.Year(2027).critical_illness_cap().break_penalty(), 3000);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().break_penalty(), 3000);
  EXPECT_EQ(p.Year(2030).break_years(), 2);
  EXPECT_EQ(p.Year(2030).critical_illness_cap().break_penalty(), 9000);
}

TEST(R7BreakPenalty, IsPermanent) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2027, "2026-10-12").Pay(2030, "2029-10-12").PayInWindow(2031, 2033);
  EXPECT_EQ(p.Year(2031).break_years(), 0);
  EXPECT_EQ(p.Year(2033).critical_illness_cap().break_penalty(), 9000);
}

TEST(R7BreakPenalty, NoPenaltyForALatePaymentWithoutBreak) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2026, "2026-09-01");
  EXPECT_EQ(p.Year(2026).critical_illness_cap().break_penalty(), 0);
}

TEST(R7BreakPenalty, NoPenaltyWithoutEnrolment) {
  Person p;
  p.Pay(2025, "2024-10-12");
  EXPECT_EQ(p.Year(2028).break_years(), 2);
  EXPECT_EQ(p.Year(2028).critical_illness_cap().break_penalty(), 0);
}

// ---------------------------------------------------------------------------
// R8: effective critical-illness cap.

TEST(R8Cap, BaseWithoutAdjustments) {
  Person p;
  p.Pay(2025, "2024-10-12");
  const v1::ResidentYear r = p.Year(2025);
  const v1::CriticalIllnessCap& cap = r.critical_illness_cap();
  EXPECT_EQ(cap.base(), 400000);
  EXPECT_EQ(cap.effective(), 400000);
  EXPECT_FALSE(cap.unlimited());
}

TEST(R8Cap, BonusesBelowTheLimitAreAddedInFull) {
  Person p;
  p.PayInWindow(2025, 2036);
  const v1::ResidentYear r = p.Year(2036);
  const v1::CriticalIllnessCap& cap = r.critical_illness_cap();
  EXPECT_EQ(cap.continuity_bonus(), 32000);
  EXPECT_EQ(cap.zero_claim_bonus(), 44000);
  EXPECT_EQ(cap.effective(), 476000);
}

TEST(R8Cap, BonusesAreLimitedTo20PercentOfBase) {
  Person p;
  p.PayInWindow(2025, 2037);
  const v1::ResidentYear r = p.Year(2037);
  const v1::CriticalIllnessCap& cap = r.critical_illness_cap();
  EXPECT_EQ(cap.continuity_bonus(), 36000);  // reported before the limit
  EXPECT_EQ(cap.zero_claim_bonus(), 48000);
  EXPECT_EQ(cap.effective(), 480000);
}

TEST(R8Cap, PenaltyIsLimitedTo20PercentOfBase) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2053, "2052-10-12");
  v1::ResidentYear r = p.Year(2053);
  EXPECT_EQ(r.break_years(), 27);
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 81000);  // reported before the limit
  EXPECT_EQ(r.critical_illness_cap().effective(), 320000);
}

TEST(R8Cap, BonusAndPenaltyLimitsApplySeparately) {
  Person p;
  p.Pay(2025, "2024-10-12").PayInWindow(2027, 2039);
  const v1::ResidentYear r = p.Year(2039);
  const v1::CriticalIllnessCap& cap = r.critical_illness_cap();
  EXPECT_EQ(cap.continuity_bonus(), 36000);
  EXPECT_EQ(cap.zero_claim_bonus(), 48000);
  EXPECT_EQ(cap.break_penalty(), 3000);
  EXPECT_EQ(cap.effective(), 477000);
}

TEST(R8Cap, SuizhouBaseIs350000) {
  Person p = Person::Suizhou();
  p.Pay(2025, "2024-10-12").Pay(2027, "2026-10-12");
  const v1::ResidentYear r = p.Year(2027);
  const v1::CriticalIllnessCap& cap = r.critical_illness_cap();
  EXPECT_EQ(cap.base(), 350000);
  EXPECT_EQ(cap.break_penalty(), 3000);
  EXPECT_EQ(cap.effective(), 347000);
  EXPECT_FALSE(cap.unlimited());
}

TEST(R8Cap, SuizhouSpecialGroupsHaveNoCap) {
  for (v1::Status s :
       {v1::SPECIAL_HARDSHIP, v1::ORPHAN, v1::MINIMUM_LIVING, v1::LOW_INCOME_MONITORED}) {
    Person p = Person::Suizhou();
    p.Pay(2025, "2024-10-12").Status(s, "2024-06-01");
    EXPECT_TRUE(p.Year(2025).critical_illness_cap().unlimited()) << v1::Status_Name(s);
  }
}

TEST(R8Cap, SuizhouOtherStatusesKeepTheCap) {
  for (v1::Status s : {v1::SEVERE_DISABILITY, v1::MEDICAL_ASSISTANCE, v1::VETERAN}) {
    Person p = Person::Suizhou();
    p.Pay(2025, "2024-10-12").Status(s, "2024-06-01");
    EXPECT_FALSE(p.Year(2025).critical_illness_cap().unlimited()) << v1::Status_Name(s);
  }
}

TEST(R8Cap, SuizhouUnlimitedOnlyInYearsTheStatusHolds) {
  Person p = Person::Suizhou();
  p.PayInWindow(2025, 2027).Status(v1::MINIMUM_LIVING, "2026-03-01", "2026-08-31");
  EXPECT_FALSE(p.Year(2025).critical_illness_cap().unlimited());
  EXPECT_TRUE(p.Year(2026).critical_illness_cap().unlimited());
  EXPECT_FALSE(p.Year(2027).critical_illness_cap().unlimited());
}

TEST(R8Cap, HongheSpecialHardshipKeepsTheCap) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::SPECIAL_HARDSHIP, "2024-06-01");
  const v1::ResidentYear r = p.Year(2025);
  const v1::CriticalIllnessCap& cap = r.critical_illness_cap();
  EXPECT_FALSE(cap.unlimited());
  EXPECT_EQ(cap.effective(), 400000);
}


// ---------------------------------------------------------------------------
// R2 (2026-11-30): the population register starts the obligation; no year
// after a death is a break year.

TEST(R2Register, RegisteredBefore2025AndFirstPayingFor2027HasTwoBreakYears) {
  Person p;
  p.Status(v1::REGISTERED, "2010-05-01").Pay(2027, "2026-10-12");
  const v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 2);  // 2025 and 2026
  EXPECT_EQ(r.waiting().total_months(), 4);  // 3 fixed + (2 - 1) variable
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 6000);
}

TEST(R2Register, WithoutARegisterEntryTheObligationStartsWithTheFirstPayment) {
  Person p;
  p.Pay(2027, "2026-10-12");
  EXPECT_EQ(p.Year(2027).break_years(), 0);
}

TEST(R2Register, RegisteredIn2026CountsFrom2026) {
  Person p;
  p.Status(v1::REGISTERED, "2026-12-31").Pay(2028, "2027-10-12");
  EXPECT_EQ(p.Year(2028).break_years(), 2);  // 2026 and 2027
}

TEST(R2Death, NoYearAfterADeathIsABreakYear) {
  Person p;
  p.PayInWindow(2025, 2026).Status(v1::DEATH, "2026-08-15");
  EXPECT_EQ(p.Year(2027).break_years(), 0);
  EXPECT_EQ(p.Year(2028).break_years(), 0);  // 2027 is after the death
  EXPECT_EQ(p.Year(2029).break_years(), 0);
}

TEST(R2Death, TheYearOfTheDeathItselfCanBeABreakYear) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::DEATH, "2026-08-15");
  EXPECT_EQ(p.Year(2027).break_years(), 1);  // 2026: alive part of the year, not insured
  EXPECT_EQ(p.Year(2028).break_years(), 0);  // 2027 is no break year, so no run reaches 2028
}

// ---------------------------------------------------------------------------
// R10: each year in its own pool.

TEST(R10OwnPool, AHonghePaymentFor2027DoesNotRejudgeASuizhou2026Payment) {
  // The issue's case: Suizhou 2026 paid on 10 February (after Suizhou's window
  // of 31 December) waits until 10 May, base 350,000, whatever comes later.
  Person p = Person::Suizhou();
  p.Pay(2026, "2026-02-10");
  const v1::ResidentYear before = p.Year(2026);
  p.In(kHongheArea).Pay(2027, "2026-10-12");
  const v1::ResidentYear r = p.Year(2026);
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.waiting().benefits_from(), "2026-05-10");
  EXPECT_EQ(r.critical_illness_cap().base(), 350000);
  EXPECT_EQ(r.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(p.Query(2026).region(), "421300");
  EXPECT_EQ(p.Query(2027).region(), "532500");
  EXPECT_EQ(p.Query(2027).resident().critical_illness_cap().base(), 400000);
}

TEST(R10OwnPool, IncentivesRestartAfterAMoveToAnotherProvince) {
  Person p;
  p.PayInWindow(2025, 2029);  // Honghe: K 5 in 2029, CB 4,000, ZB 16,000
  ASSERT_EQ(p.Year(2029).critical_illness_cap().continuity_bonus(), 4000);
  ASSERT_EQ(p.Year(2029).critical_illness_cap().zero_claim_bonus(), 16000);
  p.In(kSuizhouArea).Pay(2030, "2029-10-12");
  const v1::ResidentYear r = p.Year(2030);
  EXPECT_EQ(r.break_years(), 0);  // insured years count in any pool
  EXPECT_EQ(r.continuous_years(), 1);
  EXPECT_EQ(r.critical_illness_cap().continuity_bonus(), 0);
  EXPECT_EQ(r.critical_illness_cap().zero_claim_bonus(), 0);
  EXPECT_EQ(r.critical_illness_cap().effective(), 350000);
  bool said = false;
  const v1::Explanation x = p.Explain(2030);
  for (const v1::Step& s : x.steps()) said = said || s.rule() == "R10";
  EXPECT_TRUE(said);
}

TEST(R10OwnPool, ThePenaltyRestartsInAnotherProvinceToo) {
  Person p;
  p.Pay(2025, "2024-10-12").Pay(2028, "2027-10-12");  // Honghe: N 2, P 6,000
  ASSERT_EQ(p.Year(2028).critical_illness_cap().break_penalty(), 6000);
  p.In(kSuizhouArea).Pay(2029, "2028-10-12");
  EXPECT_EQ(p.Year(2029).critical_illness_cap().break_penalty(), 0);
}

TEST(R10OwnPool, IncentivesCarryOverWithinAProvince) {
  // A second Yunnan pool (Kunming, 530100) with Honghe's figures.
  ProfileSet profiles = Profiles();
  v1::PolicyProfile kunming = Profiles().all().at("532500");
  kunming.set_pool("530100");
  std::string text;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(kunming, &text).ok());
  ASSERT_TRUE(profiles.Add(text, "530100.json").ok());
  Person p;
  p.PayInWindow(2025, 2028).In("530102").Pay(2029, "2028-10-12");
  auto years = EvaluatePerson(p.Facts(), profiles, 2029, 2029);
  ASSERT_TRUE(years.ok()) << years.status();
  const v1::ResidentYear& r = (*years)[0].resident();
  EXPECT_EQ((*years)[0].region(), "530100");
  EXPECT_EQ(r.continuous_years(), 5);
  EXPECT_EQ(r.critical_illness_cap().continuity_bonus(), 4000);
  EXPECT_EQ(r.critical_illness_cap().zero_claim_bonus(), 16000);
}

TEST(R10OwnPool, AYearWithoutEnrolmentIsInThePoolOfItsLatestFactOn31December) {
  Person p;
  p.Pay(2025, "2024-10-12").In(kSuizhouArea).Status(v1::REGISTERED, "2026-12-31");
  const PersonFacts f = p.Facts();
  EXPECT_EQ(PoolOfYear(f, 2025), "532500");
  EXPECT_EQ(PoolOfYear(f, 2026), "421300");  // the move on 31 December counts for 2026
  EXPECT_EQ(PoolOfYear(f, 2024), "532500");  // before every fact: the first fact's pool
}

TEST(R10OwnPool, APersonWithAPoolWithoutAProfileIsRefused) {
  Person p;
  p.Pay(2025, "2024-10-12").In("110105").Pay(2026, "2025-10-12");
  auto years = EvaluatePerson(p.Facts(), Profiles(), 2025, 2026);
  EXPECT_EQ(years.status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---------------------------------------------------------------------------
// R11: Suizhou specifics.

TEST(R11Suizhou, AMigrantWorkerMayPayUntilTheEndOfFebruary) {
  Person p = Person::Suizhou();
  p.Status(v1::MIGRANT_WORKER, "2025-06-01").Pay(2026, "2025-10-12").Pay(2027, "2027-02-28");
  const v1::ResidentYear r = p.Year(2027);
  EXPECT_TRUE(r.in_window());
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-01-01");
  EXPECT_EQ(r.critical_illness_cap().zero_claim_bonus(), 4000);  // paid "in the window"
}

TEST(R11Suizhou, TheExtensionEndsOnTheLastDayOfFebruaryOfALeapYear) {
  Person in = Person::Suizhou();
  in.Status(v1::MIGRANT_WORKER, "2025-06-01").Pay(2027, "2026-10-12").Pay(2028, "2028-02-29");
  EXPECT_TRUE(in.Year(2028).in_window());
  Person out = Person::Suizhou();
  out.Status(v1::MIGRANT_WORKER, "2025-06-01").Pay(2027, "2026-10-12").Pay(2028, "2028-03-01");
  EXPECT_FALSE(out.Year(2028).in_window());
  EXPECT_EQ(out.Year(2028).waiting().benefits_from(), "2028-06-01");
}

TEST(R11Suizhou, TheExtensionNeedsTheStatusOnThePaymentDate) {
  Person ended = Person::Suizhou();
  ended.Status(v1::MIGRANT_WORKER, "2025-06-01", "2026-12-31").Pay(2026, "2025-10-12").Pay(2027, "2027-02-10");
  EXPECT_FALSE(ended.Year(2027).in_window());
  Person none = Person::Suizhou();
  none.Pay(2026, "2025-10-12").Pay(2027, "2027-02-10");
  EXPECT_FALSE(none.Year(2027).in_window());
}

TEST(R11Suizhou, HongheHasNoExtension) {
  Person p;
  p.Status(v1::MIGRANT_WORKER, "2025-06-01").Pay(2026, "2025-10-12").Pay(2027, "2027-03-10");
  EXPECT_FALSE(p.Year(2027).in_window());
}

TEST(R11Suizhou, SevereMentalIllnessIsCoveredFromTheDayAfterPayment) {
  Person p = Person::Suizhou();
  p.Pay(2025, "2024-10-12").Status(v1::SEVERE_MENTAL_ILLNESS, "2026-05-01").Pay(2027, "2027-03-15");
  const v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.break_years(), 1);
  EXPECT_EQ(r.waiting().exempt(), "severe_mental_illness");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-03-16");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
  EXPECT_FALSE(p.CoveredOn("2027-03-15").covered());
  EXPECT_TRUE(p.CoveredOn("2027-03-16").covered());
}

TEST(R11Suizhou, SevereMentalIllnessPayingInTheWindowIsCoveredFrom1January) {
  Person p = Person::Suizhou();
  p.Pay(2025, "2024-10-12").Status(v1::SEVERE_MENTAL_ILLNESS, "2026-05-01").Pay(2027, "2026-11-15");
  EXPECT_EQ(p.Year(2027).waiting().exempt(), "severe_mental_illness");
  EXPECT_EQ(p.Year(2027).waiting().benefits_from(), "2027-01-01");
}

TEST(R11Suizhou, SevereMentalIllnessIsNoExemptionInHonghe) {
  Person p;
  p.Pay(2025, "2024-10-12").Status(v1::SEVERE_MENTAL_ILLNESS, "2026-05-01").Pay(2027, "2027-03-15");
  EXPECT_EQ(p.Year(2027).waiting().exempt(), "");
  EXPECT_EQ(p.Year(2027).waiting().total_months(), 3);
}

TEST(R11Suizhou, ADynamicallyAddedAssistanceRecipientIsCoveredFromTheDayAfterPayment) {
  Person p = Person::Suizhou();
  p.Pay(2026, "2025-10-12").Status(v1::MEDICAL_ASSISTANCE, "2027-02-01").Pay(2027, "2027-03-01");
  const v1::ResidentYear r = p.Year(2027);
  EXPECT_EQ(r.waiting().exempt(), "medical_assistance");
  EXPECT_EQ(r.waiting().benefits_from(), "2027-03-02");
}

TEST(R11Suizhou, InHongheTheAssistanceRecipientIsCoveredFromThePaymentDate) {
  Person p;
  p.Pay(2026, "2025-10-12").Status(v1::MEDICAL_ASSISTANCE, "2027-03-05").Pay(2027, "2027-04-01");
  EXPECT_EQ(p.Year(2027).waiting().exempt(), "medical_assistance");
  EXPECT_EQ(p.Year(2027).waiting().benefits_from(), "2027-04-01");
}

TEST(R11Suizhou, ANewbornsSecondYearPaidLateIsCoveredFromThePaymentWithoutPenalty) {
  Person p = Person::NewbornSuizhou("2026-03-10");
  p.Registry(v1::ENROL, "2026-03-10", /*fee_waived=*/true).Pay(2027, "2027-05-20");
  const v1::ResidentYear r = p.Year(2027);
  EXPECT_FALSE(r.in_window());
  EXPECT_EQ(r.waiting().exempt(), "newborn");
  EXPECT_EQ(r.waiting().total_months(), 0);
  EXPECT_EQ(r.waiting().benefits_from(), "2027-05-20");
  EXPECT_EQ(r.critical_illness_cap().break_penalty(), 0);
}

TEST(R11Suizhou, ANewbornsSecondYearPaidInTheWindowIsCoveredFrom1January) {
  Person p = Person::NewbornSuizhou("2026-03-10");
  p.Registry(v1::ENROL, "2026-03-10", /*fee_waived=*/true).Pay(2027, "2026-12-20");
  EXPECT_EQ(p.Year(2027).waiting().exempt(), "");
  EXPECT_EQ(p.Year(2027).waiting().benefits_from(), "2027-01-01");
}

TEST(R11Suizhou, ANewbornsThirdYearPaidLateWaitsAsUsual) {
  Person p = Person::NewbornSuizhou("2026-03-10");
  p.Registry(v1::ENROL, "2026-03-10", /*fee_waived=*/true).Pay(2027, "2026-12-20").Pay(2028, "2028-02-10");
  EXPECT_EQ(p.Year(2028).waiting().exempt(), "");
  EXPECT_EQ(p.Year(2028).waiting().benefits_from(), "2028-05-10");
}

// ---------------------------------------------------------------------------
// R12: audit findings.

TEST(R12Audit, ResidentPaymentsForOneYearInTwoPoolsAreADuplicateEnrolment) {
  Person p;
  p.Pay(2026, "2025-10-12", "T1").In(kSuizhouArea).Pay(2026, "2025-11-02", "T2");
  const std::vector<v1::Finding> f = p.Findings("duplicate_enrolment");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].record_id(), "T2");
  EXPECT_EQ(f[0].refers_to(), "T1");
  EXPECT_EQ(f[0].year(), 2026);
  EXPECT_EQ(f[0].rule(), "R12");
  EXPECT_NE(f[0].rule_source().find("001_62c659a40daacfea art. 10"), std::string::npos);
}

TEST(R12Audit, TwoPaymentsInOnePoolAreNoDuplicateEnrolment) {
  Person p;
  p.Pay(2026, "2025-10-12", "T1").Pay(2026, "2025-11-02", "T2");
  EXPECT_TRUE(p.Findings("duplicate_enrolment").empty());
}

TEST(R12Audit, ResidentAndEmployeeCoverOnTheSameDayOutsideTheMoveMonth) {
  Person p;
  p.Pay(2026, "2025-10-12", "T1");
  for (int m = 3; m <= 8; ++m) p.EmployeeMonth(2026, m);  // covered April-August
  const std::vector<v1::Finding> f = p.Findings("duplicate_enrolment");
  ASSERT_EQ(f.size(), 1u);
  // April (the month of the move) and August (the last) are excused.
  EXPECT_NE(f[0].reason().find("2026-05, 2026-06, 2026-07"), std::string::npos) << f[0].reason();
  EXPECT_EQ(f[0].reason().find("2026-04"), std::string::npos) << f[0].reason();
}

TEST(R12Audit, EmployeeCoverEndingAsResidentCoverBeginsIsNoDuplicate) {
  Person p;
  for (int m = 1; m <= 12; ++m) p.EmployeeMonth(2026, m);
  p.Pay(2027, "2026-10-12");  // the employee cover of 2027 stops after January
  EXPECT_TRUE(p.Findings("duplicate_enrolment").empty());
}

TEST(R12Audit, ARefundAfterCoverBeganIsAFinding) {
  Person p;
  p.Pay(2026, "2025-10-12", "T1").Refund("T1", "2026-03-01");
  const std::vector<v1::Finding> f = p.Findings("refund_after_benefits");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].refers_to(), "T1");
  EXPECT_EQ(f[0].year(), 2026);
  EXPECT_NE(f[0].reason().find("after its cover began on 2026-01-01"), std::string::npos) << f[0].reason();
  EXPECT_FALSE(p.Year(2026).enrolled());  // the refund still applies
}

TEST(R12Audit, ARefundOnTheDayCoverBeganIsAFindingAndTheDayBeforeIsNot) {
  Person on;
  on.Pay(2026, "2025-10-12", "T1").Refund("T1", "2026-01-01");
  EXPECT_EQ(on.Findings("refund_after_benefits").size(), 1u);
  Person before;
  before.Pay(2026, "2025-10-12", "T1").Refund("T1", "2025-12-31");
  EXPECT_TRUE(before.Findings("refund_after_benefits").empty());
}

TEST(R12Audit, ARefundDuringTheWaitIsNoFinding) {
  Person p;
  p.Pay(2026, "2026-04-10", "T1").Refund("T1", "2026-06-01");  // waits until 10 July
  EXPECT_TRUE(p.Findings("refund_after_benefits").empty());
}

TEST(R12Audit, RefundsAfterADeathEmployeeCoverOrADuplicateAreNoFinding) {
  Person dead;
  dead.Pay(2026, "2025-10-12", "T1").Status(v1::DEATH, "2026-04-01").Refund("T1", "2026-05-01");
  EXPECT_TRUE(dead.Findings("refund_after_benefits").empty());
  Person employed;
  employed.Pay(2026, "2025-10-12", "T1").EmployeeMonth(2026, 3).EmployeeMonth(2026, 4).Refund("T1", "2026-05-01");
  EXPECT_TRUE(employed.Findings("refund_after_benefits").empty());
  Person twice;
  twice.Pay(2026, "2025-10-12", "T1").Pay(2026, "2025-10-20", "T2").Refund("T2", "2026-05-01");
  EXPECT_TRUE(twice.Findings("refund_after_benefits").empty());
}

TEST(R12Audit, AClaimAfterDeathIsAFindingButNotOnTheDayOfDeath) {
  Person p;
  p.Pay(2026, "2025-10-12").Status(v1::DEATH, "2026-06-10");
  p.Claim("C1", "2026-06-10", 300000, 0).Claim("C2", "2026-06-11", 100000, 0).Claim("C3", "2026-06-12", 0, 0);
  const std::vector<v1::Finding> f = p.Findings("claim_after_death");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].record_id(), "C2");
  EXPECT_EQ(f[0].rule(), "R12");
}

}  // namespace
}  // namespace enrol
