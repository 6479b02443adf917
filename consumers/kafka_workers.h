// The Kafka side of the ledger's workers:
//  - RunProjectionWorker (`enrol project`): a consumer-group member that folds
//    its partitions of the events topic into RocksDB, storing each partition's
//    offset in the same batch as its state. On a rebalance it resumes each
//    partition it is given from the offset stored with its state. One it has
//    no state for is rebuilt as `enrol replay` does: its events gathered to
//    the partition's end, two partitions at a time (the others paused), then
//    decoded, grouped by person and each person folded once on a thread of
//    its own, two partitions at a time; nothing of it is stored until then.
//  - RunStream (`enrol stream`): consumes a raw feed topic of JSON lines,
//    validates and forwards to the stage (consumers/stage.h); a raw offset is
//    committed only after its records (and dead letters) are acknowledged, so
//    a crash loses nothing and the stage absorbs what is replayed.
// Both run until stop() returns true or, with until_caught_up, until they have
// applied everything up to the high-water marks they saw at start.
#ifndef ENROL_CONSUMERS_KAFKA_WORKERS_H_
#define ENROL_CONSUMERS_KAFKA_WORKERS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "consumers/ingest.h"
#include "ledger/kafka_log.h"
#include "projections/profiles.h"
#include "projections/state_store.h"

namespace RdKafka {
class Conf;
class Handle;
}  // namespace RdKafka

namespace enrol {

// The settings of a consumer-group member of the workers and the stage:
// manual commits, from the earliest offset, read_committed, end-of-partition
// events on. nullptr with the reason in *errstr when --brokers or
// --kafka-config is refused.
std::unique_ptr<RdKafka::Conf> GroupConf(const std::string& brokers, const std::string& group,
                                         const KafkaConfig& kafka_config, std::string* errstr);

// The high-water marks of the topic's partitions 0..partitions-1, asked
// through `client`; *status is set on a fault.
std::map<int32_t, int64_t> HighWatermarks(RdKafka::Handle* client, const std::string& topic, int32_t partitions,
                                          absl::Status* status);

struct WorkerOptions {
  std::string brokers;
  std::string group;
  std::string events_topic = "enrol.events";
  KafkaConfig kafka_config;  // --kafka-config: applied after the defaults
  bool until_caught_up = false;
  std::function<bool()> stop = [] { return false; };
  std::function<void(int64_t applied)> progress;
  // After each assignment, with every partition the worker now owns (e.g. to
  // publish where they are answered). An error stops the worker.
  std::function<absl::Status(const std::vector<int32_t>& owned)> on_assign;
};

// Folds into `state` (not owned). Returns how many events it applied.
absl::StatusOr<int64_t> RunProjectionWorker(const WorkerOptions& options, StateStore* state,
                                            const ProfileSet& profiles);

struct StreamOptions {
  std::string brokers;
  std::string group;          // default "enrol-stream-<source>"
  std::string raw_topic;      // default "enrol.raw.<source>"
  KafkaConfig kafka_config;   // --kafka-config: applied after the defaults
  bool until_caught_up = false;
  std::function<bool()> stop = [] { return false; };
  size_t batch_records = 8192;
};

absl::StatusOr<IngestCounts> RunStream(const StreamOptions& options, v1::Source source, KafkaLog* log,
                                       const ProfileSet& profiles);

}  // namespace enrol

#endif  // ENROL_CONSUMERS_KAFKA_WORKERS_H_
