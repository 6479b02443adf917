#include "common/hashing.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/escaping.h"

namespace enrol {

namespace {

// Fetched once: OpenSSL 3 looks an implicitly named digest up on every init,
// which cost more than hashing a person's record.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();  // a broken libcrypto
    return fetched;
  }();
  return md;
}

}  // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, Sha256Md(), nullptr) != 1) {
    std::abort();  // out of memory or a broken libcrypto
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(impl_->ctx, data.data(), data.size());
}

std::string Sha256::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256Of(std::string_view data) {
  // One context per thread, reset for each digest (not made anew).
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestInit_ex(ctx.get(), Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HexOf(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

uint32_t Murmur2(std::string_view key) {
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const size_t length = key.size();
  uint32_t h = seed ^ static_cast<uint32_t>(length);
  const size_t length4 = length / 4;
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  for (size_t i = 0; i < length4; i++) {
    const size_t i4 = i * 4;
    uint32_t k = static_cast<uint32_t>(data[i4 + 0]) | (static_cast<uint32_t>(data[i4 + 1]) << 8) |
                 (static_cast<uint32_t>(data[i4 + 2]) << 16) |
                 (static_cast<uint32_t>(data[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3:
      h ^= static_cast<uint32_t>(data[(length & ~3u) + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(data[(length & ~3u) + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(data[length & ~3u]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

int32_t PartitionForKey(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>((Murmur2(key) & 0x7fffffffu) % static_cast<uint32_t>(partitions));
}

}  // namespace enrol
