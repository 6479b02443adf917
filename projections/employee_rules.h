// The employee-scheme rules E1-E6 of shared/DOMAIN.md as a pure function of a
// person's facts and the regions' profiles: cover month by month (employer
// start, arrears, flexible workers' waiting and resumption, transfers),
// maternity, and contribution years against those required at retirement.
// Thread-safe.
#ifndef ENROL_PROJECTIONS_EMPLOYEE_RULES_H_
#define ENROL_PROJECTIONS_EMPLOYEE_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/dates.h"
#include "projections/facts.h"
#include "projections/month_map.h"
#include "projections/profiles.h"
#include "proto/policy.pb.h"
#include "proto/query.pb.h"

namespace enrol {

// Why a month is or is not covered.
enum class MonthCover {
  kNone,       // before the first enrolment, or after cover ended for good
  kWaiting,    // E1 month of first payment (next-month start) or E3 waiting
  kCovered,
  kSuspended,  // E2/E3 arrears, registry suspend/terminate
  kRetired,    // E6 covered as a retiree without contributions
};

struct EmployeeStep {
  std::string rule;     // "E2"
  std::string says;     // what was decided
  std::vector<std::string> records;
};

// What the contributions say about one month.
struct MonthPay {
  bool paid = false;    // a standing contribution exists
  bool timely = false;  // paid by the end of the following month, not as a make-up
  bool flexible = false;
  Date first_paid;      // earliest payment date for the month
  const std::string* record_id = nullptr;  // of that payment, in the facts
  const std::string* pool = nullptr;
};

// The employee rules' view of a person, month by month. It points into the
// facts it was built from (record ids, pools), so it is valid while they are.
struct EmployeeTimeline {
  // The person's employee contributions by month, from the first paid month
  // to the last (months between them unpaid).
  MonthMap<MonthPay> pay;
  // Month status from the first employee fact to the horizon; kNone outside.
  MonthMap<MonthCover> months;
  // E5: the counted paid months in a row just before each month, over pay's
  // span and the month after it (0 outside: the month before is unpaid).
  MonthMap<int32_t> paid_run;
  std::vector<EmployeeStep> steps;

  MonthCover Cover(absl::CivilMonth m) const { return months.Get(m); }
  bool Covered(absl::CivilMonth m) const { return IsCovered(months.Get(m)); }
  static bool IsCovered(MonthCover c) { return c == MonthCover::kCovered || c == MonthCover::kRetired; }
  // The paid month's contribution, or nullptr.
  const MonthPay* Paid(absl::CivilMonth m) const {
    const MonthPay* p = pay.Find(m);
    return p != nullptr && p->paid ? p : nullptr;
  }
};

// Cover by month through the last month of `horizon_year`.
// Each month is judged by the profile of the pool it was paid in (R10).
EmployeeTimeline EvaluateEmployeeCover(const PersonFacts& facts, const ProfileSet& profiles, int horizon_year);

// The `employee` object of `enrol query` for `year`.
v1::EmployeeYear EvaluateEmployeeYear(const PersonFacts& facts, const ProfileSet& profiles,
                                      const EmployeeTimeline& timeline, int year,
                                      std::vector<EmployeeStep>* steps = nullptr);
// The same into *out, a message the caller owns (on an arena or not), fresh.
void EvaluateEmployeeYearInto(const PersonFacts& facts, const ProfileSet& profiles, const EmployeeTimeline& timeline,
                              int year, v1::EmployeeYear* out, std::vector<EmployeeStep>* steps = nullptr);

// E6: the years required at retirement in `year` (men/women; local years).
int RequiredYears(const v1::EmployeePolicy& e, bool male, int retirement_year);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_EMPLOYEE_RULES_H_
