#include "common/keyring.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/hashing.h"

namespace enrol {
namespace {

constexpr unsigned char kSealVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* U(const char* p) { return reinterpret_cast<const unsigned char*>(p); }
unsigned char* U(char* p) { return reinterpret_cast<unsigned char*>(p); }

std::string HomeConfigDir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && *xdg != '\0') return xdg;
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.config");
}

absl::Status CreateDefaultKey(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
  ::chmod(dir.c_str(), 0700);
  auto key = Keyring::Generate();
  if (!key.ok()) return key.status();
  // Written whole under a private name, then linked into place: two first
  // runs at once agree on one key, and none reads a half-written file.
  const std::string tmp = absl::StrCat(path, ".", ::getpid(), ".tmp");
  ::unlink(tmp.c_str());
  absl::Status s = key->WriteNew(tmp);
  if (!s.ok()) return s;
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && err == EEXIST) return absl::OkStatus();  // another process made it first
  if (linked != 0) return absl::PermissionDeniedError(absl::StrCat("cannot create ", path, ": ", std::strerror(err)));
  std::fprintf(stderr,
               "enrol: created a new master key at %s (0600). Keep a copy somewhere safe: without it the "
               "data cannot be read.\n",
               path.c_str());
  return absl::OkStatus();
}

}  // namespace

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// HMAC-SHA-256 (RFC 2104) with the keyed inner and outer SHA-256 states made
// once per thread and key and copied for each message: OpenSSL 3 looks a
// digest up by name for every one-shot HMAC(), which cost more than hashing
// an ID number.
std::string HmacSha256(std::string_view key, std::string_view data) {
  struct Keyed {
    std::string key;
    MdCtx inner, outer, work;
  };
  thread_local Keyed k;
  constexpr size_t kBlock = 64;
  if (!k.work || k.key != key) {
    k.key = std::string(key);
    std::string block(kBlock, '\0');
    if (key.size() > kBlock) {
      unsigned int n = 0;
      EVP_Digest(key.data(), key.size(), U(block.data()), &n, EVP_sha256(), nullptr);
    } else {
      std::memcpy(block.data(), key.data(), key.size());
    }
    k.inner.reset(EVP_MD_CTX_new());
    k.outer.reset(EVP_MD_CTX_new());
    k.work.reset(EVP_MD_CTX_new());
    std::string pad = block;
    for (char& c : pad) c = static_cast<char>(c ^ 0x36);
    EVP_DigestInit_ex(k.inner.get(), EVP_sha256(), nullptr);
    EVP_DigestUpdate(k.inner.get(), pad.data(), kBlock);
    pad = block;
    for (char& c : pad) c = static_cast<char>(c ^ 0x5c);
    EVP_DigestInit_ex(k.outer.get(), EVP_sha256(), nullptr);
    EVP_DigestUpdate(k.outer.get(), pad.data(), kBlock);
  }
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX_copy_ex(k.work.get(), k.inner.get());
  EVP_DigestUpdate(k.work.get(), data.data(), data.size());
  EVP_DigestFinal_ex(k.work.get(), inner, &len);
  EVP_MD_CTX_copy_ex(k.work.get(), k.outer.get());
  EVP_DigestUpdate(k.work.get(), inner, len);
  EVP_DigestFinal_ex(k.work.get(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// The AES-256-GCM contexts of this thread, keyed once per key: a message
// only sets its nonce. (A fresh context per message made OpenSSL 3 look the
// cipher up by name and expand the key each time.)
static EVP_CIPHER_CTX* GcmContext(const std::string& key, bool encrypt) {
  struct Keyed {
    std::string key;
    CipherCtx enc, dec;
  };
  thread_local Keyed k;
  if (!k.enc || k.key != key) {
    k.key = key;
    k.enc.reset(EVP_CIPHER_CTX_new());
    EVP_EncryptInit_ex(k.enc.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(k.enc.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
    EVP_EncryptInit_ex(k.enc.get(), nullptr, nullptr, U(key.data()), nullptr);
    k.dec.reset(EVP_CIPHER_CTX_new());
    EVP_DecryptInit_ex(k.dec.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(k.dec.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
    EVP_DecryptInit_ex(k.dec.get(), nullptr, nullptr, U(key.data()), nullptr);
  }
  return encrypt ? k.enc.get() : k.dec.get();
}

std::string Keyring::ResolvePath(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  const char* env = std::getenv("ENROL_KEY_FILE");
  if (env != nullptr && *env != '\0') return env;
  return HomeConfigDir() + "/enrol/master.key";
}

Keyring Keyring::FromBytes(std::string master) {
  Keyring k;
  k.master_ = std::move(master);
  k.person_key_ = HmacSha256(k.master_, "enrol person pseudonym v1");
  k.store_key_ = HmacSha256(k.master_, "enrol store aes-256-ctr v1");
  k.message_key_ = HmacSha256(k.master_, "enrol message aes-256-gcm v1");
  k.key_id_ = HexOf(HmacSha256(k.master_, "enrol key id v1").substr(0, 8));
  return k;
}

absl::StatusOr<Keyring> Keyring::Generate() {
  std::string bytes(kKeyBytes, '\0');
  if (RAND_bytes(U(bytes.data()), static_cast<int>(bytes.size())) != 1) {
    return absl::InternalError("the system's random source failed");
  }
  return FromBytes(std::move(bytes));
}

absl::Status Keyring::WriteNew(const std::string& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create key file ", path, ": ", std::strerror(errno),
                     errno == EEXIST ? " (a key file is never replaced; choose another path)" : ""));
  }
  const std::string text = HexOf(master_) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return absl::UnavailableError(absl::StrCat("cannot write key file ", path));
  return absl::OkStatus();
}

absl::StatusOr<Keyring> Keyring::Load(const std::string& explicit_path, const std::string& existing_store) {
  const std::string path = ResolvePath(explicit_path);
  const bool is_default = explicit_path.empty() && path == HomeConfigDir() + "/enrol/master.key";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (!is_default) {
      return absl::NotFoundError(absl::StrCat("key file ", path,
                                              " does not exist (make one with `openssl rand -hex 32 > ", path,
                                              " && chmod 600 ", path, "`, or omit --key-file and ENROL_KEY_FILE "
                                              "to use ~/.config/enrol/master.key)"));
    }
    if (!existing_store.empty()) {
      return absl::NotFoundError(absl::StrCat("no key at ", path, ", and ", existing_store,
                                              " is encrypted under a key: pass it with --key-file or ENROL_KEY_FILE"));
    }
    absl::Status s = CreateDefaultKey(path);
    if (!s.ok()) return s;
    if (::stat(path.c_str(), &st) != 0) return absl::InternalError(absl::StrCat("key file ", path, " vanished"));
  }
  if ((st.st_mode & 0077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat("key file %s may be read by others (mode %04o); run `chmod 600 %s`", path,
                                                    st.st_mode & 0777, path));
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return absl::PermissionDeniedError(absl::StrCat("cannot read key file ", path));
  const std::string hex(absl::StripAsciiWhitespace(text.str()));
  if (hex.size() != 2 * kKeyBytes || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("key file ", path, ": expected 64 hex digits (32 bytes), found ",
                                                   hex.size(), " characters"));
  }
  Keyring k = FromBytes(absl::HexStringToBytes(hex));
  k.path_ = path;
  return k;
}

int32_t PersonPartition(const Keyring* keys, std::string_view id_number, int32_t partitions) {
  return keys != nullptr ? PartitionForKey(keys->Pseudonym(id_number), partitions)
                         : PartitionForKey(id_number, partitions);
}

std::string Keyring::Pseudonym(std::string_view id_number) const { return HmacSha256(person_key_, id_number); }

std::string Keyring::PseudonymHex(std::string_view id_number) const { return HexOf(Pseudonym(id_number)); }

std::string Seal(const std::string& key, std::string_view plaintext, std::string_view aad) {
  std::string out(1 + kNonceBytes + plaintext.size() + kTagBytes, '\0');
  out[0] = static_cast<char>(kSealVersion);
  char* nonce = out.data() + 1;
  // Nonces come from the system's CSPRNG a buffer at a time (one RAND_bytes
  // call per 340 messages; each call costs more than sealing a short value).
  struct NonceBuffer {
    unsigned char bytes[kNonceBytes * 340];
    size_t used = sizeof bytes;
  };
  thread_local NonceBuffer nb;
  if (nb.used + kNonceBytes > sizeof nb.bytes) {
    if (RAND_bytes(nb.bytes, static_cast<int>(sizeof nb.bytes)) != 1) {
      // A repeated GCM nonce gives the key away: never seal without a fresh one.
      std::fprintf(stderr, "enrol: the system's random source failed; stopping\n");
      std::abort();
    }
    nb.used = 0;
  }
  std::memcpy(nonce, nb.bytes + nb.used, kNonceBytes);
  // Each nonce is used once: the buffer's bytes are wiped as they are taken.
  std::memset(nb.bytes + nb.used, 0, kNonceBytes);
  nb.used += kNonceBytes;
  EVP_CIPHER_CTX* ctx = GcmContext(key, /*encrypt=*/true);
  int len = 0;
  EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, U(nonce));
  if (!aad.empty()) EVP_EncryptUpdate(ctx, nullptr, &len, U(aad.data()), static_cast<int>(aad.size()));
  char* body = nonce + kNonceBytes;
  EVP_EncryptUpdate(ctx, U(body), &len, U(plaintext.data()), static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx, U(body + len), &len);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, body + plaintext.size());
  return out;
}

absl::StatusOr<std::string> Unseal(const std::string& key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < 1 + kNonceBytes + kTagBytes) {
    return absl::DataLossError(absl::StrCat("sealed value of ", sealed.size(), " bytes is truncated (at least ",
                                            1 + kNonceBytes + kTagBytes, ")"));
  }
  if (static_cast<unsigned char>(sealed[0]) != kSealVersion) {
    return absl::DataLossError(absl::StrCat("sealed value has format ", static_cast<int>(static_cast<unsigned char>(sealed[0])),
                                            ", not ", kSealVersion, " (not encrypted by enrol?)"));
  }
  const char* nonce = sealed.data() + 1;
  const char* body = nonce + kNonceBytes;
  const size_t n = sealed.size() - 1 - kNonceBytes - kTagBytes;
  std::string out(n, '\0');
  EVP_CIPHER_CTX* ctx = GcmContext(key, /*encrypt=*/false);
  int len = 0;
  EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, U(nonce));
  if (!aad.empty()) EVP_DecryptUpdate(ctx, nullptr, &len, U(aad.data()), static_cast<int>(aad.size()));
  EVP_DecryptUpdate(ctx, U(out.data()), &len, U(body), static_cast<int>(n));
  std::string tag(body + n, kTagBytes);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data());
  if (EVP_DecryptFinal_ex(ctx, U(out.data() + len), &len) != 1) {
    return absl::DataLossError(
        "sealed value fails authentication: altered, truncated, or sealed under another key");
  }
  return out;
}

void AesCtrXor(const std::string& key, const unsigned char iv[16], uint64_t offset, char* data, size_t n) {
  if (n == 0) return;
  unsigned char counter[16];
  std::memcpy(counter, iv, 16);
  // counter += offset / 16, big-endian over all 128 bits.
  uint64_t add = offset / 16;
  for (int i = 15; i >= 0 && add != 0; --i) {
    const uint64_t sum = counter[i] + (add & 0xff);
    counter[i] = static_cast<unsigned char>(sum);
    add = (add >> 8) + (sum >> 8);
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ctr(), nullptr, U(key.data()), counter);
  int len = 0;
  const size_t skip = offset % 16;
  if (skip != 0) {
    unsigned char pad[16] = {};
    EVP_EncryptUpdate(ctx.get(), pad, &len, pad, static_cast<int>(skip));
  }
  while (n > 0) {
    const int chunk = static_cast<int>(std::min<size_t>(n, 1 << 30));
    EVP_EncryptUpdate(ctx.get(), U(data), &len, U(data), chunk);
    data += chunk;
    n -= static_cast<size_t>(chunk);
  }
}

}  // namespace enrol
