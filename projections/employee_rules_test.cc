// Unit tests of the employee-scheme rules E1-E6 (shared/DOMAIN.md section 4) as
// EvaluateEmployeeCover / EvaluateEmployeeYear / RequiredYears implement them,
// with cases taken from the policy texts in shared/seeds/:
//   Suizhou   (421300, 003_ed9836a7e493e18c): art. 10 (employer start and
//             arrears), art. 11 (flexible workers), art. 14 (transfers),
//             art. 15 (retirement years), art. 33 (maternity);
//   Panzhihua (510400, 004_da77efe941c981b2): art. 17 (no waiting for employer
//             staff, 6 months for new flexible workers), art. 31 (maternity);
//   Honghe    (532500, 000_fb234ce6929d113d): art. 15 (men 30, women 25,
//             deemed years before 2003-01-01).
// Every test builds one person's events, folds them with CollectFacts and
// reads the month-by-month timeline, the `employee` object of a year, or the
// day answer of EvaluateCoverage.
//
// A month's cover is written as one letter per month of a year:
//   C covered, W waiting, S suspended, R retired, N none, . no entry.
#include "projections/employee_rules.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "projections/facts.h"
#include "projections/person_model.h"
#include "projections/profiles.h"
#include "proto/event.pb.h"
#include "proto/policy.pb.h"
#include "proto/query.pb.h"

namespace enrol {
namespace {

using Month = absl::CivilMonth;

constexpr char kSuizhou[] = "421302";    // pools to 421300
constexpr char kPanzhihua[] = "510402";  // pools to 510400
constexpr char kHonghe[] = "532501";     // pools to 532500

const ProfileSet& Profiles() {
  static const ProfileSet* profiles = [] {
    auto p = ProfileSet::Builtin();
    EXPECT_TRUE(p.ok()) << p.status();
    return new ProfileSet(p.ok() ? *std::move(p) : ProfileSet());
  }();
  return *profiles;
}

const v1::PolicyProfile& Profile(const std::string& pool) {
  static const v1::PolicyProfile* empty = new v1::PolicyProfile();
  const v1::PolicyProfile* p = Profiles().Find(pool);
  EXPECT_NE(p, nullptr) << "no profile for " << pool;
  return p != nullptr ? *p : *empty;
}

const v1::EmployeePolicy& Policy(const std::string& pool, int year) {
  return VersionFor(Profile(pool), year).employee();
}

Date Day(const std::string& s) {
  std::optional<Date> d = ParseDate(s);
  EXPECT_TRUE(d.has_value()) << "bad date in test: " << s;
  return d.value_or(Date(1970, 1, 1));
}

// 10:00 CST of the day, as Unix seconds.
int64_t PaidAt(Date d) {
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(d.year(), d.month(), d.day(), 10, 0, 0), Cst()));
}

// 00:00 CST of the day, as Unix microseconds: an "as of" instant.
int64_t StartOfDayUs(const std::string& day) {
  Date d = Day(day);
  return absl::ToUnixMicros(
      absl::FromCivil(absl::CivilSecond(d.year(), d.month(), d.day(), 0, 0, 0), Cst()));
}

// An ID of someone born on `birth` (yyyymmdd) in `area`; the 17th digit is odd
// for a man, even for a woman; valid GB 11643 check character.
std::string MakeId(const std::string& area, bool male, const std::string& birth) {
  std::string first17 = area + birth + (male ? "123" : "124");
  return first17 + IdCheckCharacter(first17);
}

std::string Text(const google::protobuf::Value& v) {
  if (v.kind_case() == google::protobuf::Value::kNullValue) return "null";
  if (v.kind_case() == google::protobuf::Value::kStringValue) return v.string_value();
  return "<unset>";
}

// "2025-01-01..2025-03-31 2025-06-01..2025-08-31"
std::string Intervals(const v1::EmployeeYear& e) {
  std::string out;
  for (const v1::Interval& iv : e.suspended()) {
    if (!out.empty()) out += " ";
    out += iv.from() + ".." + iv.to();
  }
  return out;
}

char Letter(MonthCover c) {
  switch (c) {
    case MonthCover::kNone: return 'N';
    case MonthCover::kWaiting: return 'W';
    case MonthCover::kCovered: return 'C';
    case MonthCover::kSuspended: return 'S';
    case MonthCover::kRetired: return 'R';
  }
  return '?';
}

// One person's events, built fact by fact. Every event is recorded at 10:00
// CST of its business date (plus its sequence number in microseconds), so
// "as of" a day sees exactly the facts dated before it.
class Insured {
 public:
  explicit Insured(std::string area, bool male = true, std::string birth = "19800101")
      : id_(MakeId(area, male, birth)), area_(std::move(area)) {}

  // One contribution for `period`, paid on `paid`.
  Insured& Pay(v1::Payer payer, Month period, Date paid, v1::Purpose purpose = v1::REGULAR,
               const std::string& area = "") {
    v1::Event& e = New(v1::TAX, paid, area);
    auto* c = e.mutable_contribution();
    c->set_scheme(v1::EMPLOYEE);
    c->set_payer(payer);
    c->set_purpose(purpose);
    c->set_period_year(static_cast<int32_t>(period.year()));
    c->set_period_month(period.month());
    c->set_amount_fen(60000);
    c->set_paid_at(PaidAt(paid));
    c->set_paid_on(ToYmd(paid));
    return *this;
  }
  Insured& Pay(v1::Payer payer, Month period, const std::string& paid,
               v1::Purpose purpose = v1::REGULAR) {
    return Pay(payer, period, Day(paid), purpose);
  }
  // Every month of [from, to], each paid on day `day` of its own month.
  Insured& Months(v1::Payer payer, Month from, Month to, int day = 15, const std::string& area = "") {
    for (Month m = from; m <= to; ++m) {
      Pay(payer, m, Date(m.year(), m.month(), day), v1::REGULAR, area);
    }
    return *this;
  }
  Insured& Employer(Month from, Month to, int day = 15) { return Months(v1::EMPLOYER, from, to, day); }
  Insured& Flexible(Month from, Month to, int day = 10) { return Months(v1::FLEXIBLE, from, to, day); }
  // Contributions for every month of [from, to], all paid on `paid`.
  Insured& AllPaidOn(v1::Payer payer, Month from, Month to, const std::string& paid,
                     v1::Purpose purpose = v1::REGULAR) {
    for (Month m = from; m <= to; ++m) Pay(payer, m, Day(paid), purpose);
    return *this;
  }
  // Make-up contributions for every month of [from, to], all paid on `paid`.
  Insured& MakeUp(v1::Payer payer, Month from, Month to, const std::string& paid) {
    for (Month m = from; m <= to; ++m) Pay(payer, m, Day(paid), v1::MAKEUP);
    return *this;
  }
  Insured& Registry(v1::Action action, const std::string& effective,
                    v1::EmployeeKind kind = v1::KIND_UNSPECIFIED, int64_t deemed_months = 0,
                    v1::Sex sex = v1::SEX_UNSPECIFIED) {
    v1::Event& e = New(v1::REGISTRY, Day(effective), "");
    auto* r = e.mutable_registry();
    r->set_action(action);
    r->set_scheme(v1::EMPLOYEE);
    r->set_kind(kind);
    r->set_effective(ToYmd(Day(effective)));
    r->set_deemed_months(deemed_months);
    r->set_sex(sex);
    return *this;
  }

  PersonFacts Facts(std::optional<int64_t> as_of = std::nullopt) const {
    return CollectFacts(id_, events_, as_of);
  }
  // A timeline points into its facts, so they are kept here while it lives.
  EmployeeTimeline Timeline(int horizon, std::optional<int64_t> as_of = std::nullopt) const {
    return EvaluateEmployeeCover(kept_.emplace_back(Facts(as_of)), Profiles(), horizon);
  }
  v1::EmployeeYear Year(int year, std::optional<int64_t> as_of = std::nullopt) const {
    PersonFacts f = Facts(as_of);
    return EvaluateEmployeeYear(f, Profiles(), EvaluateEmployeeCover(f, Profiles(), year), year);
  }
  // The twelve months of `year`, one letter each.
  std::string Letters(int year, std::optional<int64_t> as_of = std::nullopt) const {
    EmployeeTimeline t = Timeline(year, as_of);
    std::string out;
    for (Month m(year, 1); m <= Month(year, 12); ++m) {
      const MonthCover c = t.Cover(m);
      out += c == MonthCover::kNone ? '.' : Letter(c);
    }
    return out;
  }
  // The twelve months of `year`: 'C' covered (as staff or retiree), '-' not.
  std::string CoverPattern(int year) const {
    EmployeeTimeline t = Timeline(year);
    std::string out;
    for (Month m(year, 1); m <= Month(year, 12); ++m) out += t.Covered(m) ? 'C' : '-';
    return out;
  }
  v1::Coverage CoveredOn(const std::string& day, std::optional<int64_t> as_of = std::nullopt) const {
    auto c = EvaluateCoverage(Facts(as_of), Profiles(), Day(day));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : v1::Coverage();
  }

  const std::string& id() const { return id_; }
  std::vector<v1::Event>& events() { return events_; }

 private:
  v1::Event& New(v1::Source source, Date business, const std::string& area) {
    ++seq_;
    const std::string rid = "E" + std::to_string(seq_);
    const std::string region = area.empty() ? area_ : area;
    v1::Event& e = events_.emplace_back();
    e.set_event_id((source == v1::TAX ? "tax:" : "registry:") + rid);
    e.set_source(source);
    e.set_record_id(rid);
    e.set_person(id_);
    e.set_region(region);
    e.set_pool(PoolOf(region));
    e.set_business_date(ToYmd(business));
    e.set_recorded_at_us(PaidAt(business) * 1'000'000 + seq_);
    return e;
  }

  std::string id_;
  std::string area_;
  std::vector<v1::Event> events_;
  int seq_ = 0;
  mutable std::deque<PersonFacts> kept_;  // the facts of the timelines handed out
};

bool HasStep(const EmployeeTimeline& t, const std::string& rule) {
  return std::any_of(t.steps.begin(), t.steps.end(),
                     [&](const EmployeeStep& s) { return s.rule == rule; });
}

// A person who paid every month of 2024 on the 10th, missed the first `gap`
// months of 2025, paid again for month gap+1 on its 10th (with make-ups of the
// missed months on that same day when `made_up`) and every month after it, each
// on its 10th, to December 2025.
Insured Arrears(v1::Payer payer, int gap, bool made_up, const std::string& area = kSuizhou) {
  Insured p(area);
  p.Months(payer, Month(2024, 1), Month(2024, 12), 10);
  const Month resume(2025, gap + 1);
  const std::string on = FormatDate(Date(2025, gap + 1, 10));
  if (made_up && gap > 0) p.MakeUp(payer, Month(2025, 1), resume - 1, on);
  p.Months(payer, resume, Month(2025, 12), 10);
  return p;
}

// ===========================================================================
// Profiles: the employee parameters each region ships, as the articles give them.

TEST(EmployeeProfiles, SuizhouParametersFollowArticles10To15And33) {
  const v1::EmployeePolicy& e = Policy("421300", 2025);
  EXPECT_FALSE(e.employer_cover_same_month());  // art. 10 从缴费次月起
  EXPECT_EQ(e.flexible_waiting_months(), 3);    // art. 11 (三)
  EXPECT_EQ(e.arrears_break_months(), 3);       // art. 10 中断缴费3个月的，视为断保
  EXPECT_EQ(e.arrears_backdate_months(), 6);    // art. 10 6个月内（含）补足
  EXPECT_EQ(e.flexible_backdate_months(), 3);   // art. 11 (四) 3个月以内续保
  EXPECT_EQ(e.transfer_window_months(), 3);     // art. 14 3个月（含）以内
  EXPECT_EQ(e.maternity_months(), 6);           // art. 33 连续缴费满6个月
  EXPECT_EQ(e.required_years_men(), 30);        // art. 15
  EXPECT_EQ(e.required_years_women(), 25);
  EXPECT_EQ(e.required_local_years(), 10);
  EXPECT_EQ(e.men_years_before_rise(), 25);     // art. 15 transition
  EXPECT_EQ(e.men_years_rise_from_year(), 2026);
}

TEST(EmployeeProfiles, PanzhihuaParametersFollowArticle17) {
  const v1::EmployeePolicy& e = Policy("510400", 2025);
  EXPECT_TRUE(e.employer_cover_same_month());  // 自缴费当月起
  EXPECT_EQ(e.flexible_waiting_months(), 6);   // 6个月待遇等待期
}

TEST(EmployeeProfiles, HongheParametersFollowArticle15) {
  const v1::EmployeePolicy& e = Policy("532500", 2025);
  EXPECT_EQ(e.required_years_men(), 30);
  EXPECT_EQ(e.required_years_women(), 25);
  EXPECT_EQ(e.required_local_years(), 0);
  EXPECT_EQ(e.men_years_rise_from_year(), 0);  // no transition in Honghe
  EXPECT_EQ(e.deemed_before(), 20030101);
}

TEST(EmployeeProfiles, TestIdsAreValidAndCarryTheSex) {
  for (const char* area : {kSuizhou, kPanzhihua, kHonghe}) {
    const std::string man = MakeId(area, true, "19650101");
    const std::string woman = MakeId(area, false, "19700101");
    EXPECT_TRUE(ValidateIdNumber(man).ok()) << man;
    EXPECT_TRUE(ValidateIdNumber(woman).ok()) << woman;
    EXPECT_TRUE(IsMaleId(man));
    EXPECT_FALSE(IsMaleId(woman));
  }
}

// ===========================================================================
// E1: employer staff start.

// Suizhou art. 10: 参保职工从缴费次月起享受医保待遇.
TEST(E1EmployerStart, SuizhouCoversFromTheMonthAfterTheFirstPaidMonth) {
  Insured p(kSuizhou);
  p.Employer(Month(2025, 3), Month(2025, 8));
  EXPECT_EQ(p.Letters(2025), "..WCCCCCSSSS");
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_TRUE(y.enrolled());
  EXPECT_EQ(y.kind(), "employer");
  EXPECT_EQ(y.months_paid(), 6);
  EXPECT_EQ(Text(y.benefits_from()), "2025-04-01");
  // Uncovered after cover began: only September to December, not January to March.
  EXPECT_EQ(Intervals(y), "2025-09-01..2025-12-31");

  EXPECT_FALSE(p.CoveredOn("2025-03-01").covered());
  const v1::Coverage last_waiting = p.CoveredOn("2025-03-31");
  EXPECT_FALSE(last_waiting.covered());
  EXPECT_NE(last_waiting.reason().find("waiting"), std::string::npos) << last_waiting.reason();
  const v1::Coverage first = p.CoveredOn("2025-04-01");
  EXPECT_TRUE(first.covered());
  EXPECT_EQ(first.scheme(), "employee");
  EXPECT_TRUE(p.CoveredOn("2025-08-31").covered());
  EXPECT_FALSE(p.CoveredOn("2025-09-01").covered());
}

// Panzhihua art. 17: 不设置待遇等待期，参保职工自缴费当月起按规定享受职工医保待遇.
TEST(E1EmployerStart, PanzhihuaCoversFromThePaidMonthItself) {
  Insured p(kPanzhihua);
  p.Employer(Month(2025, 3), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "..CCCCCCCCCC");
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_EQ(Text(y.benefits_from()), "2025-03-01");
  EXPECT_EQ(Intervals(y), "");
  EXPECT_FALSE(p.CoveredOn("2025-02-28").covered());
  EXPECT_TRUE(p.CoveredOn("2025-03-01").covered());
}

// Honghe's profile: the month after, as in Suizhou.
TEST(E1EmployerStart, HongheCoversFromTheMonthAfterTheFirstPaidMonth) {
  Insured p(kHonghe);
  p.Employer(Month(2025, 3), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "..WCCCCCCCCC");
  EXPECT_EQ(Text(p.Year(2025).benefits_from()), "2025-04-01");
  EXPECT_FALSE(p.CoveredOn("2025-03-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-04-01").covered());
}

TEST(E1EmployerStart, EmployerStaffAreUncoveredFromTheMonthAfterTheLastPaidMonth) {
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2025, 6));
  EXPECT_EQ(p.Letters(2025), "CCCCCCSSSSSS");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-07-01..2025-12-31");
  EXPECT_TRUE(p.CoveredOn("2025-06-30").covered());
  EXPECT_FALSE(p.CoveredOn("2025-07-01").covered());
}

TEST(E1EmployerStart, CoverStartsAtTheFirstEmployeeFactNotBefore) {
  Insured p(kSuizhou);
  p.Employer(Month(2025, 3), Month(2025, 12));
  const v1::EmployeeYear y = p.Year(2024);
  EXPECT_FALSE(y.enrolled());
  EXPECT_EQ(y.kind(), "");
  EXPECT_EQ(y.months_paid(), 0);
  EXPECT_EQ(Text(y.benefits_from()), "null");
  EXPECT_EQ(Text(y.maternity_from()), "null");
  EXPECT_EQ(y.suspended_size(), 0);
  EXPECT_EQ(p.Letters(2024), "............");
}

// ===========================================================================
// E2: employer arrears (Suizhou art. 10): 中断缴费3个月的，视为断保 ... 6个月内（含）
// 补足 ... 暂停期间医保待遇可追溯；超过6个月续保的，缴费次月起享受医保待遇，
// 断保期间医保待遇不追溯.

TEST(E2EmployerArrears, TwoUnpaidMonthsAreNoBreak) {
  const Insured p = Arrears(v1::EMPLOYER, 2, /*made_up=*/false);
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "");
  EXPECT_TRUE(p.CoveredOn("2025-02-28").covered());
}

TEST(E2EmployerArrears, TwoUnpaidMonthsMadeUpAreCovered) {
  const Insured p = Arrears(v1::EMPLOYER, 2, /*made_up=*/true);
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCCCC");
}

TEST(E2EmployerArrears, ThreeUnpaidMonthsMadeUpAreBackdated) {
  const Insured p = Arrears(v1::EMPLOYER, 3, /*made_up=*/true);
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCCCC");
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_EQ(Intervals(y), "");
  EXPECT_EQ(y.months_paid(), 12);
  EXPECT_TRUE(p.CoveredOn("2025-01-15").covered());
}

TEST(E2EmployerArrears, ThreeUnpaidMonthsNotMadeUpAreABreak) {
  const Insured p = Arrears(v1::EMPLOYER, 3, /*made_up=*/false);
  EXPECT_EQ(p.Letters(2025), "SSSCCCCCCCCC");
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_EQ(Intervals(y), "2025-01-01..2025-03-31");
  EXPECT_EQ(Text(y.benefits_from()), "2025-04-01");
  EXPECT_EQ(y.months_paid(), 9);
  const v1::Coverage c = p.CoveredOn("2025-03-31");
  EXPECT_FALSE(c.covered());
  EXPECT_NE(c.reason().find("suspended"), std::string::npos) << c.reason();
  EXPECT_TRUE(p.CoveredOn("2025-04-01").covered());
}

TEST(E2EmployerArrears, SixUnpaidMonthsMadeUpAreBackdated) {
  const Insured p = Arrears(v1::EMPLOYER, 6, /*made_up=*/true);
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "");
}

TEST(E2EmployerArrears, SixUnpaidMonthsNotMadeUpAreSuspended) {
  const Insured p = Arrears(v1::EMPLOYER, 6, /*made_up=*/false);
  EXPECT_EQ(p.Letters(2025), "SSSSSSCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-01-01..2025-06-30");
}

TEST(E2EmployerArrears, SevenUnpaidMonthsMadeUpAreNeverBackdated) {
  // Resumed (and made up) on 2025-08-10: covered from the month after, September.
  const Insured p = Arrears(v1::EMPLOYER, 7, /*made_up=*/true);
  EXPECT_EQ(p.Letters(2025), "SSSSSSSWCCCC");  // August: the new start's payment month
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_EQ(Intervals(y), "2025-01-01..2025-08-31");
  EXPECT_EQ(y.months_paid(), 12);
  EXPECT_FALSE(p.CoveredOn("2025-08-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-09-01").covered());
}

TEST(E2EmployerArrears, SevenUnpaidMonthsNotMadeUpCoverFromTheMonthAfterPayment) {
  const Insured p = Arrears(v1::EMPLOYER, 7, /*made_up=*/false);
  EXPECT_EQ(p.Letters(2025), "SSSSSSSWCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-01-01..2025-08-31");
}

TEST(E2EmployerArrears, AfterSixMonthsTheMonthAfterThePaymentDateCounts) {
  // August paid (on time) on 2025-09-20: covered from October, not September.
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2024, 12), 10);
  p.Pay(v1::EMPLOYER, Month(2025, 9), "2025-09-15");
  p.Pay(v1::EMPLOYER, Month(2025, 8), "2025-09-20");
  p.Employer(Month(2025, 10), Month(2025, 12), 10);
  EXPECT_EQ(p.Letters(2025), "SSSSSSSWWCCC");
  EXPECT_TRUE(HasStep(p.Timeline(2025), "E2"));
}

TEST(E2EmployerArrears, TwoSeparateBreaksGiveTwoIntervals) {
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2024, 12), 10);
  p.Employer(Month(2025, 4), Month(2025, 5), 10);
  p.Employer(Month(2025, 9), Month(2025, 12), 10);
  EXPECT_EQ(p.Letters(2025), "SSSCCSSSCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-01-01..2025-03-31 2025-06-01..2025-08-31");
}

TEST(E2EmployerArrears, PanzhihuaAndHongheUseTheSameBreakAndSixMonthLimit) {
  EXPECT_EQ(Arrears(v1::EMPLOYER, 3, false, kHonghe).Letters(2025), "SSSCCCCCCCCC");
  EXPECT_EQ(Arrears(v1::EMPLOYER, 6, true, kHonghe).Letters(2025), "CCCCCCCCCCCC");
  // E1: a resumption after more than 6 months starts like a first enrolment,
  // in Panzhihua from the month of the payment itself (August).
  EXPECT_EQ(Arrears(v1::EMPLOYER, 7, true, kPanzhihua).Letters(2025), "SSSSSSSCCCCC");
  EXPECT_EQ(Arrears(v1::EMPLOYER, 2, false, kPanzhihua).Letters(2025), "CCCCCCCCCCCC");
}

// Art. 10 backdates only when the employer 补足 (pays up) 在6个月内（含）. As a
// control, a make-up paid within 6 months of the interruption is backdated...
TEST(E2EmployerArrears, MakeUpPaidWithinSixMonthsIsBackdated) {
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2024, 12), 10);
  p.Employer(Month(2025, 4), Month(2025, 12), 15);
  p.MakeUp(v1::EMPLOYER, Month(2025, 1), Month(2025, 3), "2025-06-20");
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCCCC");
}

// ...but arrears for January-March 2025 paid up only on 2025-12-10, eleven months
// after the interruption began, were not 在6个月内（含）补足: the gap is not
// backdated (and a query as of before the make-up agrees).
TEST(E2EmployerArrears, MakeUpPaidMoreThanSixMonthsLaterIsNotBackdated) {
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2024, 12), 10);
  p.Employer(Month(2025, 4), Month(2025, 12), 15);
  p.MakeUp(v1::EMPLOYER, Month(2025, 1), Month(2025, 3), "2025-12-10");
  EXPECT_EQ(p.Letters(2025, StartOfDayUs("2025-12-01")), "SSSCCCCCCCCC");
  EXPECT_EQ(p.Letters(2025), "SSSCCCCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-01-01..2025-03-31");
}

// ===========================================================================
// E3: flexible workers (Suizhou art. 11; Panzhihua art. 17).

// Art. 11 (三): 待遇等待期3个月，从第4个月起享受 ... 等待期为缴费当月1日起至等待期满当月
// 最后一日止. First paid on 2025-03-10: waiting 1 March to 31 May, covered 1 June.
TEST(E3FlexibleWorkers, SuizhouFirstEnrolmentWaitsThreeMonthsFromTheFirstOfThePaymentMonth) {
  Insured p(kSuizhou);
  p.Flexible(Month(2025, 3), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "..WWWCCCCCCC");
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_TRUE(y.enrolled());
  EXPECT_EQ(y.kind(), "flexible");
  EXPECT_EQ(y.months_paid(), 10);
  EXPECT_EQ(Text(y.benefits_from()), "2025-06-01");
  EXPECT_EQ(Intervals(y), "");
  EXPECT_FALSE(p.CoveredOn("2025-03-01").covered());
  const v1::Coverage last_waiting = p.CoveredOn("2025-05-31");
  EXPECT_FALSE(last_waiting.covered());
  EXPECT_NE(last_waiting.reason().find("waiting"), std::string::npos) << last_waiting.reason();
  const v1::Coverage fourth_month = p.CoveredOn("2025-06-01");
  EXPECT_TRUE(fourth_month.covered());
  EXPECT_EQ(fourth_month.scheme(), "employee");
}

TEST(E3FlexibleWorkers, PaidOnTheLastDayOfTheMonthStillCountsFromItsFirstDay) {
  Insured p(kSuizhou);
  p.Pay(v1::FLEXIBLE, Month(2025, 1), "2025-01-31");
  p.Flexible(Month(2025, 2), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "WWWCCCCCCCCC");
  EXPECT_FALSE(p.CoveredOn("2025-03-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-04-01").covered());
}

TEST(E3FlexibleWorkers, WaitingRunsIntoTheNextYear) {
  Insured p(kSuizhou);
  p.Pay(v1::FLEXIBLE, Month(2025, 11), "2025-11-30");
  p.Flexible(Month(2025, 12), Month(2026, 6));
  EXPECT_EQ(p.Letters(2025), "..........WW");
  EXPECT_EQ(p.Letters(2026), "WCCCCCCSSSSS");  // July: the first missed month
  const v1::EmployeeYear y2025 = p.Year(2025);
  EXPECT_TRUE(y2025.enrolled());
  EXPECT_EQ(Text(y2025.benefits_from()), "null");
  EXPECT_EQ(y2025.suspended_size(), 0);
  EXPECT_EQ(Text(p.Year(2026).benefits_from()), "2026-02-01");
  EXPECT_FALSE(p.CoveredOn("2026-01-31").covered());
  EXPECT_TRUE(p.CoveredOn("2026-02-01").covered());
}

TEST(E3FlexibleWorkers, LatePaidFirstMonthWaitsFromThePaymentMonth) {
  // March paid on 2025-04-10: the waiting runs from 1 April to 30 June.
  Insured p(kSuizhou);
  p.Pay(v1::FLEXIBLE, Month(2025, 3), "2025-04-10");
  p.Flexible(Month(2025, 4), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "..WWWWCCCCCC");
  EXPECT_FALSE(p.CoveredOn("2025-06-30").covered());
  EXPECT_TRUE(p.CoveredOn("2025-07-01").covered());
}

// Art. 11 (二): 也可选择一次性缴纳全年应缴职工医保费.
TEST(E3FlexibleWorkers, PayingTheWholeYearAtOnceStillWaitsThreeMonths) {
  Insured p(kSuizhou);
  for (Month m(2025, 1); m <= Month(2025, 12); ++m) p.Pay(v1::FLEXIBLE, m, "2025-01-05");
  EXPECT_EQ(p.Letters(2025), "WWWCCCCCCCCC");
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_EQ(y.months_paid(), 12);
  EXPECT_EQ(Text(y.benefits_from()), "2025-04-01");
}

// Panzhihua art. 17: 新参加职工医保的灵活就业人员设置6个月待遇等待期.
TEST(E3FlexibleWorkers, PanzhihuaFirstEnrolmentWaitsSixMonths) {
  Insured p(kPanzhihua);
  p.Flexible(Month(2025, 3), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "..WWWWWWCCCC");
  EXPECT_EQ(Text(p.Year(2025).benefits_from()), "2025-09-01");
  EXPECT_FALSE(p.CoveredOn("2025-08-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-09-01").covered());
}

TEST(E3FlexibleWorkers, HongheFirstEnrolmentWaitsThreeMonths) {
  Insured p(kHonghe);
  p.Flexible(Month(2025, 3), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "..WWWCCCCCCC");
  EXPECT_FALSE(p.CoveredOn("2025-05-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-06-01").covered());
}

// Art. 11 (四): 从断缴费用的次月起，停止享受各项医保待遇. 在3个月以内续保的，在补足
// 中断缴费期间的医保费后，断缴期间的医保待遇可追溯；3个月以上6个月以内续保的，
// 在缴费后次月起享受职工医保待遇，断缴期间的医保待遇不追溯；超过6个月续保的，
// 按灵活就业人员首次参保执行.

TEST(E3FlexibleWorkers, TwoMissedMonthsMadeUpAreBackdated) {
  EXPECT_EQ(Arrears(v1::FLEXIBLE, 2, true).Letters(2025), "CCCCCCCCCCCC");
}

TEST(E3FlexibleWorkers, TwoMissedMonthsNotMadeUpStopCoverFromTheSecond) {
  // January (the missed month) stays covered; February on stopped; March paid
  // on 2025-03-10: covered from April.
  const Insured p = Arrears(v1::FLEXIBLE, 2, false);
  EXPECT_EQ(p.Letters(2025), "CSSCCCCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-02-01..2025-03-31");
  EXPECT_TRUE(p.CoveredOn("2025-01-31").covered());
  EXPECT_FALSE(p.CoveredOn("2025-02-01").covered());
}

TEST(E3FlexibleWorkers, ThreeMissedMonthsMadeUpAreBackdated) {
  const Insured p = Arrears(v1::FLEXIBLE, 3, true);
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "");
  EXPECT_TRUE(p.CoveredOn("2025-03-15").covered());
}

TEST(E3FlexibleWorkers, ThreeMissedMonthsNotMadeUpAreNotBackdated) {
  const Insured p = Arrears(v1::FLEXIBLE, 3, false);
  EXPECT_EQ(p.Letters(2025), "CSSSCCCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-02-01..2025-04-30");
}

TEST(E3FlexibleWorkers, FourMissedMonthsMadeUpCoverFromTheMonthAfterPayment) {
  // Resumed on 2025-05-10 with make-ups: over 3 months, so from June, not backdated.
  const Insured p = Arrears(v1::FLEXIBLE, 4, true);
  EXPECT_EQ(p.Letters(2025), "CSSSSCCCCCCC");
  EXPECT_FALSE(p.CoveredOn("2025-05-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-06-01").covered());
}

TEST(E3FlexibleWorkers, SixMissedMonthsCoverFromTheMonthAfterPayment) {
  EXPECT_EQ(Arrears(v1::FLEXIBLE, 6, true).Letters(2025), "CSSSSSSCCCCC");
  const Insured p = Arrears(v1::FLEXIBLE, 6, false);
  EXPECT_EQ(p.Letters(2025), "CSSSSSSCCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-02-01..2025-07-31");
}

TEST(E3FlexibleWorkers, SevenMissedMonthsStartAgainAsAFirstEnrolment) {
  // Resumed on 2025-08-10: waiting August to October again, covered from November.
  for (bool made_up : {false, true}) {
    const Insured p = Arrears(v1::FLEXIBLE, 7, made_up);
    EXPECT_EQ(p.CoverPattern(2025), "C---------CC") << "made_up=" << made_up;
    const v1::EmployeeYear y = p.Year(2025);
    EXPECT_EQ(Intervals(y), "2025-02-01..2025-10-31") << "made_up=" << made_up;
    EXPECT_FALSE(p.CoveredOn("2025-10-31").covered());
    EXPECT_TRUE(p.CoveredOn("2025-11-01").covered());
  }
}

// The months after a resumption over 6 months are a first enrolment's waiting
// period (art. 11 (四) 按灵活就业人员首次参保执行, (三) 待遇等待期), not arrears.
TEST(E3FlexibleWorkers, SevenMissedMonthsRenewedWaitingIsAWaitingPeriod) {
  const Insured p = Arrears(v1::FLEXIBLE, 7, false);
  EXPECT_EQ(p.Letters(2025), "CSSSSSSWWWCC");
  const v1::Coverage c = p.CoveredOn("2025-09-15");
  EXPECT_FALSE(c.covered());
  EXPECT_NE(c.reason().find("waiting"), std::string::npos) << c.reason();
}

TEST(E3FlexibleWorkers, PanzhihuaSevenMissedMonthsWaitSixMonthsAgain) {
  Insured p(kPanzhihua);
  p.Flexible(Month(2024, 1), Month(2024, 12));
  p.Flexible(Month(2025, 8), Month(2026, 6));
  EXPECT_EQ(p.CoverPattern(2025), "C-----------");
  EXPECT_EQ(p.CoverPattern(2026), "-CCCCCC-----");  // waiting August 2025 to January 2026
  EXPECT_FALSE(p.CoveredOn("2026-01-31").covered());
  EXPECT_TRUE(p.CoveredOn("2026-02-01").covered());
}

TEST(E3FlexibleWorkers, AfterTheLastPaidMonthTheFirstMissedMonthStaysCovered) {
  Insured p(kSuizhou);
  p.Flexible(Month(2024, 1), Month(2025, 6));
  EXPECT_EQ(p.Letters(2025), "CCCCCCCSSSSS");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-08-01..2025-12-31");
  EXPECT_TRUE(p.CoveredOn("2025-07-31").covered());
  EXPECT_FALSE(p.CoveredOn("2025-08-01").covered());
}

// ===========================================================================
// E4: transfers (Suizhou art. 14): 中断缴费3个月（含）以内的 ... 补缴后不设待遇等待期，
// 缴费当月即可按规定享受待遇 ... 中断缴费3个月以上的，单位职工缴费的次月起享受待遇，
// 不追溯待遇，灵活就业人员待遇等待期3个月.

TEST(E4Transfers, EmployerStaffPayingWithinThreeMonthsHaveNoWaiting) {
  Insured p(kSuizhou);
  p.Registry(v1::TRANSFER_IN, "2025-03-10", v1::EMPLOYER_STAFF);
  p.Employer(Month(2025, 6), Month(2025, 12));  // June - March = 3
  EXPECT_EQ(p.Letters(2025), ".....CCCCCCC");
  EXPECT_EQ(Text(p.Year(2025).benefits_from()), "2025-06-01");
  EXPECT_TRUE(HasStep(p.Timeline(2025), "E4"));
  EXPECT_TRUE(p.CoveredOn("2025-06-01").covered());
}

TEST(E4Transfers, EmployerStaffPayingInTheTransferMonthAreCoveredAtOnce) {
  Insured p(kSuizhou);
  p.Registry(v1::TRANSFER_IN, "2025-03-10", v1::EMPLOYER_STAFF);
  p.Employer(Month(2025, 3), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "..CCCCCCCCCC");
}

TEST(E4Transfers, EmployerStaffAfterMoreThanThreeMonthsStartTheMonthAfter) {
  Insured p(kSuizhou);
  p.Registry(v1::TRANSFER_IN, "2025-03-10", v1::EMPLOYER_STAFF);
  p.Employer(Month(2025, 7), Month(2025, 12));  // July - March = 4
  EXPECT_EQ(p.Letters(2025), "......WCCCCC");
  EXPECT_EQ(Text(p.Year(2025).benefits_from()), "2025-08-01");
  EXPECT_FALSE(p.CoveredOn("2025-07-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-08-01").covered());
}

TEST(E4Transfers, FlexibleWorkersPayingWithinThreeMonthsHaveNoWaiting) {
  Insured p(kSuizhou);
  p.Registry(v1::TRANSFER_IN, "2025-03-10", v1::FLEXIBLE_WORKER);
  p.Flexible(Month(2025, 6), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), ".....CCCCCCC");
  EXPECT_TRUE(p.CoveredOn("2025-06-01").covered());
}

TEST(E4Transfers, FlexibleWorkersAfterMoreThanThreeMonthsWaitThreeMonths) {
  Insured p(kSuizhou);
  p.Registry(v1::TRANSFER_IN, "2025-03-10", v1::FLEXIBLE_WORKER);
  p.Flexible(Month(2025, 7), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "......WWWCCC");
  EXPECT_FALSE(p.CoveredOn("2025-09-30").covered());
  EXPECT_TRUE(p.CoveredOn("2025-10-01").covered());
}

// Panzhihua's profile has a waiting for flexible workers too: a transfer within
// the window skips it.
TEST(E4Transfers, PanzhihuaFlexibleTransferWithinThreeMonthsSkipsTheSixMonths) {
  Insured p(kPanzhihua);
  p.Registry(v1::TRANSFER_IN, "2025-03-10", v1::FLEXIBLE_WORKER);
  p.Flexible(Month(2025, 4), Month(2025, 12));
  EXPECT_EQ(p.Letters(2025), "...CCCCCCCCC");
}

TEST(E4Transfers, TransferCarriesDeemedYears) {
  Insured p(kSuizhou);
  p.Registry(v1::TRANSFER_IN, "2024-05-01", v1::EMPLOYER_STAFF, /*deemed_months=*/54);
  p.Employer(Month(2024, 5), Month(2025, 12));
  const v1::EmployeeYear y2023 = p.Year(2023);
  EXPECT_DOUBLE_EQ(y2023.deemed_years(), 0.0);
  const v1::EmployeeYear y2024 = p.Year(2024);
  EXPECT_DOUBLE_EQ(y2024.deemed_years(), 4.5);
  EXPECT_DOUBLE_EQ(y2024.actual_years(), 0.67);        // 8 months
  EXPECT_DOUBLE_EQ(y2024.contribution_years(), 5.17);  // 62 months
  const v1::EmployeeYear y2025 = p.Year(2025);
  EXPECT_DOUBLE_EQ(y2025.deemed_years(), 4.5);
  EXPECT_DOUBLE_EQ(y2025.actual_years(), 1.67);        // 20 months
  EXPECT_DOUBLE_EQ(y2025.contribution_years(), 6.17);  // 74 months
}

// When the former pool's contributions are in the ledger too, the break before
// the transfer is the gap art. 14 speaks of. Panzhihua employer staff paid
// through December 2024, transferred to Suizhou and paid there from May 2025:
// 4 months (January to April) unpaid, more than 3.
TEST(E4Transfers, FormerPoolPaymentsThenMoreThanThreeMonthsEmployerStartsTheMonthAfter) {
  Insured p(kSuizhou);
  p.Months(v1::EMPLOYER, Month(2024, 1), Month(2024, 12), 10, kPanzhihua);
  p.Registry(v1::TRANSFER_IN, "2025-05-06", v1::EMPLOYER_STAFF);
  p.Employer(Month(2025, 5), Month(2025, 12));
  // 单位职工缴费的次月起享受待遇，不追溯待遇: not May, from June.
  EXPECT_EQ(p.CoverPattern(2025), "-----CCCCCCC");
  EXPECT_FALSE(p.CoveredOn("2025-05-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-06-01").covered());
}

TEST(E4Transfers, FormerPoolPaymentsThenMoreThanThreeMonthsFlexibleWaitsThreeMonths) {
  Insured p(kSuizhou);
  p.Months(v1::EMPLOYER, Month(2024, 1), Month(2024, 12), 10, kPanzhihua);
  p.Registry(v1::TRANSFER_IN, "2025-05-06", v1::FLEXIBLE_WORKER);
  p.Flexible(Month(2025, 5), Month(2025, 12));
  // 灵活就业人员待遇等待期3个月: May to July waiting, covered from August.
  EXPECT_EQ(p.CoverPattern(2025), "-------CCCCC");
  EXPECT_FALSE(p.CoveredOn("2025-07-31").covered());
  EXPECT_TRUE(p.CoveredOn("2025-08-01").covered());
}

TEST(E4Transfers, FormerPoolPaymentsThenThreeMonthsMadeUpAreBackdated) {
  Insured p(kSuizhou);
  p.Months(v1::EMPLOYER, Month(2024, 1), Month(2024, 12), 10, kPanzhihua);
  p.Registry(v1::TRANSFER_IN, "2025-04-01", v1::EMPLOYER_STAFF);
  p.MakeUp(v1::EMPLOYER, Month(2025, 1), Month(2025, 3), "2025-04-15");
  p.Employer(Month(2025, 4), Month(2025, 12));
  EXPECT_EQ(p.CoverPattern(2025), "CCCCCCCCCCCC");
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_DOUBLE_EQ(y.actual_years(), 2.0);
  EXPECT_DOUBLE_EQ(y.local_actual_years(), 1.0);
}

// ===========================================================================
// E5: maternity (Suizhou art. 33: 连续缴费满6个月的次月起享受生育保险待遇).

TEST(E5Maternity, SixConsecutivePaidMonthsGiveMaternityFromTheNextMonth) {
  Insured p(kSuizhou, /*male=*/false);
  p.Employer(Month(2025, 1), Month(2025, 7));  // July paid too: maternity only in covered months
  EXPECT_EQ(Text(p.Year(2025).maternity_from()), "2025-07-01");
}

TEST(E5Maternity, FivePaidMonthsGiveNone) {
  Insured p(kSuizhou, /*male=*/false);
  p.Employer(Month(2025, 1), Month(2025, 5));
  EXPECT_EQ(Text(p.Year(2025).maternity_from()), "null");
}

TEST(E5Maternity, StreakAcrossTheYearEnd) {
  Insured p(kSuizhou, /*male=*/false);
  p.Employer(Month(2024, 10), Month(2025, 4));
  EXPECT_EQ(Text(p.Year(2024).maternity_from()), "null");
  EXPECT_EQ(Text(p.Year(2025).maternity_from()), "2025-04-01");
}

TEST(E5Maternity, StreakCompletedNextYearCountsThere) {
  Insured p(kSuizhou, /*male=*/false);
  p.Employer(Month(2025, 8), Month(2026, 2));
  EXPECT_EQ(Text(p.Year(2025).maternity_from()), "null");
  EXPECT_EQ(Text(p.Year(2026).maternity_from()), "2026-02-01");
}

TEST(E5Maternity, AnUnpaidMonthRestartsTheCount) {
  Insured five(kSuizhou, /*male=*/false);
  five.Employer(Month(2025, 1), Month(2025, 3));
  five.Employer(Month(2025, 5), Month(2025, 9));  // April unpaid; May-September = 5
  EXPECT_EQ(Text(five.Year(2025).maternity_from()), "null");
  Insured six(kSuizhou, /*male=*/false);
  six.Employer(Month(2025, 1), Month(2025, 3));
  six.Employer(Month(2025, 5), Month(2025, 11));  // May-October = 6, November covered
  EXPECT_EQ(Text(six.Year(2025).maternity_from()), "2025-11-01");
}

TEST(E5Maternity, MadeUpMonthsArePaidMonths) {
  Insured p(kSuizhou, /*male=*/false);
  p.Employer(Month(2025, 1), Month(2025, 2));
  p.MakeUp(v1::EMPLOYER, Month(2025, 3), Month(2025, 4), "2025-05-15");
  p.Employer(Month(2025, 5), Month(2025, 7));
  EXPECT_EQ(Text(p.Year(2025).maternity_from()), "2025-07-01");
}

// Art. 11: 灵活就业人员不参加生育保险.
TEST(E5Maternity, FlexibleWorkersHaveNoMaternityInsurance) {
  Insured p(kSuizhou, /*male=*/false);
  p.Flexible(Month(2024, 1), Month(2025, 12));
  EXPECT_EQ(Text(p.Year(2024).maternity_from()), "null");
  EXPECT_EQ(Text(p.Year(2025).maternity_from()), "null");
}

// Panzhihua art. 31: 用人单位为其职工按本办法规定参加生育保险，自参保缴费当月起享受
// 生育保险待遇 - from the paid month itself, no 6-month qualifying period.
TEST(E5Maternity, PanzhihuaMaternityFromThePaidMonth) {
  Insured p(kPanzhihua, /*male=*/false);
  p.Employer(Month(2025, 3), Month(2025, 12));
  EXPECT_EQ(Text(p.Year(2025).maternity_from()), "2025-03-01");
}

// ===========================================================================
// E6: contribution years and retirement.

// Suizhou art. 15: 2025 年底之前退休的男职工累计缴费年限设置为 25 年。自 2026 年起，
// 男职工每年增加累计缴费年限 1 年，直至 2030 年，累计缴费年限达到 30 年后不再增加.
TEST(E6ContributionYears, SuizhouMenTransition) {
  const v1::EmployeePolicy& e = Policy("421300", 2025);
  EXPECT_EQ(RequiredYears(e, true, 2024), 25);
  EXPECT_EQ(RequiredYears(e, true, 2025), 25);
  EXPECT_EQ(RequiredYears(e, true, 2026), 26);
  EXPECT_EQ(RequiredYears(e, true, 2027), 27);
  EXPECT_EQ(RequiredYears(e, true, 2028), 28);
  EXPECT_EQ(RequiredYears(e, true, 2029), 29);
  EXPECT_EQ(RequiredYears(e, true, 2030), 30);
  EXPECT_EQ(RequiredYears(e, true, 2031), 30);
  EXPECT_EQ(RequiredYears(e, true, 2040), 30);
}

TEST(E6ContributionYears, WomenNeed25Everywhere) {
  for (const char* pool : {"421300", "532500", "510400"}) {
    const v1::EmployeePolicy& e = Policy(pool, 2025);
    for (int year : {2024, 2025, 2026, 2030, 2031}) {
      EXPECT_EQ(RequiredYears(e, false, year), 25) << pool << " " << year;
    }
  }
}

// Honghe art. 15 (一): 男满 30 年，女满 25 年 - no transition.
TEST(E6ContributionYears, HongheMenNeed30) {
  const v1::EmployeePolicy& e = Policy("532500", 2025);
  for (int year : {2024, 2025, 2026, 2030, 2031}) {
    EXPECT_EQ(RequiredYears(e, true, year), 30) << year;
  }
}

TEST(E6ContributionYears, ActualYearsAreDistinctPaidMonthsOverTwelve) {
  Insured p(kSuizhou);
  p.Employer(Month(2025, 1), Month(2025, 7));
  p.MakeUp(v1::EMPLOYER, Month(2025, 3), Month(2025, 3), "2025-09-01");  // a second payment for March
  p.Employer(Month(2026, 1), Month(2026, 6));
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_EQ(y.months_paid(), 7);
  EXPECT_DOUBLE_EQ(y.actual_years(), 0.58);  // 7 / 12 = 0.583
  EXPECT_DOUBLE_EQ(y.local_actual_years(), 0.58);
  EXPECT_DOUBLE_EQ(y.deemed_years(), 0.0);
  EXPECT_DOUBLE_EQ(y.contribution_years(), 0.58);
  // Through the query year: 2026's months count from 2026 on.
  EXPECT_DOUBLE_EQ(p.Year(2026).actual_years(), 1.08);  // 13 / 12
}

TEST(E6ContributionYears, ThirtyMonthsAreTwoAndAHalfYears) {
  Insured p(kHonghe);
  p.Employer(Month(2023, 7), Month(2025, 12));
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_DOUBLE_EQ(y.actual_years(), 2.5);
  EXPECT_DOUBLE_EQ(y.contribution_years(), 2.5);
  EXPECT_DOUBLE_EQ(p.Year(2024).actual_years(), 1.5);
}

TEST(E6ContributionYears, LocalActualYearsCountOnlyTheCurrentPool) {
  Insured p(kSuizhou);
  p.Months(v1::EMPLOYER, Month(2022, 1), Month(2023, 12), 15, kPanzhihua);
  p.Employer(Month(2024, 1), Month(2024, 12));
  const v1::EmployeeYear y = p.Year(2024);
  EXPECT_DOUBLE_EQ(y.actual_years(), 3.0);
  EXPECT_DOUBLE_EQ(y.local_actual_years(), 1.0);
}

TEST(E6ContributionYears, RequiredYearsFollowTheQueryYearWithoutARetireRecord) {
  Insured man(kSuizhou, true);
  man.Employer(Month(2024, 1), Month(2028, 12));
  EXPECT_EQ(man.Year(2025).required_years(), 25);
  EXPECT_EQ(man.Year(2026).required_years(), 26);
  EXPECT_EQ(man.Year(2028).required_years(), 28);
  EXPECT_FALSE(man.Year(2028).retirement_eligible());
  Insured woman(kSuizhou, false);
  woman.Employer(Month(2024, 1), Month(2026, 12));
  EXPECT_EQ(woman.Year(2026).required_years(), 25);
}

// A Suizhou man retiring in year Y with 10 local actual years (120 months to the
// retirement month) and `deemed_months` more.
Insured SuizhouRetiree(int year, int64_t deemed_months, bool male = true,
                       v1::Sex sex = v1::SEX_UNSPECIFIED) {
  Insured p(kSuizhou, male, male ? "19650101" : "19700101");
  p.Employer(Month(year - 10, 7), Month(year, 6));
  p.Registry(v1::RETIRE, std::to_string(year) + "-06-30", v1::KIND_UNSPECIFIED, deemed_months, sex);
  return p;
}

TEST(E6ContributionYears, SuizhouManRetiringIn2025Needs25) {
  const Insured p = SuizhouRetiree(2025, 180);
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_DOUBLE_EQ(y.actual_years(), 10.0);
  EXPECT_DOUBLE_EQ(y.local_actual_years(), 10.0);
  EXPECT_DOUBLE_EQ(y.deemed_years(), 15.0);
  EXPECT_DOUBLE_EQ(y.contribution_years(), 25.0);
  EXPECT_EQ(y.required_years(), 25);
  EXPECT_TRUE(y.retirement_eligible());
  EXPECT_FALSE(SuizhouRetiree(2025, 179).Year(2025).retirement_eligible());
}

TEST(E6ContributionYears, SuizhouManRetiringIn2026Needs26) {
  const v1::EmployeeYear short_ = SuizhouRetiree(2026, 180).Year(2026);
  EXPECT_EQ(short_.required_years(), 26);
  EXPECT_DOUBLE_EQ(short_.contribution_years(), 25.0);
  EXPECT_FALSE(short_.retirement_eligible());
  const v1::EmployeeYear enough = SuizhouRetiree(2026, 192).Year(2026);
  EXPECT_EQ(enough.required_years(), 26);
  EXPECT_TRUE(enough.retirement_eligible());
}

TEST(E6ContributionYears, SuizhouManRetiringIn2030Needs30AndIn2031Still30) {
  EXPECT_FALSE(SuizhouRetiree(2030, 228).Year(2030).retirement_eligible());  // 29 years
  const v1::EmployeeYear y2030 = SuizhouRetiree(2030, 240).Year(2030);
  EXPECT_EQ(y2030.required_years(), 30);
  EXPECT_TRUE(y2030.retirement_eligible());
  const v1::EmployeeYear y2031 = SuizhouRetiree(2031, 240).Year(2031);
  EXPECT_EQ(y2031.required_years(), 30);
  EXPECT_TRUE(y2031.retirement_eligible());
  EXPECT_FALSE(SuizhouRetiree(2031, 228).Year(2031).retirement_eligible());
}

TEST(E6ContributionYears, RequiredYearsAreThoseOfTheRetirementYear) {
  // Retired in 2025 with 25 years: still 25 required (and eligible) when asked about 2027.
  const Insured p = SuizhouRetiree(2025, 180);
  const v1::EmployeeYear y = p.Year(2027);
  EXPECT_EQ(y.required_years(), 25);
  EXPECT_TRUE(y.retirement_eligible());
}

// Art. 15: 且在本市范围内的实际缴费年限满10年.
TEST(E6ContributionYears, SuizhouNeedsTenLocalActualYears) {
  const v1::EmployeeYear short_ = [] {
    Insured p(kSuizhou, false, "19700101");
    p.Employer(Month(2015, 8), Month(2025, 6));  // 119 months
    p.Registry(v1::RETIRE, "2025-06-30", v1::KIND_UNSPECIFIED, 181);
    return p.Year(2025);
  }();
  EXPECT_DOUBLE_EQ(short_.contribution_years(), 25.0);
  EXPECT_DOUBLE_EQ(short_.local_actual_years(), 9.92);
  EXPECT_EQ(short_.required_years(), 25);
  EXPECT_FALSE(short_.retirement_eligible());
  const v1::EmployeeYear enough = SuizhouRetiree(2025, 180, /*male=*/false).Year(2025);
  EXPECT_DOUBLE_EQ(enough.local_actual_years(), 10.0);
  EXPECT_TRUE(enough.retirement_eligible());
}

TEST(E6ContributionYears, SuizhouActualYearsElsewhereDoNotCountAsLocal) {
  // 30 actual years, 9 of them in Suizhou: not eligible; 10 in Suizhou: eligible.
  Insured nine(kSuizhou, true, "19650101");
  nine.Months(v1::EMPLOYER, Month(1995, 7), Month(2016, 6), 15, kPanzhihua);  // 252 months
  nine.Employer(Month(2016, 7), Month(2025, 6));                              // 108 months
  nine.Registry(v1::RETIRE, "2025-06-30");
  const v1::EmployeeYear y = nine.Year(2025);
  EXPECT_DOUBLE_EQ(y.actual_years(), 30.0);
  EXPECT_DOUBLE_EQ(y.local_actual_years(), 9.0);
  EXPECT_FALSE(y.retirement_eligible());
  Insured ten(kSuizhou, true, "19650101");
  ten.Months(v1::EMPLOYER, Month(1995, 7), Month(2015, 6), 15, kPanzhihua);
  ten.Employer(Month(2015, 7), Month(2025, 6));
  ten.Registry(v1::RETIRE, "2025-06-30");
  EXPECT_TRUE(ten.Year(2025).retirement_eligible());
}

TEST(E6ContributionYears, RetireRecordSexOverridesTheId) {
  // A man's ID, but the agency's RETIRE record says female: 25 years in 2030.
  const v1::EmployeeYear female = SuizhouRetiree(2030, 180, true, v1::FEMALE).Year(2030);
  EXPECT_EQ(female.required_years(), 25);
  EXPECT_TRUE(female.retirement_eligible());
  const v1::EmployeeYear as_id = SuizhouRetiree(2030, 180, true).Year(2030);
  EXPECT_EQ(as_id.required_years(), 30);
  EXPECT_FALSE(as_id.retirement_eligible());
}

// Honghe art. 15 (二): 最低缴费年限含实际缴费年限和视同缴费年限 ... 视同缴费年限指参保人
// 2003 年 1 月 1 日前 ... 认可的工龄. A man with 20 actual years and 10 deemed years
// before 2003 has his 30.
Insured HongheRetiree(int actual_months, int64_t deemed_months, bool male = true) {
  Insured p(kHonghe, male, male ? "19650101" : "19700101");
  const Month last(2025, 6);
  p.Employer(last - (actual_months - 1), last);
  p.Registry(v1::RETIRE, "2025-06-30", v1::KIND_UNSPECIFIED, deemed_months);
  return p;
}

TEST(E6ContributionYears, HongheManWithDeemedYearsBefore2003Has30) {
  const Insured p = HongheRetiree(240, 120);
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_DOUBLE_EQ(y.actual_years(), 20.0);
  EXPECT_DOUBLE_EQ(y.deemed_years(), 10.0);
  EXPECT_DOUBLE_EQ(y.contribution_years(), 30.0);
  EXPECT_EQ(y.required_years(), 30);
  EXPECT_TRUE(y.retirement_eligible());
  const v1::EmployeeYear short_ = HongheRetiree(239, 120).Year(2025);
  EXPECT_DOUBLE_EQ(short_.contribution_years(), 29.92);
  EXPECT_FALSE(short_.retirement_eligible());
  // 25 years is a woman's minimum, not a man's.
  EXPECT_FALSE(HongheRetiree(180, 120).Year(2025).retirement_eligible());
}

TEST(E6ContributionYears, HongheWomanNeeds25) {
  const v1::EmployeeYear y = HongheRetiree(180, 120, /*male=*/false).Year(2025);
  EXPECT_EQ(y.required_years(), 25);
  EXPECT_DOUBLE_EQ(y.contribution_years(), 25.0);
  EXPECT_TRUE(y.retirement_eligible());
  EXPECT_FALSE(HongheRetiree(179, 120, false).Year(2025).retirement_eligible());
}

TEST(E6ContributionYears, DeemedYearsCountFromTheYearOfTheRecord) {
  const Insured p = HongheRetiree(240, 120);
  EXPECT_DOUBLE_EQ(p.Year(2024).deemed_years(), 0.0);
  EXPECT_DOUBLE_EQ(p.Year(2025).deemed_years(), 10.0);
  EXPECT_DOUBLE_EQ(p.Year(2026).deemed_years(), 10.0);
}

// Honghe art. 15 (三) / Suizhou art. 15: 按规定办理退休手续后，次月起享受退休人员医疗保险待遇.
TEST(E6ContributionYears, EligibleRetireeIsCoveredFromTheMonthAfterWithoutContributions) {
  const Insured p = HongheRetiree(240, 120);
  EXPECT_EQ(p.Letters(2025), "CCCCCCRRRRRR");
  EXPECT_EQ(p.Letters(2026), "RRRRRRRRRRRR");
  const v1::EmployeeYear y = p.Year(2026);
  EXPECT_TRUE(y.enrolled());
  EXPECT_EQ(y.months_paid(), 0);
  EXPECT_EQ(Text(y.benefits_from()), "2026-01-01");
  EXPECT_EQ(y.suspended_size(), 0);
  EXPECT_TRUE(y.retirement_eligible());
  const v1::Coverage c = p.CoveredOn("2026-05-01");
  EXPECT_TRUE(c.covered());
  EXPECT_EQ(c.scheme(), "employee");
  EXPECT_NE(c.reason().find("retiree"), std::string::npos) << c.reason();
  EXPECT_TRUE(p.CoveredOn("2025-07-01").covered());
  EXPECT_TRUE(HasStep(p.Timeline(2026), "E6"));
}

TEST(E6ContributionYears, IneligibleRetireeIsNotCoveredWithoutContributions) {
  const Insured p = HongheRetiree(239, 120);
  EXPECT_EQ(p.Letters(2025), "CCCCCCSSSSSS");
  EXPECT_FALSE(p.CoveredOn("2026-05-01").covered());
  EXPECT_EQ(Intervals(p.Year(2026)), "2026-01-01..2026-12-31");
}

TEST(E6ContributionYears, SuizhouEligibleRetireeIsCovered) {
  const Insured p = SuizhouRetiree(2025, 180);
  EXPECT_EQ(p.Letters(2025), "CCCCCCRRRRRR");
  EXPECT_TRUE(p.CoveredOn("2027-03-01").covered());
  const Insured not_local = [] {
    Insured q(kSuizhou, false, "19700101");
    q.Employer(Month(2015, 8), Month(2025, 6));
    q.Registry(v1::RETIRE, "2025-06-30", v1::KIND_UNSPECIFIED, 181);
    return q;
  }();
  EXPECT_EQ(not_local.Letters(2025), "CCCCCCSSSSSS");
}

// ===========================================================================
// Registry suspend/terminate.

TEST(EmployeeRegistry, SuspendHoldsUntilALaterEnrol) {
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2025, 12));
  p.Registry(v1::SUSPEND, "2025-05-20", v1::EMPLOYER_STAFF);
  p.Registry(v1::ENROL, "2025-09-01", v1::EMPLOYER_STAFF);
  EXPECT_EQ(p.Letters(2025), "CCCCSSSSCCCC");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-05-01..2025-08-31");
  EXPECT_FALSE(p.CoveredOn("2025-05-20").covered());
  EXPECT_TRUE(p.CoveredOn("2025-09-01").covered());
}

TEST(EmployeeRegistry, TerminateHoldsToTheHorizon) {
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2025, 12));
  p.Registry(v1::TERMINATE, "2025-10-01", v1::EMPLOYER_STAFF);
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCSSS");
  EXPECT_EQ(Intervals(p.Year(2025)), "2025-10-01..2025-12-31");
}

// ===========================================================================
// The `employee` object as part of the person's year.

TEST(EmployeeYear, KindIsThatOfTheLastPaidMonthOfTheYear) {
  Insured p(kSuizhou);
  p.Employer(Month(2025, 1), Month(2025, 4));
  p.Flexible(Month(2025, 5), Month(2025, 8));
  const v1::EmployeeYear y = p.Year(2025);
  EXPECT_EQ(y.kind(), "flexible");
  EXPECT_EQ(y.months_paid(), 8);
  EXPECT_EQ(p.Year(2024).kind(), "");
}

TEST(EmployeeYear, PersonYearCarriesTheEmployeeObject) {
  const Insured p = Arrears(v1::EMPLOYER, 3, false);
  const PersonFacts f = p.Facts();
  auto years = EvaluatePerson(f, Profiles(), 2025, 2025);
  ASSERT_TRUE(years.ok()) << years.status();
  ASSERT_EQ(years->size(), 1u);
  const v1::EmployeeYear& e = (*years)[0].employee();
  EXPECT_TRUE(e.enrolled());
  EXPECT_EQ(e.kind(), "employer");
  EXPECT_EQ(e.months_paid(), 9);
  EXPECT_EQ(Text(e.benefits_from()), "2025-04-01");
  EXPECT_EQ(Intervals(e), "2025-01-01..2025-03-31");
  EXPECT_EQ((*years)[0].region(), "421300");
}

// ===========================================================================
// Bitemporal (DOMAIN.md section 5).

TEST(EmployeeBitemporal, AsOfBeforeTheMakeUpShowsTheSuspensionAfterItTheBackdatedCover) {
  // January-March 2025 unpaid; April paid on 2025-04-15; the arrears made up on 2025-05-10.
  Insured p(kSuizhou);
  p.Employer(Month(2024, 1), Month(2024, 12), 10);
  p.Pay(v1::EMPLOYER, Month(2025, 4), "2025-04-15");
  p.MakeUp(v1::EMPLOYER, Month(2025, 1), Month(2025, 3), "2025-05-10");
  p.Employer(Month(2025, 5), Month(2025, 12));
  const int64_t before = StartOfDayUs("2025-05-01");
  const int64_t after = StartOfDayUs("2025-06-01");
  EXPECT_EQ(p.Letters(2025, before).substr(0, 4), "SSSC");
  EXPECT_EQ(p.Letters(2025, after).substr(0, 4), "CCCC");
  EXPECT_EQ(p.Letters(2025), "CCCCCCCCCCCC");
  const v1::EmployeeYear then = p.Year(2025, before);
  ASSERT_GE(then.suspended_size(), 1);
  EXPECT_EQ(then.suspended(0).from(), "2025-01-01");
  EXPECT_EQ(then.suspended(0).to(), "2025-03-31");
  EXPECT_EQ(Intervals(p.Year(2025, after)).find("2025-01-01"), std::string::npos);
  EXPECT_FALSE(p.CoveredOn("2025-02-10", before).covered());
  EXPECT_TRUE(p.CoveredOn("2025-02-10", after).covered());
}

TEST(EmployeeBitemporal, ArrivalOrderDoesNotChangeTheTimeline) {
  Insured p = Arrears(v1::FLEXIBLE, 4, true);
  p.Registry(v1::TRANSFER_IN, "2023-12-01", v1::FLEXIBLE_WORKER, 24);
  const std::string forward = p.Letters(2025) + p.Letters(2024);
  const v1::EmployeeYear y = p.Year(2025);
  std::reverse(p.events().begin(), p.events().end());
  EXPECT_EQ(p.Letters(2025) + p.Letters(2024), forward);
  EXPECT_EQ(p.Year(2025).SerializeAsString(), y.SerializeAsString());
  std::rotate(p.events().begin(), p.events().begin() + 7, p.events().end());
  EXPECT_EQ(p.Letters(2025) + p.Letters(2024), forward);
}


// ===========================================================================
// The employee scheme as DOMAIN.md section 4 states it since 2026-11-30 (the
// rule-fidelity issue's cases).

// E1: a first contribution paid late does not backdate a first enrolment.
TEST(E1FirstPayments, JanuaryToJunePaidOn15JuneIsCoveredFrom1July) {
  Insured p(kSuizhou);
  p.AllPaidOn(v1::EMPLOYER, Month(2026, 1), Month(2026, 6), "2026-06-15");
  p.Employer(Month(2026, 7), Month(2026, 12));
  EXPECT_EQ(p.Letters(2026), "WWWWWWCCCCCC");
  EXPECT_EQ(Text(p.Year(2026).benefits_from()), "2026-07-01");
}

TEST(E1FirstPayments, PanzhihuaCoversFromTheMonthOfThePayment) {
  Insured p(kPanzhihua);
  p.AllPaidOn(v1::EMPLOYER, Month(2026, 1), Month(2026, 6), "2026-06-15");
  p.Employer(Month(2026, 7), Month(2026, 12));
  EXPECT_EQ(p.CoverPattern(2026), "-----CCCCCCC");
}

TEST(E1FirstPayments, HongheLikeSuizhouFromTheMonthAfterThePayment) {
  Insured p(kHonghe);
  p.AllPaidOn(v1::EMPLOYER, Month(2026, 3), Month(2026, 4), "2026-04-20");
  p.Employer(Month(2026, 5), Month(2026, 12));
  EXPECT_EQ(p.CoverPattern(2026), "----CCCCCCCC");
}

// A first enrolment has nothing to make up: `makeup` before the first cover
// counts as a first contribution.
TEST(E1FirstPayments, AFlexibleWorkersFirstMakeUpDoesNotSkipTheWait) {
  Insured makeup(kSuizhou);
  makeup.MakeUp(v1::FLEXIBLE, Month(2026, 1), Month(2026, 2), "2026-03-10");
  makeup.Flexible(Month(2026, 3), Month(2026, 12));
  EXPECT_EQ(makeup.CoverPattern(2026), "-----CCCCCCC");  // from 1 June
  Insured regular(kSuizhou);
  regular.AllPaidOn(v1::FLEXIBLE, Month(2026, 1), Month(2026, 2), "2026-03-10");
  regular.Flexible(Month(2026, 3), Month(2026, 12));
  EXPECT_EQ(regular.CoverPattern(2026), "-----CCCCCCC");
}

// E3: the wait ends only with time.
TEST(E3Wait, AMonthMissedInTheWaitIsNotCovered) {
  Insured p(kSuizhou);
  p.Flexible(Month(2026, 3), Month(2026, 4)).Flexible(Month(2026, 6), Month(2026, 12));
  EXPECT_EQ(p.Letters(2026), "..WWWCCCCCCC");  // March-May wait, May missed in it
  EXPECT_FALSE(p.CoveredOn("2026-05-15").covered());
  EXPECT_TRUE(p.CoveredOn("2026-06-01").covered());
}

TEST(E3Wait, AMakeUpNeverEndsTheWaitEarly) {
  Insured p(kPanzhihua);
  p.Flexible(Month(2026, 1), Month(2026, 2));
  p.MakeUp(v1::FLEXIBLE, Month(2026, 3), Month(2026, 5), "2026-06-20");
  p.Flexible(Month(2026, 6), Month(2026, 12), 25);
  EXPECT_EQ(p.CoverPattern(2026), "------CCCCCC");  // 6 months from January
}

// E2: an interruption ends at the payment that resumes it.
TEST(E2Interruption, ArrearsPaidUpThenTwoUnpaidMonthsMakeNoBreak) {
  Insured p(kSuizhou);
  p.Employer(Month(2026, 1), Month(2026, 6));
  p.MakeUp(v1::EMPLOYER, Month(2026, 7), Month(2026, 9), "2026-10-05");
  p.Employer(Month(2026, 12), Month(2026, 12));
  p.Employer(Month(2027, 1), Month(2027, 3));
  EXPECT_EQ(p.CoverPattern(2026), "-CCCCCCCCCCC");
  EXPECT_EQ(Intervals(p.Year(2026)), "");
}

TEST(E2Interruption, ThreeUnpaidMonthsAfterThePaidUpArrearsAreANewBreak) {
  Insured p(kSuizhou);
  p.Employer(Month(2026, 1), Month(2026, 5));
  p.MakeUp(v1::EMPLOYER, Month(2026, 6), Month(2026, 8), "2026-09-05");
  p.Employer(Month(2026, 12), Month(2027, 3));
  EXPECT_EQ(p.CoverPattern(2026), "-CCCCCCC---C");  // June-August restored; September-November a break
}

// E5: maternity only in covered months.
TEST(E5Covered, NoMaternityInASuspendedMonthAndTheRunStartsAgain) {
  Insured p(kSuizhou, /*male=*/false);
  p.Employer(Month(2026, 1), Month(2026, 6)).Employer(Month(2026, 10), Month(2026, 12));
  EXPECT_EQ(p.CoverPattern(2026), "-CCCCC---CCC");
  EXPECT_EQ(Text(p.Year(2026).maternity_from()), "null");
  p.Employer(Month(2027, 1), Month(2027, 6));
  EXPECT_EQ(Text(p.Year(2027).maternity_from()), "2027-04-01");  // October-March: 6 paid months
}

TEST(E5Covered, NoMaternityInAYearWithoutCover) {
  Insured p(kPanzhihua, /*male=*/false);
  p.Employer(Month(2027, 1), Month(2027, 12));
  EXPECT_EQ(Text(p.Year(2027).maternity_from()), "2027-01-01");
  EXPECT_EQ(Text(p.Year(2028).maternity_from()), "null");
}

// R10: a transfer to another pool never changes earlier months.
TEST(R10EmployeeMonths, ATransferToAnotherPoolDoesNotRejudgeEarlierYears) {
  Insured p(kSuizhou, /*male=*/false);
  p.Months(v1::EMPLOYER, Month(2026, 2), Month(2026, 12), 15, kPanzhihua);
  const std::string before = p.CoverPattern(2026) + Text(p.Year(2026).maternity_from());
  p.Registry(v1::TRANSFER_IN, "2029-12-03", v1::EMPLOYER_STAFF);
  EXPECT_EQ(p.CoverPattern(2026), "-CCCCCCCCCCC");  // Panzhihua: from the paid month
  EXPECT_EQ(Text(p.Year(2026).maternity_from()), "2026-02-01");
  EXPECT_EQ(p.CoverPattern(2026) + Text(p.Year(2026).maternity_from()), before);
}


// Cases an independent model of DOMAIN.md section 4 found (tests/bench/employee_model.py).

// E3: a wait after a break of over 6 months ends only with time too.
TEST(E3Wait, AMakeUpDoesNotEndTheWaitOfAReEnrolment) {
  Insured p(kSuizhou);
  p.Flexible(Month(2025, 1), Month(2025, 6));
  p.Pay(v1::FLEXIBLE, Month(2026, 3), "2026-03-15");
  p.MakeUp(v1::FLEXIBLE, Month(2026, 4), Month(2026, 4), "2026-06-20");
  p.Flexible(Month(2026, 5), Month(2026, 12));
  EXPECT_EQ(p.CoverPattern(2026), "-----CCCCCCC");  // March-May wait, from June
}

TEST(E3Wait, AMonthMissedInTheWaitOfAReEnrolmentIsNotCovered) {
  Insured p(kSuizhou);
  p.Flexible(Month(2025, 1), Month(2025, 6));
  p.Flexible(Month(2026, 9), Month(2026, 10)).Flexible(Month(2026, 12), Month(2026, 12));
  EXPECT_EQ(p.CoverPattern(2026), "-----------C");  // September-November wait; November missed in it
}

TEST(E4Transfers, AMonthMissedInTheWaitAfterATransferIsNotCovered) {
  Insured p(kSuizhou);
  p.Flexible(Month(2025, 1), Month(2025, 12));
  p.Registry(v1::TRANSFER_IN, "2026-06-01", v1::FLEXIBLE_WORKER);
  p.Months(v1::FLEXIBLE, Month(2026, 6), Month(2026, 7), 10, kHonghe);
  p.Months(v1::FLEXIBLE, Month(2026, 9), Month(2026, 12), 10, kHonghe);
  EXPECT_EQ(p.CoverPattern(2026).substr(5), "---CCCC");  // June-August wait, from September
}

// E1: a resumption after over 6 months starts from the month after the
// payment's; a late payment for a month before that adds no cover.
TEST(E2EmployerArrears, ALatePaymentBeforeTheRestartedCoverAddsNoCover) {
  Insured p(kSuizhou);
  p.Employer(Month(2025, 1), Month(2025, 12));
  p.Pay(v1::EMPLOYER, Month(2026, 8), "2026-09-15");
  p.Pay(v1::EMPLOYER, Month(2026, 9), "2027-01-20");
  p.Employer(Month(2026, 10), Month(2026, 12));
  EXPECT_EQ(p.CoverPattern(2026), "---------CCC");
}

// R10: a transfer to another pool never changes earlier months.
TEST(R10EmployeeMonths, ALaterTransferKeepsAFlexibleWorkersLastCoveredMonth) {
  Insured p(kSuizhou);
  p.Flexible(Month(2025, 1), Month(2025, 12));
  const std::string before = p.CoverPattern(2026);
  ASSERT_EQ(before[0], 'C');  // the first missed month stays covered
  p.Registry(v1::TRANSFER_IN, "2026-06-01", v1::FLEXIBLE_WORKER);
  EXPECT_EQ(p.CoverPattern(2026).substr(0, 5), before.substr(0, 5));
}

// E5: a break that is not restored ends the run even when paid later; the
// months paid in the new start count.
TEST(E5Covered, MadeUpMonthsOfAnUnrestoredBreakDoNotCount) {
  Insured p(kSuizhou, /*male=*/false);
  p.Employer(Month(2025, 1), Month(2025, 12));
  p.MakeUp(v1::EMPLOYER, Month(2026, 1), Month(2026, 7), "2026-09-15");
  p.Employer(Month(2026, 8), Month(2027, 6));
  EXPECT_EQ(p.CoverPattern(2026), "--------CCCC");  // 7 months: never covered; from September
  EXPECT_EQ(Text(p.Year(2026).maternity_from()), "null");
  EXPECT_EQ(Text(p.Year(2027).maternity_from()), "2027-02-01");  // August-January paid
}

// E5: a covered month after 6 paid months has maternity cover, paid or not.
TEST(E5Covered, ACoveredUnpaidMonthAfterSixPaidMonthsHasMaternity) {
  Insured p(kHonghe, /*male=*/false);
  p.Employer(Month(2026, 1), Month(2026, 6)).Employer(Month(2026, 9), Month(2026, 12));
  EXPECT_EQ(p.CoverPattern(2026), "-CCCCCCCCCCC");  // July-August: two months make no break
  EXPECT_EQ(Text(p.Year(2026).maternity_from()), "2026-07-01");
}

}  // namespace
}  // namespace enrol
