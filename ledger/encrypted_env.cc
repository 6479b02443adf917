#include "ledger/encrypted_env.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "rocksdb/env_encryption.h"

namespace enrol {
namespace {

constexpr char kMagic[] = "ENROLCTR";  // 8 bytes
constexpr size_t kMagicBytes = 8;
constexpr unsigned char kVersion = 1;
constexpr size_t kKeyIdAt = kMagicBytes + 1;
constexpr size_t kKeyIdBytes = 16;
constexpr size_t kIvAt = kKeyIdAt + kKeyIdBytes;
constexpr size_t kPrefixBytes = 4096;

class CtrStream final : public rocksdb::BlockAccessCipherStream {
 public:
  CtrStream(const std::string& key, const char* iv) : key_(key) { std::memcpy(iv_, iv, 16); }
  size_t BlockSize() override { return 16; }
  rocksdb::Status Encrypt(uint64_t offset, char* data, size_t n) override {
    AesCtrXor(key_, iv_, offset, data, n);
    return rocksdb::Status::OK();
  }
  rocksdb::Status Decrypt(uint64_t offset, char* data, size_t n) override { return Encrypt(offset, data, n); }

 protected:
  // Encrypt and Decrypt work on whole ranges; the block interface is unused.
  void AllocateScratch(std::string&) override {}
  rocksdb::Status EncryptBlock(uint64_t block, char* data, char*) override { return Encrypt(block * 16, data, 16); }
  rocksdb::Status DecryptBlock(uint64_t block, char* data, char*) override { return Encrypt(block * 16, data, 16); }

 private:
  const std::string key_;
  unsigned char iv_[16];
};

class CtrProvider final : public rocksdb::EncryptionProvider {
 public:
  CtrProvider(std::string key, std::string key_id) : key_(std::move(key)), key_id_(std::move(key_id)) {}
  const char* Name() const override { return "EnrolAes256Ctr"; }
  size_t GetPrefixLength() const override { return kPrefixBytes; }

  rocksdb::Status CreateNewPrefix(const std::string&, char* prefix, size_t len) const override {
    if (len < kPrefixBytes) return rocksdb::Status::InvalidArgument("encryption prefix too short");
    std::memset(prefix, 0, len);
    std::memcpy(prefix, kMagic, kMagicBytes);
    prefix[kMagicBytes] = static_cast<char>(kVersion);
    std::memcpy(prefix + kKeyIdAt, key_id_.data(), kKeyIdBytes);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(prefix + kIvAt), 16) != 1) {
      return rocksdb::Status::IOError("the system's random source failed");
    }
    return rocksdb::Status::OK();
  }

  rocksdb::Status AddCipher(const std::string&, const char*, size_t, bool) override {
    return rocksdb::Status::NotSupported("one key per process: see `enrol rekey`");
  }

  rocksdb::Status CreateCipherStream(const std::string& fname, const rocksdb::EnvOptions&, rocksdb::Slice& prefix,
                                     std::unique_ptr<rocksdb::BlockAccessCipherStream>* result) override {
    if (prefix.size() < kPrefixBytes || std::memcmp(prefix.data(), kMagic, kMagicBytes) != 0 ||
        static_cast<unsigned char>(prefix[kMagicBytes]) != kVersion) {
      return rocksdb::Status::Corruption(
          absl::StrCat(fname, " is not encrypted by enrol (written before encryption, or damaged)"));
    }
    const std::string file_key(prefix.data() + kKeyIdAt, kKeyIdBytes);
    if (file_key != key_id_) {
      return rocksdb::Status::Corruption(
          absl::StrCat(fname, " is encrypted under key id ", file_key, "; the key given has id ", key_id_));
    }
    *result = std::make_unique<CtrStream>(key_, prefix.data() + kIvAt);
    return rocksdb::Status::OK();
  }

 private:
  const std::string key_;
  const std::string key_id_;
};

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(s.str()));
}

}  // namespace

rocksdb::Env* EncryptedEnv(const Keyring& keys, rocksdb::Env* base) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* envs = new std::map<std::pair<std::string, rocksdb::Env*>, std::unique_ptr<rocksdb::Env>>();
  if (base == nullptr) base = rocksdb::Env::Default();
  absl::MutexLock lock(&mu);
  auto& env = (*envs)[{keys.key_id(), base}];
  if (env == nullptr) {
    env.reset(rocksdb::NewEncryptedEnv(base, std::make_shared<CtrProvider>(keys.store_key(), keys.key_id())));
  }
  return env.get();
}

absl::Status CheckStoreKey(const std::string& dir, const Keyring* keys, bool create) {
  const std::string key_file = dir + "/KEY-ID";
  std::error_code ec;
  const bool has_key_id = std::filesystem::exists(key_file, ec);
  const bool has_store = std::filesystem::exists(dir + "/CURRENT", ec);
  if (keys == nullptr) {
    if (has_key_id) return absl::FailedPreconditionError(absl::StrCat(dir, " is encrypted: a key is needed"));
    return absl::OkStatus();
  }
  if (has_key_id) {
    const std::string stored = ReadSmallFile(key_file);
    if (stored != keys->key_id()) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, " is encrypted under key id ", stored, "; the key from ", keys->path().empty() ? "the keyring" : keys->path(),
          " has id ", keys->key_id(), ": pass the store's key with --key-file or ENROL_KEY_FILE"));
    }
    return absl::OkStatus();
  }
  if (has_store) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " was written without encryption (before issue 10); ingest its feeds again into a new data directory"));
  }
  if (!create) return absl::OkStatus();  // no store here; the open says so
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  ::chmod(dir.c_str(), 0700);
  // Written whole and synced under a private name, then linked into place:
  // of two first opens at once (under different keys, say) one makes KEY-ID
  // and the other is checked against it.
  const std::string tmp = absl::StrCat(key_file, ".", ::getpid(), ".tmp");
  const std::string text = keys->key_id() + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const bool written = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  const int linked = written ? ::link(tmp.c_str(), key_file.c_str()) : -1;
  const int err = errno;
  ::unlink(tmp.c_str());
  if (!written) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  if (linked != 0 && err == EEXIST) return CheckStoreKey(dir, keys, /*create=*/false);
  if (linked != 0) return absl::UnavailableError(absl::StrCat("cannot write ", key_file, ": ", std::strerror(err)));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

}  // namespace enrol
