#include "ledger/access_log.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/big_endian.h"
#include "common/dates.h"
#include "common/ids.h"
#include "common/json.h"
#include "ledger/encrypted_env.h"
#include "ledger/rocksdb_util.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace enrol {
namespace {

constexpr char kPrefix = 'A';
constexpr size_t kKeyBytes = 17;
constexpr size_t kBatchRecords = 4096;
constexpr absl::Duration kFlushEvery = absl::Milliseconds(100);

std::string Key(int64_t micros, uint64_t sequence) {
  std::string k(1, kPrefix);
  PutBigEndian64(&k, static_cast<uint64_t>(micros));
  PutBigEndian64(&k, sequence);
  return k;
}

void PutString(std::string* out, const std::string& s) {
  const size_t n = std::min<size_t>(s.size(), 0xffff);
  out->push_back(static_cast<char>(n >> 8));
  out->push_back(static_cast<char>(n & 0xff));
  out->append(s, 0, n);
}

bool GetString(std::string_view* in, std::string* s) {
  if (in->size() < 2) return false;
  const size_t n = (static_cast<unsigned char>((*in)[0]) << 8) | static_cast<unsigned char>((*in)[1]);
  if (in->size() < 2 + n) return false;
  s->assign(in->substr(2, n));
  in->remove_prefix(2 + n);
  return true;
}

std::string Encode(const AccessRecord& r) {
  std::string v(1, '\x01');
  v.push_back(static_cast<char>((r.status >> 8) & 0xff));
  v.push_back(static_cast<char>(r.status & 0xff));
  for (const std::string* s : {&r.user, &r.role, &r.endpoint, &r.pseudonym, &r.asked}) PutString(&v, *s);
  return v;
}

absl::StatusOr<AccessRecord> Decode(std::string_view key, std::string_view value) {
  AccessRecord r;
  const auto corrupt = [&] { return absl::DataLossError("access log: a record does not decode"); };
  if (key.size() != kKeyBytes || key[0] != kPrefix || value.size() < 3 || value[0] != '\x01') return corrupt();
  r.micros = static_cast<int64_t>(GetBigEndian64(key.substr(1)));
  r.sequence = GetBigEndian64(key.substr(9));
  r.status = (static_cast<unsigned char>(value[1]) << 8) | static_cast<unsigned char>(value[2]);
  value.remove_prefix(3);
  for (std::string* s : {&r.user, &r.role, &r.endpoint, &r.pseudonym, &r.asked}) {
    if (!GetString(&value, s)) return corrupt();
  }
  if (!value.empty()) return corrupt();
  return r;
}

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<AccessFilter> AccessFilter::Parse(const std::string& since, const std::string& pseudonym,
                                                 const std::string& id, const Keyring* keys,
                                                 const std::string& prefix) {
  AccessFilter f;
  if (!since.empty()) {
    auto t = ParseTimestamp(since);
    if (!t) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "since: \"", since, "\" is not an RFC 3339 timestamp with an offset"));
    }
    f.since_micros = std::max<int64_t>(0, absl::ToUnixMicros(*t));
  }
  if (!pseudonym.empty() && !id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(prefix, "pseudonym and ", prefix, "id: give one of them"));
  }
  if (!pseudonym.empty()) {
    if (!IsHex64(pseudonym)) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "pseudonym: must be 64 hex digits"));
    }
    f.pseudonym = absl::AsciiStrToLower(pseudonym);
  }
  if (!id.empty()) {
    const std::string upper = absl::AsciiStrToUpper(id);  // as the server hashes it
    if (auto s = ValidateIdNumber(upper); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "id: ", s.message()));
    }
    if (keys == nullptr) return absl::FailedPreconditionError(absl::StrCat(prefix, "id: needs the key"));
    f.pseudonym = keys->PseudonymHex(upper);
  }
  return f;
}

std::string AccessRecordJson(const AccessRecord& r) {
  const absl::Time t = absl::FromUnixMicros(r.micros);
  return absl::StrCat("{\"time\":", JsonQuote(absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+08:00", t, Cst())),
                      ",\"user\":", JsonQuote(r.user), ",\"role\":", JsonQuote(r.role),
                      ",\"endpoint\":", JsonQuote(r.endpoint), ",\"pseudonym\":", JsonQuote(r.pseudonym),
                      ",\"asked\":", JsonQuote(r.asked), ",\"status\":", r.status, "}");
}

struct AccessLog::Impl {
  std::string dir;
  std::unique_ptr<rocksdb::DB> db;
  bool read_only = false;

  absl::Mutex mu;  // guards the queue, the sequence and stopping
  std::vector<std::pair<std::string, std::string>> queue ABSL_GUARDED_BY(mu);
  uint64_t next_sequence ABSL_GUARDED_BY(mu) = 0;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  absl::Mutex write_mu;  // one write to RocksDB at a time
  absl::Status error ABSL_GUARDED_BY(write_mu);
  // Of the last write; a mutex of its own, so that a person read checking it
  // (Health) does not wait for a write's fsync.
  absl::Mutex last_mu;
  absl::Status last ABSL_GUARDED_BY(last_mu);
  std::thread flusher;

  absl::Status Write();
  void Run();
  bool Due() const ABSL_SHARED_LOCKS_REQUIRED(mu) { return stopping || queue.size() >= kBatchRecords; }
  uint64_t LastSequence();
};

uint64_t AccessLog::Impl::LastSequence() {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  it->SeekToLast();
  if (!it->Valid() || it->key().size() != kKeyBytes) return 0;
  return GetBigEndian64(std::string_view(it->key().data() + 9, 8)) + 1;
}

// Writes the queue as one synced batch; on an error the records stay queued.
absl::Status AccessLog::Impl::Write() {
  absl::MutexLock w(&write_mu);
  std::vector<std::pair<std::string, std::string>> batch;
  {
    absl::MutexLock lock(&mu);
    batch.swap(queue);
  }
  if (batch.empty()) return absl::OkStatus();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::WriteBatch b;
  for (const auto& [k, v] : batch) b.Put(k, v);
  absl::Status s = FromRocks(db->Write(wo, &b), "write access log");
  {
    absl::MutexLock l(&last_mu);
    last = s;
  }
  if (!s.ok()) {
    absl::MutexLock lock(&mu);  // kept for the next round
    queue.insert(queue.begin(), batch.begin(), batch.end());
    if (error.ok()) error = s;
  }
  return s;
}

void AccessLog::Impl::Run() {
  for (;;) {
    bool stop = false;
    {
      absl::MutexLock lock(&mu);
      mu.AwaitWithTimeout(absl::Condition(this, &Impl::Due), kFlushEvery);
      stop = stopping;
    }
    if (stop) return;
    (void)Write();  // an error is kept in `error` for Close
  }
}

AccessLog::AccessLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AccessLog::~AccessLog() { (void)Close(); }

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& dir, const Keyring* keys,
                                                           bool read_only) {
  if (auto s = CheckStoreKey(dir, keys, !read_only); !s.ok()) return s;
  rocksdb::Options o = StoreOptions(8);
  if (!read_only) UseResilientInfoLog(dir, &o);
  if (keys != nullptr) o.env = EncryptedEnv(*keys);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(o, dir, &raw) : rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) {
    if (read_only && (s.IsPathNotFound() || s.IsInvalidArgument())) {
      return absl::NotFoundError(absl::StrCat("no access log at ", dir));
    }
    return OpenError(s, absl::StrCat("open access log ", dir), dir);
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->db.reset(raw);
  impl->read_only = read_only;
  if (!read_only) {
    const uint64_t next = impl->LastSequence();
    {
      absl::MutexLock lock(&impl->mu);
      impl->next_sequence = next;
    }
    impl->flusher = std::thread([i = impl.get()] { i->Run(); });
  }
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(impl)));
}

void AccessLog::Append(AccessRecord r) {
  const int64_t now = absl::ToUnixMicros(absl::Now());
  absl::MutexLock lock(&impl_->mu);
  r.micros = now;
  r.sequence = impl_->next_sequence++;
  impl_->queue.emplace_back(Key(r.micros, r.sequence), Encode(r));
}

absl::Status AccessLog::Flush() {
  if (impl_->read_only) return absl::OkStatus();
  return impl_->Write();
}

absl::Status AccessLog::Health() {
  absl::MutexLock l(&impl_->last_mu);
  if (impl_->last.ok()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("the access log cannot be written (", impl_->last.message(),
                                             "); person reads are refused until it can"));
}

absl::Status AccessLog::Copy(const AccessRecord& r) {
  if (impl_->read_only) return absl::FailedPreconditionError("access log opened read-only");
  absl::MutexLock w(&impl_->write_mu);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(impl_->db->Put(wo, Key(r.micros, r.sequence), Encode(r)), "copy access log");
}

absl::Status AccessLog::Close() {
  if (impl_ == nullptr || impl_->read_only || impl_->db == nullptr) return absl::OkStatus();
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->stopping) return absl::OkStatus();
    impl_->stopping = true;
  }
  if (impl_->flusher.joinable()) impl_->flusher.join();
  (void)impl_->Write();
  (void)impl_->db->Flush(rocksdb::FlushOptions());  // leave no WAL to replay
  absl::MutexLock w(&impl_->write_mu);
  return impl_->error;
}

absl::Status AccessLog::ForEach(const AccessFilter& filter, const std::function<bool(const AccessRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(Key(filter.since_micros, 0)); it->Valid(); it->Next()) {
    if (it->key().size() == 0 || it->key()[0] != kPrefix) break;
    auto r = Decode(std::string_view(it->key().data(), it->key().size()),
                    std::string_view(it->value().data(), it->value().size()));
    if (!r.ok()) return r.status();
    if (!filter.pseudonym.empty() && r->pseudonym != filter.pseudonym) continue;
    if (!fn(*r)) return absl::OkStatus();
  }
  return FromRocks(it->status(), "read access log");
}

}  // namespace enrol
