// The resident-scheme rules R1-R8, R10 and R11 of shared/DOMAIN.md as a pure
// function of a person's facts and the regions' profiles: no I/O, no clock.
// Each year is judged under the profile of its own pool (R10). The same facts
// in any arrival order give the same answer (facts.h orders them
// canonically). Thread-safe.
#ifndef ENROL_PROJECTIONS_RESIDENT_RULES_H_
#define ENROL_PROJECTIONS_RESIDENT_RULES_H_

#include <functional>
#include <string>
#include <vector>

#include "common/dates.h"
#include "projections/employee_rules.h"
#include "projections/facts.h"
#include "projections/profiles.h"
#include "proto/policy.pb.h"
#include "proto/query.pb.h"

namespace enrol {

// R1: the enrolment window for year Y under policy r.
Date WindowStart(const v1::ResidentPolicy& r, int year);
Date WindowEnd(const v1::ResidentPolicy& r, int year);
// R11 (a): the end of the window for holders of an extension status.
Date ExtendedWindowEnd(const v1::ResidentPolicy& r, int year);

// R10: the pool year Y is judged in: that of the first standing resident
// payment for Y, else of the fee-waived enrolment covering Y, else of the
// latest fact dated on or before 31 December of Y.
std::string PoolOfYear(const PersonFacts& facts, int year);

// R1-R8, R10, R11 for each year of [first_year, last_year]; element i is
// first_year + i. Earlier years are evaluated internally, since bonuses,
// penalties and waiting intervals carry forward. Every pool of the facts must
// have a profile in `profiles` (CheckProfiles).
// With `steps`, says how each figure of last_year came about: the rule, its
// source in the seeds and the record ids of the facts used. `timeline` is the
// person's employee cover through last_year (R2 counts covered employee
// months), when the caller has it already; otherwise it is evaluated here.
std::vector<v1::ResidentYear> EvaluateResident(const PersonFacts& facts, const ProfileSet& profiles,
                                               int first_year, int last_year,
                                               std::vector<v1::Step>* steps = nullptr,
                                               const EmployeeTimeline* timeline = nullptr);

// As EvaluateResident, writing year y of [first_year, last_year] into the
// message *year_out(y), which the caller owns: the projection builds its
// stored years on an arena and frees them at once.
void EvaluateResidentInto(const PersonFacts& facts, const ProfileSet& profiles, int first_year, int last_year,
                          const EmployeeTimeline& timeline,
                          const std::function<v1::ResidentYear*(int year)>& year_out);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_RESIDENT_RULES_H_
