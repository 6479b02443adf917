// Feed ingest: reads feed files, validates every record, appends the good ones
// to the log and keeps the bad ones in the dead-letter store. A bad record
// never stops a batch. A pipeline of bounded stages, each on its own thread:
// read and validate; append (one synced write a batch); project (optional),
// so memory does not grow with the input and the stages overlap.
//
// IngestFiles is thread-compatible: one call per log at a time.
#ifndef ENROL_CONSUMERS_INGEST_H_
#define ENROL_CONSUMERS_INGEST_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "consumers/feed_reader.h"
#include "ledger/log.h"
#include "projections/profiles.h"

namespace enrol {

struct IngestCounts {
  int64_t accepted = 0;    // appended now
  int64_t duplicates = 0;  // already in the log with the same content
  int64_t rejected = 0;    // kept in the dead-letter store
  int64_t forwarded = 0;   // handed on (IngestOptions::forward), outcome not known here
  int64_t records() const { return accepted + duplicates + rejected + forwarded; }
};

// Settles the forwarded records with what the stage made of them (Kafka:
// KafkaLog::AwaitReceipts): forwarded becomes 0.
void AddReceipt(const v1::Receipt& receipt, IngestCounts* counts);

struct IngestOptions {
  size_t batch_records = 8192;
  // Called after each batch is durable (e.g. to move it into projections).
  std::function<absl::Status()> after_batch;
  // Called on a thread of its own with the events each batch appended, with
  // their log positions, in append order, while the next batch is appended
  // (e.g. Projector::ApplyAppended). An error stops the run like a storage fault.
  std::function<absl::Status(std::vector<LogEntry>&)> project;
  // Instead of Log::Append: hands each batch's valid records (events[i] came
  // as texts[i]) to another stage, which decides what becomes of them (Kafka:
  // KafkaLog::Forward). They are counted as forwarded.
  std::function<absl::Status(std::vector<v1::Event>& events, const std::vector<std::string>& texts)> forward;
  // Called after each batch with the running counts.
  std::function<void(const IngestCounts&)> progress;
};

// The dead letter of a record refused for `reason`: source, file, line, the
// line as received, record id and business year when they can be read.
v1::DeadLetter RejectedRecord(v1::Source source, const RawRecord& record, const std::string& reason);

// The dead letter of a conflicting duplicate: `event` (validated, with its
// origin) came as the line `text`, and its (source, record_id) is stored with
// other content at (partition, offset).
v1::DeadLetter ConflictLetter(const v1::Event& event, const std::string& text, Partition partition, Offset offset);

// Ingests `files` ("-" = stdin) of one source. Returns an error only for
// faults that stop the run (unreadable file, storage fault): counts up to the
// last durable batch are then lost to the caller but not to the ledger, and
// running the same command again completes it.
absl::StatusOr<IngestCounts> IngestFiles(Log* log, DeadLetterStore* dead, v1::Source source,
                                         const std::vector<std::string>& files,
                                         const ProfileSet& profiles, const IngestOptions& options);

// The same over readers already open (e.g. a request body, FeedReader::FromStream).
absl::StatusOr<IngestCounts> IngestReaders(Log* log, DeadLetterStore* dead, v1::Source source,
                                           std::vector<std::unique_ptr<FeedReader>> readers,
                                           const ProfileSet& profiles, const IngestOptions& options);

}  // namespace enrol

#endif  // ENROL_CONSUMERS_INGEST_H_
