// The resident-scheme rules R1-R8 of shared/DOMAIN.md as a pure function of a
// person's facts and the region's profile: no I/O, no clock. The same facts in
// any arrival order give the same answer (facts.h orders them canonically).
// Thread-safe.
#ifndef ENROL_PROJECTIONS_RESIDENT_RULES_H_
#define ENROL_PROJECTIONS_RESIDENT_RULES_H_

#include <vector>

#include "common/dates.h"
#include "projections/employee_rules.h"
#include "projections/facts.h"
#include "proto/policy.pb.h"
#include "proto/query.pb.h"

namespace enrol {

// R1: the enrolment window for year Y under policy r.
Date WindowStart(const v1::ResidentPolicy& r, int year);
Date WindowEnd(const v1::ResidentPolicy& r, int year);

// R1-R8 for each year of [first_year, last_year]; element i is first_year + i.
// Earlier years are evaluated internally, since bonuses, penalties and waiting
// intervals carry forward.
// With `steps`, says how each figure of last_year came about: the rule, its
// source in the seeds and the record ids of the facts used. `timeline` is the
// person's employee cover through last_year (R2 counts covered employee
// months), when the caller has it already; otherwise it is evaluated here.
std::vector<v1::ResidentYear> EvaluateResident(const PersonFacts& facts,
                                               const v1::PolicyProfile& profile, int first_year,
                                               int last_year, std::vector<v1::Step>* steps = nullptr,
                                               const EmployeeTimeline* timeline = nullptr);

// The seed file and article a rule of `pool` comes from.
std::string RuleSource(const std::string& rule, const std::string& pool);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_RESIDENT_RULES_H_
