// QueryService: answers `enrol query` and `enrol covered` from a data
// directory. A person's facts are the projection plus any event of the log the
// projection has not applied yet (after an interrupted ingest), so answers
// reflect every acknowledged event. With as_of, only facts recorded by then.
//
// Opens the log and the state read-only, so it runs beside an ingest. Thread-
// safe after Open.
#ifndef ENROL_PROJECTIONS_QUERY_SERVICE_H_
#define ENROL_PROJECTIONS_QUERY_SERVICE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/dates.h"
#include "ledger/embedded_log.h"
#include "projections/profiles.h"
#include "projections/state_store.h"
#include "proto/query.pb.h"

namespace enrol {

// An answer (PersonYear, Coverage, Explanation) in the JSON form of
// CONTRACT.md: field names as in the .proto, every primitive field printed.
std::string AnswerJson(const google::protobuf::Message& answer);

class QueryService {
 public:
  // `profiles` is not owned and must outlive the service.
  // keys: the store's (see StateStore::Open); not owned.
  static absl::StatusOr<std::unique_ptr<QueryService>> Open(const std::string& data_dir,
                                                            const ProfileSet* profiles,
                                                            const Keyring* keys = nullptr);
  // Over a log and a state another part of this process writes (enrol
  // serve); none is owned. Answers stay consistent while a projector commits.
  static std::unique_ptr<QueryService> Over(EmbeddedLog* log, StateStore* state, const ProfileSet* profiles);

  // nullopt when the ledger has never seen the person (as of as_of_us).
  absl::StatusOr<std::optional<v1::PersonYear>> Query(const std::string& id_number, int year,
                                                      std::optional<int64_t> as_of_us);
  absl::StatusOr<std::optional<v1::Explanation>> Explain(const std::string& id_number, int year,
                                                         std::optional<int64_t> as_of_us);
  absl::StatusOr<std::optional<v1::Coverage>> Covered(const std::string& id_number, Date day,
                                                      std::optional<int64_t> as_of_us);
  // Every year of [from, to] (both 0: the years the projection keeps for
  // the person), evaluated: what the caseworker's timeline draws.
  absl::StatusOr<std::optional<std::vector<v1::PersonYear>>> Timeline(const std::string& id_number, int from,
                                                                      int to);

 private:
  struct Person;
  QueryService(std::unique_ptr<EmbeddedLog> log, std::unique_ptr<StateStore> state,
               const ProfileSet* profiles);
  absl::StatusOr<Person> Load(const std::string& id_number, std::optional<int64_t> as_of_us);

  std::unique_ptr<EmbeddedLog> owned_log_;
  std::unique_ptr<StateStore> owned_state_;
  EmbeddedLog* log_ = nullptr;
  StateStore* state_ = nullptr;  // null when nothing was projected yet
  const ProfileSet* profiles_;
};

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_QUERY_SERVICE_H_
