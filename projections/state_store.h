// StateStore: the per-person projection in RocksDB (key layout in
// proto/README.md). Each commit writes persons and the log offsets they
// reflect in one atomic batch, so a crash neither loses nor double-applies an
// event: after a restart the projector resumes from the stored offsets.
//
// Thread-safe (RocksDB is); one process may open a directory for writing.
#ifndef ENROL_PROJECTIONS_STATE_STORE_H_
#define ENROL_PROJECTIONS_STATE_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/keyring.h"
#include "common/types.h"
#include "ledger/embedded_log.h"
#include "projections/person_record.h"

namespace rocksdb {
class DB;
class Env;
}

namespace enrol {

struct StateDigest {
  int64_t persons = 0;
  std::string hex;  // SHA-256 over every person's facts (content) and years
};

class StateStore {
 public:
  // bulk: no WAL (for a rebuild into a fresh directory that is flushed and
  // then swapped in; a crash mid-rebuild leaves the old state in place).
  // env: the file system's Env (fault tests inject one); not owned.
  // keys: encrypts the store and keys each person by the pseudonym of the ID
  // number (every command passes one; null only in tests of other logic).
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(const std::string& dir, bool read_only,
                                                          bool bulk = false, rocksdb::Env* env = nullptr,
                                                          const Keyring* keys = nullptr);
  ~StateStore();

  // Sets the capacity of the store's block cache (128 MiB from Open). The
  // cache holds decoded blocks as they are read and fills no further than
  // that: a server answering random persons sets it to hold its working set,
  // which saves reading, decrypting and decompressing a block per answer.
  void SetCacheBytes(size_t bytes);

  // The person's projection, or nullopt if the person has none.
  // kDataLoss when a stored record does not decode.
  absl::StatusOr<std::optional<PersonRecord>> Get(const std::string& id_number);
  absl::Status MultiGet(const std::vector<std::string>& ids,
                        std::vector<std::optional<PersonRecord>>* out);

  // The next log offset to apply for partition p (0 when none applied).
  absl::StatusOr<Offset> AppliedOffset(Partition p);

  // Writes the persons (ID, EncodePersonRecord) and the offsets in one atomic batch.
  absl::Status Commit(const std::vector<std::pair<std::string, std::string>>& serialized_persons,
                      const std::vector<std::pair<Partition, Offset>>& offsets);

  // The partitions this store holds, for a projection worker of a consumer
  // group (empty owned list: all of them). Written on every rebalance.
  struct Ownership {
    int32_t partitions = 0;  // 0: not a worker's store (embedded ledger)
    std::vector<int32_t> owned;
  };
  absl::Status SetOwnership(const Ownership& o);
  absl::StatusOr<Ownership> GetOwnership();

  // The id of the log this projection reflects (EmbeddedLog::id), "" when it
  // records none (new, or built before log ids).
  absl::StatusOr<std::string> LogId();
  absl::Status SetLogId(const std::string& log_id);

  // Checks that this projection reflects the log `log_id` whose partitions
  // end at `ends`: kFailedPrecondition, naming `enrol replay`, when it names
  // another log or has applied past the log's end (the log was removed,
  // recreated or restored from an older backup). With adopt, a projection
  // that names no log yet records this one. `dir` names the data directory in
  // the message.
  absl::Status CheckLog(const std::string& log_id, const std::vector<Offset>& ends, bool adopt,
                        const std::string& dir);

  // The keys the store was opened with (null: none).
  const Keyring* keys() const { return keys_; }

  // Flushes memtables (used after a bulk rebuild).
  absl::Status Flush();

  // Starts a flush of the memtables and returns without waiting for it: a
  // rebuild starts one before its last partitions, so that its final Flush
  // writes only what those add.
  absl::Status StartFlush();

  // A RocksDB integer property of the store (e.g. compactions pending, for
  // the metrics); 0 when it has none.
  uint64_t IntProperty(const std::string& name) const;

  absl::StatusOr<StateDigest> Digest();

  // Calls fn for every person in key order (the pseudonyms' order when
  // keyed) until it returns false.
  absl::Status ForEachPerson(
      const std::function<bool(const std::string& id_number, const PersonRecord&)>& fn);

 private:
  StateStore(std::unique_ptr<rocksdb::DB> db, bool read_only, bool bulk, const Keyring* keys);
  std::string PersonKey(const std::string& id_number) const;
  std::unique_ptr<rocksdb::DB> db_;
  const bool read_only_;
  bool bulk_;
  const Keyring* keys_;
  // A writable open is the directory's one writer: it keeps the applied
  // offsets it has read or committed (a query reads one per request), each
  // set only once its commit is in RocksDB.
  absl::Mutex applied_mu_;
  std::unordered_map<int32_t, int64_t> applied_ ABSL_GUARDED_BY(applied_mu_);
};

// StateStore::CheckLog against the embedded log's id and partition ends.
absl::Status CheckStateAgainstLog(StateStore* state, EmbeddedLog* log, bool adopt, const std::string& dir);

// Replaces the state directory `dir` with `fresh` (a rebuilt one, closed): a
// crash before the rename leaves the old state, after it the new one.
absl::Status SwapInState(const std::string& fresh, const std::string& dir);

// The digest of one person: SHA-256 over the ID, each fact's content (not its
// log position, recorded time or origin) and the derived years.
std::string PersonDigest(const PersonRecord& record);

// The store's digest: SHA-256 over (ID, PersonDigest) of every person in ID
// order. `persons` must be sorted by ID.
StateDigest CombineDigests(const std::vector<std::pair<std::string, std::string>>& persons);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_STATE_STORE_H_
