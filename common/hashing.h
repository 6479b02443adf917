// Stable hashes: SHA-256 (OpenSSL) for content hashes and digests, and
// Kafka's murmur2 for partitioning by person, so that the embedded log and a
// Kafka topic with the default partitioner put a person in the same partition.
// Sha256 is thread-compatible; the functions are thread-safe.
#ifndef ENROL_COMMON_HASHING_H_
#define ENROL_COMMON_HASHING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace enrol {

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The 32-byte digest; the object must not be updated afterwards.
  std::string Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Sha256Of(std::string_view data);
std::string HexOf(std::string_view bytes);

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2).
uint32_t Murmur2(std::string_view key);
// Kafka's default partition for a keyed record: toPositive(murmur2) % n.
int32_t PartitionForKey(std::string_view key, int32_t partitions);

}  // namespace enrol

#endif  // ENROL_COMMON_HASHING_H_
