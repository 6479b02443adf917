// CollectFacts: the same facts in any arrival order give the same answer
// (DOMAIN.md section 5), and a query "as of T" uses only the facts recorded by
// T. Order independence is checked end to end: every permutation (or, for more
// than 7 facts, 200 seeded shuffles) of a rich person's events must give
// byte-identical EvaluatePerson output.
#include "projections/facts.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "projections/person_model.h"
#include "projections/profiles.h"
#include "proto/event.pb.h"
#include "proto/query.pb.h"

namespace enrol {
namespace {

constexpr char kHongheId[] = "532501199001011239";
constexpr int64_t kT0 = 1'700'000'000'000'000;  // recorded-at base, microseconds

const ProfileSet& Profiles() {
  static const ProfileSet* profiles = [] {
    auto p = ProfileSet::Builtin();
    EXPECT_TRUE(p.ok()) << p.status();
    return new ProfileSet(p.ok() ? *std::move(p) : ProfileSet());
  }();
  return *profiles;
}

Date Day(const std::string& s) {
  std::optional<Date> d = ParseDate(s);
  EXPECT_TRUE(d.has_value()) << "bad date in test: " << s;
  return d.value_or(Date(1970, 1, 1));
}

int32_t Ymd(const std::string& s) { return ToYmd(Day(s)); }

int64_t PaidAt(const std::string& day) {
  Date d = Day(day);
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(d.year(), d.month(), d.day(), 10, 0, 0), Cst()));
}

std::string IdBornOn(const std::string& area, const std::string& birth) {
  std::string first17 = area + std::to_string(Ymd(birth)) + "123";
  return first17 + IdCheckCharacter(first17);
}

// Builds one person's events; each event is recorded 1 microsecond after the
// previous one unless `At` sets the recorded time of the next one.
class Events {
 public:
  Events(std::string id, std::string area) : id_(std::move(id)), area_(std::move(area)) {}

  Events& At(int64_t recorded_us) {
    next_recorded_ = recorded_us;
    return *this;
  }
  Events& Area(std::string area) {
    area_ = std::move(area);
    return *this;
  }

  Events& Pay(const std::string& rid, int year, const std::string& paid,
              v1::Purpose purpose = v1::REGULAR) {
    return Contribution(rid, v1::RESIDENT, purpose, year, 0, paid, PaidAt(paid));
  }
  // Same day and instant as another payment: only the record id orders them.
  Events& PayAt(const std::string& rid, int year, const std::string& paid, int64_t paid_at) {
    return Contribution(rid, v1::RESIDENT, v1::REGULAR, year, 0, paid, paid_at);
  }
  Events& Repair(const std::string& rid, int year, const std::string& paid) {
    return Pay(rid, year, paid, v1::REPAIR);
  }
  Events& EmployeeMonth(const std::string& rid, int year, int month) {
    std::string paid = std::to_string(year) + (month < 10 ? "-0" : "-") + std::to_string(month) +
                       "-15";
    return Contribution(rid, v1::EMPLOYEE, v1::REGULAR, year, month, paid, PaidAt(paid));
  }
  Events& Refund(const std::string& rid, const std::string& of, const std::string& on) {
    v1::Event& e = New(v1::TAX, rid);
    auto* r = e.mutable_refund();
    r->set_refund_of(of);
    r->set_scheme(v1::RESIDENT);
    r->set_payer(v1::INDIVIDUAL);
    r->set_paid_at(PaidAt(on));
    r->set_paid_on(Ymd(on));
    e.set_business_date(Ymd(on));
    return *this;
  }
  Events& Status(const std::string& rid, v1::Status status, const std::string& from,
                 const std::string& to = "") {
    v1::Event& e = New(v1::CIVIL, rid);
    auto* s = e.mutable_status();
    s->set_status(status);
    s->set_effective_from(Ymd(from));
    if (!to.empty()) s->set_effective_to(Ymd(to));
    e.set_business_date(Ymd(from));
    return *this;
  }
  Events& Registry(const std::string& rid, v1::Action action, const std::string& effective,
                   bool fee_waived = false) {
    v1::Event& e = New(v1::REGISTRY, rid);
    auto* r = e.mutable_registry();
    r->set_action(action);
    r->set_scheme(v1::RESIDENT);
    r->set_effective(Ymd(effective));
    r->set_fee_waived(fee_waived);
    e.set_business_date(Ymd(effective));
    return *this;
  }
  Events& Claim(const std::string& rid, const std::string& service, int64_t basic_fen,
                int64_t ci_fen) {
    v1::Event& e = New(v1::CLAIMS, rid);
    auto* c = e.mutable_claim();
    c->set_scheme(v1::RESIDENT);
    c->set_kind(v1::INPATIENT);
    c->set_service_date(Ymd(service));
    c->set_settled_at(PaidAt(service) + 86400);
    c->set_total_cost_fen(basic_fen + ci_fen + 10000);
    c->set_basic_fund_paid_fen(basic_fen);
    c->set_critical_illness_paid_fen(ci_fen);
    e.set_business_date(Ymd(service));
    return *this;
  }
  Events& Reverse(const std::string& rid, const std::string& of, const std::string& service) {
    v1::Event& e = New(v1::CLAIMS, rid);
    auto* r = e.mutable_claim_reversal();
    r->set_reverse_of(of);
    r->set_service_date(Ymd(service));
    r->set_settled_at(PaidAt(service) + 2 * 86400);
    e.set_business_date(Ymd(service));
    return *this;
  }

  const std::string& id() const { return id_; }
  const std::vector<v1::Event>& list() const { return events_; }

 private:
  Events& Contribution(const std::string& rid, v1::Scheme scheme, v1::Purpose purpose, int year,
                       int month, const std::string& paid, int64_t paid_at) {
    v1::Event& e = New(v1::TAX, rid);
    auto* c = e.mutable_contribution();
    c->set_scheme(scheme);
    c->set_payer(scheme == v1::RESIDENT ? v1::INDIVIDUAL : v1::EMPLOYER);
    c->set_purpose(purpose);
    c->set_period_year(year);
    c->set_period_month(month);
    c->set_amount_fen(scheme == v1::RESIDENT ? 40000 : 60000);
    c->set_paid_at(paid_at);
    c->set_paid_on(Ymd(paid));
    e.set_business_date(Ymd(paid));
    return *this;
  }

  v1::Event& New(v1::Source source, const std::string& rid) {
    v1::Event& e = events_.emplace_back();
    static const char* const kNames[] = {"", "tax", "civil", "registry", "claims"};
    e.set_event_id(std::string(kNames[source]) + ":" + rid);
    e.set_source(source);
    e.set_record_id(rid);
    e.set_person(id_);
    e.set_region(area_);
    e.set_pool(PoolOf(area_));
    ++seq_;
    e.set_recorded_at_us(next_recorded_ ? next_recorded_ : kT0 + seq_);
    next_recorded_ = 0;
    return e;
  }

  std::string id_;
  std::string area_;
  std::vector<v1::Event> events_;
  int seq_ = 0;
  int64_t next_recorded_ = 0;
};

// What CollectFacts made of the events, as one comparable string.
std::string FactsDigest(const PersonFacts& f) {
  std::string s = f.id_number + "|" + f.region + "|" + f.pool + "|" +
                  std::to_string(f.first_fact_year.value_or(-1)) + "|" +
                  std::to_string(f.min_year) + "-" + std::to_string(f.max_year) + "|birth " +
                  (f.birth ? FormatDate(*f.birth) : "-") + "|death " +
                  (f.death ? FormatDate(*f.death) : "-") + "|pay";
  for (const PaymentFact& p : f.payments) s += " " + p.record_id;
  s += "|status";
  for (const StatusFact& st : f.statuses) s += " " + st.record_id;
  s += "|registry";
  for (const RegistryFact& r : f.registry) s += " " + r.record_id;
  s += "|claims";
  for (const ClaimFact& c : f.claims) s += " " + c.record_id;
  return s;
}

// EvaluatePerson for [first, last], each PersonYear serialised.
std::vector<std::string> Evaluate(const std::string& id, const std::vector<v1::Event>& events,
                                  int first, int last,
                                  std::optional<int64_t> as_of = std::nullopt) {
  PersonFacts facts = CollectFacts(id, events, as_of);
  auto years = EvaluatePerson(facts, Profiles(), first, last);
  EXPECT_TRUE(years.ok()) << years.status();
  std::vector<std::string> out;
  if (!years.ok()) return out;
  for (const v1::PersonYear& y : *years) out.push_back(y.SerializeAsString());
  out.push_back(FactsDigest(facts));
  return out;
}

v1::ResidentYear ResidentYearOf(const std::string& id, const std::vector<v1::Event>& events,
                                int year, std::optional<int64_t> as_of = std::nullopt) {
  auto years = EvaluatePerson(CollectFacts(id, events, as_of), Profiles(), year, year);
  EXPECT_TRUE(years.ok()) << years.status();
  return years.ok() && !years->empty() ? (*years)[0].resident() : v1::ResidentYear();
}

constexpr int kFirstYear = 2024;
constexpr int kLastYear = 2034;

// Every permutation of `events` (at most 7 of them) gives the same output.
void ExpectAllPermutationsAgree(const std::string& id, const std::vector<v1::Event>& events) {
  ASSERT_LE(events.size(), 7u);
  const std::vector<std::string> want = Evaluate(id, events, kFirstYear, kLastYear);
  std::vector<int> order(events.size());
  std::iota(order.begin(), order.end(), 0);
  int permutations = 0, mismatches = 0;
  do {
    std::vector<v1::Event> shuffled;
    for (int i : order) shuffled.push_back(events[i]);
    if (Evaluate(id, shuffled, kFirstYear, kLastYear) != want && ++mismatches <= 3) {
      std::string o;
      for (int i : order) o += events[i].record_id() + " ";
      ADD_FAILURE() << "different output for order " << o;
    }
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  int expected = 1;
  for (size_t n = 2; n <= events.size(); ++n) expected *= static_cast<int>(n);
  EXPECT_EQ(permutations, expected);
  EXPECT_EQ(mismatches, 0);
}

// 200 seeded shuffles of `events` give the same output, also as of `as_of`.
void ExpectShufflesAgree(const std::string& id, const std::vector<v1::Event>& events,
                         std::optional<int64_t> as_of = std::nullopt) {
  const std::vector<std::string> want = Evaluate(id, events, kFirstYear, kLastYear, as_of);
  std::mt19937 rng(20250101);
  std::vector<v1::Event> shuffled = events;
  int mismatches = 0;
  for (int i = 0; i < 200; ++i) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    if (Evaluate(id, shuffled, kFirstYear, kLastYear, as_of) != want && ++mismatches <= 3) {
      std::string o;
      for (const v1::Event& e : shuffled) o += e.record_id() + " ";
      ADD_FAILURE() << "shuffle " << i << " gives different output: " << o;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// --- Rich persons ----------------------------------------------------------

// Honghe, 7 facts: a refunded in-window payment, a late payment within three
// months of a veteran status, a reversed claim.
Events VeteranWithRefund() {
  Events e(kHongheId, "532501");
  e.Pay("T1", 2025, "2024-10-12")
      .Pay("T2", 2026, "2025-10-12")
      .Refund("T3", "T2", "2025-11-02")
      .Pay("T4", 2026, "2026-04-01")
      .Status("S1", v1::VETERAN, "2026-02-01")
      .Claim("C1", "2025-06-01", 50000, 0)
      .Reverse("C2", "C1", "2025-06-01");
  return e;
}

// Honghe newborn, 7 facts: paid on day 91, two payments on the same day and
// instant, a CI claim, a later claim from another county of the same pool.
Events NewbornWithTies() {
  Events e(IdBornOn("532501", "2025-05-10"), "532501");
  const int64_t same_instant = PaidAt("2027-03-05");
  e.Status("B1", v1::BIRTH, "2025-05-10")
      .Pay("T1", 2025, "2025-08-09")
      .Pay("T2", 2026, "2025-11-01")
      .Claim("C1", "2025-09-10", 0, 30000)
      .PayAt("T4", 2027, "2027-03-05", same_instant)
      .PayAt("T3", 2027, "2027-03-05", same_instant)
      .Area("532502")
      .Claim("C2", "2027-06-01", 20000, 0);
  return e;
}

// Suizhou newborn, 7 facts: fee-waived registry enrolment, a refunded payment
// replaced by a late one, a special-group status.
Events SuizhouNewborn() {
  Events e(IdBornOn("421302", "2025-03-10"), "421302");
  e.Status("B1", v1::BIRTH, "2025-03-10")
      .Registry("G1", v1::ENROL, "2025-11-01", /*fee_waived=*/true)
      .Pay("T1", 2026, "2025-12-20")
      .Status("S1", v1::MINIMUM_LIVING, "2026-01-01", "2026-12-31")
      .Pay("T2", 2027, "2026-12-01")
      .Refund("T3", "T2", "2026-12-05")
      .Pay("T4", 2027, "2027-02-01");
  return e;
}

// Honghe, 7 facts: a three-year break shortened by repairs (one refunded, one
// duplicated year) and an employee year in between.
Events RepairsSmall() {
  Events e(kHongheId, "532501");
  e.Pay("T1", 2025, "2024-10-12")
      .EmployeeMonth("E1", 2026, 5)
      .Pay("T2", 2030, "2029-10-12")
      .Repair("R1", 2027, "2029-11-01")
      .Repair("R2", 2028, "2030-04-20")
      .Repair("R3", 2028, "2029-12-01")
      .Refund("R4", "R1", "2029-11-10");
  return e;
}

// Honghe, 19 facts: everything at once.
Events EverythingHonghe() {
  Events e(kHongheId, "532501");
  e.Pay("T01", 2025, "2024-10-12")
      .EmployeeMonth("E01", 2026, 1)
      .EmployeeMonth("E02", 2026, 2)
      .Repair("R01", 2027, "2029-11-01")
      .Repair("R02", 2028, "2029-11-02")
      .Repair("R03", 2028, "2029-11-03")
      .Refund("R04", "R01", "2029-11-20")
      .Pay("T02", 2030, "2029-12-01")
      .Pay("T03", 2031, "2030-10-01")
      .Refund("T04", "T03", "2030-10-05")
      .Pay("T05", 2031, "2031-05-01")
      .Status("S01", v1::MEDICAL_ASSISTANCE, "2031-03-10")
      .Status("S02", v1::SPECIAL_HARDSHIP, "2030-01-01", "2031-12-31")
      .Claim("C01", "2030-06-01", 100000, 0)
      .Reverse("C02", "C01", "2030-06-01")
      .Claim("C03", "2031-07-01", 0, 40000001)
      .Pay("T06", 2032, "2031-10-12")
      .Pay("T07", 2033, "2032-10-12")
      .Registry("G01", v1::SUSPEND, "2033-06-01");
  return e;
}

// Suizhou, 14 facts: transfer from the employee scheme, a veteran, breaks,
// claims and reversals, statuses that lift the cap.
Events EverythingSuizhou() {
  Events e(IdBornOn("421302", "1985-07-20"), "421302");
  e.EmployeeMonth("E1", 2025, 10)
      .EmployeeMonth("E2", 2025, 11)
      .EmployeeMonth("E3", 2025, 12)
      .Pay("T1", 2026, "2026-02-15")
      .Pay("T2", 2027, "2026-11-01")
      .Status("S1", v1::VETERAN, "2028-12-20")
      .Pay("T3", 2029, "2029-01-15")
      .Claim("C1", "2027-03-01", 5000, 0)
      .Reverse("C2", "C1", "2027-03-01")
      .Claim("C3", "2029-04-01", 0, 35000001)  // resets the zero-claim bonus
      .Status("S2", v1::ORPHAN, "2030-01-01", "2030-12-31")
      .Pay("T4", 2030, "2029-09-10")
      .Pay("T5", 2031, "2030-09-10")
      .Registry("G1", v1::TERMINATE, "2032-01-01");
  return e;
}

// --- Order independence ----------------------------------------------------

TEST(FactsOrderIndependence, VeteranWithRefundAllPermutations) {
  Events e = VeteranWithRefund();
  ASSERT_EQ(e.list().size(), 7u);
  ExpectAllPermutationsAgree(e.id(), e.list());
  v1::ResidentYear r = ResidentYearOf(e.id(), e.list(), 2026);
  EXPECT_EQ(r.paid_on(), "2026-04-01");
  EXPECT_EQ(r.waiting().exempt(), "veteran");
  EXPECT_EQ(r.waiting().benefits_from(), "2026-04-01");
}

TEST(FactsOrderIndependence, NewbornWithTiesAllPermutations) {
  Events e = NewbornWithTies();
  ASSERT_EQ(e.list().size(), 7u);
  ExpectAllPermutationsAgree(e.id(), e.list());
  PersonFacts f = CollectFacts(e.id(), e.list());
  EXPECT_EQ(f.region, "532502");  // of the latest fact by business date
  EXPECT_EQ(f.pool, "532500");
  ASSERT_EQ(f.payments.size(), 4u);
  EXPECT_EQ(f.payments[2].record_id, "T3");  // same day and instant: by record id
  EXPECT_EQ(f.payments[3].record_id, "T4");
}

TEST(FactsOrderIndependence, SuizhouNewbornAllPermutations) {
  Events e = SuizhouNewborn();
  ASSERT_EQ(e.list().size(), 7u);
  ExpectAllPermutationsAgree(e.id(), e.list());
  v1::ResidentYear r = ResidentYearOf(e.id(), e.list(), 2027);
  EXPECT_EQ(r.paid_on(), "2027-02-01");
  EXPECT_FALSE(r.in_window());
}

TEST(FactsOrderIndependence, RepairsAllPermutations) {
  Events e = RepairsSmall();
  ASSERT_EQ(e.list().size(), 7u);
  ExpectAllPermutationsAgree(e.id(), e.list());
}

TEST(FactsOrderIndependence, EverythingHongheSeededShuffles) {
  Events e = EverythingHonghe();
  ASSERT_GT(e.list().size(), 7u);
  ExpectShufflesAgree(e.id(), e.list());
}

TEST(FactsOrderIndependence, EverythingSuizhouSeededShuffles) {
  Events e = EverythingSuizhou();
  ASSERT_GT(e.list().size(), 7u);
  ExpectShufflesAgree(e.id(), e.list());
}

TEST(FactsOrderIndependence, EverythingHongheSeededShufflesAsOf) {
  Events e = EverythingHonghe();
  // As of the 10th recorded event: the later ones are ignored in every order.
  ExpectShufflesAgree(e.id(), e.list(), kT0 + 10);
}

TEST(FactsOrderIndependence, RefundBeforeItsPaymentStillCancelsIt) {
  Events e(kHongheId, "532501");
  e.Refund("T3", "T2", "2025-11-02").Pay("T1", 2025, "2024-10-12").Pay("T2", 2026, "2025-10-12");
  EXPECT_FALSE(ResidentYearOf(e.id(), e.list(), 2026).enrolled());
}

TEST(FactsOrderIndependence, ReversalBeforeItsClaimStillCancelsIt) {
  Events e(kHongheId, "532501");
  e.Reverse("C2", "C1", "2025-06-01")
      .Claim("C1", "2025-06-01", 100, 0)
      .Pay("T1", 2025, "2024-10-12")
      .Pay("T2", 2026, "2025-10-12");
  EXPECT_TRUE(CollectFacts(e.id(), e.list()).claims.empty());
  EXPECT_EQ(ResidentYearOf(e.id(), e.list(), 2026).critical_illness_cap().zero_claim_bonus(),
            4000);
}

// --- Stored years --------------------------------------------------------------

// What a projection stores (built on an arena) is what EvaluatePerson answers,
// without the ID number and pool, byte for byte: for the rich persons, every
// range of years from the mechanism start on, an empty range included.
TEST(StoredYears, AreEvaluatePersonsYearsWithoutTheirLabels) {
  for (const Events& e : {EverythingHonghe(), EverythingSuizhou()}) {
    const PersonFacts facts = CollectFacts(e.id(), e.list(), std::nullopt);
    for (int first = kFirstYear; first <= kLastYear + 1; ++first) {
      auto years = EvaluatePerson(facts, Profiles(), first, kLastYear);
      ASSERT_TRUE(years.ok()) << years.status();
      std::vector<std::string> want;
      for (v1::PersonYear& y : *years) {
        y.clear_id_number();
        y.clear_region();
        want.push_back(y.SerializeAsString());
      }
      std::vector<std::string> stored{"kept"};
      ASSERT_TRUE(AppendStoredYears(facts, Profiles(), first, kLastYear, &stored).ok());
      want.insert(want.begin(), "kept");
      EXPECT_EQ(stored, want) << e.id() << " from " << first;
    }
  }
}

// --- CollectFacts ------------------------------------------------------------

TEST(CollectFacts, FirstFactYearIsTheEarliestBirthRegistryOrContributionPeriod) {
  Events e(kHongheId, "532501");
  e.Claim("C1", "2023-01-01", 100, 0)                   // claims do not count
      .Status("S1", v1::VETERAN, "2022-01-01")         // nor other statuses
      .Pay("T1", 2027, "2026-10-12")
      .Registry("G1", v1::SUSPEND, "2026-03-01");
  PersonFacts f = CollectFacts(e.id(), e.list());
  ASSERT_TRUE(f.first_fact_year.has_value());
  EXPECT_EQ(*f.first_fact_year, 2026);
  EXPECT_EQ(f.min_year, 2022);
  EXPECT_EQ(f.max_year, 2027);
}

TEST(CollectFacts, BirthIsTheEarliestBirthStatus) {
  Events e(IdBornOn("532501", "2025-05-10"), "532501");
  e.Status("B2", v1::BIRTH, "2025-05-12").Status("B1", v1::BIRTH, "2025-05-10");
  PersonFacts f = CollectFacts(e.id(), e.list());
  ASSERT_TRUE(f.birth.has_value());
  EXPECT_EQ(*f.birth, Date(2025, 5, 10));
  EXPECT_EQ(f.first_fact_year, 2025);
}

TEST(CollectFacts, PaymentsAreOrderedByPaymentDateThenInstantThenRecordId) {
  Events e(kHongheId, "532501");
  e.Pay("T9", 2026, "2025-10-12")
      .PayAt("T2", 2026, "2025-10-11", PaidAt("2025-10-11") + 60)
      .PayAt("T3", 2026, "2025-10-11", PaidAt("2025-10-11"))
      .PayAt("T1", 2026, "2025-10-11", PaidAt("2025-10-11") + 60);
  PersonFacts f = CollectFacts(e.id(), e.list());
  ASSERT_EQ(f.payments.size(), 4u);
  EXPECT_EQ(f.payments[0].record_id, "T3");
  EXPECT_EQ(f.payments[1].record_id, "T1");
  EXPECT_EQ(f.payments[2].record_id, "T2");
  EXPECT_EQ(f.payments[3].record_id, "T9");
}

TEST(CollectFacts, EmptyWithoutEvents) {
  PersonFacts f = CollectFacts(kHongheId, std::vector<v1::Event>{});
  EXPECT_TRUE(f.empty());
  EXPECT_FALSE(f.first_fact_year.has_value());
}

// --- As of -----------------------------------------------------------------

TEST(FactsAsOf, IgnoresEventsRecordedAfterIt) {
  Events e(kHongheId, "532501");
  e.At(kT0 + 100).Pay("T1", 2025, "2024-10-12").At(kT0 + 200).Pay("T2", 2026, "2025-10-12");
  EXPECT_FALSE(ResidentYearOf(e.id(), e.list(), 2026, kT0 + 199).enrolled());
  EXPECT_TRUE(ResidentYearOf(e.id(), e.list(), 2026, kT0 + 200).enrolled());  // inclusive
  EXPECT_TRUE(ResidentYearOf(e.id(), e.list(), 2026).enrolled());
}

TEST(FactsAsOf, BeforeEverythingIsEmpty) {
  Events e(kHongheId, "532501");
  e.At(kT0 + 100).Pay("T1", 2025, "2024-10-12");
  PersonFacts f = CollectFacts(e.id(), e.list(), kT0 + 99);
  EXPECT_TRUE(f.empty());
  EXPECT_TRUE(f.payments.empty());
  EXPECT_EQ(f.pool, "");
}

TEST(FactsAsOf, RefundRecordedLaterIsIgnored) {
  Events e(kHongheId, "532501");
  e.At(kT0 + 100).Pay("T1", 2025, "2024-10-12");
  e.At(kT0 + 100).Pay("T2", 2026, "2025-10-12");
  e.At(kT0 + 300).Refund("T3", "T2", "2025-11-02");
  EXPECT_TRUE(ResidentYearOf(e.id(), e.list(), 2026, kT0 + 299).enrolled());
  EXPECT_FALSE(ResidentYearOf(e.id(), e.list(), 2026, kT0 + 300).enrolled());
}

TEST(FactsAsOf, RefundRecordedBeforeAPaymentRecordedLaterCancelsItOnlyOnceBothAreIn) {
  Events e(kHongheId, "532501");
  e.At(kT0 + 100).Pay("T1", 2025, "2024-10-12");
  e.At(kT0 + 150).Refund("T3", "T2", "2025-11-02");
  e.At(kT0 + 200).Pay("T2", 2026, "2025-10-12");
  EXPECT_FALSE(ResidentYearOf(e.id(), e.list(), 2026, kT0 + 199).enrolled());
  EXPECT_FALSE(ResidentYearOf(e.id(), e.list(), 2026, kT0 + 200).enrolled());
}

TEST(FactsAsOf, ReversalRecordedLaterIsIgnored) {
  Events e(kHongheId, "532501");
  e.At(kT0 + 100).Pay("T1", 2025, "2024-10-12");
  e.At(kT0 + 100).Pay("T2", 2026, "2025-10-12");
  e.At(kT0 + 100).Claim("C1", "2025-06-01", 100, 0);
  e.At(kT0 + 300).Reverse("C2", "C1", "2025-06-01");
  EXPECT_EQ(CollectFacts(e.id(), e.list(), kT0 + 299).claims.size(), 1u);
  EXPECT_EQ(
      ResidentYearOf(e.id(), e.list(), 2026, kT0 + 299).critical_illness_cap().zero_claim_bonus(),
      0);
  EXPECT_TRUE(CollectFacts(e.id(), e.list(), kT0 + 300).claims.empty());
  EXPECT_EQ(
      ResidentYearOf(e.id(), e.list(), 2026, kT0 + 300).critical_illness_cap().zero_claim_bonus(),
      4000);
}

TEST(FactsAsOf, LaterRecordedBreakEvidenceIsIgnored) {
  // A registry action recorded later moves the obligation start to 2025;
  // before it is recorded, the 2027 payment is the first fact and has no break.
  Events e(kHongheId, "532501");
  e.At(kT0 + 100).Pay("T1", 2027, "2026-10-12");
  e.At(kT0 + 500).Registry("G1", v1::ENROL, "2025-02-01");
  EXPECT_EQ(ResidentYearOf(e.id(), e.list(), 2027, kT0 + 499).break_years(), 0);
  EXPECT_EQ(ResidentYearOf(e.id(), e.list(), 2027, kT0 + 500).break_years(), 2);
  EXPECT_EQ(CollectFacts(e.id(), e.list(), kT0 + 499).first_fact_year, 2027);
  EXPECT_EQ(CollectFacts(e.id(), e.list(), kT0 + 500).first_fact_year, 2025);
}

TEST(FactsAsOf, RegionIsOfTheLatestRecordedFact) {
  Events e(kHongheId, "532501");
  e.At(kT0 + 100).Pay("T1", 2025, "2024-10-12");
  e.At(kT0 + 300).Area("532502").Claim("C1", "2025-06-01", 0, 0);
  EXPECT_EQ(CollectFacts(e.id(), e.list(), kT0 + 299).region, "532501");
  EXPECT_EQ(CollectFacts(e.id(), e.list(), kT0 + 300).region, "532502");
}

TEST(FactsAsOf, SameAnswerAsTheEventsRecordedByThen) {
  Events e = EverythingHonghe();
  const int64_t as_of = kT0 + 12;
  std::vector<v1::Event> recorded;
  for (const v1::Event& ev : e.list()) {
    if (ev.recorded_at_us() <= as_of) recorded.push_back(ev);
  }
  ASSERT_EQ(recorded.size(), 12u);
  ASSERT_LT(recorded.size(), e.list().size());
  // Events recorded after T have no influence on the answer as of T. (The
  // answer as of T is judged on T's day: a contribution not yet overdue then
  // is not arrears, so it is compared with the recorded subset as of T too.)
  EXPECT_EQ(Evaluate(e.id(), e.list(), kFirstYear, kLastYear, as_of),
            Evaluate(e.id(), recorded, kFirstYear, kLastYear, as_of));
}

}  // namespace
}  // namespace enrol
