// Field-level validation of feed records (CONTRACT.md) into log events. A
// record either becomes one Event or is refused with a reason that names the
// field: "amount: has more than 2 decimals: \"1.001\"". Checks only what one
// record shows; facts that depend on other records (a refund's target, say)
// are the rules' business. Pure; thread-safe.
#ifndef ENROL_CONSUMERS_VALIDATE_H_
#define ENROL_CONSUMERS_VALIDATE_H_

#include "absl/status/statusor.h"
#include "consumers/feed_reader.h"
#include "projections/profiles.h"
#include "proto/event.pb.h"

namespace enrol {

// kInvalidArgument with "<field>: <what is wrong>" when the record is bad.
// `profiles` decides which pools the ledger serves.
absl::StatusOr<v1::Event> ToEvent(v1::Source source, const RawRecord& record,
                                  const ProfileSet& profiles);

}  // namespace enrol

#endif  // ENROL_CONSUMERS_VALIDATE_H_
