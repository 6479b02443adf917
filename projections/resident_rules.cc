#include "projections/resident_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

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

namespace {

// R1: what makes a person enrolled for a year.
struct Enrolment {
  bool enrolled = false;
  Date on;                  // payment date, or effective date of a fee-waived enrolment
  bool fee_waived = false;
};

class Evaluator {
 public:
  Evaluator(const PersonFacts& f, const v1::PolicyProfile& profile) : f_(f), profile_(profile) {
    for (const PaymentFact& p : f.payments) {
      if (p.scheme == v1::EMPLOYEE && p.month >= 1) employee_months_.insert({p.year, p.month});
    }
  }

  std::vector<v1::ResidentYear> Run(int first_year, int last_year);

 private:
  const v1::ResidentPolicy& Policy(int year) const { return VersionFor(profile_, year).resident(); }

  Enrolment EnrolmentFor(int year) const {
    Enrolment best;
    for (const PaymentFact& p : f_.payments) {  // sorted by payment date
      if (p.scheme != v1::RESIDENT || p.month != 0 || p.year != year) continue;
      if (p.purpose != v1::REGULAR && p.purpose != v1::MAKEUP) continue;
      if (p.paid_on > Date(year, 12, 31)) continue;  // period closed
      best = {true, p.paid_on, false};
      break;
    }
    for (const RegistryFact& r : f_.registry) {
      if (r.action != v1::ENROL || r.scheme != v1::RESIDENT || !r.fee_waived) continue;
      if (r.effective.year() != year) continue;
      if (!best.enrolled || r.effective < best.on) best = {true, r.effective, true};
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
  std::string Exemption(const v1::ResidentPolicy& pol, int year, Date paid) const {
    Date window_end = WindowEnd(pol, year);
    int months = pol.exempt_status_window_months();
    auto within = [&](const StatusFact& st) {
      return st.from <= paid && paid <= AddMonths(st.from, months);
    };
    for (const StatusFact& st : f_.statuses) {
      if (st.status == v1::MEDICAL_ASSISTANCE && st.from > window_end && within(st)) {
        return "medical_assistance";
      }
    }
    static const std::pair<v1::Status, const char*> kGroups[] = {
        {v1::VETERAN, "veteran"},
        {v1::MILITARY_DEPENDENT, "military_dependent"},
        {v1::RELEASED_PRISONER, "released_prisoner"}};
    for (const auto& [status, name] : kGroups) {
      for (const StatusFact& st : f_.statuses) {
        if (st.status == status && within(st)) return name;
      }
    }
    // Employee cover that ended at most transfer_window_months before paying.
    auto it = employee_months_.upper_bound({static_cast<int>(paid.year()), paid.month()});
    if (it != employee_months_.begin()) {
      --it;
      Date end = LastDayOfMonth(it->first, it->second);
      if (paid <= AddMonths(end, pol.transfer_window_months())) return "scheme_transfer";
    }
    return "";
  }

  bool NewbornWithin(const v1::ResidentPolicy& pol, Date birth, Date on) const {
    if (pol.newborn_window_days() > 0) return on - birth <= pol.newborn_window_days();
    return on <= AddMonths(birth, pol.newborn_window_months());
  }

  // R4: the earliest standing repair of each year of [from, to] paid before
  // `before`, ascending by payment date.
  std::vector<Date> Repairs(int from, int to, Date before) const {
    std::map<int, Date> first;
    for (const PaymentFact& p : f_.payments) {
      if (p.scheme != v1::RESIDENT || p.purpose != v1::REPAIR) continue;
      if (p.year < from || p.year > to || p.paid_on >= before) continue;
      first.emplace(p.year, p.paid_on);  // payments are sorted by date
    }
    std::vector<Date> dates;
    for (const auto& [year, date] : first) dates.push_back(date);
    std::sort(dates.begin(), dates.end());
    return dates;
  }

  const PersonFacts& f_;
  const v1::PolicyProfile& profile_;
  std::set<std::pair<int, int>> employee_months_;
  std::map<int, Enrolment> enrolment_;
  int lo_ = 0;
};

std::vector<v1::ResidentYear> Evaluator::Run(int first_year, int last_year) {
  std::vector<v1::ResidentYear> out;
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
    if (zb_reset_next) zb = 0;
    zb_reset_next = false;

    Enrolled(y);
    const Enrolment en = enrolment_[y];
    if (en.enrolled) {
      r.set_enrolled(true);
      r.set_paid_on(FormatDate(en.on));
      const bool in_window = en.fee_waived || en.on <= WindowEnd(pol, y);
      r.set_in_window(in_window);
      v1::Waiting* w = r.mutable_waiting();
      std::string exempt;
      Date own = jan1;
      std::optional<int> first_enrolled = FirstEnrolledYear(y);
      if (f_.birth && first_enrolled == y &&
          (y == f_.birth->year() || y == f_.birth->year() + 1)) {
        exempt = "newborn";
        own = NewbornWithin(pol, *f_.birth, en.on)
                  ? std::max(*f_.birth, jan1)
                  : std::max(Date(absl::CivilMonth(en.on) + 1), jan1);
      } else if (mechanism && (n >= 1 || !in_window)) {
        exempt = Exemption(pol, y, en.on);
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
        int total = unrepaired;
        Date end = unrepaired_end;
        if (variable > 0) {
          for (const Date& paid : Repairs(y - n, y - 1, unrepaired_end)) {
            if (repaired >= variable || paid >= end) break;
            ++repaired;
            const int shorter = std::max(fixed + variable - repaired, floor);
            if (shorter < total) {
              total = shorter;
              end = std::max(AddMonths(start, total), paid + 1);
            }
          }
        }
        own = end;
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

      // R7: penalty on enrolment after a break.
      if (mechanism && exempt.empty() && n >= 1) {
        int64_t add = pol.break_penalty_per_year_yuan() * n;
        penalty = pol.penalty_permanent() ? penalty + add : add;
      }
      // R5: continuity.
      const int k = mechanism ? ContinuousYears(y) : 0;
      r.set_continuous_years(k);
      if (mechanism && k >= pol.continuity_threshold_years() + 1) cb += pol.continuity_bonus_yuan();
      // R6: zero claims last year and paid in the window this year.
      const int prev = y - 1;
      if (prev >= pol.mechanism_start_year() && Enrolled(prev) && !FundPaidIn(prev) && in_window) {
        zb += pol.zero_claim_bonus_yuan();
      }
    }

    const int64_t base = pol.ci_base_cap().yuan();
    const int64_t bonus_limit = base * pol.bonus_limit_percent() / 100;
    const int64_t penalty_limit = base * pol.penalty_limit_percent() / 100;
    const int64_t applied_penalty = std::min(penalty, penalty_limit);
    // R6: the incentive was used when CI payments exceed base - applied penalty.
    if (CriticalIllnessPaidIn(y) > (base - applied_penalty) * 100) zb_reset_next = true;

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
    if (y >= first_year) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<v1::ResidentYear> EvaluateResident(const PersonFacts& facts,
                                               const v1::PolicyProfile& profile, int first_year,
                                               int last_year) {
  return Evaluator(facts, profile).Run(first_year, last_year);
}

}  // namespace enrol
