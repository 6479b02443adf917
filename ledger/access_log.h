// The access log (issue 10): an append-only record of every person-level read
// `enrol serve` answers (query, covered, explain, timeline; HTTP and gRPC;
// 404s and 403s included): who asked (user and role), when, which endpoint,
// the person's pseudonym (Keyring::PseudonymHex of the ID number; never the
// ID number itself), what was asked (year, date or range) and the status;
// and of each auditor's bulk read (rejects, audit, this log: the parameters,
// and the pseudonym of an id filter). While a write fails, Health() says so
// and the server refuses person reads.
//
// Its own RocksDB under DATA_DIR/access, encrypted like the other stores when
// a keyring is given. Key 'A' + u64be Unix microseconds + u64be sequence;
// value u8 version 1, u16be status, then user, role, endpoint, pseudonym and
// asked, each u16be length + bytes.
//
// Durability: Append only queues (the answer does not wait on the disk); a
// background thread writes what is queued every 100 ms, or at 4,096 records,
// as one batch synced to disk (one fsync a round, off the request path).
// Flush (the auditor's GET /v1/access-log) and Close write and sync at once.
// A crash or power cut loses at most the reads of the last ~100 ms.
//
// Thread-safe. One writer per directory (RocksDB's lock); any number of
// read-only opens beside it (`enrol access-log` beside a running server)
// see what the writer has written so far.
#ifndef ENROL_LEDGER_ACCESS_LOG_H_
#define ENROL_LEDGER_ACCESS_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/keyring.h"

namespace enrol {

// One person-level read.
struct AccessRecord {
  int64_t micros = 0;  // when (Unix µs); set by Append
  uint64_t sequence = 0;  // set by Append
  std::string user;
  std::string role;      // caseworker, auditor, feeder; "any" under --no-auth
  std::string endpoint;  // query, covered, explain, timeline; grpc.Query, ...
  std::string pseudonym;  // 64 hex digits
  std::string asked;      // "2027", "2027-03-01", "2025..2028"
  int status = 0;         // the HTTP status (gRPC: the HTTP status of its code)
};

// Which records to list: from `since_micros` on, of one pseudonym if not empty.
struct AccessFilter {
  int64_t since_micros = 0;
  std::string pseudonym;
  // From the text of the parameters (`prefix` names them in errors: "--" on
  // the command line, "" over HTTP): since is RFC 3339 with an offset,
  // pseudonym 64 hex digits, id an ID number, hashed with `keys` (required
  // then). kInvalidArgument naming the bad one.
  static absl::StatusOr<AccessFilter> Parse(const std::string& since, const std::string& pseudonym,
                                            const std::string& id, const Keyring* keys, const std::string& prefix);
};

// One line of `enrol access-log` and GET /v1/access-log:
// {"time":"2027-03-01T09:30:00.123456+08:00","user":"...","role":"...",
//  "endpoint":"query","pseudonym":"<64 hex>","asked":"2027","status":200}
std::string AccessRecordJson(const AccessRecord& r);

class AccessLog {
 public:
  // Opens DIR (created for writing, 0700), encrypted under `keys` when not
  // null (the store key must match: ledger/encrypted_env.h). A writer starts
  // its flushing thread. kNotFound for a read-only open of no log.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& dir, const Keyring* keys,
                                                         bool read_only);
  ~AccessLog();  // Close()s

  // Queues a record (time and sequence are set here); never waits on I/O.
  void Append(AccessRecord r);
  // Writes what is queued now, synced.
  absl::Status Flush();
  // kUnavailable while the last write failed (the disk is full, say): the
  // server then refuses person reads rather than answer unlogged ones. OK
  // again once a write succeeds.
  absl::Status Health();
  // Writes a record of another log as it is (its time and sequence), synced:
  // for `enrol rekey`.
  absl::Status Copy(const AccessRecord& r);
  // Stops the thread, writes what is queued and syncs; the first write error
  // seen since Open, if any. Idempotent.
  absl::Status Close();

  // The records matching `filter`, oldest first, until fn returns false.
  // kDataLoss for a record that does not decode.
  absl::Status ForEach(const AccessFilter& filter, const std::function<bool(const AccessRecord&)>& fn);

  struct Impl;

 private:
  explicit AccessLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace enrol

#endif  // ENROL_LEDGER_ACCESS_LOG_H_
