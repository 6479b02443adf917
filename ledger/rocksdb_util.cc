#include "ledger/rocksdb_util.h"

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"

namespace enrol {
namespace {

class ResilientInfoLog : public rocksdb::Logger {
 public:
  explicit ResilientInfoLog(const std::string& path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), f_(std::fopen(path.c_str(), "a")) {}
  ~ResilientInfoLog() override {
    if (f_ != nullptr) std::fclose(f_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (f_ == nullptr) return;
    absl::MutexLock lock(&mu_);
    const std::string now = absl::FormatTime("%Y/%m/%d-%H:%M:%E6S ", absl::Now(), absl::LocalTimeZone());
    std::fputs(now.c_str(), f_);
    std::vfprintf(f_, format, ap);
    std::fputc('\n', f_);
    std::fflush(f_);  // a failure (ENOSPC) is dropped: the log is advisory
    std::clearerr(f_);
  }

 private:
  absl::Mutex mu_;
  std::FILE* f_;
};

}  // namespace

void UseResilientInfoLog(const std::string& dir, rocksdb::Options* o) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  o->info_log = std::make_shared<ResilientInfoLog>(dir + "/LOG");
}

absl::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::UnavailableError(absl::StrCat(what, ": the disk is full (", s.ToString(),
                                               "); nothing of this batch was applied: free space and run "
                                               "the same command again"));
  }
  std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain() || s.IsIncomplete() ||
      s.IsAborted()) {
    return absl::UnavailableError(msg);
  }
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument() || s.IsNotSupported()) return absl::FailedPreconditionError(msg);
  return absl::InternalError(msg);
}

rocksdb::Options StoreOptions(size_t cache_mb) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kZSTD;
  // ZSTD level 1, not RocksDB's default 3: on the peer's 200k persons the log
  // came out 0.2% smaller at level 1 (16 KiB blocks), and the compaction that
  // the claims after the tax feed trigger took 4% less CPU.
  o.bottommost_compression_opts.enabled = true;
  o.bottommost_compression_opts.level = 1;
  o.write_buffer_size = 64 << 20;
  o.max_write_buffer_number = 3;
  o.target_file_size_base = 64 << 20;
  // One compaction and two flushes at a time. Two flush threads let an
  // ingest's closing flushes of the log and the projection (two stores, one
  // thread pool) run side by side instead of one after the other.
  o.max_background_compactions = 1;
  o.max_background_flushes = 2;
  o.bytes_per_sync = 1 << 20;
  o.keep_log_file_num = 3;
  // Most point lookups miss (new idempotency keys, new persons): a memtable
  // bloom filter answers those without walking the skiplist.
  o.memtable_prefix_bloom_size_ratio = 0.05;
  o.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(cache_mb << 20);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.block_size = 16 << 10;
  // Index and filter blocks live with the open tables, not in the block
  // cache: every idempotency lookup consults the filters, and a filter
  // evicted from a small cache is re-read whole from disk (that held ingest
  // of 4 million records to 6,000 records/s).
  t.cache_index_and_filter_blocks = false;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

uint64_t IntProperty(rocksdb::DB* db, const std::string& name) {
  uint64_t value = 0;
  return db->GetIntProperty(name, &value) ? value : 0;
}

absl::Status OpenError(const rocksdb::Status& s, const std::string& what, const std::string& dir) {
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::UnavailableError(absl::StrCat(
        dir, " is held by another process (a running `enrol serve`, or an ingest): send feeds to the server "
             "(POST /v1/feeds/SOURCE) or wait for it to stop; RocksDB says: ",
        s.ToString()));
  }
  return FromRocks(s, what);
}

}  // namespace enrol
