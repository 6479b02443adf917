// OwnerDirectory: where each partition of a projection worker group answers
// (`enrol serve --brokers B --group G`, CONTRACT.md, Service). Each worker
// publishes its address for the partitions it is assigned to the compacted
// topic PREFIX.owners (key "<group>/<partition>", value "HOST:PORT"), and
// reads that topic from the start to learn the others', so a worker asked
// about a person of another partition can redirect to the owner (the model
// of Kafka Streams' interactive queries).
//
// Thread-safe; a reader thread follows the topic until destruction.
#ifndef ENROL_CONSUMERS_OWNERS_H_
#define ENROL_CONSUMERS_OWNERS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/kafka_config.h"

namespace RdKafka {
class Producer;
}

namespace enrol {

class OwnerDirectory {
 public:
  // kafka_config (--kafka-config) is applied after the defaults.
  static absl::StatusOr<std::unique_ptr<OwnerDirectory>> Start(const std::string& brokers, const std::string& topic,
                                                               const std::string& group,
                                                               const KafkaConfig& kafka_config = {});
  ~OwnerDirectory();

  // Records `address` as the owner of `partitions` (acknowledged by the brokers).
  absl::Status Publish(const std::vector<int32_t>& partitions, const std::string& address);
  // The latest published owner of `partition`, if any.
  std::optional<std::string> Owner(int32_t partition) const;

 private:
  OwnerDirectory(std::string brokers, std::string topic, std::string group, KafkaConfig kafka_config);
  void Follow();

  const std::string brokers_, topic_, group_;
  const KafkaConfig kafka_config_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stop_{false};
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::map<int32_t, std::string> owners_;
};

}  // namespace enrol

#endif  // ENROL_CONSUMERS_OWNERS_H_
