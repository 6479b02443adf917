#include "ledger/embedded_log.h"

#include "ledger/encrypted_env.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/big_endian.h"
#include "common/hashing.h"
#include "ledger/content_hash.h"
#include "ledger/fact.h"
#include "ledger/rocksdb_util.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace enrol {
namespace {

// Key layout (proto/README.md):
//   'E' partition:u32be offset:u64be        -> Event
//   'I' source:u8 record_id                 -> hash[16] partition:u32be offset:u64be
//   'D' source:u8 file '\0' line:u64be      -> DeadLetter
//   'M' "partitions"                        -> u32be
constexpr char kEventTag = 'E';
constexpr char kIndexTag = 'I';
constexpr char kDeadTag = 'D';
constexpr size_t kHashPrefix = 16;

std::string EventKey(int32_t p, int64_t offset) {
  std::string k(1, kEventTag);
  PutBigEndian32(&k, static_cast<uint32_t>(p));
  PutBigEndian64(&k, static_cast<uint64_t>(offset));
  return k;
}

std::string IndexKey(v1::Source source, const std::string& record_id) {
  std::string k(1, kIndexTag);
  k.push_back(static_cast<char>(source));
  k.append(record_id);
  return k;
}

std::string DeadKey(const v1::DeadLetter& d) {
  std::string k(1, kDeadTag);
  k.push_back(static_cast<char>(d.source()));
  k.append(d.run());
  k.push_back('\0');
  k.append(d.file());
  k.push_back('\0');
  PutBigEndian64(&k, static_cast<uint64_t>(d.line()));
  return k;
}

const std::string kPartitionsKey = "Mpartitions";
const std::string kLogIdKey = "Mlog-id";

// An event's value (proto/README.md, "The embedded log"): the format byte,
// the person, the fact's content, the recorded time and the origin. Values
// written before this format are whole `Event` messages, whose first byte is
// never 2 (a protobuf tag of field 0 is invalid), and still read.
constexpr uint8_t kEventFormat = 2;

std::string EncodeEvent(const v1::Event& e) {
  std::string out;
  out.reserve(96 + e.origin().file().size());
  out.push_back(static_cast<char>(kEventFormat));
  fact_codec::PutString(&out, e.person());
  AppendFactContent(FactOfEvent(e, -1), &out);
  fact_codec::PutVarint(&out, static_cast<uint64_t>(e.recorded_at_us()));
  fact_codec::PutString(&out, e.origin().file());
  fact_codec::PutVarint(&out, static_cast<uint64_t>(e.origin().line()));
  return out;
}

// Decodes the fact and its person; origin when wanted.
bool DecodeFact(std::string_view value, std::string* person, StoredFact* f, v1::Origin* origin) {
  if (value.empty()) return false;
  if (static_cast<uint8_t>(value[0]) != kEventFormat) {
    v1::Event e;
    if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
    const int64_t offset = f->offset;
    *f = FactOfEvent(e, offset);
    *person = e.person();
    if (origin != nullptr) *origin = e.origin();
    return true;
  }
  fact_codec::Reader in(value.substr(1));
  uint64_t recorded = 0;
  if (!in.String(person) || !in.Content(f, [&](std::string* s) { return in.String(s); }) ||
      !in.Varint(&recorded)) {
    return false;
  }
  f->recorded_at_us = static_cast<int64_t>(recorded);
  if (origin == nullptr) return true;
  uint64_t line = 0;
  if (!in.String(origin->mutable_file()) || !in.Varint(&line)) return false;
  origin->set_line(static_cast<int64_t>(line));
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EmbeddedLog>> EmbeddedLog::Open(const std::string& dir,
                                                               EmbeddedLogOptions options) {
  if (auto s = CheckStoreKey(dir, options.keys, !options.read_only); !s.ok()) return s;
  rocksdb::Options o = StoreOptions(64);
  if (!options.read_only) UseResilientInfoLog(dir, &o);
  o.disable_auto_compactions = options.defer_compactions;
  if (options.env != nullptr) o.env = options.env;
  if (options.keys != nullptr) o.env = EncryptedEnv(*options.keys, options.env);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options.read_only ? rocksdb::DB::OpenForReadOnly(o, dir, &raw)
                                        : rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) {
    if (options.read_only && s.IsPathNotFound()) {
      return absl::NotFoundError(absl::StrCat("no ledger at ", dir));
    }
    if (options.read_only && s.IsInvalidArgument()) {
      return absl::NotFoundError(absl::StrCat("no ledger at ", dir, ": ", s.ToString()));
    }
    return OpenError(s, absl::StrCat("open log ", dir), dir);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  int32_t partitions = options.partitions;
  std::string value;
  s = db->Get(rocksdb::ReadOptions(), kPartitionsKey, &value);
  if (s.ok() && value.size() == 4) {
    partitions = static_cast<int32_t>(GetBigEndian32(value));
  } else if (s.IsNotFound()) {
    if (options.read_only) return absl::NotFoundError(absl::StrCat("no ledger at ", dir));
    if (partitions < 1 || partitions > 4096) {
      return absl::InvalidArgumentError("partitions must be between 1 and 4096");
    }
    std::string v;
    PutBigEndian32(&v, static_cast<uint32_t>(partitions));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto st = FromRocks(db->Put(wo, kPartitionsKey, v), "write log metadata"); !st.ok()) {
      return st;
    }
  } else {
    return FromRocks(s.ok() ? rocksdb::Status::Corruption("bad partitions record") : s,
                     "read log metadata");
  }
  std::string id;
  s = db->Get(rocksdb::ReadOptions(), kLogIdKey, &id);
  if (s.IsNotFound() && !options.read_only) {
    id = NewRunId();  // random and time-ordered, as a run id is
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto st = FromRocks(db->Put(wo, kLogIdKey, id), "write log id"); !st.ok()) return st;
  } else if (!s.ok() && !s.IsNotFound()) {
    return FromRocks(s, "read log id");
  }
  // The next offset of each partition is one past its last event.
  std::vector<int64_t> next(partitions, 0);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (int32_t p = 0; p < partitions; ++p) {
    it->SeekForPrev(EventKey(p, INT64_MAX));
    if (it->Valid()) {
      rocksdb::Slice k = it->key();
      if (k.size() == 13 && k[0] == kEventTag &&
          GetBigEndian32(std::string_view(k.data() + 1, 4)) == static_cast<uint32_t>(p)) {
        next[p] = static_cast<int64_t>(GetBigEndian64(std::string_view(k.data() + 5, 8))) + 1;
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scan log");
  }
  return std::unique_ptr<EmbeddedLog>(
      new EmbeddedLog(std::move(db), partitions, std::move(options), std::move(next), std::move(id)));
}

EmbeddedLog::EmbeddedLog(std::unique_ptr<rocksdb::DB> db, int32_t partitions,
                         EmbeddedLogOptions options, std::vector<int64_t> next, std::string id)
    : db_(std::move(db)), partitions_(partitions), options_(std::move(options)), id_(std::move(id)),
      next_(std::move(next)) {}

EmbeddedLog::~EmbeddedLog() = default;

absl::Status EmbeddedLog::Append(std::vector<v1::Event>& events,
                                 std::vector<AppendResult>* results) {
  if (options_.read_only) return absl::FailedPreconditionError("the log is open read-only");
  results->assign(events.size(), AppendResult{});
  std::vector<std::string> keys(events.size());
  std::vector<std::string> hashes(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Event& e = events[i];
    if (e.record_id().empty() || e.person().empty() || e.source() == v1::SOURCE_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", i, " lacks source, record_id or person"));
    }
    hashes[i] = ContentHash(&e);
    e.set_event_id(absl::StrCat(SourceName(e.source()), ":", e.record_id()));
    keys[i] = IndexKey(e.source(), e.record_id());
  }
  // Look the keys up in one MultiGet.
  std::vector<rocksdb::Slice> key_slices(keys.begin(), keys.end());
  std::vector<std::string> found(keys.size());
  std::vector<rocksdb::Status> statuses =
      db_->MultiGet(rocksdb::ReadOptions(), key_slices, &found);

  absl::MutexLock lock(&mu_);
  std::vector<int64_t> next = next_;
  int64_t now_us = absl::ToUnixMicros(options_.clock());
  int64_t recorded = std::max(now_us, last_recorded_us_);
  // Writes of this call, put into the batch in key order so the memtable's
  // skiplist inserts reuse their search path.
  std::vector<std::pair<std::string, std::string>> writes;
  writes.reserve(events.size() * 2);
  // First occurrence in this call of each key, for duplicates within the call.
  absl::flat_hash_map<std::string_view, size_t> first;
  first.reserve(events.size());
  std::string last_person;
  int32_t last_partition = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    AppendResult& r = (*results)[i];
    std::string_view stored_hash;
    if (statuses[i].ok()) {
      const std::string& v = found[i];
      if (v.size() != kHashPrefix + 12) {
        return absl::DataLossError(absl::StrCat("corrupt index entry for ", events[i].event_id()));
      }
      stored_hash = std::string_view(v.data(), kHashPrefix);
      r.partition.value = static_cast<int32_t>(GetBigEndian32(std::string_view(v.data() + kHashPrefix, 4)));
      r.offset.value = static_cast<int64_t>(GetBigEndian64(std::string_view(v.data() + kHashPrefix + 4, 8)));
    } else if (!statuses[i].IsNotFound()) {
      return FromRocks(statuses[i], "read idempotency index");
    } else if (auto it = first.find(keys[i]); it != first.end()) {
      const AppendResult& earlier = (*results)[it->second];
      stored_hash = std::string_view(hashes[it->second]).substr(0, kHashPrefix);
      r.partition = earlier.partition;
      r.offset = earlier.offset;
    }
    if (!stored_hash.empty()) {
      r.kind = stored_hash == std::string_view(hashes[i]).substr(0, kHashPrefix)
                   ? AppendResult::Kind::kDuplicate
                   : AppendResult::Kind::kConflict;
      continue;
    }
    v1::Event& e = events[i];
    // A feed lists a person's records together: their partition (an HMAC
    // with a keyring) is worked out once for the run of them.
    if (last_person != e.person()) {  // never empty (checked above)
      last_person = e.person();
      last_partition = PersonPartition(options_.keys, e.person(), partitions_);
    }
    const int32_t p = last_partition;
    r.kind = AppendResult::Kind::kAppended;
    r.partition.value = p;
    r.offset.value = next[p]++;
    e.set_recorded_at_us(recorded);
    e.set_content_hash(hashes[i]);
    std::string value;
    value.append(hashes[i].data(), kHashPrefix);
    PutBigEndian32(&value, static_cast<uint32_t>(p));
    PutBigEndian64(&value, static_cast<uint64_t>(r.offset.value));
    writes.emplace_back(keys[i], std::move(value));
    writes.emplace_back(EventKey(p, r.offset.value), EncodeEvent(e));
    first.emplace(keys[i], i);
  }
  if (writes.empty()) return absl::OkStatus();
  std::vector<uint32_t> order(writes.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return writes[a].first < writes[b].first; });
  rocksdb::WriteBatch batch;
  for (uint32_t i : order) batch.Put(writes[i].first, writes[i].second);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = FromRocks(db_->Write(wo, &batch), "append to log"); !s.ok()) return s;
  next_ = std::move(next);
  last_recorded_us_ = recorded;
  return absl::OkStatus();
}

absl::StatusOr<Offset> EmbeddedLog::EndOffset(Partition p) {
  if (p.value < 0 || p.value >= partitions_) return absl::InvalidArgumentError("no such partition");
  absl::MutexLock lock(&mu_);
  return Offset{next_[p.value]};
}

absl::Status EmbeddedLog::ScanValues(Partition p, Offset from, size_t max_events, bool fill_cache,
                                     const std::function<absl::Status(Offset, std::string_view)>& fn) {
  if (p.value < 0 || p.value >= partitions_) return absl::InvalidArgumentError("no such partition");
  rocksdb::ReadOptions ro;
  std::string upper = EventKey(p.value + 1, 0);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  ro.readahead_size = 2 << 20;
  ro.fill_cache = fill_cache;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  size_t n = 0;
  for (it->Seek(EventKey(p.value, from.value)); it->Valid() && n < max_events; it->Next(), ++n) {
    rocksdb::Slice k = it->key();
    const Offset offset{static_cast<int64_t>(GetBigEndian64(std::string_view(k.data() + 5, 8)))};
    if (auto s = fn(offset, std::string_view(it->value().data(), it->value().size())); !s.ok()) return s;
  }
  return FromRocks(it->status(), "read log");
}

absl::Status EmbeddedLog::Read(Partition p, Offset from, size_t max_events,
                               std::vector<LogEntry>* out) {
  StoredFact fact;
  std::string person;
  return ScanValues(p, from, max_events, /*fill_cache=*/true, [&](Offset offset, std::string_view value) {
    LogEntry& entry = out->emplace_back();
    entry.partition = p;
    entry.offset = offset;
    v1::Origin origin;
    if (!DecodeFact(value, &person, &fact, &origin)) {
      return absl::DataLossError(
          absl::StrCat("event at partition ", p.value, " offset ", offset.value, " does not decode"));
    }
    entry.event = EventOfFact(fact, person);
    entry.event.set_event_id(absl::StrCat(SourceName(fact.source), ":", fact.record_id));
    *entry.event.mutable_origin() = std::move(origin);
    entry.event.set_content_hash(ContentHash(&entry.event));
    return absl::OkStatus();
  });
}

absl::Status EmbeddedLog::ScanFacts(Partition p, Offset from, size_t max_events,
                                    const std::function<void(const std::string&, StoredFact&)>& fn) {
  std::string person;
  // A scan reads each block once: it does not fill the block cache.
  return ScanValues(p, from, max_events, /*fill_cache=*/false, [&](Offset offset, std::string_view value) {
    StoredFact fact;
    fact.offset = offset.value;
    if (!DecodeFact(value, &person, &fact, nullptr)) {
      return absl::DataLossError(
          absl::StrCat("event at partition ", p.value, " offset ", offset.value, " does not decode"));
    }
    fn(person, fact);
    return absl::OkStatus();
  });
}

int64_t EmbeddedLog::EventCount() {
  absl::MutexLock lock(&mu_);
  int64_t n = 0;
  for (int64_t v : next_) n += v;
  return n;
}

absl::Status EmbeddedLog::Flush() {
  if (options_.read_only) return absl::OkStatus();
  return FromRocks(db_->Flush(rocksdb::FlushOptions()), "flush log");
}

absl::Status EmbeddedLog::Put(const std::vector<v1::DeadLetter>& letters) {
  if (letters.empty()) return absl::OkStatus();
  if (options_.read_only) return absl::FailedPreconditionError("the log is open read-only");
  rocksdb::WriteBatch batch;
  for (const v1::DeadLetter& letter : letters) {
    v1::DeadLetter d = letter;
    if (d.run().empty()) d.set_run(run_);
    batch.Put(DeadKey(d), d.SerializeAsString());
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "write dead letters");
}

absl::Status EmbeddedLog::ForEach(std::optional<v1::Source> source,
                                  const std::function<bool(const v1::DeadLetter&)>& fn) {
  std::string prefix(1, kDeadTag);
  if (source) prefix.push_back(static_cast<char>(*source));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  v1::DeadLetter d;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!d.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a dead letter does not parse");
    }
    if (!fn(d)) break;
  }
  return FromRocks(it->status(), "read dead letters");
}

uint64_t EmbeddedLog::IntProperty(const std::string& name) const { return enrol::IntProperty(db_.get(), name); }

}  // namespace enrol
