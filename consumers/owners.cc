#include "consumers/owners.h"

#include <librdkafka/rdkafkacpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace enrol {
namespace {

std::unique_ptr<RdKafka::Conf> Conf(const std::string& brokers) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  if (conf->set("bootstrap.servers", brokers, err) != RdKafka::Conf::CONF_OK) return nullptr;
  conf->set("client.id", "enrol-owners", err);
  conf->set("broker.address.family", "v4", err);
  return conf;
}

}  // namespace

OwnerDirectory::OwnerDirectory(std::string brokers, std::string topic, std::string group, KafkaConfig kafka_config)
    : brokers_(std::move(brokers)),
      topic_(std::move(topic)),
      group_(std::move(group)),
      kafka_config_(std::move(kafka_config)) {}

absl::StatusOr<std::unique_ptr<OwnerDirectory>> OwnerDirectory::Start(const std::string& brokers,
                                                                      const std::string& topic,
                                                                      const std::string& group,
                                                                      const KafkaConfig& kafka_config) {
  std::unique_ptr<OwnerDirectory> d(new OwnerDirectory(brokers, topic, group, kafka_config));
  auto conf = Conf(brokers);
  if (!conf) return absl::InvalidArgumentError(absl::StrCat("--brokers: \"", brokers, "\" is not accepted"));
  std::string err;
  conf->set("acks", "all", err);
  conf->set("enable.idempotence", "true", err);
  if (auto s = ApplyKafkaConfig(kafka_config, conf.get()); !s.ok()) return s;
  d->producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!d->producer_) return absl::UnavailableError(absl::StrCat("kafka owners producer: ", err));
  d->reader_ = std::thread([raw = d.get()] { raw->Follow(); });
  return d;
}

OwnerDirectory::~OwnerDirectory() {
  stop_ = true;
  if (reader_.joinable()) reader_.join();
}

absl::Status OwnerDirectory::Publish(const std::vector<int32_t>& partitions, const std::string& address) {
  for (int32_t p : partitions) {
    const std::string key = absl::StrCat(group_, "/", p);
    RdKafka::ErrorCode e = producer_->produce(topic_, 0, RdKafka::Producer::RK_MSG_COPY,
                                              const_cast<char*>(address.data()), address.size(), key.data(),
                                              key.size(), 0, nullptr);
    if (e != RdKafka::ERR_NO_ERROR) return absl::UnavailableError(absl::StrCat("kafka owners: ", RdKafka::err2str(e)));
  }
  if (RdKafka::ErrorCode e = producer_->flush(30000); e != RdKafka::ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka owners: ", RdKafka::err2str(e)));
  }
  absl::MutexLock lock(&mu_);
  for (int32_t p : partitions) owners_[p] = address;  // before the reader sees it
  return absl::OkStatus();
}

std::optional<std::string> OwnerDirectory::Owner(int32_t partition) const {
  absl::MutexLock lock(&mu_);
  auto it = owners_.find(partition);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

void OwnerDirectory::Follow() {
  auto conf = Conf(brokers_);
  std::string err;
  conf->set("group.id", absl::StrCat("enrol-owners-reader-", ::getpid()), err);
  conf->set("enable.auto.commit", "false", err);
  if (!ApplyKafkaConfig(kafka_config_, conf.get()).ok()) return;  // Start applied it without error
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) return;
  std::unique_ptr<RdKafka::TopicPartition> tp(
      RdKafka::TopicPartition::create(topic_, 0, RdKafka::Topic::OFFSET_BEGINNING));
  std::vector<RdKafka::TopicPartition*> parts{tp.get()};
  c->assign(parts);
  const std::string prefix = group_ + "/";
  while (!stop_) {
    std::unique_ptr<RdKafka::Message> m(c->consume(200));
    if (m->err() != RdKafka::ERR_NO_ERROR || m->key() == nullptr) continue;
    absl::string_view key(*m->key());
    if (key.substr(0, prefix.size()) != prefix) continue;
    int32_t p = 0;
    if (!absl::SimpleAtoi(key.substr(prefix.size()), &p)) continue;
    absl::MutexLock lock(&mu_);
    owners_[p] = std::string(static_cast<const char*>(m->payload()), m->len());
  }
  c->close();
}

}  // namespace enrol
