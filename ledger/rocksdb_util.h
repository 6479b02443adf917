// Helpers shared by the RocksDB-backed stores (the embedded log and the
// projection state): status mapping and tuned options. Thread-safe.
#ifndef ENROL_LEDGER_ROCKSDB_UTIL_H_
#define ENROL_LEDGER_ROCKSDB_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "rocksdb/options.h"
#include "rocksdb/status.h"

namespace enrol {

// kUnavailable for I/O, busy and lock errors (retryable), kDataLoss for
// corruption, kInternal otherwise. `what` prefixes the message.
absl::Status FromRocks(const rocksdb::Status& s, const std::string& what);

// The error of opening `dir` for writing: a directory another process holds
// (RocksDB's LOCK; e.g. a running `enrol serve`) is kUnavailable and says so.
absl::Status OpenError(const rocksdb::Status& s, const std::string& what, const std::string& dir);

// Options for a store of this project: LZ4, and ZSTD at the bottom level
// (the projection overrides that), bloom filters, a shared block cache of
// `cache_mb`, and bounded memtables so peak memory stays low.
rocksdb::Options StoreOptions(size_t cache_mb);

// A RocksDB integer property of `db` (rocksdb::DB::Properties), 0 when it
// has none.
uint64_t IntProperty(rocksdb::DB* db, const std::string& name);

// Points the options' info log (what RocksDB writes to DIR/LOG) at a logger
// that drops a write that fails. RocksDB's own log writer asserts when it is
// used again after a failed write (Debian's librocksdb keeps assertions), so
// a full disk aborted the process (exit 134) instead of failing the write
// that hit it. For stores opened for writing; creates `dir`.
void UseResilientInfoLog(const std::string& dir, rocksdb::Options* o);

}  // namespace enrol

#endif  // ENROL_LEDGER_ROCKSDB_UTIL_H_
