#include "projections/state_store.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/big_endian.h"
#include "common/hashing.h"
#include "ledger/encrypted_env.h"
#include "ledger/rocksdb_util.h"
#include "rocksdb/db.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace enrol {
namespace {

constexpr char kPersonTag = 'P';
constexpr char kOffsetTag = 'O';
const char kLogIdKey[] = "Mlog-id";

std::string OffsetKey(Partition p) {
  std::string k(1, kOffsetTag);
  PutBigEndian32(&k, static_cast<uint32_t>(p.value));
  return k;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const std::string& dir,
                                                             bool read_only, bool bulk, rocksdb::Env* env,
                                                             const Keyring* keys) {
  if (auto s = CheckStoreKey(dir, keys, !read_only); !s.ok()) return s;
  rocksdb::Options o = StoreOptions(128);
  // The projection is derived data (the log rebuilds it), so it is LZ4 at
  // every level; the log keeps ZSTD at the bottom. With ZSTD there, a replay
  // of 1,000,000 persons spent 15 of its 65 CPU seconds compacting the fresh
  // store; with LZ4, 7, for a store 18% larger (README, Benchmark).
  o.bottommost_compression = rocksdb::kLZ4Compression;
  if (!read_only) UseResilientInfoLog(dir, &o);
  if (env != nullptr) o.env = env;
  if (keys != nullptr) o.env = EncryptedEnv(*keys, env);
  if (bulk) {
    // A rebuild only writes until it is flushed: a vector memtable appends
    // and sorts once at flush instead of a skiplist insert per person.
    o.memtable_factory.reset(new rocksdb::VectorRepFactory());
    o.allow_concurrent_memtable_write = false;
    o.memtable_prefix_bloom_size_ratio = 0;
    o.memtable_whole_key_filtering = false;
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(o, dir, &raw)
                                : rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) {
    std::error_code ec;
    if (read_only && !std::filesystem::exists(dir + "/CURRENT", ec)) {
      return absl::NotFoundError(absl::StrCat("no projection state at ", dir));
    }
    if (s.IsCorruption() || s.IsInvalidArgument() || s.IsNotSupported()) {
      // The projection is derived data: the log rebuilds it.
      return absl::DataLossError(absl::StrCat("the projection in ", dir, " cannot be read (", s.ToString(),
                                              "); run `enrol replay` to rebuild it from the log"));
    }
    return OpenError(s, absl::StrCat("open state ", dir), dir);
  }
  return std::unique_ptr<StateStore>(new StateStore(std::unique_ptr<rocksdb::DB>(raw), read_only, bulk, keys));
}

StateStore::StateStore(std::unique_ptr<rocksdb::DB> db, bool read_only, bool bulk, const Keyring* keys)
    : db_(std::move(db)), read_only_(read_only), bulk_(bulk), keys_(keys) {}

std::string StateStore::PersonKey(const std::string& id_number) const {
  return std::string(1, kPersonTag) + (keys_ != nullptr ? keys_->Pseudonym(id_number) : id_number);
}
StateStore::~StateStore() = default;

void StateStore::SetCacheBytes(size_t bytes) {
  const rocksdb::Options o = db_->GetOptions();
  const auto* t = o.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
  if (t != nullptr && t->block_cache != nullptr) t->block_cache->SetCapacity(bytes);
}

absl::StatusOr<std::optional<PersonRecord>> StateStore::Get(const std::string& id_number) {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), PersonKey(id_number), &value);
  if (s.IsNotFound()) return std::optional<PersonRecord>();
  if (!s.ok()) return FromRocks(s, "read person");
  auto record = DecodePersonRecord(std::string_view(value.data(), value.size()));
  if (!record.ok()) return absl::DataLossError(absl::StrCat("projection of ", id_number, ": ", record.status().message()));
  return std::optional<PersonRecord>(std::move(*record));
}

absl::Status StateStore::MultiGet(const std::vector<std::string>& ids,
                                  std::vector<std::optional<PersonRecord>>* out) {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids) keys.push_back(PersonKey(id));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values(keys.size());
  std::vector<rocksdb::Status> st = db_->MultiGet(rocksdb::ReadOptions(), slices, &values);
  out->clear();
  out->resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (st[i].IsNotFound()) continue;
    if (!st[i].ok()) return FromRocks(st[i], "read persons");
    auto record = DecodePersonRecord(values[i]);
    if (!record.ok()) return absl::DataLossError(absl::StrCat("projection of ", ids[i], ": ", record.status().message()));
    (*out)[i] = std::move(*record);
  }
  return absl::OkStatus();
}

absl::StatusOr<Offset> StateStore::AppliedOffset(Partition p) {
  if (!read_only_) {
    absl::ReaderMutexLock lock(&applied_mu_);
    if (auto it = applied_.find(p.value); it != applied_.end()) return Offset{it->second};
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), OffsetKey(p), &value);
  Offset applied{0};
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read applied offset");
  if (s.ok()) {
    if (value.size() != 8) return absl::DataLossError("corrupt applied offset");
    applied = Offset{static_cast<int64_t>(GetBigEndian64(value))};
  }
  if (!read_only_) {
    // Unless a commit of this partition got in first (commits only move it on).
    absl::MutexLock lock(&applied_mu_);
    applied = Offset{applied_.try_emplace(p.value, applied.value).first->second};
  }
  return applied;
}

absl::Status StateStore::Commit(
    const std::vector<std::pair<std::string, std::string>>& serialized_persons,
    const std::vector<std::pair<Partition, Offset>>& offsets) {
  rocksdb::WriteBatch batch;
  // In key order, so the memtable's skiplist inserts reuse their search path
  // (a bulk store's vector memtable sorts at its flush instead).
  std::vector<std::pair<std::string, size_t>> keys;
  keys.reserve(serialized_persons.size());
  for (size_t i = 0; i < serialized_persons.size(); ++i) keys.emplace_back(PersonKey(serialized_persons[i].first), i);
  if (!bulk_) std::sort(keys.begin(), keys.end());
  for (const auto& [key, i] : keys) batch.Put(key, serialized_persons[i].second);
  for (const auto& [p, o] : offsets) {
    std::string v;
    PutBigEndian64(&v, static_cast<uint64_t>(o.value));
    batch.Put(OffsetKey(p), v);
  }
  rocksdb::WriteOptions wo;
  wo.disableWAL = bulk_;
  if (absl::Status s = FromRocks(db_->Write(wo, &batch), "commit projection"); !s.ok()) return s;
  if (!offsets.empty()) {
    absl::MutexLock lock(&applied_mu_);
    for (const auto& [p, o] : offsets) applied_[p.value] = o.value;
  }
  return absl::OkStatus();
}

absl::Status StateStore::SetOwnership(const Ownership& o) {
  std::string v;
  PutBigEndian32(&v, static_cast<uint32_t>(o.partitions));
  for (int32_t p : o.owned) PutBigEndian32(&v, static_cast<uint32_t>(p));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, "Mownership", v), "write ownership");
}

absl::StatusOr<StateStore::Ownership> StateStore::GetOwnership() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "Mownership", &v);
  Ownership o;
  if (s.IsNotFound()) return o;
  if (!s.ok()) return FromRocks(s, "read ownership");
  if (v.size() < 4 || v.size() % 4 != 0) return absl::DataLossError("corrupt ownership record");
  o.partitions = static_cast<int32_t>(GetBigEndian32(v));
  for (size_t i = 4; i < v.size(); i += 4) o.owned.push_back(static_cast<int32_t>(GetBigEndian32(std::string_view(v).substr(i, 4))));
  return o;
}

absl::StatusOr<std::string> StateStore::LogId() {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kLogIdKey, &v);
  if (s.IsNotFound()) return std::string();
  if (!s.ok()) return FromRocks(s, "read the projection's log id");
  return v;
}

absl::Status StateStore::SetLogId(const std::string& log_id) {
  rocksdb::WriteOptions wo;
  wo.sync = !bulk_;
  wo.disableWAL = bulk_;
  return FromRocks(db_->Put(wo, kLogIdKey, log_id), "write the projection's log id");
}

absl::Status StateStore::CheckLog(const std::string& log_id, const std::vector<Offset>& ends, bool adopt,
                                  const std::string& dir) {
  auto recorded = LogId();
  if (!recorded.ok()) return recorded.status();
  if (!recorded->empty() && *recorded != log_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the projection in ", dir, "/state was built from another log (log id ", *recorded, "; ", dir,
        "/log has ", log_id, "): the log was removed, recreated or restored under it. Nothing was "
        "changed; run `enrol replay --data-dir ", dir, "` to rebuild the projection from this log"));
  }
  for (size_t p = 0; p < ends.size(); ++p) {
    auto applied = AppliedOffset(Partition{static_cast<int32_t>(p)});
    if (!applied.ok()) return applied.status();
    if (*applied > ends[p]) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the log in ", dir, "/log ends before what the projection has applied (partition ", p,
          ": the log ends at offset ", ends[p].value, ", the projection applied up to ", applied->value,
          "): the log was restored from an older backup. Nothing was changed; run `enrol replay --data-dir ",
          dir, "` to rebuild the projection from this log"));
    }
  }
  if (recorded->empty() && adopt) return SetLogId(log_id);
  return absl::OkStatus();
}

absl::Status CheckStateAgainstLog(StateStore* state, EmbeddedLog* log, bool adopt, const std::string& dir) {
  std::vector<Offset> ends;
  for (int32_t p = 0; p < log->partitions(); ++p) {
    auto end = log->EndOffset(Partition{p});
    if (!end.ok()) return end.status();
    ends.push_back(*end);
  }
  return state->CheckLog(log->id(), ends, adopt, dir);
}

absl::Status StateStore::Flush() {
  if (auto s = FromRocks(db_->Flush(rocksdb::FlushOptions()), "flush projection"); !s.ok()) return s;
  // Flush waits for the memtables it switched and for those a StartFlush
  // left. A bulk store has no WAL, so what it left unflushed would be lost;
  // it has one writer, which is done when it flushes. (Another store keeps
  // what it has not flushed in its WAL, and may have writers still going.)
  if (bulk_ && (IntProperty("rocksdb.num-immutable-mem-table") != 0 ||
                IntProperty("rocksdb.num-entries-active-mem-table") != 0)) {
    return absl::InternalError("flush projection: memtables remain after the flush");
  }
  return absl::OkStatus();
}

absl::Status StateStore::StartFlush() {
  rocksdb::FlushOptions o;
  o.wait = false;
  return FromRocks(db_->Flush(o), "flush projection");
}

std::string PersonDigest(const PersonRecord& record) {
  // SHA-256 of the ID, the facts' content and the years, one after the
  // other: put in one buffer a thread and hashed at once, with no context or
  // buffer made per person.
  thread_local std::string bytes;
  bytes.clear();
  bytes.append(record.id_number);
  for (const StoredFact& f : record.facts) AppendFactContent(f, &bytes);
  for (const std::string& y : record.years) bytes.append(y);
  return Sha256Of(bytes);
}

StateDigest CombineDigests(const std::vector<std::pair<std::string, std::string>>& persons) {
  Sha256 h;
  for (const auto& [id, digest] : persons) {
    h.Update(id);
    h.Update(digest);
  }
  StateDigest d;
  d.persons = static_cast<int64_t>(persons.size());
  d.hex = HexOf(h.Finish());
  return d;
}

absl::Status StateStore::ForEachPerson(
    const std::function<bool(const std::string&, const PersonRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix(1, kPersonTag);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto record = DecodePersonRecord(std::string_view(it->value().data(), it->value().size()));
    if (!record.ok()) return record.status();
    if (!fn(record->id_number, *record)) break;
  }
  return FromRocks(it->status(), "read projection");
}

absl::StatusOr<StateDigest> StateStore::Digest() {
  std::vector<std::pair<std::string, std::string>> persons;
  absl::Status s = ForEachPerson([&](const std::string& id, const PersonRecord& record) {
    persons.emplace_back(id, PersonDigest(record));
    return true;
  });
  if (!s.ok()) return s;
  std::sort(persons.begin(), persons.end());
  return CombineDigests(persons);
}

absl::Status SwapInState(const std::string& fresh, const std::string& dir) {
  std::error_code ec;
  const std::string old_dir = dir + ".old";
  std::filesystem::remove_all(old_dir, ec);
  if (std::filesystem::exists(dir)) std::filesystem::rename(dir, old_dir, ec);
  if (!ec) std::filesystem::rename(fresh, dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("replay: cannot swap in the rebuilt state: ", ec.message()));
  std::filesystem::remove_all(old_dir, ec);
  return absl::OkStatus();
}

uint64_t StateStore::IntProperty(const std::string& name) const { return enrol::IntProperty(db_.get(), name); }

}  // namespace enrol
