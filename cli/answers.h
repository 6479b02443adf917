// The output of the commands in the form of shared/CONTRACT.md, shared by the
// two fronts (the command line and `enrol serve`), so that they answer the
// same question with the same bytes. Pure; thread-safe.
#ifndef ENROL_CLI_ANSWERS_H_
#define ENROL_CLI_ANSWERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "consumers/ingest.h"
#include "proto/event.pb.h"
#include "proto/query.pb.h"

namespace enrol {

// `enrol ingest`: {"accepted":N,"duplicates":N,"rejected":N}
std::string CountsJson(const IngestCounts& c);
// One line of `enrol rejects`.
std::string DeadLetterJson(const v1::DeadLetter& d);
// One line of `enrol audit`.
std::string FindingJson(const v1::Finding& f);
// The years of a person for the caseworker's timeline: {"id_number":...,"years":[PersonYear...]}.
std::string TimelineJson(const std::string& id_number, const std::vector<v1::PersonYear>& years);
// {"error":"..."}
std::string ErrorJson(const std::string& message);

// An "as of" instant: RFC 3339 with an offset, as Unix microseconds; empty
// text is none. kInvalidArgument naming `name` otherwise.
absl::StatusOr<std::optional<int64_t>> ParseAsOf(const std::string& text, const std::string& name);

}  // namespace enrol

#endif  // ENROL_CLI_ANSWERS_H_
