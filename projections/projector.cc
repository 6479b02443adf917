#include "projections/projector.h"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <queue>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "projections/facts.h"
#include "projections/person_model.h"

namespace enrol {
namespace {

constexpr size_t kCatchUpBatch = 20000;
constexpr size_t kRebuildCommitPersons = 5000;
constexpr size_t kRebuildReadChunk = 50000;

// Runs fn(partition) on `threads` workers; the first error wins.
absl::Status ForEachPartition(int32_t partitions, int threads,
                              const std::function<absl::Status(Partition)>& fn) {
  std::atomic<int32_t> next{0};
  absl::Mutex mu;
  absl::Status first_error;
  auto work = [&] {
    for (int32_t p = next++; p < partitions; p = next++) {
      absl::Status s = fn(Partition{p});
      if (!s.ok()) {
        absl::MutexLock lock(&mu);
        if (first_error.ok()) first_error = s;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  int n = std::max(1, std::min<int>(threads, partitions));
  for (int i = 1; i < n; ++i) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return first_error;
}

}  // namespace

namespace {

// The latest fact by business date: its pool is the person's.
const StoredFact* Latest(const std::vector<StoredFact>& facts) {
  const StoredFact* latest = nullptr;
  for (const StoredFact& f : facts) {
    if (latest == nullptr || std::tie(f.business_date, f.source, f.record_id) >
                                 std::tie(latest->business_date, latest->source, latest->record_id)) {
      latest = &f;
    }
  }
  return latest;
}

// The earliest year whose answer a new fact can change, or nullopt when it
// can change any year: a registry action, a civil status, a refund or a
// reversal, and an employee contribution (employee cover is judged over the
// whole timeline: waits, arrears and make-ups reach back across years). A
// resident contribution or a claim reaches back to the year before its period
// or date.
std::optional<int> EarliestAffectedYear(const StoredFact& f) {
  switch (f.type) {
    case v1::Event::kContribution: {
      if (f.v[slot::kScheme] == v1::EMPLOYEE) return std::nullopt;
      int y = std::min(static_cast<int>(f.v[slot::kPeriodYear]), f.business_date / 10000);
      return y - 1;
    }
    case v1::Event::kClaim: return f.business_date / 10000 - 1;
    default: return std::nullopt;
  }
}

// Re-derives the stored years from `from` on (all of them when from is
// nullopt), keeping the earlier ones.
void DeriveYears(const ProfileSet& profiles, std::optional<int> from, PersonRecord* r) {
  const PersonFacts pf = CollectFacts(r->id_number, r->facts);
  auto [first, last] = StoredYears(pf, profiles);
  int keep = 0;  // stored years kept as they are
  if (from && first == r->first_year && !r->years.empty()) {
    keep = std::clamp(*from - first, 0, static_cast<int>(r->years.size()));
  }
  r->years.resize(static_cast<size_t>(keep));
  r->first_year = first;
  if (!AppendStoredYears(pf, profiles, first + keep, last, &r->years).ok()) {
    r->years.clear();  // no profile for the pool: years are evaluated on demand
  }
}

// `facts` in FactKeyLess order, equal keys in their order in `facts`. It
// sorts indexes and then moves each fact once: a fact is about 200 bytes, and
// sorting the facts themselves moved each of them many times.
std::vector<StoredFact> SortedByKey(std::vector<StoredFact> facts) {
  if (std::is_sorted(facts.begin(), facts.end(), FactKeyLess)) return facts;
  std::vector<uint32_t> order(facts.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&facts](uint32_t a, uint32_t b) { return FactKeyLess(facts[a], facts[b]); });
  std::vector<StoredFact> sorted;
  sorted.reserve(facts.size());
  for (uint32_t i : order) sorted.push_back(std::move(facts[i]));
  return sorted;
}

}  // namespace

void FoldPerson(std::vector<StoredFact> fresh, const ProfileSet& profiles, PersonRecord* r) {
  fresh = SortedByKey(std::move(fresh));
  const StoredFact* old_latest = Latest(r->facts);
  const std::string old_pool = old_latest != nullptr ? old_latest->pool : std::string();
  // The first stored fact of a (source, record_id) wins.
  std::vector<StoredFact> add;
  std::optional<int> from;
  bool all_years = r->years.empty();
  // Of the same key in this batch, the first by log order (stable sort).
  fresh.erase(std::unique(fresh.begin(), fresh.end(),
                          [](const StoredFact& a, const StoredFact& b) { return !FactKeyLess(a, b); }),
              fresh.end());
  // A person with no facts yet (every person of a rebuild) takes them all as
  // they are.
  const bool first_facts = r->facts.empty();
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (!first_facts && std::binary_search(r->facts.begin(), r->facts.end(), fresh[i], FactKeyLess)) continue;
    std::optional<int> y = EarliestAffectedYear(fresh[i]);
    if (!y) all_years = true;
    if (y && (!from || *y < *from)) from = y;
    if (!first_facts) add.push_back(std::move(fresh[i]));
  }
  if (first_facts) {
    if (fresh.empty()) return;
    r->facts = std::move(fresh);
  } else {
    if (add.empty()) return;  // nothing new: the years stand
    std::vector<StoredFact> merged;
    merged.reserve(r->facts.size() + add.size());
    std::merge(std::make_move_iterator(r->facts.begin()), std::make_move_iterator(r->facts.end()),
               std::make_move_iterator(add.begin()), std::make_move_iterator(add.end()),
               std::back_inserter(merged), FactKeyLess);
    r->facts = std::move(merged);
  }
  const StoredFact* latest = Latest(r->facts);
  if (latest->pool != old_pool) all_years = true;
  DeriveYears(profiles, all_years ? std::nullopt : from, r);
}

absl::Status Projector::FoldAndCommit(std::vector<LogEntry>& entries,
                                     const std::vector<std::pair<Partition, Offset>>& offsets) {
  std::unordered_map<std::string, std::vector<StoredFact>> by_person;
  std::vector<std::string> order;
  for (LogEntry& e : entries) {
    auto [it, inserted] = by_person.try_emplace(e.event.person());
    if (inserted) order.push_back(e.event.person());
    it->second.push_back(FactOfEvent(e.event, e.offset.value));
  }
  std::vector<std::optional<PersonRecord>> records;
  if (auto s = store_->MultiGet(order, &records); !s.ok()) return s;
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    PersonRecord record = records[i] ? std::move(*records[i]) : PersonRecord();
    record.id_number = order[i];
    FoldPerson(std::move(by_person[order[i]]), *profiles_, &record);
    out.emplace_back(order[i], EncodePersonRecord(record));
  }
  return store_->Commit(out, offsets);
}

absl::Status Projector::ApplyEntries(Partition p, std::vector<LogEntry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  Offset next{entries.back().offset.value + 1};
  return FoldAndCommit(entries, {{p, next}});
}

absl::Status Projector::ApplyAppended(Log* log, std::vector<LogEntry>& entries) {
  std::unordered_map<int32_t, Offset> ends;  // per partition: one past the last entry
  for (const LogEntry& e : entries) {
    Offset& end = ends[e.partition.value];
    end = std::max(end, Offset{e.offset.value + 1});
  }
  std::vector<std::pair<Partition, Offset>> offsets;
  std::unordered_map<int32_t, Offset> applied;
  for (const auto& [p, end] : ends) {
    auto at = store_->AppliedOffset(Partition{p});
    if (!at.ok()) return at.status();
    applied[p] = *at;
    offsets.emplace_back(Partition{p}, std::max(*at, end));
  }
  // Entries the state already reflects are skipped. A partition whose state
  // lags behind the first entry (an earlier run stopped between append and
  // projection) is caught up from the log, these entries included.
  std::vector<LogEntry> fold;
  fold.reserve(entries.size());
  std::unordered_map<int32_t, bool> caught_up;
  for (LogEntry& e : entries) {
    const int32_t p = e.partition.value;
    if (e.offset < applied[p]) continue;
    if (e.offset > applied[p] && !caught_up.count(p)) {
      int64_t n = 0;
      if (auto s = CatchUpPartition(log, e.partition, &n, [](int64_t) {}); !s.ok()) return s;
      caught_up[p] = true;
    }
    if (caught_up.count(p)) continue;
    applied[p] = Offset{e.offset.value + 1};
    fold.push_back(std::move(e));
  }
  std::erase_if(offsets, [&](const auto& po) { return caught_up.count(po.first.value) > 0; });
  if (fold.empty() && offsets.empty()) return absl::OkStatus();
  return FoldAndCommit(fold, offsets);
}

absl::Status Projector::CatchUpPartition(Log* log, Partition p, int64_t* applied,
                                         const std::function<void(int64_t)>& tick) {
  auto from = store_->AppliedOffset(p);
  if (!from.ok()) return from.status();
  auto end = log->EndOffset(p);
  if (!end.ok()) return end.status();
  Offset at = *from;
  while (at < *end) {
    std::vector<LogEntry> entries;
    if (auto s = log->Read(p, at, kCatchUpBatch, &entries); !s.ok()) return s;
    if (entries.empty()) break;
    if (entries.front().offset != at) {
      return absl::DataLossError(absl::StrCat("log partition ", p.value, " has a gap at offset ",
                                              at.value));
    }
    at = Offset{entries.back().offset.value + 1};
    size_t n = entries.size();
    if (auto s = ApplyEntries(p, entries); !s.ok()) return s;
    *applied += static_cast<int64_t>(n);
    tick(static_cast<int64_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Projector::CatchUp(Log* log, int threads, const ProgressFn& progress) {
  std::atomic<int64_t> total{0};
  absl::Mutex progress_mu;
  auto tick = [&](int64_t n) {
    int64_t done = total += n;
    if (progress) {
      absl::MutexLock lock(&progress_mu);
      progress(done);
    }
  };
  absl::Status s = ForEachPartition(log->partitions(), threads, [&](Partition p) {
    int64_t applied = 0;
    return CatchUpPartition(log, p, &applied, tick);
  });
  if (!s.ok()) return s;
  return total.load();
}

absl::Status CommitRebuilt(StateStore* store, const ProfileSet& profiles,
                           std::unordered_map<std::string, std::vector<StoredFact>>& by_person, Partition p,
                           Offset next, std::vector<std::pair<std::string, std::string>>* digests) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(std::min(by_person.size(), kRebuildCommitPersons));
  for (auto& [person, facts] : by_person) {
    PersonRecord record;
    record.id_number = person;
    FoldPerson(std::move(facts), profiles, &record);
    if (digests != nullptr) digests->emplace_back(person, PersonDigest(record));
    out.emplace_back(person, EncodePersonRecord(record));
    if (out.size() >= kRebuildCommitPersons) {
      if (auto st = store->Commit(out, {}); !st.ok()) return st;
      out.clear();
    }
  }
  by_person.clear();
  if (auto st = store->Commit(out, {}); !st.ok()) return st;
  return store->Commit({}, {{p, next}});
}

namespace {

using DigestRun = std::vector<std::pair<std::string, std::string>>;  // (person, PersonDigest), sorted

// The runs merged into one list in ID order.
DigestRun MergeRuns(std::vector<DigestRun> runs) {
  size_t n = 0;
  for (const DigestRun& r : runs) n += r.size();
  using Head = std::pair<size_t, size_t>;  // (run, index)
  auto later = [&runs](const Head& a, const Head& b) { return runs[b.first][b.second] < runs[a.first][a.second]; };
  std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
  for (size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].empty()) heads.emplace(i, 0);
  }
  DigestRun merged;
  merged.reserve(n);
  while (!heads.empty()) {
    auto [run, at] = heads.top();
    heads.pop();
    merged.push_back(std::move(runs[run][at]));
    if (at + 1 < runs[run].size()) heads.emplace(run, at + 1);
  }
  return merged;
}

}  // namespace

int32_t RebuildTailStart(const std::vector<int64_t>& ends, int64_t tail_events) {
  int64_t rest = 0;
  for (int32_t p = static_cast<int32_t>(ends.size()) - 1; p >= 0; --p) {
    rest += ends[static_cast<size_t>(p)];
    if (rest > tail_events) return p + 1 < static_cast<int32_t>(ends.size()) ? p + 1 : -1;
  }
  return -1;
}

absl::StatusOr<RebuildResult> Rebuild(Log* log, StateStore* fresh, const ProfileSet& profiles,
                                      std::optional<int64_t> as_of_us, int threads,
                                      const ProgressFn& progress, const std::vector<int32_t>* only,
                                      int64_t tail_events) {
  std::atomic<int64_t> total{0};
  std::atomic<int64_t> folded_total{0};
  absl::Mutex progress_mu;
  absl::Mutex digests_mu;
  std::vector<DigestRun> digests;  // one run a partition
  std::vector<int64_t> ends;  // each partition's end as the rebuild starts
  for (int32_t p = 0; p < log->partitions(); ++p) {
    auto end = log->EndOffset(Partition{p});
    if (!end.ok()) return end.status();
    ends.push_back(end->value);
  }
  const int32_t tail_start = RebuildTailStart(ends, tail_events);
  absl::Status s = ForEachPartition(log->partitions(), threads, [&](Partition p) -> absl::Status {
    if (only != nullptr && std::find(only->begin(), only->end(), p.value) == only->end()) {
      return absl::OkStatus();
    }
    if (p.value == tail_start) {
      if (auto st = fresh->StartFlush(); !st.ok()) return st;
    }
    // A person's events all live in one partition: gather the partition's
    // facts, compact, by person in one streaming pass, then fold each person once,
    // up to the partition's end as the rebuild started.
    const Offset end{ends[static_cast<size_t>(p.value)]};
    int64_t folded = 0;
    Offset at{0};
    std::unordered_map<std::string, std::vector<StoredFact>> by_person;
    while (at < end) {
      int64_t read = 0;
      auto st = log->ScanFacts(p, at, kRebuildReadChunk, [&](const std::string& person, StoredFact& f) {
        ++read;
        at = Offset{f.offset + 1};
        if (as_of_us && f.recorded_at_us > *as_of_us) return;
        ++folded;
        std::vector<StoredFact>& facts = by_person[person];
        if (facts.empty()) facts.reserve(8);
        facts.push_back(std::move(f));
      });
      if (!st.ok()) return st;
      if (read == 0) break;
      int64_t done = total += read;
      if (progress) {
        absl::MutexLock lock(&progress_mu);
        progress(done);
      }
    }
    DigestRun mine;
    mine.reserve(by_person.size());
    if (auto st = CommitRebuilt(fresh, profiles, by_person, p, at, &mine); !st.ok()) return st;
    folded_total += folded;
    std::sort(mine.begin(), mine.end());
    absl::MutexLock lock(&digests_mu);
    digests.push_back(std::move(mine));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  // The same digest StateStore::Digest computes by scanning, from the
  // per-person digests taken while folding; combined while the last flush runs.
  if (auto st = fresh->StartFlush(); !st.ok()) return st;
  RebuildResult r;
  r.digest = CombineDigests(MergeRuns(std::move(digests)));
  r.events = folded_total.load();
  if (auto st = fresh->Flush(); !st.ok()) return st;
  return r;
}

}  // namespace enrol
