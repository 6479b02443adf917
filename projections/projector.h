// Projector: moves events from the log into the per-person projection.
// CatchUp folds what the log holds past the stored offsets (the live path of
// `enrol ingest`); Rebuild folds the whole log into a fresh store (`enrol
// replay`). Both end in byte-identical state for the same log, since a
// person's projection is a pure function of the set of its facts.
//
// A Projector is thread-compatible; CatchUp and Rebuild use `threads` workers,
// each owning whole partitions.
#ifndef ENROL_PROJECTIONS_PROJECTOR_H_
#define ENROL_PROJECTIONS_PROJECTOR_H_

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/log.h"
#include "projections/profiles.h"
#include "projections/state_store.h"

namespace enrol {

using ProgressFn = std::function<void(int64_t events_done)>;

// Adds `fresh` facts of one person (in log order) to the record, keeping them
// unique by (source, record_id) (the first by log order wins) and in that
// order, then re-derives the years the new facts can change: from the year
// before a resident contribution's period or a claim's date on; all of them
// for other facts, a change of pool or of the first stored year. The result equals a
// fold of all the facts at once (projector_test's property test). Pure.
void FoldPerson(std::vector<StoredFact> fresh, const ProfileSet& profiles, PersonRecord* record);

// Folds each person's facts (all of the person's facts in partition p, in log
// order) into a new record, once, and writes the records to `store` in
// chunks, then `next` as p's applied offset: how a partition is rebuilt.
// With `digests`, appends (ID, PersonDigest) of each person. Empties
// by_person.
absl::Status CommitRebuilt(StateStore* store, const ProfileSet& profiles,
                           std::unordered_map<std::string, std::vector<StoredFact>>& by_person, Partition p,
                           Offset next, std::vector<std::pair<std::string, std::string>>* digests = nullptr);

class Projector {
 public:
  // Neither is owned; both must outlive the projector.
  Projector(StateStore* store, const ProfileSet* profiles) : store_(store), profiles_(profiles) {}

  // Applies every event past the stored offsets; returns how many.
  absl::StatusOr<int64_t> CatchUp(Log* log, int threads, const ProgressFn& progress = nullptr);

  // Applies entries of partition p that continue from its stored offset, and
  // stores the new offset in the same batch.
  absl::Status ApplyEntries(Partition p, std::vector<LogEntry>& entries);

  // Applies entries just appended to `log` (any partitions, each in offset
  // order), as ingest hands them over, without reading them back: one read of
  // the persons, one atomic batch of persons and offsets. Entries the state
  // already reflects are skipped; a partition the state lags behind on is
  // caught up from the log first.
  absl::Status ApplyAppended(Log* log, std::vector<LogEntry>& entries);

 private:
  absl::Status FoldAndCommit(std::vector<LogEntry>& entries,
                             const std::vector<std::pair<Partition, Offset>>& offsets);
  absl::Status CatchUpPartition(Log* log, Partition p, int64_t* applied,
                                const std::function<void(int64_t)>& tick);
  StateStore* store_;
  const ProfileSet* profiles_;
};

struct RebuildResult {
  int64_t events = 0;  // events folded
  StateDigest digest;
};

// The flush that ends a rebuild has nothing to overlap it. So a rebuild
// starts a flush once the partitions not yet handed out hold at most this
// many events: their folds run beside that flush, and the last flush holds
// only what they add. A full memtable (64 MiB) takes about as long to flush as
// a fold of this many events takes on one thread.
inline constexpr int64_t kRebuildTailEvents = 150000;

// The partition (they are handed out in order) at which a rebuild of
// partitions holding `ends` events starts that flush; -1 for none.
int32_t RebuildTailStart(const std::vector<int64_t>& ends, int64_t tail_events);

// Folds the log, from offset 0, into `fresh` (an empty store). With as_of_us,
// only events recorded at or before it.
// With `only`, just those partitions (a projection worker's).
absl::StatusOr<RebuildResult> Rebuild(Log* log, StateStore* fresh, const ProfileSet& profiles,
                                      std::optional<int64_t> as_of_us, int threads,
                                      const ProgressFn& progress = nullptr,
                                      const std::vector<int32_t>* only = nullptr,
                                      int64_t tail_events = kRebuildTailEvents);

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_PROJECTOR_H_
