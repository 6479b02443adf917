// Encryption at rest for the embedded store (issue 10): every file RocksDB
// writes under a data directory (tables, WAL, manifest) is AES-256-CTR
// encrypted with the keyring's store key, through RocksDB's encrypted Env.
//
// File format: a 4,096-byte prefix, then the file's bytes XORed with the
// AES-256-CTR key stream whose initial counter is the prefix's IV. The prefix
// is "ENROLCTR", u8 version 1, the key id (16 hex digits), a random 16-byte IV,
// then zeros. A file of another key, or one written without encryption, is
// refused with the reason rather than read as garbage. Each store directory
// also holds KEY-ID (the key id, not secret) so that opening with the wrong
// key fails before anything is written.
//
// The Envs are made once per key and live for the process; thread-safe.
#ifndef ENROL_LEDGER_ENCRYPTED_ENV_H_
#define ENROL_LEDGER_ENCRYPTED_ENV_H_

#include <string>

#include "absl/status/status.h"
#include "common/keyring.h"

namespace rocksdb {
class Env;
}

namespace enrol {

// An Env that encrypts everything written through `base` (the default Env
// when null) under keys.store_key(). Not owned by the caller.
rocksdb::Env* EncryptedEnv(const Keyring& keys, rocksdb::Env* base = nullptr);

// Checks `dir`'s KEY-ID against the key before a store opens: kFailedPrecondition
// naming both key ids when they differ, or when the store was written without
// encryption (it has a CURRENT file but no KEY-ID). With `create`, a directory
// with no store yet gets the key's KEY-ID (the directory is made, 0700).
// With no keys (tests of other modules), a directory with a KEY-ID is refused.
absl::Status CheckStoreKey(const std::string& dir, const Keyring* keys, bool create);

}  // namespace enrol

#endif  // ENROL_LEDGER_ENCRYPTED_ENV_H_
