// Policy profiles of the pooling regions: every rule parameter, versioned by
// effective date. The profiles in projections/profiles/*.json are compiled
// into the program; --profiles DIR loads others instead.
// Immutable after loading; thread-safe for reads.
#ifndef ENROL_PROJECTIONS_PROFILES_H_
#define ENROL_PROJECTIONS_PROFILES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "proto/policy.pb.h"

namespace enrol {

class ProfileSet {
 public:
  // The profiles shipped with the program (532500, 421300, 510400).
  static absl::StatusOr<ProfileSet> Builtin();
  // Every <pool>.json in dir.
  static absl::StatusOr<ProfileSet> LoadDir(const std::string& dir);

  // Parses and checks one profile (JSON of v1::PolicyProfile) and adds it.
  // kInvalidArgument naming `name` and the field when it is malformed.
  absl::Status Add(const std::string& json, const std::string& name);

  // nullptr when the pool has no profile.
  const v1::PolicyProfile* Find(const std::string& pool) const;
  const std::map<std::string, v1::PolicyProfile>& all() const { return profiles_; }

 private:
  std::map<std::string, v1::PolicyProfile> profiles_;
};

// The version in force for year Y: the last whose effective_from is on or
// before 1 January of Y, else the first.
const v1::ProfileVersion& VersionFor(const v1::PolicyProfile& profile, int year);

// The seed file and article `rule` ("R1", "E2", "R12_claim_after_death", ...)
// comes from under version v; every profile names them all (Add checks).
const std::string& RuleSource(const v1::ProfileVersion& v, const std::string& rule);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_PROFILES_H_
