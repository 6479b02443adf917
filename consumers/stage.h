// The Kafka stage (`enrol stage`, issue 11): where ingest over Kafka becomes
// exactly once.
//
// `enrol ingest --brokers` validates its records and forwards the good ones to
// PREFIX.incoming, keyed by the pseudonym of (source, record_id), so every copy
// of a record id lands in one partition. A stage is a member of a consumer
// group on that topic and owns the dedupe decisions of the partitions it is
// given. For each batch it reads, in one Kafka transaction, it
//  - appends the records it has not seen to PREFIX.events,
//  - writes conflicting duplicates (same record id, other content) to
//    PREFIX.deadletters, with the embedded store's reason,
//  - writes what it made of each ingest run's records to PREFIX.receipts,
//  - and commits its input offsets (send_offsets_to_transaction, KIP-447),
// so each batch is applied once or not at all, whatever is killed when. A
// stage that lost its partitions is fenced by the group generation.
//
// The dedupe index, (source, record_id) -> content hash and position, is a
// RocksDB store under StageOptions::state_dir. It is a cache of PREFIX.events:
// on every assignment the stage first reads the events topic from where the
// index stands to its end (read_committed), so a missing or stale index is
// rebuilt and another stage's earlier decisions are known.
//
// RunStage is thread-compatible: one call per state dir (RocksDB locks it).
#ifndef ENROL_CONSUMERS_STAGE_H_
#define ENROL_CONSUMERS_STAGE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/keyring.h"
#include "ledger/kafka_config.h"

namespace enrol {

struct StageOptions {
  std::string brokers;
  std::string group = "enrol-stage";
  std::string topics = "enrol";  // PREFIX: .incoming in; .events, .deadletters, .receipts out
  std::string state_dir;         // the dedupe index
  KafkaConfig kafka_config;      // --kafka-config: applied after the defaults
  const Keyring* keys = nullptr;  // opens incoming records, seals events; not owned
  // Stop once the partitions held are processed up to the high-water marks
  // of the incoming topic seen at start (benchmarks, scripts).
  bool until_caught_up = false;
  std::function<bool()> stop = [] { return false; };
  std::function<void(int64_t records)> progress;
  size_t batch_records = 20000;  // at most this many records a transaction
  // A test's fault: called as each transaction is about to commit (its
  // events and offsets sent). An error is taken as a lost broker's: the
  // transaction is aborted and its batch read again, and after three aborts
  // in a row the stage leaves its group and joins it again.
  std::function<absl::Status()> before_commit;
  absl::Duration timeout = absl::Seconds(60);
};

struct StageCounts {
  int64_t records = 0;
  int64_t accepted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
};

// Runs the stage until options.stop() or, with until_caught_up, until caught
// up. Any Kafka or storage fault aborts the open transaction and returns the
// error (kUnavailable): nothing of that batch is applied, and a restarted
// stage resumes from the last committed one.
absl::StatusOr<StageCounts> RunStage(const StageOptions& options);

}  // namespace enrol

#endif  // ENROL_CONSUMERS_STAGE_H_
