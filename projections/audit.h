// The auditor's findings (`enrol audit`): fund payments for service dates
// without entitlement (not enrolled, waiting, suspended), payments for closed
// periods, conflicting duplicates, and refunds or reversals of records the
// ledger does not have. Reads the projection and the dead-letter store;
// thread-compatible.
#ifndef ENROL_PROJECTIONS_AUDIT_H_
#define ENROL_PROJECTIONS_AUDIT_H_

#include <functional>
#include <optional>

#include "absl/status/status.h"
#include "ledger/log.h"
#include "projections/profiles.h"
#include "projections/state_store.h"
#include "proto/query.pb.h"

namespace enrol {

// The findings of one person (pure). With `year`, only those of that year.
std::vector<v1::Finding> PersonFindings(const std::string& id_number, const PersonRecord& record,
                                        const ProfileSet& profiles, std::optional<int> year);

// Every finding: persons in ID order, then the dead-letter store's.
absl::Status Audit(StateStore* state, DeadLetterStore* dead, const ProfileSet& profiles,
                   std::optional<int> year, const std::function<void(const v1::Finding&)>& emit);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_AUDIT_H_
