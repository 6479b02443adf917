#include "projections/employee_rules.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "projections/profiles.h"

namespace enrol {
namespace {

using Month = absl::CivilMonth;

Date FirstDay(Month m) { return Date(m); }
Date LastDay(Month m) { return Date(m + 1) - 1; }
std::string MonthText(Month m) { return FormatDate(FirstDay(m)).substr(0, 7); }

bool EmployeeMonth(const PaymentFact& p) { return p.scheme == v1::EMPLOYEE && p.month >= 1; }

// Months counted from year 0 (year * 12 + month - 1): plain integers, where a
// CivilMonth built from fields is normalised on every construction.
int64_t MonthNumber(int64_t year, int month) { return year * 12 + month - 1; }
int64_t MonthNumber(Date d) { return MonthNumber(d.year(), d.month()); }

MonthMap<MonthPay> Payments(const PersonFacts& f) {
  MonthMap<MonthPay> pay;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const PaymentFact& p : f.payments) {  // the span first, in one allocation
    if (!EmployeeMonth(p)) continue;
    lo = std::min(lo, MonthNumber(p.year, p.month));
    hi = std::max(hi, MonthNumber(p.year, p.month));
  }
  if (lo > hi) return pay;
  pay.Cover(Month(lo / 12, static_cast<int>(lo % 12) + 1), Month(hi / 12, static_cast<int>(hi % 12) + 1));
  for (const PaymentFact& p : f.payments) {  // sorted by payment date
    if (!EmployeeMonth(p)) continue;
    const int64_t m = MonthNumber(p.year, p.month);
    MonthPay& mp = pay.at_index(m - lo);
    if (!mp.paid) {
      mp.paid = true;
      mp.first_paid = p.paid_on;
      mp.record_id = &p.record_id;
      mp.flexible = p.payer == v1::FLEXIBLE;
      mp.pool = &p.pool;
    }
    // Paid by the end of the following month.
    if (p.purpose != v1::MAKEUP && MonthNumber(p.paid_on) <= m + 1) mp.timely = true;
  }
  return pay;
}

// R10: the profile of `pool`; a pool without one (EvaluatePerson refuses those
// first) falls back to the person's latest pool, then to any.
const v1::PolicyProfile& ProfileOf(const ProfileSet& profiles, const PersonFacts& f, const std::string& pool) {
  const v1::PolicyProfile* p = profiles.Find(pool);
  if (p == nullptr) p = profiles.Find(f.pool);
  if (p == nullptr) p = &profiles.all().begin()->second;
  return *p;
}

// E6 and the yearly figures: the profile of the pool the person is in at the
// end of `year` (or on retiring).
const v1::EmployeePolicy& YearPolicy(const ProfileSet& profiles, const PersonFacts& f, int year, Date on) {
  return VersionFor(ProfileOf(profiles, f, f.PoolOn(on)), year).employee();
}

double Years(int64_t months) { return std::round(static_cast<double>(months) * 100.0 / 12.0) / 100.0; }

struct YearsThrough {
  int64_t actual = 0, local = 0, deemed = 0;
};

YearsThrough CountYears(const PersonFacts& f, const MonthMap<MonthPay>& pay, int year) {
  YearsThrough y;
  const int64_t through = std::min(pay.size() - 1, pay.index(Month(year, 12)));
  for (int64_t i = 0; i <= through; ++i) {
    const MonthPay& mp = pay.at_index(i);
    if (!mp.paid) continue;
    ++y.actual;
    if (*mp.pool == f.pool) ++y.local;
  }
  for (const RegistryFact& r : f.registry) {
    if ((r.action == v1::TRANSFER_IN || r.action == v1::RETIRE) && r.effective.year() <= year) {
      y.deemed += r.deemed_months;
    }
  }
  return y;
}

const RegistryFact* LastRetire(const PersonFacts& f) {
  const RegistryFact* found = nullptr;
  for (const RegistryFact& r : f.registry) {
    if (r.action == v1::RETIRE) found = &r;
  }
  return found;
}

bool IsMale(const PersonFacts& f) {
  const RegistryFact* retire = LastRetire(f);
  if (retire != nullptr && retire->sex != v1::SEX_UNSPECIFIED) return retire->sex == v1::MALE;
  return IsMaleId(f.id_number);
}

// E6 with the years counted through `year` (CountYears).
bool Eligible(const PersonFacts& f, const ProfileSet& profiles, const YearsThrough& y, int year,
              int* required_out = nullptr) {
  const RegistryFact* retire = LastRetire(f);
  const v1::EmployeePolicy& pol =
      YearPolicy(profiles, f, year, retire != nullptr ? retire->effective : Date(year, 12, 31));
  const int retirement_year = retire != nullptr ? static_cast<int>(retire->effective.year()) : year;
  const int required = RequiredYears(pol, IsMale(f), retirement_year);
  if (required_out != nullptr) *required_out = required;
  return Years(y.actual + y.deemed) >= required && Years(y.local) >= pol.required_local_years();
}

class Builder {
 public:
  Builder(const PersonFacts& f, const ProfileSet& profiles, int horizon_year)
      : f_(f), profiles_(profiles), end_(Month(std::max(horizon_year, f.max_year + 1), 12)) {
    t_.pay = Payments(f);
  }

  EmployeeTimeline Build();

 private:
  // R10: a month is judged by the profile of the pool it was paid in (an
  // unpaid one: where the person was at its end).
  const v1::EmployeePolicy& Policy(Month m) const {
    const MonthPay* p = t_.Paid(m);
    const std::string& pool = p != nullptr ? *p->pool : f_.PoolOn(LastDay(m));
    return VersionFor(ProfileOf(profiles_, f_, pool), static_cast<int>(m.year())).employee();
  }
  void Set(Month from, Month to, MonthCover c) {
    t_.months.Set(from, std::min(to, end_), c);
  }
  void Step(std::string rule, std::string says, std::vector<std::string> records) {
    t_.steps.push_back({std::move(rule), std::move(says), std::move(records)});
  }
  bool Paid(Month m) const { return t_.Paid(m) != nullptr; }
  // A paid month's contribution.
  const MonthPay& PayOf(Month m) const { return *t_.Paid(m); }
  // The last paid month at or before m (a run may end with a month of the
  // first wait left unpaid); there is one.
  const MonthPay& LastPaid(Month m) const {
    int64_t i = std::min(pay_.index(m), pay_.size() - 1);
    while (!pay_.at_index(i).paid) --i;
    return pay_.at_index(i);
  }
  const RegistryFact* TransferBefore(Month m) const {
    const RegistryFact* found = nullptr;
    for (const RegistryFact& r : f_.registry) {
      if (r.action == v1::TRANSFER_IN && r.scheme == v1::EMPLOYEE && Month(r.effective) <= m) found = &r;
    }
    return found;
  }
  // E1/E3/E4: a first enrolment (or one after a long gap) at month a; returns
  // the first covered month.
  Month StartEpisode(Month a, bool first);
  // E2/E3: when the first late payment for a month of the arrears [g, h] pays
  // up every month of them due before it, within the time that restores
  // cover, the last month of that interruption (before h).
  std::optional<Month> PaidUpBy(Month g, Month h, const v1::EmployeePolicy& pol) const;
  // Marks the paid-up interruption [g, k] covered.
  void RestoreInterruption(Month g, Month k);
  void ApplyRegistry();
  // E5's runs of paid months, once the months are final.
  void CountPaidRuns();

  const PersonFacts& f_;
  const ProfileSet& profiles_;
  const Month end_;
  EmployeeTimeline t_;
  const MonthMap<MonthPay>& pay_ = t_.pay;  // built once, handed over in t_
};

Month Builder::StartEpisode(Month a, bool first) {
  const MonthPay& mp = PayOf(a);
  const v1::EmployeePolicy& pol = Policy(a);
  const RegistryFact* transfer = first ? TransferBefore(a) : nullptr;
  if (transfer != nullptr && a - Month(transfer->effective) <= pol.transfer_window_months()) {
    Step("E4", absl::StrCat("transferred in on ", FormatDate(transfer->effective), " and paid for ",
                            MonthText(a), " within ", pol.transfer_window_months(),
                            " months: no waiting, covered from ", FormatDate(FirstDay(a))),
         {transfer->record_id, *mp.record_id});
    return a;
  }
  const char* rule = transfer != nullptr ? "E4" : first ? (mp.flexible ? "E3" : "E1") : (mp.flexible ? "E3" : "E2");
  if (mp.flexible) {
    Month paid_month(mp.first_paid);
    Month start = std::max(a, paid_month + pol.flexible_waiting_months());
    if (start > a) Set(a, start - 1, MonthCover::kWaiting);
    Step(rule,
         absl::StrCat("flexible worker's ", first ? "first enrolment" : "enrolment after a break of over 6 months",
                      ": paid on ", FormatDate(mp.first_paid), " for ", MonthText(a), "; waiting ",
                      pol.flexible_waiting_months(), " months from ", FormatDate(FirstDay(paid_month)),
                      " to ", FormatDate(LastDay(start - 1)), ", covered from ", FormatDate(FirstDay(start))),
         {*mp.record_id});
    return start;
  }
  // E1: from the month after the month of the payment date (Panzhihua: that
  // month itself); a first contribution paid late does not backdate.
  const Month paid_month(mp.first_paid);
  Month start = std::max(a, paid_month + (pol.employer_cover_same_month() ? 0 : 1));
  if (start > a) Set(a, start - 1, MonthCover::kWaiting);
  Step(rule,
       absl::StrCat("employer staff: first paid month ", MonthText(a), ", paid on ", FormatDate(mp.first_paid),
                    ", covered from ", FormatDate(FirstDay(start)),
                    pol.employer_cover_same_month() ? " (the month of the payment)" : " (the month after the payment)"),
       {*mp.record_id});
  return start;
}

std::optional<Month> Builder::PaidUpBy(Month g, Month h, const v1::EmployeePolicy& pol) const {
  std::optional<Date> resumed;
  for (Month m = g; m <= h; ++m) {
    if (Paid(m) && (!resumed || PayOf(m).first_paid < *resumed)) resumed = PayOf(m).first_paid;
  }
  if (!resumed) return std::nullopt;
  Month k = g;
  for (Month m = g; m <= h; ++m) {
    if ((Paid(m) && PayOf(m).first_paid <= *resumed) || LastDay(m + 1) < *resumed) k = m;
  }
  if (k >= h) return std::nullopt;  // the whole of the arrears: judged as one
  const bool flexible = Paid(g) && PayOf(g).flexible;
  const int64_t length = k - g + 1;
  if (length >= pol.arrears_break_months() &&
      length > (flexible ? pol.flexible_backdate_months() : pol.arrears_backdate_months())) {
    return std::nullopt;
  }
  const Date made_up_by = LastDay(g + pol.arrears_backdate_months());
  for (Month m = g; m <= k; ++m) {
    if (!Paid(m) || PayOf(m).first_paid > made_up_by) return std::nullopt;
  }
  return k;
}

void Builder::RestoreInterruption(Month g, Month k) {
  std::vector<std::string> ids;
  for (Month m = g; m <= k; ++m) ids.push_back(*PayOf(m).record_id);
  Set(g, k, MonthCover::kCovered);
  const int64_t n = k - g + 1;
  Step(PayOf(g).flexible ? "E3" : "E2",
       absl::StrCat(n, " month", n == 1 ? "" : "s", " (", MonthText(g), n > 1 ? absl::StrCat(" to ", MonthText(k)) : "",
                    ") paid up on ", FormatDate(PayOf(k).first_paid),
                    ": the interruption ends there, covered and backdated; later unpaid months count anew"),
       ids);
}

EmployeeTimeline Builder::Build() {
  if (pay_.empty()) {
    ApplyRegistry();
    return std::move(t_);
  }
  const Month first = pay_.first();
  const Month last_paid = pay_.last();
  // E1/E3/E4: the first enrolment; its wait ends only with time.
  const Month cover = StartEpisode(first, /*first=*/true);
  // Runs of months paid on time. Every month before the first cover belongs to
  // the first run: contributions before it are first contributions whatever
  // their purpose or date, and a month missed in the wait is no arrears (it
  // is simply not covered). The months between runs are arrears.
  std::vector<std::pair<Month, Month>> runs;
  {
    // By index against `first` (no civil-time arithmetic a month).
    bool in_run = false;
    int64_t start = 0;
    const int64_t cover_i = cover - first, end_i = std::max(last_paid + 1, cover) - first;
    for (int64_t i = 0; i <= end_i; ++i) {
      bool t = i == 0 || i < cover_i || pay_.GetAt(i).timely;
      if (t && !in_run) {
        in_run = true;
        start = i;
      } else if (!t && in_run) {
        runs.emplace_back(first + start, first + (i - 1));
        in_run = false;
      }
    }
  }
  Set(cover, runs[0].second, MonthCover::kCovered);
  for (size_t i = 1; i < runs.size(); ++i) {
    const Month h = runs[i].first - 1, next = runs[i].first;
    // E2: an interruption ends at the payment that resumes it; the unpaid
    // months after that payment start a new count.
    Month g = runs[i - 1].second + 1;
    while (std::optional<Month> k = PaidUpBy(g, h, Policy(next))) {
      RestoreInterruption(g, *k);
      g = *k + 1;
    }
    const int64_t gap = h - g + 1;
    // Made up: every month of the gap paid, the last of them within
    // arrears_backdate_months of interruption from the gap's start (Suizhou art. 10
    // "在6个月内（含）补足"; art. 11 for flexible workers).
    bool made_up = true;
    std::vector<std::string> ids;
    // R10: the pool the person resumes in judges the gap and the resumption.
    const v1::EmployeePolicy& pol = Policy(next);
    const Date made_up_by = LastDay(g + pol.arrears_backdate_months());
    for (Month m = g; m <= h; ++m) {
      made_up = made_up && Paid(m) && PayOf(m).first_paid <= made_up_by;
      if (Paid(m)) ids.push_back(*PayOf(m).record_id);
    }
    const MonthPay& resumed = PayOf(next);
    ids.push_back(*resumed.record_id);
    const bool flexible = LastPaid(runs[i - 1].second).flexible;
    const std::string gap_text = absl::StrCat(gap, " month", gap == 1 ? "" : "s", " unpaid (", MonthText(g),
                                              gap > 1 ? absl::StrCat(" to ", MonthText(h)) : "", ")");
    Month resume = next;
    // E4: a transfer in during the gap (Suizhou art. 14): the new kind's rules.
    const RegistryFact* transfer = nullptr;
    for (const RegistryFact& r : f_.registry) {
      if (r.action == v1::TRANSFER_IN && r.scheme == v1::EMPLOYEE && Month(r.effective) > g - 1 &&
          Month(r.effective) <= next) {
        transfer = &r;
      }
    }
    if (transfer != nullptr) {
      ids.push_back(transfer->record_id);
      if (gap <= pol.transfer_window_months()) {
        Set(g, h, made_up ? MonthCover::kCovered : MonthCover::kSuspended);
        Step("E4", absl::StrCat(gap_text, " before the transfer in on ", FormatDate(transfer->effective),
                                ": within ", pol.transfer_window_months(), " months, no waiting",
                                made_up ? ", the gap made up and backdated" : ""),
             ids);
      } else if (resumed.flexible) {
        Set(g, h, MonthCover::kSuspended);
        resume = std::max(next, Month(resumed.first_paid) + pol.flexible_waiting_months());
        if (resume > next) Set(next, resume - 1, MonthCover::kWaiting);
        Step("E4", absl::StrCat(gap_text, " before the transfer in on ", FormatDate(transfer->effective),
                                ": over ", pol.transfer_window_months(), " months, a flexible worker waits ",
                                pol.flexible_waiting_months(), " months from the payment month; covered from ",
                                FormatDate(FirstDay(resume))),
             ids);
      } else {
        Set(g, h, MonthCover::kSuspended);
        resume = next + 1;
        Set(next, next, MonthCover::kWaiting);
        Step("E4", absl::StrCat(gap_text, " before the transfer in on ", FormatDate(transfer->effective),
                                ": over ", pol.transfer_window_months(),
                                " months, employer staff covered from the month after the paid month, ",
                                FormatDate(FirstDay(resume)), "; the gap is not backdated"),
             ids);
      }
    } else if (!flexible) {
      if (gap < pol.arrears_break_months()) {
        Set(g, h, MonthCover::kCovered);
        Step("E2", absl::StrCat(gap_text, ": fewer than ", pol.arrears_break_months(), " make no break"), ids);
      } else if (gap <= pol.arrears_backdate_months() && made_up) {
        Set(g, h, MonthCover::kCovered);
        Step("E2", absl::StrCat(gap_text, ": a break, paid up within ", pol.arrears_backdate_months(),
                                " months: cover restored and backdated"), ids);
      } else if (gap <= pol.arrears_backdate_months()) {
        Set(g, h, MonthCover::kSuspended);
        Step("E2", absl::StrCat(gap_text, ": a break, not paid up: suspended; cover again from ",
                                FormatDate(FirstDay(next))), ids);
      } else {
        // E1: a resumption after more than 6 months starts like a first
        // enrolment: from the month after the payment's (Panzhihua: its month).
        resume = std::max(next, Month(resumed.first_paid) + (pol.employer_cover_same_month() ? 0 : 1));
        Set(g, h, MonthCover::kSuspended);
        if (resume > next) Set(next, resume - 1, MonthCover::kWaiting);
        Step("E2", absl::StrCat(gap_text, ": over ", pol.arrears_backdate_months(),
                                " months: the gap is never covered; paid again on ", FormatDate(resumed.first_paid),
                                ", covered from ", FormatDate(FirstDay(resume))), ids);
      }
    } else {
      if (gap <= pol.flexible_backdate_months() && made_up) {
        Set(g, h, MonthCover::kCovered);
        Step("E3", absl::StrCat(gap_text, ": resumed within ", pol.flexible_backdate_months(),
                                " months with make-up: backdated"), ids);
      } else if (gap <= pol.arrears_backdate_months()) {
        resume = std::max(next, Month(resumed.first_paid) + 1);
        Set(g, g, MonthCover::kCovered);
        Set(g + 1, resume - 1, MonthCover::kSuspended);
        Step("E3", absl::StrCat(gap_text, ": cover stopped from ", FormatDate(FirstDay(g + 1)),
                                "; resumed on ", FormatDate(resumed.first_paid), ", covered from ",
                                FormatDate(FirstDay(resume))), ids);
      } else {
        Set(g, g, MonthCover::kCovered);
        Set(g + 1, h, MonthCover::kSuspended);
        resume = StartEpisode(next, /*first=*/false);  // marks the renewed waiting
      }
    }
    // A wait, or a start after the payment's month, ends only with time: the
    // months before `resume` are no arrears, and payments in them (made up
    // or late) neither end it early nor add cover.
    if (resume > next) {
      runs[i].second = std::max(runs[i].second, resume - 1);
      while (i + 1 < runs.size() && runs[i + 1].first <= runs[i].second + 1) {
        runs[i].second = std::max(runs[i].second, runs[i + 1].second);
        runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      }
    }
    Set(resume, runs[i].second, MonthCover::kCovered);
  }
  // After the last run. Months whose contribution is not yet overdue on the
  // day the facts are known through (--as-of) are not arrears; fewer overdue
  // months than make a break keep employer staff covered. Otherwise employer
  // staff are uncovered from the next month, and flexible workers keep the
  // first missed month (Suizhou art. 11 (四): cover stops from the month after).
  const Month b = runs.back().second;
  if (b < end_ && t_.Cover(b) == MonthCover::kCovered) {
    const bool flexible = LastPaid(b).flexible;
    Month overdue_through = end_;
    if (f_.known_on) overdue_through = std::min(end_, Month(*f_.known_on) - 2);
    const int64_t overdue = overdue_through - b;
    if (f_.known_on && overdue < Policy(b).arrears_break_months()) {
      Set(b + 1, end_, MonthCover::kCovered);
      Step(flexible ? "E3" : "E2",
           absl::StrCat("as of ", FormatDate(*f_.known_on), " ", std::max<int64_t>(overdue, 0),
                        " month(s) after ", MonthText(b), " overdue: no break yet"),
           {*LastPaid(b).record_id});
    } else if (flexible) {
      Set(b + 1, b + 1, MonthCover::kCovered);
      Set(b + 2, end_, MonthCover::kSuspended);
    } else {
      Set(b + 1, end_, MonthCover::kSuspended);
    }
  } else if (b < end_) {
    Set(b + 1, end_, MonthCover::kSuspended);
  }
  ApplyRegistry();
  CountPaidRuns();
  return std::move(t_);
}

void Builder::CountPaidRuns() {
  // A month adds to the run when paid, by employer staff and not suspended;
  // any other month ends it.
  t_.paid_run.Cover(pay_.first(), pay_.last() + 1);
  int32_t run = 0;
  const int64_t offset = t_.months.index(pay_.first());
  for (int64_t i = 0; i < t_.paid_run.size(); ++i) {
    t_.paid_run.at_index(i) = run;
    const MonthPay p = pay_.GetAt(i);
    const bool counted = p.paid && !p.flexible && t_.months.GetAt(offset + i) != MonthCover::kSuspended;
    run = counted ? run + 1 : 0;
  }
}

void Builder::ApplyRegistry() {
  for (const RegistryFact& r : f_.registry) {
    if (r.scheme != v1::EMPLOYEE) continue;
    const Month from(r.effective);
    if (r.action == v1::SUSPEND || r.action == v1::TERMINATE) {
      // Until the next employee enrol or transfer_in.
      Month until = end_;
      for (const RegistryFact& later : f_.registry) {
        if (later.scheme == v1::EMPLOYEE && later.effective > r.effective &&
            (later.action == v1::ENROL || later.action == v1::TRANSFER_IN)) {
          until = std::min(until, Month(later.effective) - 1);
        }
      }
      const int64_t last = std::min(t_.months.index(until), t_.months.size() - 1);
      for (int64_t i = std::max<int64_t>(t_.months.index(from), 0); i <= last; ++i) {
        MonthCover& c = t_.months.at_index(i);
        if (c != MonthCover::kNone) c = MonthCover::kSuspended;
      }
      Step("E2", absl::StrCat("the agency ", r.action == v1::SUSPEND ? "suspended" : "terminated",
                              " employee cover from ", FormatDate(r.effective)),
           {r.record_id});
    }
  }
  const RegistryFact* retire = LastRetire(f_);
  if (retire != nullptr) {
    const int year = static_cast<int>(retire->effective.year());
    int required = 0;
    if (Eligible(f_, profiles_, CountYears(f_, pay_, year), year, &required)) {
      Set(Month(retire->effective) + 1, end_, MonthCover::kRetired);
      Step("E6", absl::StrCat("retired on ", FormatDate(retire->effective), " with the required ", required,
                              " years: covered as a retiree from ",
                              FormatDate(FirstDay(Month(retire->effective) + 1))),
           {retire->record_id});
    } else {
      Step("E6", absl::StrCat("retired on ", FormatDate(retire->effective), " without the required ", required,
                              " years: cover continues only while contributions are paid"),
           {retire->record_id});
    }
  }
}

}  // namespace

int RequiredYears(const v1::EmployeePolicy& e, bool male, int retirement_year) {
  if (!male) return e.required_years_women();
  if (e.men_years_rise_from_year() > 0) {
    if (retirement_year < e.men_years_rise_from_year()) return e.men_years_before_rise();
    return std::min(e.required_years_men(),
                    e.men_years_before_rise() + (retirement_year - e.men_years_rise_from_year() + 1));
  }
  return e.required_years_men();
}

EmployeeTimeline EvaluateEmployeeCover(const PersonFacts& facts, const ProfileSet& profiles, int horizon_year) {
  return Builder(facts, profiles, horizon_year).Build();
}

v1::EmployeeYear EvaluateEmployeeYear(const PersonFacts& f, const ProfileSet& profiles,
                                      const EmployeeTimeline& timeline, int year,
                                      std::vector<EmployeeStep>* steps) {
  v1::EmployeeYear e;
  EvaluateEmployeeYearInto(f, profiles, timeline, year, &e, steps);
  return e;
}

void EvaluateEmployeeYearInto(const PersonFacts& f, const ProfileSet& profiles, const EmployeeTimeline& timeline,
                              int year, v1::EmployeeYear* out, std::vector<EmployeeStep>* steps) {
  const MonthMap<MonthPay>& pay = timeline.pay;
  const MonthMap<MonthCover>& months = timeline.months;
  const v1::EmployeePolicy& pol = YearPolicy(profiles, f, year, Date(year, 12, 31));
  v1::EmployeeYear& e = *out;
  // The months of the year by index: k = 0..11 is January..December, at
  // pay's index pj + k and months' index mj + k.
  const Month jan(year, 1);
  const int64_t pj = pay.index(jan), mj = months.index(jan);
  int paid = 0;
  const MonthPay* last = nullptr;
  std::vector<std::string> paid_ids;
  for (int64_t k = 0; k < 12; ++k) {
    if (pj + k < 0 || pj + k >= pay.size() || !pay.at_index(pj + k).paid) continue;
    const MonthPay& mp = pay.at_index(pj + k);
    ++paid;
    last = &mp;
    if (steps != nullptr) paid_ids.push_back(*mp.record_id);
  }
  e.set_months_paid(paid);
  e.set_kind(last == nullptr ? "" : last->flexible ? "flexible" : "employer");

  std::optional<int64_t> first_covered_ever;  // months' index
  for (int64_t i = 0; i < months.size(); ++i) {
    if (EmployeeTimeline::IsCovered(months.at_index(i))) {
      first_covered_ever = i;
      break;
    }
  }
  std::optional<int64_t> first_in_year;
  bool any_in_year = false;
  for (int64_t k = 0; k < 12; ++k) {
    const MonthCover c = months.GetAt(mj + k);
    if (c != MonthCover::kNone) any_in_year = true;
    if (EmployeeTimeline::IsCovered(c) && !first_in_year) first_in_year = k;
  }
  e.set_enrolled(paid > 0 || first_in_year.has_value() || any_in_year);
  if (first_in_year) {
    e.mutable_benefits_from()->set_string_value(FormatDate(FirstDay(jan + *first_in_year)));
  } else {
    e.mutable_benefits_from()->set_null_value(google::protobuf::NULL_VALUE);
  }
  // Uncovered intervals of the year after cover began.
  if (first_covered_ever) {
    int64_t open = -1;  // the first month of the interval in hand
    for (int64_t k = std::max<int64_t>(0, *first_covered_ever - mj); k <= 12; ++k) {
      bool uncovered = k < 12 && !EmployeeTimeline::IsCovered(months.GetAt(mj + k));
      if (uncovered && open < 0) open = k;
      if (!uncovered && open >= 0) {
        v1::Interval* iv = e.add_suspended();
        iv->set_from(FormatDate(FirstDay(jan + open)));
        iv->set_to(FormatDate(LastDay(jan + (k - 1))));
        open = -1;
      }
    }
  }

  // E5: maternity from the month after `need` consecutive paid months of
  // employer staff (made-up months that restored cover are paid months), and
  // only in covered months. An unpaid month ends the run, and so does a break
  // that is not restored (its months are suspended even when paid later), as
  // a flexible worker's month does (flexible workers have no maternity
  // insurance); the timeline counted the runs (paid_run). Panzhihua (need 0):
  // every covered month. None before the first paid month.
  std::optional<Month> maternity;
  std::vector<std::string> maternity_ids;
  if (!pay.empty()) {
    const int need = pol.maternity_months();
    for (int64_t k = std::max<int64_t>(0, -pj); k < 12 && !maternity; ++k) {
      const int64_t i = pj + k;  // pay's and paid_run's index
      const MonthPay p = pay.GetAt(i);
      if (months.GetAt(mj + k) != MonthCover::kCovered || (p.paid && p.flexible) ||
          timeline.paid_run.GetAt(i) < need) {
        continue;
      }
      maternity = jan + k;
      if (steps == nullptr) break;
      for (int64_t r = i - need; r < i; ++r) maternity_ids.push_back(*pay.at_index(r).record_id);
      if (need == 0 && p.paid) maternity_ids.push_back(*p.record_id);
    }
  }
  if (maternity) {
    e.mutable_maternity_from()->set_string_value(FormatDate(FirstDay(*maternity)));
  } else {
    e.mutable_maternity_from()->set_null_value(google::protobuf::NULL_VALUE);
  }

  // E6: contribution years through the year.
  YearsThrough y = CountYears(f, pay, year);
  e.set_actual_years(Years(y.actual));
  e.set_local_actual_years(Years(y.local));
  e.set_deemed_years(Years(y.deemed));
  e.set_contribution_years(Years(y.actual + y.deemed));
  int required = 0;
  e.set_retirement_eligible(Eligible(f, profiles, y, year, &required));
  e.set_required_years(required);

  if (steps != nullptr) {
    for (const EmployeeStep& s : timeline.steps) steps->push_back(s);
    if (maternity) {
      steps->push_back({"E5", absl::StrCat(pol.maternity_months(), " consecutive paid months: maternity cover from ",
                                           FormatDate(FirstDay(*maternity))),
                        maternity_ids});
    }
    const RegistryFact* retire = LastRetire(f);
    steps->push_back(
        {"E6",
         absl::StrCat(y.actual, " paid months through ", year, " = ", Years(y.actual), " actual years (",
                      Years(y.local), " in this pool) + ", Years(y.deemed), " deemed = ",
                      Years(y.actual + y.deemed), "; required at retirement",
                      retire != nullptr ? absl::StrCat(" in ", retire->effective.year()) : absl::StrCat(" in ", year),
                      " for a ", IsMale(f) ? "man" : "woman", ": ", required,
                      pol.required_local_years() > 0
                          ? absl::StrCat(", with ", pol.required_local_years(), " local actual years")
                          : std::string()),
         paid_ids});
  }
}

}  // namespace enrol
