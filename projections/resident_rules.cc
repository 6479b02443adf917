#include "projections/resident_rules.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/employee_rules.h"
#include "projections/profiles.h"

namespace enrol {

namespace {

Date MonthDay(int year, int month, int day) {
  Date last = LastDayOfMonth(year, month);
  if (day <= 0 || day >= last.day()) return last;
  return Date(year, month, day);
}

// R1: what makes a person enrolled for a year.
struct Enrolment {
  bool enrolled = false;
  Date on;                  // payment date, or effective date of a fee-waived enrolment
  bool fee_waived = false;
  std::string record_id;
  std::string pool;
};

Enrolment EnrolmentFor(const PersonFacts& f, int year) {
  Enrolment best;
  for (const PaymentFact& p : f.payments) {  // sorted by payment date
    if (p.scheme != v1::RESIDENT || p.month != 0 || p.year != year) continue;
    if (p.purpose != v1::REGULAR && p.purpose != v1::MAKEUP) continue;
    if (p.paid_on > Date(year, 12, 31)) continue;  // period closed
    best = {true, p.paid_on, false, p.record_id, p.pool};
    break;
  }
  for (const RegistryFact& r : f.registry) {
    if (r.action != v1::ENROL || r.scheme != v1::RESIDENT || !r.fee_waived) continue;
    if (r.effective.year() != year) continue;
    if (!best.enrolled || r.effective < best.on) best = {true, r.effective, true, r.record_id, r.pool};
    break;
  }
  return best;
}

}  // namespace

Date WindowStart(const v1::ResidentPolicy& r, int year) {
  int y = year + r.window_start_year_offset();
  Date last = LastDayOfMonth(y, r.window_start_month());
  int day = r.window_start_day() <= 0 ? 1 : std::min<int>(r.window_start_day(), last.day());
  return Date(y, r.window_start_month(), day);
}

Date WindowEnd(const v1::ResidentPolicy& r, int year) {
  return MonthDay(year + r.window_end_year_offset(), r.window_end_month(), r.window_end_day());
}

Date ExtendedWindowEnd(const v1::ResidentPolicy& r, int year) {
  if (r.window_extension_end_month() < 1) return WindowEnd(r, year);
  return MonthDay(year + r.window_extension_end_year_offset(), r.window_extension_end_month(),
                  r.window_extension_end_day());
}

std::string PoolOfYear(const PersonFacts& f, int year) {
  Enrolment en = EnrolmentFor(f, year);
  if (en.enrolled) return en.pool;
  return f.PoolOn(Date(year, 12, 31));
}

namespace {

// R10: what year Y is judged under.
struct YearRules {
  std::string pool;
  const v1::ProfileVersion* version = nullptr;
  const v1::ResidentPolicy& pol() const { return version->resident(); }
  std::string_view province() const { return std::string_view(pool).substr(0, 2); }
};

// R3: the waiting of a year's enrolment before earlier waiting intervals.
struct WaitingFigure {
  v1::Waiting waiting;
  Date own;                     // first day of cover by this enrolment alone
  std::string exempt_record;    // the fact that makes the person exempt
  std::string exempt_why;       // how the exemption covers, for explain
  std::vector<std::string> repair_ids;
};

// The accumulated cap adjustments (R5-R7), carried from year to year.
struct Carried {
  int64_t cb = 0, zb = 0, penalty = 0;
  bool zb_reset_next = false;
  std::optional<Date> wait_end;  // latest benefits_from of an earlier year
};

// Where Run's steps go: the year asked about gets every step, the years before
// it the steps of the figures they carry forward.
struct Explain {
  std::vector<v1::Step>* steps = nullptr;
  bool year = false;     // the year asked about
  bool history = false;  // any year up to it
};

class Evaluator {
 public:
  // R2: "employee coverage in at least one month": the months the employee
  // rules (E1-E6) say were covered, not merely paid.
  Evaluator(const PersonFacts& f, const ProfileSet& profiles, const EmployeeTimeline& timeline)
      : f_(f), profiles_(profiles), timeline_(timeline) {}

  // Writes year y of [first_year, last_year] into *year_out(y).
  void Run(int first_year, int last_year, std::vector<v1::Step>* steps,
           const std::function<v1::ResidentYear*(int year)>& year_out);

 private:
  // R10: the profile version year Y is judged under.
  const YearRules& Rules(int year) {
    auto it = rules_.find(year);
    if (it != rules_.end()) return it->second;
    YearRules r;
    r.pool = Enrolled(year) ? enrolment_[year].pool : f_.PoolOn(Date(year, 12, 31));
    const v1::PolicyProfile* profile = profiles_.Find(r.pool);
    if (profile == nullptr) profile = profiles_.Find(f_.pool);
    if (profile == nullptr) profile = &profiles_.all().begin()->second;  // EvaluatePerson checks first
    r.version = &VersionFor(*profile, year);
    return rules_.emplace(year, std::move(r)).first->second;
  }
  const v1::ResidentPolicy& Policy(int year) { return Rules(year).pol(); }
  bool SameProvince(int a, int b) { return Rules(a).province() == Rules(b).province(); }

  v1::Step MakeStep(int year, const char* rule, std::string says, std::vector<std::string> records) {
    v1::Step s;
    s.set_rule(rule);
    s.set_source(RuleSource(*Rules(year).version, rule));
    s.set_says(std::move(says));
    for (auto& r : records) s.add_records(std::move(r));
    return s;
  }

  // R1: enrolled for Y, and whether the payment counts as in the window.
  bool Enrolled(int year) {
    auto it = enrolment_.find(year);
    if (it == enrolment_.end()) it = enrolment_.emplace(year, EnrolmentFor(f_, year)).first;
    return it->second.enrolled;
  }
  bool InWindow(int year, const Enrolment& en);
  v1::Step EnrolmentStep(int year, const Enrolment& en, bool in_window);

  // R2: insured years, the obligation start and the break run N(Y).
  bool EmployeeCovered(int year) const {
    const int64_t jan = timeline_.months.index(absl::CivilMonth(year, 1));
    for (int64_t k = 0; k < 12; ++k) {
      if (EmployeeTimeline::IsCovered(timeline_.months.GetAt(jan + k))) return true;
    }
    return false;
  }
  bool Insured(int year) { return Enrolled(year) || EmployeeCovered(year); }
  bool BreakYear(int year) { return !(f_.death && year > f_.death->year()) && !Insured(year); }
  std::optional<int> ObligationStart(int year) {
    if (!f_.first_fact_year) return std::nullopt;
    return std::max(*f_.first_fact_year, Policy(year).mechanism_start_year());
  }
  int BreakRun(int year) {
    std::optional<int> start = ObligationStart(year);
    if (!start) return 0;
    int n = 0;
    for (int x = year - 1; x >= *start && BreakYear(x); --x) ++n;
    return n;
  }
  v1::Step BreakStep(int year, int n);

  // R3, R4, R11: the waiting of year Y's enrolment.
  WaitingFigure Waiting(int year, const Enrolment& en, bool in_window, int n);
  bool NewbornWaiting(int year, const Enrolment& en, bool in_window, WaitingFigure* w);
  bool ExemptWaiting(int year, const Enrolment& en, bool in_window, WaitingFigure* w);
  void BreakWaiting(int year, const Enrolment& en, bool in_window, int n, WaitingFigure* w);
  std::string Exemption(int year, Date paid, std::string* record, int* days_after);
  v1::Step WaitingStep(int year, const Enrolment& en, bool in_window, int n, const WaitingFigure& w, Date bf);

  // R5: K(Y), resident-enrolled years since the last break, in the province.
  int ContinuousYears(int year);
  // R6: the zero-claim bonus earned for Y (0 when not earned).
  int64_t ZeroClaimBonus(int year, bool in_window, const Enrolment& en, std::vector<v1::Step>* steps,
                         bool explain, bool history, int64_t zb);
  // R7: the penalty added on enrolment for Y.
  int64_t BreakPenalty(int year, int n, const std::string& exempt) {
    const v1::ResidentPolicy& pol = Policy(year);
    if (year < pol.mechanism_start_year() || !exempt.empty() || n < 1) return 0;
    return pol.break_penalty_per_year_yuan() * n;
  }
  // R8: the effective cap.
  void Cap(int year, const Carried& c, v1::ResidentYear* r, std::vector<v1::Step>* steps);
  // Run's steps for one year: each rule's figure, then its cumulative effect.
  void ProvinceMove(int y, const Explain& x, Carried* c);
  void ApplyWaiting(int y, int n, const Enrolment& en, bool in_window, const Explain& x, Carried* c,
                    v1::ResidentYear* r);
  void ApplyPenalty(int y, int n, const Enrolment& en, const Explain& x, Carried* c, const v1::ResidentYear& r);
  void ApplyContinuity(int y, const Explain& x, Carried* c, v1::ResidentYear* r);
  void CheckBonusUsed(int y, int last_year, const Explain& x, Carried* c);

  std::optional<int> FirstEnrolledYear(int up_to) {
    for (int y = scan_from_; y <= up_to; ++y) {
      if (Enrolled(y)) return y;
    }
    return std::nullopt;
  }
  bool FundPaidIn(int year) const {
    for (const ClaimFact& c : f_.claims) {
      if (c.service_date.year() == year && (c.basic_fund_paid_fen > 0 || c.critical_illness_paid_fen > 0)) {
        return true;
      }
    }
    return false;
  }
  int64_t CriticalIllnessPaidIn(int year) const {
    int64_t sum = 0;
    for (const ClaimFact& c : f_.claims) {
      if (c.service_date.year() == year) sum += c.critical_illness_paid_fen;
    }
    return sum;
  }
  bool HasStatusIn(v1::Status s, Date a, Date b) const {
    for (const StatusFact& st : f_.statuses) {
      if (st.status == s && st.Overlaps(a, b)) return true;
    }
    return false;
  }
  bool NewbornWithin(const v1::ResidentPolicy& pol, Date birth, Date on) const {
    if (pol.newborn_window_days() > 0) return on - birth <= pol.newborn_window_days();
    return on <= AddMonths(birth, pol.newborn_window_months());
  }
  // R4: the earliest standing repair of each year of [from, to] paid before
  // `before`, ascending by payment date.
  std::vector<std::pair<Date, std::string>> Repairs(int from, int to, Date before) const {
    std::map<int, std::pair<Date, std::string>> first;
    for (const PaymentFact& p : f_.payments) {
      if (p.scheme != v1::RESIDENT || p.purpose != v1::REPAIR) continue;
      if (p.year < from || p.year > to || p.paid_on >= before) continue;
      first.emplace(p.year, std::make_pair(p.paid_on, p.record_id));  // payments are sorted by date
    }
    std::vector<std::pair<Date, std::string>> out;
    for (const auto& [year, paid] : first) out.push_back(paid);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> FundClaimsIn(int year) const {
    std::vector<std::string> ids;
    for (const ClaimFact& c : f_.claims) {
      if (c.service_date.year() == year && (c.basic_fund_paid_fen > 0 || c.critical_illness_paid_fen > 0)) {
        ids.push_back(c.record_id);
      }
    }
    return ids;
  }
  // Enrolment record ids of the years [from, to] that are enrolled.
  std::vector<std::string> EnrolmentsIn(int from, int to) {
    std::vector<std::string> ids;
    for (int x = from; x <= to; ++x) {
      if (Enrolled(x)) ids.push_back(enrolment_[x].record_id);
    }
    return ids;
  }

  const PersonFacts& f_;
  const ProfileSet& profiles_;
  const EmployeeTimeline& timeline_;
  std::map<int, Enrolment> enrolment_;
  std::map<int, YearRules> rules_;
  int scan_from_ = 0;  // the first year of any fact
  int lo_ = 0;         // the first year evaluated
};

bool Evaluator::InWindow(int year, const Enrolment& en) {
  const v1::ResidentPolicy& pol = Policy(year);
  if (en.fee_waived || en.on <= WindowEnd(pol, year)) return true;
  // R11 (a): holders of an extension status on the payment date.
  if (en.on > ExtendedWindowEnd(pol, year)) return false;
  for (int s : pol.window_extension_statuses()) {
    if (HasStatusIn(static_cast<v1::Status>(s), en.on, en.on)) return true;
  }
  return false;
}

v1::Step Evaluator::EnrolmentStep(int year, const Enrolment& en, bool in_window) {
  if (!en.enrolled) {
    return MakeStep(year, "R1", absl::StrCat("no standing resident payment for ", year, " dated by ", year,
                                             "-12-31 and no fee-waived enrolment: not enrolled"),
                    {});
  }
  const v1::ResidentPolicy& pol = Policy(year);
  std::vector<std::string> ids{en.record_id};
  std::string extended;
  if (in_window && !en.fee_waived && en.on > WindowEnd(pol, year)) {
    for (const StatusFact& st : f_.statuses) {
      for (int s : pol.window_extension_statuses()) {
        if (st.status == s && st.Overlaps(en.on, en.on)) ids.push_back(st.record_id);
      }
    }
    extended = absl::StrCat(": after it, but in the extension to ", FormatDate(ExtendedWindowEnd(pol, year)),
                            " for a holder of an extension status on the payment date");
  }
  return MakeStep(
      year, "R1",
      en.fee_waived
          ? absl::StrCat("enrolled for ", year, " by the fee-waived enrolment effective ", FormatDate(en.on))
          : absl::StrCat("enrolled for ", year, " by the first standing payment, on ", FormatDate(en.on),
                         "; window ", FormatDate(WindowStart(pol, year)), " to ", FormatDate(WindowEnd(pol, year)),
                         !extended.empty() ? extended
                         : in_window       ? ": in the window (or before it)"
                                           : ": after the window"),
      ids);
}

v1::Step Evaluator::BreakStep(int year, int n) {
  std::optional<int> start = ObligationStart(year);
  std::vector<std::string> insured_ids = start ? EnrolmentsIn(*start, year - 1) : std::vector<std::string>();
  std::string after_death;
  if (f_.death && year - 1 > f_.death->year()) {
    after_death = absl::StrCat("; no year after the death in ", f_.death->year(), " is a break year");
  }
  return MakeStep(
      year, "R2",
      !start ? "no birth, registry action or contribution: no obligation, no break years"
             : absl::StrCat("obligation from ", *start, " (first known fact in ", *f_.first_fact_year,
                            ", never before ", Policy(year).mechanism_start_year(), "); non-insured years right before ",
                            year, ": N = ", n, n > 0 ? absl::StrCat(" (", year - n, " to ", year - 1, ")") : "",
                            after_death),
      insured_ids);
}

// R3 (newborns) and R11 (c): whether the enrolment is a newborn's.
bool Evaluator::NewbornWaiting(int year, const Enrolment& en, bool in_window, WaitingFigure* w) {
  if (!f_.birth) return false;
  const v1::ResidentPolicy& pol = Policy(year);
  const Date jan1(year, 1, 1);
  const int born = static_cast<int>(f_.birth->year());
  if ((year == born || year == born + 1) && FirstEnrolledYear(year) == year) {
    w->own = NewbornWithin(pol, *f_.birth, en.on) ? std::max(*f_.birth, jan1)
                                                   : std::max(Date(absl::CivilMonth(en.on) + 1), jan1);
    w->exempt_why = NewbornWithin(pol, *f_.birth, en.on)
                        ? "enrolled in time, covered from birth"
                        : "enrolled late, covered from the 1st of the month after payment";
    return true;
  }
  // R11 (c): fee-free for the birth year, the next year paid after its window.
  if (pol.newborn_next_year_late_from_payment() && year == born + 1 && !in_window && Enrolled(born) &&
      enrolment_[born].fee_waived) {
    w->own = std::max(en.on, jan1);
    w->exempt_record = enrolment_[born].record_id;
    w->exempt_why = absl::StrCat("enrolled fee-free for ", born, " and paid for ", year,
                                 " after the window: covered from the payment date, no penalty");
    return true;
  }
  return false;
}

// R3/R11 (b): a civil status or a recent employee cover that exempts.
bool Evaluator::ExemptWaiting(int year, const Enrolment& en, bool in_window, WaitingFigure* w) {
  int days_after = 0;
  std::string exempt = Exemption(year, en.on, &w->exempt_record, &days_after);
  if (exempt.empty()) return false;
  w->waiting.set_exempt(exempt);
  w->own = in_window ? Date(year, 1, 1) : en.on + days_after;
  w->exempt_why = in_window       ? "1 January"
                  : days_after == 0 ? "the payment date"
                  : days_after == 1 ? "the day after the payment"
                                    : absl::StrCat(days_after, " days after the payment");
  return true;
}

std::string Evaluator::Exemption(int year, Date paid, std::string* record, int* days_after) {
  const v1::ResidentPolicy& pol = Policy(year);
  const Date window_end = WindowEnd(pol, year);
  for (const v1::Exemption& ex : pol.exemptions()) {
    for (const StatusFact& st : f_.statuses) {
      if (st.status != ex.status()) continue;
      if (ex.starts_after_window() && st.from <= window_end) continue;
      const bool holds = ex.when() == v1::Exemption::IN_FORCE
                             ? st.Overlaps(paid, paid)
                             : st.from <= paid && paid <= AddMonths(st.from, ex.months());
      if (!holds) continue;
      *record = st.record_id;
      *days_after = ex.cover_days_after_payment();
      return ex.name();
    }
  }
  // Employee cover that ended at most transfer_window_months before paying.
  // The last covered month up to the payment's month.
  const MonthMap<MonthCover>& months = timeline_.months;
  for (int64_t i = std::min(months.index(absl::CivilMonth(paid)), months.size() - 1); i >= 0; --i) {
    if (!EmployeeTimeline::IsCovered(months.at_index(i))) continue;
    const absl::CivilMonth m = months.first() + i;
    Date end = LastDayOfMonth(static_cast<int>(m.year()), m.month());
    if (paid <= AddMonths(end, pol.transfer_window_months())) {
      if (const MonthPay* rec = timeline_.Paid(m); rec != nullptr) *record = *rec->record_id;
      *days_after = 0;
      return "scheme_transfer";
    }
    break;
  }
  return "";
}

// R3 after a break or a late payment, with R4's repairs in payment order: each
// one paid before the wait (as shortened so far) ends takes a month off v. A
// later one changes nothing, and cover never starts before the day after the
// last repair that shortened the wait.
void Evaluator::BreakWaiting(int year, const Enrolment& en, bool in_window, int n, WaitingFigure* w) {
  const v1::ResidentPolicy& pol = Policy(year);
  const int fixed = pol.fixed_waiting_months();
  const int variable = n >= 1 ? std::max(0, n - pol.variable_waiting_offset()) : 0;
  const int floor = n >= pol.long_break_years() ? pol.long_break_min_waiting_months() : 0;
  const Date start = in_window ? Date(year, 1, 1) : en.on;
  const int unrepaired = std::max(fixed + variable, floor);
  const Date unrepaired_end = AddMonths(start, unrepaired);
  int repaired = 0;
  int total = unrepaired;
  Date end = unrepaired_end;
  if (variable > 0) {
    for (const auto& [paid, repair_id] : Repairs(year - n, year - 1, unrepaired_end)) {
      if (repaired >= variable || paid >= end) break;
      ++repaired;
      w->repair_ids.push_back(repair_id);
      const int shorter = std::max(fixed + variable - repaired, floor);
      if (shorter < total) {
        total = shorter;
        end = std::max(AddMonths(start, total), paid + 1);
      }
    }
  }
  w->own = end;
  w->waiting.set_fixed_months(fixed);
  w->waiting.set_variable_months(variable);
  w->waiting.set_repaired_months(repaired);
  w->waiting.set_total_months(total);
}

WaitingFigure Evaluator::Waiting(int year, const Enrolment& en, bool in_window, int n) {
  WaitingFigure w;
  w.own = Date(year, 1, 1);
  const bool mechanism = year >= Policy(year).mechanism_start_year();
  if (NewbornWaiting(year, en, in_window, &w)) {
    w.waiting.set_exempt("newborn");
    return w;
  }
  if (!mechanism || (n == 0 && in_window)) return w;
  if (ExemptWaiting(year, en, in_window, &w)) return w;
  BreakWaiting(year, en, in_window, n, &w);
  return w;
}

v1::Step Evaluator::WaitingStep(int year, const Enrolment& en, bool in_window, int n, const WaitingFigure& w,
                                Date bf) {
  const v1::ResidentPolicy& pol = Policy(year);
  const v1::Waiting& wt = w.waiting;
  std::vector<std::string> ids{en.record_id};
  std::string why;
  if (wt.exempt() == "newborn") {
    for (const StatusFact& st : f_.statuses) {
      if (st.status == v1::BIRTH) ids.push_back(st.record_id);
    }
    if (!w.exempt_record.empty()) ids.push_back(w.exempt_record);
    why = absl::StrCat("newborn (born ", FormatDate(*f_.birth), "): no waiting; ", w.exempt_why);
  } else if (!wt.exempt().empty()) {
    ids.push_back(w.exempt_record);
    why = absl::StrCat("exempt as ", wt.exempt(), ": no waiting, no penalty; covered from ", w.exempt_why);
  } else if (year < pol.mechanism_start_year()) {
    why = absl::StrCat("before the long-term mechanism (", pol.mechanism_start_year(), "): no waiting");
  } else if (wt.total_months() == 0) {
    why = "no break and paid in the window: no waiting";
  } else {
    why = absl::StrCat("waiting ", wt.fixed_months(), " fixed + ", wt.variable_months(), " variable (N - ",
                       pol.variable_waiting_offset(), ") - ", wt.repaired_months(), " repaired = ", wt.total_months(),
                       " months",
                       n >= pol.long_break_years() ? absl::StrCat(" (at least ", pol.long_break_min_waiting_months(),
                                                                  " after ", pol.long_break_years(), "+ break years)")
                                                   : "",
                       " from ", in_window ? "1 January" : "the payment date");
  }
  return MakeStep(year, "R3",
                  absl::StrCat(why, "; benefits from ", FormatDate(bf),
                               bf > w.own ? " (an earlier waiting interval reaches into the year)" : ""),
                  ids);
}

int Evaluator::ContinuousYears(int year) {
  const v1::ResidentPolicy& pol = Policy(year);
  int k = 0;
  for (int x = year; x >= pol.mechanism_start_year() && SameProvince(x, year); --x) {
    if (Enrolled(x)) {
      ++k;
    } else if (EmployeeCovered(x)) {
      if (pol.employee_years_count_continuity()) ++k;
    } else {
      break;
    }
  }
  return k;
}

int64_t Evaluator::ZeroClaimBonus(int year, bool in_window, const Enrolment& en, std::vector<v1::Step>* steps,
                                  bool explain, bool history, int64_t zb) {
  const v1::ResidentPolicy& pol = Policy(year);
  const int prev = year - 1;
  if (prev < pol.mechanism_start_year()) return 0;
  const bool moved = !SameProvince(prev, year);
  if (Enrolled(prev) && !moved && !FundPaidIn(prev) && in_window) {
    if (history) {
      steps->push_back(MakeStep(year, "R6",
                                absl::StrCat(year, ": no fund payment for services in ", prev, " and paid for ",
                                             year, " in the window: zero-claim bonus + ", pol.zero_claim_bonus_yuan(),
                                             ", accumulated ", zb + pol.zero_claim_bonus_yuan()),
                                {enrolment_[prev].record_id, en.record_id}));
    }
    return pol.zero_claim_bonus_yuan();
  }
  if (explain) {
    std::vector<std::string> ids = FundClaimsIn(prev);
    steps->push_back(MakeStep(year, "R6",
                              absl::StrCat("no zero-claim bonus for ", year, ": ",
                                           !Enrolled(prev) ? absl::StrCat("not enrolled in ", prev)
                                           : moved         ? absl::StrCat(prev, " was in another province")
                                           : !ids.empty()  ? absl::StrCat("the fund paid for services in ", prev)
                                                           : "not paid in the window"),
                              ids));
  }
  return 0;
}

void Evaluator::Cap(int year, const Carried& c, v1::ResidentYear* r, std::vector<v1::Step>* steps) {
  const v1::ResidentPolicy& pol = Policy(year);
  const int64_t base = pol.ci_base_cap().yuan();
  const int64_t bonus_limit = base * pol.bonus_limit_percent() / 100;
  const int64_t penalty_limit = base * pol.penalty_limit_percent() / 100;
  const int64_t applied_penalty = std::min(c.penalty, penalty_limit);
  v1::CriticalIllnessCap* cap = r->mutable_critical_illness_cap();
  cap->set_base(static_cast<int32_t>(base));
  cap->set_continuity_bonus(static_cast<int32_t>(c.cb));
  cap->set_zero_claim_bonus(static_cast<int32_t>(c.zb));
  cap->set_break_penalty(static_cast<int32_t>(c.penalty));
  cap->set_effective(static_cast<int32_t>(base + std::min(c.cb + c.zb, bonus_limit) - applied_penalty));
  bool unlimited = false;
  for (int s : pol.unlimited_cap_statuses()) {
    if (HasStatusIn(static_cast<v1::Status>(s), Date(year, 1, 1), Date(year, 12, 31))) unlimited = true;
  }
  cap->set_unlimited(unlimited);
  if (steps != nullptr) {
    steps->push_back(MakeStep(
        year, "R8",
        absl::StrCat("cap = base ", base, " + min(", c.cb, " + ", c.zb, ", ", pol.bonus_limit_percent(), "% = ",
                     bonus_limit, ") - min(", c.penalty, ", ", pol.penalty_limit_percent(), "% = ", penalty_limit,
                     ") = ", cap->effective(), unlimited ? "; no cap for the special group the person belongs to" : "",
                     pol.ci_base_cap().placeholder() ? " (base is a placeholder figure)" : ""),
        {}));
  }
}

// R10: after a move to another province, its own incentives start from 0.
void Evaluator::ProvinceMove(int y, const Explain& x, Carried* c) {
  if (y <= lo_ || SameProvince(y - 1, y)) return;
  if (x.history && (c->cb > 0 || c->zb > 0 || c->penalty > 0)) {
    x.steps->push_back(MakeStep(y, "R10",
                                absl::StrCat(y, ": judged in pool ", Rules(y).pool, ", another province than ",
                                             Rules(y - 1).pool, " of ", y - 1,
                                             ": bonuses and penalty start again from 0"),
                                {}));
  }
  *c = Carried{0, 0, 0, false, c->wait_end};
}

// R3/R4: the waiting of an enrolled year, after any earlier waiting interval.
void Evaluator::ApplyWaiting(int y, int n, const Enrolment& en, bool in_window, const Explain& x, Carried* c,
                             v1::ResidentYear* r) {
  WaitingFigure w = Waiting(y, en, in_window, n);
  const Date bf = c->wait_end && *c->wait_end > w.own ? *c->wait_end : w.own;
  c->wait_end = c->wait_end ? std::max(*c->wait_end, bf) : bf;
  w.waiting.set_benefits_from(FormatDate(bf));
  if (x.year) {
    x.steps->push_back(WaitingStep(y, en, in_window, n, w, bf));
    if (w.waiting.repaired_months() > 0) {
      x.steps->push_back(MakeStep(y, "R4",
                                  absl::StrCat(w.waiting.repaired_months(),
                                               " repaired break year(s) paid before the wait ended: ",
                                               w.waiting.repaired_months(), " month(s) off the variable waiting"),
                                  w.repair_ids));
    }
  }
  *r->mutable_waiting() = std::move(w.waiting);
}

// R7: the penalty on enrolment after a break.
void Evaluator::ApplyPenalty(int y, int n, const Enrolment& en, const Explain& x, Carried* c,
                             const v1::ResidentYear& r) {
  const v1::ResidentPolicy& pol = Policy(y);
  const int64_t add = BreakPenalty(y, n, r.waiting().exempt());
  if (add == 0) return;
  c->penalty = pol.penalty_permanent() ? c->penalty + add : add;
  if (x.history) {
    x.steps->push_back(MakeStep(y, "R7",
                                absl::StrCat(y, ": enrolled after ", n, " break year(s): penalty + ",
                                             pol.break_penalty_per_year_yuan(), " x ", n, " = ", add,
                                             ", accumulated ", c->penalty),
                                {en.record_id}));
  }
}

// R5: the continuity bonus of an enrolled year.
void Evaluator::ApplyContinuity(int y, const Explain& x, Carried* c, v1::ResidentYear* r) {
  const v1::ResidentPolicy& pol = Policy(y);
  const bool mechanism = y >= pol.mechanism_start_year();
  const int k = mechanism ? ContinuousYears(y) : 0;
  r->set_continuous_years(k);
  if (mechanism && k >= pol.continuity_threshold_years() + 1) {
    c->cb += pol.continuity_bonus_yuan();
    if (x.history) {
      x.steps->push_back(MakeStep(y, "R5",
                                  absl::StrCat(y, ": ", k, " continuous years (more than ",
                                               pol.continuity_threshold_years(), "): continuity bonus + ",
                                               pol.continuity_bonus_yuan(), ", accumulated ", c->cb),
                                  EnrolmentsIn(y - k + 1, y)));
    }
  }
  if (x.year) {
    x.steps->push_back(MakeStep(y, "R5",
                                absl::StrCat(k, " continuous resident-enrolled years since ", pol.mechanism_start_year(),
                                             " and the last break; continuity bonus accumulated ", c->cb),
                                EnrolmentsIn(y - k + 1, y)));
  }
}

// R6: the zero-claim bonus is used when CI payments exceed base - applied penalty.
void Evaluator::CheckBonusUsed(int y, int last_year, const Explain& x, Carried* c) {
  const v1::ResidentPolicy& pol = Policy(y);
  const int64_t base = pol.ci_base_cap().yuan();
  const int64_t applied_penalty = std::min(c->penalty, base * pol.penalty_limit_percent() / 100);
  if (CriticalIllnessPaidIn(y) <= (base - applied_penalty) * 100) return;
  c->zb_reset_next = true;
  if (x.history && y < last_year && c->zb > 0) {
    x.steps->push_back(MakeStep(y, "R6",
                                absl::StrCat(y, ": critical-illness payments exceeded ", base - applied_penalty,
                                             " (base less applied penalty): the zero-claim bonus is used and "
                                             "restarts from 0 in ",
                                             y + 1),
                                FundClaimsIn(y)));
  }
}

void Evaluator::Run(int first_year, int last_year, std::vector<v1::Step>* steps,
                    const std::function<v1::ResidentYear*(int year)>& year_out) {
  // Years before the mechanism start carry nothing forward (no waiting, bonus
  // or penalty starts in them), so the evaluation starts the year before it:
  // a birth in 1960 does not make every query walk sixty years.
  scan_from_ = f_.empty() ? first_year : std::min(first_year, f_.min_year);
  lo_ = std::min(first_year, std::max(scan_from_, Policy(first_year).mechanism_start_year() - 1));
  Carried c;
  for (int y = lo_; y <= last_year; ++y) {
    // Steps for the year asked about, and the cumulative figures before it.
    const Explain x{steps, steps != nullptr && y == last_year, steps != nullptr};
    ProvinceMove(y, x, &c);
    if (c.zb_reset_next) c.zb = 0;
    c.zb_reset_next = false;
    v1::ResidentYear earlier;  // a year before first_year, evaluated for what it carries forward
    v1::ResidentYear& r = y >= first_year ? *year_out(y) : earlier;
    r.mutable_waiting();  // printed even when not enrolled
    const int n = BreakRun(y);
    r.set_break_years(n);
    if (x.year) steps->push_back(BreakStep(y, n));
    Enrolled(y);
    const Enrolment& en = enrolment_[y];  // a std::map: later inserts leave it in place
    const bool in_window = en.enrolled && InWindow(y, en);
    if (x.year) steps->push_back(EnrolmentStep(y, en, in_window));
    if (en.enrolled) {
      r.set_enrolled(true);
      r.set_paid_on(FormatDate(en.on));
      r.set_in_window(in_window);
      ApplyWaiting(y, n, en, in_window, x, &c, &r);
      ApplyPenalty(y, n, en, x, &c, r);
      ApplyContinuity(y, x, &c, &r);
      c.zb += ZeroClaimBonus(y, in_window, en, steps, x.year, x.history, c.zb);
    }
    CheckBonusUsed(y, last_year, x, &c);
    Cap(y, c, &r, x.year ? steps : nullptr);
  }
}

}  // namespace

std::vector<v1::ResidentYear> EvaluateResident(const PersonFacts& facts, const ProfileSet& profiles,
                                               int first_year, int last_year, std::vector<v1::Step>* steps,
                                               const EmployeeTimeline* timeline) {
  std::vector<v1::ResidentYear> out(static_cast<size_t>(std::max(0, last_year - first_year + 1)));
  auto year_out = [&](int y) { return &out[static_cast<size_t>(y - first_year)]; };
  if (timeline != nullptr) {
    Evaluator(facts, profiles, *timeline).Run(first_year, last_year, steps, year_out);
    return out;
  }
  const EmployeeTimeline own = EvaluateEmployeeCover(facts, profiles, last_year);
  Evaluator(facts, profiles, own).Run(first_year, last_year, steps, year_out);
  return out;
}

void EvaluateResidentInto(const PersonFacts& facts, const ProfileSet& profiles, int first_year, int last_year,
                          const EmployeeTimeline& timeline,
                          const std::function<v1::ResidentYear*(int year)>& year_out) {
  Evaluator(facts, profiles, timeline).Run(first_year, last_year, nullptr, year_out);
}

}  // namespace enrol
