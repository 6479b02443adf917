#include "projections/projector.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/hashing.h"
#include "projections/facts.h"
#include "projections/person_model.h"

namespace enrol {
namespace {

constexpr size_t kCatchUpBatch = 20000;
constexpr size_t kRebuildCommitPersons = 5000;
constexpr size_t kRebuildReadChunk = 50000;
// Events a rebuild worker holds at once (about 1 KB each in memory); see Rebuild.
constexpr int64_t kRebuildEventsInMemory = 250000;

bool FactLess(const v1::Event& a, const v1::Event& b) {
  if (a.source() != b.source()) return a.source() < b.source();
  return a.record_id() < b.record_id();
}
bool FactSame(const v1::Event& a, const v1::Event& b) {
  return a.source() == b.source() && a.record_id() == b.record_id();
}

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

void FoldPerson(const std::string& id_number, std::vector<v1::Event> events,
                const ProfileSet& profiles, v1::PersonState* state) {
  auto* facts = state->mutable_facts();
  std::vector<v1::Event> all;
  all.reserve(facts->size() + events.size());
  for (auto& e : *facts) all.push_back(std::move(e));
  for (auto& e : events) {
    e.clear_person();
    e.clear_event_id();
    all.push_back(std::move(e));
  }
  std::stable_sort(all.begin(), all.end(), FactLess);
  all.erase(std::unique(all.begin(), all.end(), FactSame), all.end());
  facts->Clear();
  for (auto& e : all) *facts->Add() = std::move(e);

  std::vector<const v1::Event*> view;
  view.reserve(state->facts().size());
  for (const v1::Event& e : state->facts()) view.push_back(&e);
  PersonFacts pf = CollectFacts(id_number, view);
  state->set_pool(pf.pool);
  state->clear_years();
  auto [first, last] = StoredYears(pf, profiles);
  state->set_first_year(first);
  auto years = EvaluatePerson(pf, profiles, first, last);
  if (years.ok()) {
    for (auto& y : *years) *state->add_years() = std::move(y);
  }
}

absl::Status Projector::ApplyEntries(Partition p, std::vector<LogEntry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  std::unordered_map<std::string, std::vector<v1::Event>> by_person;
  std::vector<std::string> order;
  for (LogEntry& e : entries) {
    auto [it, inserted] = by_person.try_emplace(e.event.person());
    if (inserted) order.push_back(e.event.person());
    it->second.push_back(std::move(e.event));
  }
  std::vector<std::optional<v1::PersonState>> states;
  if (auto s = store_->MultiGet(order, &states); !s.ok()) return s;
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    v1::PersonState state = states[i] ? std::move(*states[i]) : v1::PersonState();
    FoldPerson(order[i], std::move(by_person[order[i]]), *profiles_, &state);
    out.emplace_back(order[i], state.SerializeAsString());
  }
  Offset next{entries.back().offset.value + 1};
  return store_->Commit(out, {{p, next}});
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

absl::StatusOr<RebuildResult> Rebuild(Log* log, StateStore* fresh, const ProfileSet& profiles,
                                      std::optional<int64_t> as_of_us, int threads,
                                      const ProgressFn& progress, const std::vector<int32_t>* only) {
  std::atomic<int64_t> total{0};
  std::atomic<int64_t> folded_total{0};
  absl::Mutex progress_mu;
  absl::Mutex digests_mu;
  std::vector<std::pair<std::string, std::string>> digests;  // (person, PersonDigest)
  absl::Status s = ForEachPartition(log->partitions(), threads, [&](Partition p) -> absl::Status {
    if (only != nullptr && std::find(only->begin(), only->end(), p.value) == only->end()) {
      return absl::OkStatus();
    }
    // A person's events all live in one partition: gather them, then fold
    // each person once. A large partition is folded in several passes, each
    // holding the events of one slice of its persons, so memory stays bounded.
    auto end = log->EndOffset(p);
    if (!end.ok()) return end.status();
    const int64_t passes = std::max<int64_t>(1, (end->value + kRebuildEventsInMemory - 1) / kRebuildEventsInMemory);
    int64_t folded = 0;
    Offset at{0};
    std::vector<std::pair<std::string, std::string>> mine;
    for (int64_t pass = 0; pass < passes; ++pass) {
      std::unordered_map<std::string, std::vector<v1::Event>> by_person;
      at = Offset{0};
      while (at < *end) {
        std::vector<LogEntry> entries;
        if (auto st = log->Read(p, at, kRebuildReadChunk, &entries); !st.ok()) return st;
        if (entries.empty()) break;
        at = Offset{entries.back().offset.value + 1};
        for (LogEntry& e : entries) {
          if (as_of_us && e.event.recorded_at_us() > *as_of_us) continue;
          if (passes > 1 && static_cast<int64_t>(Murmur2(e.event.person() + "#pass") % passes) != pass) continue;
          ++folded;
          std::string person = e.event.person();
          by_person[person].push_back(std::move(e.event));
        }
        int64_t done = total += static_cast<int64_t>(entries.size()) / passes;
        if (progress) {
          absl::MutexLock lock(&progress_mu);
          progress(done);
        }
      }
      std::vector<std::pair<std::string, std::string>> out;
      out.reserve(kRebuildCommitPersons);
      for (auto& [person, events] : by_person) {
        v1::PersonState state;
        FoldPerson(person, std::move(events), profiles, &state);
        mine.emplace_back(person, PersonDigest(person, state));
        out.emplace_back(person, state.SerializeAsString());
        if (out.size() >= kRebuildCommitPersons) {
          if (auto st = fresh->Commit(out, {}); !st.ok()) return st;
          out.clear();
        }
      }
      if (auto st = fresh->Commit(out, {}); !st.ok()) return st;
    }
    folded_total += folded;
    {
      absl::MutexLock lock(&digests_mu);
      for (auto& d : mine) digests.push_back(std::move(d));
    }
    return fresh->Commit({}, {{p, at}});
  });
  if (!s.ok()) return s;
  if (auto st = fresh->Flush(); !st.ok()) return st;
  // The same digest StateStore::Digest computes by scanning, from the
  // per-person digests taken while folding.
  std::sort(digests.begin(), digests.end());
  RebuildResult r;
  r.digest = CombineDigests(digests);
  r.events = folded_total.load();
  return r;
}

}  // namespace enrol
