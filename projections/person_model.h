// Everything the query side answers about one person, derived from the
// person's facts and the profiles: the yearly view of `enrol query` and the
// day-level answer of `enrol covered`. Pure; thread-safe.
#ifndef ENROL_PROJECTIONS_PERSON_MODEL_H_
#define ENROL_PROJECTIONS_PERSON_MODEL_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/dates.h"
#include "projections/facts.h"
#include "projections/profiles.h"
#include "proto/query.pb.h"

namespace enrol {

// The years [first_year, last_year] of the person. kFailedPrecondition when
// the person's pool has no profile.
absl::StatusOr<std::vector<v1::PersonYear>> EvaluatePerson(const PersonFacts& facts,
                                                           const ProfileSet& profiles,
                                                           int first_year, int last_year);

// The years [first_year, last_year] as EvaluatePerson gives them, without
// the ID number and pool (the record has them), each serialized and appended
// to *out: what a projection stores.
// The messages are built on an arena and freed at once (their allocations
// and destructors were a tenth of a replay's CPU). kFailedPrecondition as
// EvaluatePerson.
absl::Status AppendStoredYears(const PersonFacts& facts, const ProfileSet& profiles, int first_year,
                               int last_year, std::vector<std::string>* out);

// Whether the person was covered on `day`, by which scheme, and why.
absl::StatusOr<v1::Coverage> EvaluateCoverage(const PersonFacts& facts, const ProfileSet& profiles,
                                              Date day);

// The derivation behind each figure of `year`: every rule applied, its source
// in the seeds, and the record ids of the facts used.
absl::StatusOr<v1::Explanation> ExplainPerson(const PersonFacts& facts, const ProfileSet& profiles,
                                              int year);

// The years a projection stores for the person: from the mechanism start (or
// the first fact, if later) to the year after the last fact.
std::pair<int, int> StoredYears(const PersonFacts& facts, const ProfileSet& profiles);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_PERSON_MODEL_H_
