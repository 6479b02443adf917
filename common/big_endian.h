// Big-endian fixed-width integers, so that RocksDB's bytewise key order is
// numeric order. Pure; thread-safe.
#ifndef ENROL_COMMON_BIG_ENDIAN_H_
#define ENROL_COMMON_BIG_ENDIAN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace enrol {

inline void PutBigEndian32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

inline void PutBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

inline uint32_t GetBigEndian32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

inline uint64_t GetBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace enrol

#endif  // ENROL_COMMON_BIG_ENDIAN_H_
