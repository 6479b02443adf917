// The ledger's secret and what it protects (issue 10, PIPL arts. 28 and 51).
//
// One 32-byte master key, kept in a key file outside the data directory,
// gives three purpose keys (HMAC-SHA-256 of the master key and a label):
//   - the person key: a person's pseudonym is HMAC-SHA-256(person key, ID
//     number), the key of every store record and Kafka message of the person;
//   - the store key: AES-256-CTR for every file of the embedded store
//     (ledger/encrypted_env.h);
//   - the message key: AES-256-GCM for Kafka event values and dead letters.
// The key id (16 hex digits of HMAC(master, "key id")) names a key without
// revealing it: the data directory and every sealed message record it, so a
// wrong key is a clear error rather than garbage.
//
// A Keyring is immutable after Load and thread-safe.
#ifndef ENROL_COMMON_KEYRING_H_
#define ENROL_COMMON_KEYRING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace enrol {

class Keyring {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kPseudonymBytes = 32;

  // The key file: `explicit_path` (--key-file) if not empty, else the file
  // named by ENROL_KEY_FILE, else ${XDG_CONFIG_HOME:-~/.config}/enrol/master.key,
  // which is created (0600, in a 0700 directory) on first use with a line on
  // stderr. The file holds the key as 64 hex digits (`openssl rand -hex 32`).
  // kNotFound for a named file that does not exist, kInvalidArgument for one
  // that is not a key, kPermissionDenied for one that others may read.
  // `existing_store` names a store already encrypted under some key: then a
  // missing default key is kNotFound, not made (a new key could not read it).
  static absl::StatusOr<Keyring> Load(const std::string& explicit_path, const std::string& existing_store = "");
  // The key file Load would use.
  static std::string ResolvePath(const std::string& explicit_path);
  // From the 32 key bytes (tests, `enrol rekey`).
  static Keyring FromBytes(std::string master);
  // A fresh random key (for `enrol rekey --new-key-file`).
  static absl::StatusOr<Keyring> Generate();
  // Writes the key as 64 hex digits to a new file, 0600; refuses to replace one.
  absl::Status WriteNew(const std::string& path) const;

  // HMAC-SHA-256(person key, id_number): 32 bytes.
  std::string Pseudonym(std::string_view id_number) const;
  std::string PseudonymHex(std::string_view id_number) const;

  const std::string& key_id() const { return key_id_; }
  const std::string& store_key() const { return store_key_; }
  const std::string& message_key() const { return message_key_; }
  const std::string& path() const { return path_; }

 private:
  Keyring() = default;
  std::string master_;
  std::string person_key_;
  std::string store_key_;
  std::string message_key_;
  std::string key_id_;
  std::string path_;
};

// AES-256-GCM: the sealed form is u8 version 1, a random 12-byte nonce, the
// ciphertext and the 16-byte tag. `aad` is authenticated, not encrypted.
std::string Seal(const std::string& key, std::string_view plaintext, std::string_view aad = {});
// kDataLoss when the sealed bytes are truncated, altered, or sealed under
// another key: never returns garbage.
absl::StatusOr<std::string> Unseal(const std::string& key, std::string_view sealed, std::string_view aad = {});

// XORs data with the AES-256-CTR key stream of (key, iv) from byte `offset`
// on: counter block = iv + offset / 16 (big-endian, 128 bits). Encrypts and
// decrypts alike.
void AesCtrXor(const std::string& key, const unsigned char iv[16], uint64_t offset, char* data, size_t n);

// A person's partition: Kafka's default partition for a record keyed by the
// person's pseudonym (by the ID number itself with no keys, in tests), so the
// embedded log and a Kafka topic of the same partition count agree.
int32_t PersonPartition(const Keyring* keys, std::string_view id_number, int32_t partitions);

// HMAC-SHA-256.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace enrol

#endif  // ENROL_COMMON_KEYRING_H_
