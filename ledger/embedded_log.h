// EmbeddedLog: the log and the dead-letter store in one RocksDB database on
// this machine (the default when no broker is given). Key layout is in
// proto/README.md. Appends are written with sync=true, so an acknowledged
// append survives a crash or power loss.
//
// Thread-safe. One process may open a data directory for writing at a time
// (RocksDB's lock); any number may open it read-only.
#ifndef ENROL_LEDGER_EMBEDDED_LOG_H_
#define ENROL_LEDGER_EMBEDDED_LOG_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/keyring.h"
#include "ledger/log.h"

namespace rocksdb {
class DB;
class Env;
}

namespace enrol {

struct EmbeddedLogOptions {
  // Used only when the log is created; an existing log keeps its count.
  int32_t partitions = 64;
  bool read_only = false;
  // Writable, but runs no compactions while open: for a reader that holds
  // the write lock only to keep writers out (`replay`). Compactions still
  // pending run at the next writable open.
  bool defer_compactions = false;
  // Source of recorded times; tests inject a fake.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // The file system's Env; fault tests inject a FaultEnv's. Not owned.
  rocksdb::Env* env = nullptr;
  // Encrypts the store (ledger/encrypted_env.h); every command passes one.
  // Null only in tests of the log's own logic. Not owned.
  const Keyring* keys = nullptr;
};

class EmbeddedLog final : public Log, public DeadLetterStore {
 public:
  // Opens (creating when needed and not read-only) the log in `dir`.
  // kUnavailable when another process holds it or the disk fails.
  static absl::StatusOr<std::unique_ptr<EmbeddedLog>> Open(const std::string& dir,
                                                           EmbeddedLogOptions options = {});
  ~EmbeddedLog() override;

  int32_t partitions() const override { return partitions_; }
  absl::Status Append(std::vector<v1::Event>& events, std::vector<AppendResult>* results) override;
  absl::StatusOr<Offset> EndOffset(Partition p) override;
  absl::Status Read(Partition p, Offset from, size_t max_events,
                    std::vector<LogEntry>* out) override;
  // Decodes the stored form straight into facts: no protobuf message.
  absl::Status ScanFacts(Partition p, Offset from, size_t max_events,
                         const std::function<void(const std::string& person, StoredFact& fact)>& fn) override;

  absl::Status Put(const std::vector<v1::DeadLetter>& letters) override;
  absl::Status ForEach(std::optional<v1::Source> source,
                       const std::function<bool(const v1::DeadLetter&)>& fn) override;

  // Total events in all partitions.
  int64_t EventCount();

  // The log's identity: random, made when the log is created (or first opened
  // by a build that has log ids), never changed. A projection records the id
  // of the log it reflects, so a log removed, recreated or restored under it
  // is noticed (StateStore::CheckLog).
  const std::string& id() const { return id_; }
  // The keys the log was opened with (null: none): its persons' partitions.
  const Keyring* keys() const { return options_.keys; }

  // Writes the memtables to table files, so that the next open (a query, say)
  // does not replay the write-ahead log. Appends are durable without it.
  absl::Status Flush();

  // A RocksDB integer property of the store (e.g. compactions pending, for
  // the metrics); 0 when it has none.
  uint64_t IntProperty(const std::string& name) const;

 private:
  // Calls fn with the offset and stored value of each event of partition p
  // from `from` on, up to max_events; stops at fn's first error.
  absl::Status ScanValues(Partition p, Offset from, size_t max_events, bool fill_cache,
                          const std::function<absl::Status(Offset, std::string_view)>& fn);
  EmbeddedLog(std::unique_ptr<rocksdb::DB> db, int32_t partitions, EmbeddedLogOptions options,
              std::vector<int64_t> next, std::string id);

  std::unique_ptr<rocksdb::DB> db_;
  const int32_t partitions_;
  const EmbeddedLogOptions options_;
  const std::string id_;
  // This process's run: stamped on the dead letters it writes.
  const std::string run_ = NewRunId();
  absl::Mutex mu_;
  std::vector<int64_t> next_ ABSL_GUARDED_BY(mu_);  // next offset per partition
  int64_t last_recorded_us_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace enrol

#endif  // ENROL_LEDGER_EMBEDDED_LOG_H_
