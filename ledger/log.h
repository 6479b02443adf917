// The append-only log of the ledger: the one record of every fact. Two
// implementations sit behind this interface: EmbeddedLog (RocksDB, one
// machine) and the Kafka log. Events are partitioned by person (Kafka's
// murmur2 of the person's pseudonym, common/keyring.h), so one person's
// events are totally ordered.
//
// Implementations are thread-safe unless they say otherwise.
#ifndef ENROL_LEDGER_LOG_H_
#define ENROL_LEDGER_LOG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/types.h"
#include "ledger/fact.h"
#include "proto/event.pb.h"

namespace enrol {

// One event as stored, with its position.
struct LogEntry {
  Partition partition;
  Offset offset;
  v1::Event event;
};

// What became of one event handed to Log::Append.
struct AppendResult {
  enum class Kind {
    kAppended,   // new: stored at (partition, offset)
    kDuplicate,  // (source, record_id) was already stored with this content
    kConflict,   // (source, record_id) was already stored with other content
    kForwarded,  // handed to the Kafka stage, which decides (KafkaLog::Forward)
  };
  Kind kind = Kind::kAppended;
  Partition partition;
  Offset offset;  // where the event (or the earlier one) is stored
};

class Log {
 public:
  virtual ~Log() = default;

  // Number of partitions; fixed for the life of the log.
  virtual int32_t partitions() const = 0;

  // Appends `events` in order. Each event must have source, record_id and
  // person set; Append sets event_id, content_hash and recorded_at_us.
  // Appends are idempotent on (source, record_id): results[i] says what became
  // of events[i]. Returns OK only once every appended event is durable.
  // kUnavailable for a retryable storage or broker fault (nothing of the call
  // may be assumed appended; retrying is safe thanks to idempotency).
  [[nodiscard]] virtual absl::Status Append(std::vector<v1::Event>& events,
                                            std::vector<AppendResult>* results) = 0;

  // The offset the next event of partition p will get.
  [[nodiscard]] virtual absl::StatusOr<Offset> EndOffset(Partition p) = 0;

  // Appends to `out` up to max_events events of partition p from offset
  // `from` on, in offset order. kDataLoss when a stored event does not parse.
  [[nodiscard]] virtual absl::Status Read(Partition p, Offset from, size_t max_events,
                                          std::vector<LogEntry>* out) = 0;

  // Calls fn with the person and the fact (content, offset, recorded time) of
  // each event of partition p from offset `from` on, up to max_events, in
  // offset order; fn may move the fact away. For readers that need no more
  // than that (a rebuild): an implementation may decode without building
  // messages. The default reads through Read.
  [[nodiscard]] virtual absl::Status ScanFacts(
      Partition p, Offset from, size_t max_events,
      const std::function<void(const std::string& person, StoredFact& fact)>& fn);
};

// A new run id: the start time (UTC, microseconds, 16 hex digits, so ids sort
// by time) and 8 random hex digits: "<time>-<random>".
std::string NewRunId();

// Where rejected records are kept, verbatim, with the reason.
class DeadLetterStore {
 public:
  virtual ~DeadLetterStore() = default;

  // Stores the records durably, each with the run that refused it (a letter
  // without one gets this process's). Nothing is ever replaced: the same
  // file refused again in another run is kept again, under that run.
  [[nodiscard]] virtual absl::Status Put(const std::vector<v1::DeadLetter>& letters) = 0;

  // Calls fn for each stored record of `source` (all sources when nullopt), in
  // (source, run, file, line) order, until fn returns false.
  [[nodiscard]] virtual absl::Status ForEach(
      std::optional<v1::Source> source,
      const std::function<bool(const v1::DeadLetter&)>& fn) = 0;
};

}  // namespace enrol

#endif  // ENROL_LEDGER_LOG_H_
