#include "projections/resident_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/employee_rules.h"
#include "projections/profiles.h"

namespace enrol {

Date WindowStart(const v1::ResidentPolicy& r, int year) {
  int y = year + r.window_start_year_offset();
  Date last = LastDayOfMonth(y, r.window_start_month());
  int day = r.window_start_day() <= 0 ? 1 : std::min<int>(r.window_start_day(), last.day());
  return Date(y, r.window_start_month(), day);
}

Date WindowEnd(const v1::ResidentPolicy& r, int year) {
  int y = year + r.window_end_year_offset();
  Date last = LastDayOfMonth(y, r.window_end_month());
  if (r.window_end_day() <= 0 || r.window_end_day() >= last.day()) return last;
  return Date(y, r.window_end_month(), r.window_end_day());
}

std::string RuleSource(const std::string& rule, const std::string& pool) {
  const bool suizhou = pool == "421300";
  const bool panzhihua = pool == "510400";
  if (rule == "R1") {
    return suizhou ? "003_ed9836a7e493e18c (随政发〔2023〕21号): resident enrolment window 1 Sep-31 Dec; art. 38 fee-waived newborns"
                   : "002_7f3f053018f157c6 (云政办规〔2024〕3号) (一): window September to February";
  }
  if (rule == "R2" || rule == "R4" || rule == "R7") return "002_7f3f053018f157c6 (云政办规〔2024〕3号) (六)";
  if (rule == "R3") {
    return suizhou ? "002_7f3f053018f157c6 (六); 003_ed9836a7e493e18c art. 38 (newborns), art. 40-41 (transfers)"
                   : "002_7f3f053018f157c6 (六); 001_62c659a40daacfea (红政规〔2022〕2号) art. 11 (newborns)";
  }
  if (rule == "R5" || rule == "R6") return "002_7f3f053018f157c6 (云政办规〔2024〕3号) (五)";
  if (rule == "R8") {
    return suizhou ? "002_7f3f053018f157c6 (五)(六); 003_ed9836a7e493e18c art. 50 (base 350,000; no cap for special groups)"
                   : "002_7f3f053018f157c6 (五)(六); base cap: profile placeholder, not in the seeds";
  }
  if (rule == "R9") return "002_7f3f053018f157c6 (五) (零报销: fund payments by service year)";
  if (rule == "E1") return panzhihua ? "004_da77efe941c981b2 art. 17" : "003_ed9836a7e493e18c art. 10";
  if (rule == "E2") return "003_ed9836a7e493e18c (随政发〔2023〕21号) art. 10";
  if (rule == "E3") return panzhihua ? "004_da77efe941c981b2 art. 17" : "003_ed9836a7e493e18c art. 11";
  if (rule == "E4") return "003_ed9836a7e493e18c art. 14";
  if (rule == "E5") return "003_ed9836a7e493e18c art. 33";
  if (rule == "E6") {
    return suizhou ? "003_ed9836a7e493e18c art. 15" : "000_fb234ce6929d113d (红政规〔2024〕2号) art. 15";
  }
  return "";
}

namespace {

// R1: what makes a person enrolled for a year.
struct Enrolment {
  bool enrolled = false;
  Date on;                  // payment date, or effective date of a fee-waived enrolment
  bool fee_waived = false;
  std::string record_id;
};

class Evaluator {
 public:
  // R2: "employee coverage in at least one month": the months the employee
  // rules (E1-E6) say were covered, not merely paid.
  Evaluator(const PersonFacts& f, const v1::PolicyProfile& profile, const EmployeeTimeline& timeline)
      : f_(f), profile_(profile) {
    for (const auto& [m, cover] : timeline.months) {
      if (timeline.Covered(m)) {
        employee_months_.insert({static_cast<int>(m.year()), m.month()});
        auto pay = timeline.pay.find(m);
        if (pay != timeline.pay.end()) employee_records_[{static_cast<int>(m.year()), m.month()}] = pay->second.record_id;
      }
    }
  }

  std::vector<v1::ResidentYear> Run(int first_year, int last_year, std::vector<v1::Step>* steps);

 private:
  const v1::ResidentPolicy& Policy(int year) const { return VersionFor(profile_, year).resident(); }

  Enrolment EnrolmentFor(int year) const {
    Enrolment best;
    for (const PaymentFact& p : f_.payments) {  // sorted by payment date
      if (p.scheme != v1::RESIDENT || p.month != 0 || p.year != year) continue;
      if (p.purpose != v1::REGULAR && p.purpose != v1::MAKEUP) continue;
      if (p.paid_on > Date(year, 12, 31)) continue;  // period closed
      best = {true, p.paid_on, false, p.record_id};
      break;
    }
    for (const RegistryFact& r : f_.registry) {
      if (r.action != v1::ENROL || r.scheme != v1::RESIDENT || !r.fee_waived) continue;
      if (r.effective.year() != year) continue;
      if (!best.enrolled || r.effective < best.on) best = {true, r.effective, true, r.record_id};
      break;
    }
    return best;
  }

  bool Enrolled(int year) {
    auto it = enrolment_.find(year);
    if (it == enrolment_.end()) it = enrolment_.emplace(year, EnrolmentFor(year)).first;
    return it->second.enrolled;
  }

  bool EmployeeCovered(int year) const {
    auto it = employee_months_.lower_bound({year, 0});
    return it != employee_months_.end() && it->first == year;
  }

  bool Insured(int year) { return Enrolled(year) || EmployeeCovered(year); }

  // R2: the first year a break can count in.
  std::optional<int> ObligationStart(int year) const {
    if (!f_.first_fact_year) return std::nullopt;
    return std::max(*f_.first_fact_year, Policy(year).mechanism_start_year());
  }

  // R2: N(Y), consecutive non-insured years right before Y.
  int BreakRun(int year) {
    std::optional<int> start = ObligationStart(year);
    if (!start) return 0;
    int n = 0;
    for (int x = year - 1; x >= *start && !Insured(x); --x) ++n;
    return n;
  }

  // R5: K(Y), resident-enrolled years since the last break, from the start year.
  int ContinuousYears(int year) {
    const v1::ResidentPolicy& pol = Policy(year);
    int k = 0;
    for (int x = year; x >= pol.mechanism_start_year(); --x) {
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

  std::optional<int> FirstEnrolledYear(int up_to) {
    for (int y = lo_; y <= up_to; ++y) {
      if (Enrolled(y)) return y;
    }
    return std::nullopt;
  }

  bool FundPaidIn(int year) const {
    for (const ClaimFact& c : f_.claims) {
      if (c.service_date.year() == year &&
          (c.basic_fund_paid_fen > 0 || c.critical_illness_paid_fen > 0)) {
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

  // R3: exemptions other than newborns, for a payment on `paid` for `year`.
  std::string Exemption(const v1::ResidentPolicy& pol, int year, Date paid, std::string* record) const {
    Date window_end = WindowEnd(pol, year);
    int months = pol.exempt_status_window_months();
    auto within = [&](const StatusFact& st) {
      return st.from <= paid && paid <= AddMonths(st.from, months);
    };
    for (const StatusFact& st : f_.statuses) {
      if (st.status == v1::MEDICAL_ASSISTANCE && st.from > window_end && within(st)) {
        *record = st.record_id;
        return "medical_assistance";
      }
    }
    static const std::pair<v1::Status, const char*> kGroups[] = {
        {v1::VETERAN, "veteran"},
        {v1::MILITARY_DEPENDENT, "military_dependent"},
        {v1::RELEASED_PRISONER, "released_prisoner"}};
    for (const auto& [status, name] : kGroups) {
      for (const StatusFact& st : f_.statuses) {
        if (st.status == status && within(st)) {
          *record = st.record_id;
          return name;
        }
      }
    }
    // Employee cover that ended at most transfer_window_months before paying.
    auto it = employee_months_.upper_bound({static_cast<int>(paid.year()), paid.month()});
    if (it != employee_months_.begin()) {
      --it;
      Date end = LastDayOfMonth(it->first, it->second);
      if (paid <= AddMonths(end, pol.transfer_window_months())) {
        auto rec = employee_records_.find(*it);
        if (rec != employee_records_.end()) *record = rec->second;
        return "scheme_transfer";
      }
    }
    return "";
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
  const v1::PolicyProfile& profile_;
  std::set<std::pair<int, int>> employee_months_;  // covered (year, month)
  std::map<std::pair<int, int>, std::string> employee_records_;
  std::map<int, Enrolment> enrolment_;
  int lo_ = 0;
};

std::vector<v1::ResidentYear> Evaluator::Run(int first_year, int last_year,
                                             std::vector<v1::Step>* steps) {
  std::vector<v1::ResidentYear> out;
  auto step = [&](const char* rule, std::string says, std::vector<std::string> records) {
    v1::Step s;
    s.set_rule(rule);
    s.set_source(RuleSource(rule, f_.pool));
    s.set_says(std::move(says));
    for (auto& r : records) s.add_records(std::move(r));
    steps->push_back(std::move(s));
  };
  lo_ = first_year;
  if (!f_.empty()) lo_ = std::min(lo_, f_.min_year);
  lo_ = std::min(lo_, Policy(first_year).mechanism_start_year());

  int64_t cb = 0, zb = 0, penalty = 0;
  bool zb_reset_next = false;
  std::optional<Date> wait_end;  // latest benefits_from of an earlier year
  for (int y = lo_; y <= last_year; ++y) {
    const v1::ResidentPolicy& pol = Policy(y);
    const bool mechanism = y >= pol.mechanism_start_year();
    const Date jan1(y, 1, 1);
    v1::ResidentYear r;
    r.mutable_waiting();  // printed even when not enrolled
    const int n = BreakRun(y);
    r.set_break_years(n);
    const bool explain = steps != nullptr && y == last_year;  // steps for the year asked about
    const bool history = steps != nullptr && y <= last_year;  // cumulative figures
    if (zb_reset_next) zb = 0;
    zb_reset_next = false;

    Enrolled(y);
    const Enrolment en = enrolment_[y];
    if (explain) {
      std::optional<int> start = ObligationStart(y);
      std::vector<std::string> insured_ids = start ? EnrolmentsIn(*start, y - 1) : std::vector<std::string>();
      step("R2",
           !start ? "no birth, registry action or contribution: no obligation, no break years"
                  : absl::StrCat("obligation from ", *start, " (first known fact in ", *f_.first_fact_year,
                                 ", never before ", pol.mechanism_start_year(), "); non-insured years right before ",
                                 y, ": N = ", n, n > 0 ? absl::StrCat(" (", y - n, " to ", y - 1, ")") : ""),
           insured_ids);
    }
    if (explain && !en.enrolled) {
      step("R1", absl::StrCat("no standing resident payment for ", y, " dated by ", y,
                              "-12-31 and no fee-waived enrolment: not enrolled"),
           {});
    }
    if (en.enrolled) {
      r.set_enrolled(true);
      r.set_paid_on(FormatDate(en.on));
      const bool in_window = en.fee_waived || en.on <= WindowEnd(pol, y);
      r.set_in_window(in_window);
      if (explain) {
        step("R1",
             en.fee_waived
                 ? absl::StrCat("enrolled for ", y, " by the fee-waived enrolment effective ", FormatDate(en.on))
                 : absl::StrCat("enrolled for ", y, " by the first standing payment, on ", FormatDate(en.on),
                                "; window ", FormatDate(WindowStart(pol, y)), " to ", FormatDate(WindowEnd(pol, y)),
                                in_window ? ": in the window (or before it)" : ": after the window"),
             {en.record_id});
      }
      std::string exempt_record;
      v1::Waiting* w = r.mutable_waiting();
      std::string exempt;
      std::vector<std::string> repair_ids_for_explain;
      Date own = jan1;
      std::optional<int> first_enrolled = FirstEnrolledYear(y);
      if (f_.birth && first_enrolled == y &&
          (y == f_.birth->year() || y == f_.birth->year() + 1)) {
        exempt = "newborn";
        own = NewbornWithin(pol, *f_.birth, en.on)
                  ? std::max(*f_.birth, jan1)
                  : std::max(Date(absl::CivilMonth(en.on) + 1), jan1);
      } else if (mechanism && (n >= 1 || !in_window)) {
        exempt = Exemption(pol, y, en.on, &exempt_record);
        if (!exempt.empty()) own = in_window ? jan1 : en.on;
      }
      if (exempt.empty() && mechanism && (n >= 1 || !in_window)) {
        const int fixed = pol.fixed_waiting_months();
        const int variable = n >= 1 ? std::max(0, n - pol.variable_waiting_offset()) : 0;
        const int floor = n >= pol.long_break_years() ? pol.long_break_min_waiting_months() : 0;
        const Date start = in_window ? jan1 : en.on;
        const int unrepaired = std::max(fixed + variable, floor);
        const Date unrepaired_end = AddMonths(start, unrepaired);
        // R4: repairs in payment order; each one paid before the wait (as
        // shortened so far) ends takes a month off v. A later one changes
        // nothing, and cover never starts before the day after the last
        // repair that shortened the wait.
        int repaired = 0;
        std::vector<std::string> repair_ids;
        int total = unrepaired;
        Date end = unrepaired_end;
        if (variable > 0) {
          for (const auto& [paid, repair_id] : Repairs(y - n, y - 1, unrepaired_end)) {
            if (repaired >= variable || paid >= end) break;
            ++repaired;
            repair_ids.push_back(repair_id);
            const int shorter = std::max(fixed + variable - repaired, floor);
            if (shorter < total) {
              total = shorter;
              end = std::max(AddMonths(start, total), paid + 1);
            }
          }
        }
        own = end;
        repair_ids_for_explain = repair_ids;
        w->set_fixed_months(fixed);
        w->set_variable_months(variable);
        w->set_repaired_months(repaired);
        w->set_total_months(total);
      }
      Date bf = own;
      if (wait_end && *wait_end > bf) bf = *wait_end;
      wait_end = wait_end ? std::max(*wait_end, bf) : bf;
      w->set_exempt(exempt);
      w->set_benefits_from(FormatDate(bf));
      if (explain) {
        std::vector<std::string> ids{en.record_id};
        std::string why;
        if (exempt == "newborn") {
          for (const StatusFact& st : f_.statuses) {
            if (st.status == v1::BIRTH) ids.push_back(st.record_id);
          }
          why = absl::StrCat("newborn (born ", FormatDate(*f_.birth), "): no waiting; ",
                             NewbornWithin(pol, *f_.birth, en.on) ? "enrolled in time, covered from birth"
                                                                   : "enrolled late, covered from the 1st of the month after payment");
        } else if (!exempt.empty()) {
          ids.push_back(exempt_record);
          why = absl::StrCat("exempt as ", exempt, ": no waiting, no penalty; covered from ",
                             in_window ? "1 January" : "the payment date");
        } else if (!mechanism) {
          why = absl::StrCat("before the long-term mechanism (", pol.mechanism_start_year(), "): no waiting");
        } else if (w->total_months() == 0) {
          why = "no break and paid in the window: no waiting";
        } else {
          why = absl::StrCat("waiting ", w->fixed_months(), " fixed + ", w->variable_months(),
                             " variable (N - ", pol.variable_waiting_offset(), ") - ", w->repaired_months(),
                             " repaired = ", w->total_months(), " months",
                             n >= pol.long_break_years() ? absl::StrCat(" (at least ", pol.long_break_min_waiting_months(),
                                                                       " after ", pol.long_break_years(), "+ break years)")
                                                         : "",
                             " from ", in_window ? "1 January" : "the payment date");
        }
        step("R3", absl::StrCat(why, "; benefits from ", FormatDate(bf),
                                bf > own ? " (an earlier waiting interval reaches into the year)" : ""),
             ids);
        if (w->repaired_months() > 0) {
          step("R4", absl::StrCat(w->repaired_months(), " repaired break year(s) paid before the wait ended: ",
                                  w->repaired_months(), " month(s) off the variable waiting"),
               repair_ids_for_explain);
        }
      }

      // R7: penalty on enrolment after a break.
      if (mechanism && exempt.empty() && n >= 1) {
        int64_t add = pol.break_penalty_per_year_yuan() * n;
        penalty = pol.penalty_permanent() ? penalty + add : add;
        if (history) {
          step("R7", absl::StrCat(y, ": enrolled after ", n, " break year(s): penalty + ",
                                  pol.break_penalty_per_year_yuan(), " x ", n, " = ", add, ", accumulated ", penalty),
               {en.record_id});
        }
      }
      // R5: continuity.
      const int k = mechanism ? ContinuousYears(y) : 0;
      r.set_continuous_years(k);
      if (mechanism && k >= pol.continuity_threshold_years() + 1) {
        cb += pol.continuity_bonus_yuan();
        if (history) {
          step("R5", absl::StrCat(y, ": ", k, " continuous years (more than ", pol.continuity_threshold_years(),
                                  "): continuity bonus + ", pol.continuity_bonus_yuan(), ", accumulated ", cb),
               EnrolmentsIn(y - k + 1, y));
        }
      }
      if (explain) {
        step("R5", absl::StrCat(k, " continuous resident-enrolled years since ", pol.mechanism_start_year(),
                                " and the last break; continuity bonus accumulated ", cb),
             EnrolmentsIn(y - k + 1, y));
      }
      // R6: zero claims last year and paid in the window this year.
      const int prev = y - 1;
      if (prev >= pol.mechanism_start_year() && Enrolled(prev) && !FundPaidIn(prev) && in_window) {
        zb += pol.zero_claim_bonus_yuan();
        if (history) {
          step("R6", absl::StrCat(y, ": no fund payment for services in ", prev, " and paid for ", y,
                                  " in the window: zero-claim bonus + ", pol.zero_claim_bonus_yuan(),
                                  ", accumulated ", zb),
               {enrolment_[prev].record_id, en.record_id});
        }
      } else if (explain && prev >= pol.mechanism_start_year()) {
        std::vector<std::string> ids = FundClaimsIn(prev);
        step("R6", absl::StrCat("no zero-claim bonus for ", y, ": ",
                                !Enrolled(prev) ? absl::StrCat("not enrolled in ", prev)
                                : !ids.empty()  ? absl::StrCat("the fund paid for services in ", prev)
                                                : "not paid in the window"),
             ids);
      }
    }

    const int64_t base = pol.ci_base_cap().yuan();
    const int64_t bonus_limit = base * pol.bonus_limit_percent() / 100;
    const int64_t penalty_limit = base * pol.penalty_limit_percent() / 100;
    const int64_t applied_penalty = std::min(penalty, penalty_limit);
    // R6: the incentive was used when CI payments exceed base - applied penalty.
    if (CriticalIllnessPaidIn(y) > (base - applied_penalty) * 100) {
      zb_reset_next = true;
      if (history && y < last_year && zb > 0) {
        step("R6", absl::StrCat(y, ": critical-illness payments exceeded ", base - applied_penalty,
                                " (base less applied penalty): the zero-claim bonus is used and restarts from 0 in ",
                                y + 1),
             FundClaimsIn(y));
      }
    }

    v1::CriticalIllnessCap* cap = r.mutable_critical_illness_cap();
    cap->set_base(static_cast<int32_t>(base));
    cap->set_continuity_bonus(static_cast<int32_t>(cb));
    cap->set_zero_claim_bonus(static_cast<int32_t>(zb));
    cap->set_break_penalty(static_cast<int32_t>(penalty));
    cap->set_effective(static_cast<int32_t>(base + std::min(cb + zb, bonus_limit) - applied_penalty));
    bool unlimited = false;
    for (int s : pol.unlimited_cap_statuses()) {
      if (HasStatusIn(static_cast<v1::Status>(s), jan1, Date(y, 12, 31))) unlimited = true;
    }
    cap->set_unlimited(unlimited);
    if (explain) {
      step("R8", absl::StrCat("cap = base ", base, " + min(", cb, " + ", zb, ", ", pol.bonus_limit_percent(),
                              "% = ", bonus_limit, ") - min(", penalty, ", ", pol.penalty_limit_percent(), "% = ",
                              penalty_limit, ") = ", cap->effective(),
                              unlimited ? "; no cap for the special group the person belongs to" : "",
                              pol.ci_base_cap().placeholder() ? " (base is a placeholder figure)" : ""),
           {});
    }
    if (y >= first_year) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<v1::ResidentYear> EvaluateResident(const PersonFacts& facts,
                                               const v1::PolicyProfile& profile, int first_year,
                                               int last_year, std::vector<v1::Step>* steps,
                                               const EmployeeTimeline* timeline) {
  if (timeline != nullptr) return Evaluator(facts, profile, *timeline).Run(first_year, last_year, steps);
  const EmployeeTimeline own = EvaluateEmployeeCover(facts, profile, last_year);
  return Evaluator(facts, profile, own).Run(first_year, last_year, steps);
}

}  // namespace enrol
