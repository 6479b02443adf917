#include "ledger/kafka_config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace enrol {

absl::StatusOr<KafkaConfig> ParseKafkaConfig(absl::string_view text, const std::string& file) {
  KafkaConfig config;
  config.file = file;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    const std::string where = absl::StrCat(file, ":", number);
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected key=value, got \"", line.substr(0, 60), line.size() > 60 ? "...\"" : "\""));
    }
    KafkaProperty p;
    p.key = std::string(absl::StripAsciiWhitespace(line.substr(0, eq)));
    p.value = std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    p.origin = where;
    if (p.key.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": a property has no name"));
    if (p.key == "bootstrap.servers" || p.key == "metadata.broker.list") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", p.key, " is set by --brokers, not here"));
    }
    if (p.key == "group.id") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": group.id is set by --group, not here"));
    }
    config.properties.push_back(std::move(p));
  }
  return config;
}

absl::StatusOr<KafkaConfig> ReadKafkaConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("Kafka client config ", path, ": cannot read it: ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat("Kafka client config ", path, ": cannot read it"));
  return ParseKafkaConfig(text.str(), path);
}

absl::StatusOr<KafkaConfig> LoadKafkaConfig(const std::string& flag_path) {
  std::string path = flag_path;
  if (path.empty()) {
    const char* env = std::getenv(kKafkaConfigEnv);
    if (env == nullptr || *env == '\0') return KafkaConfig{};
    path = env;
  }
  auto config = ReadKafkaConfig(path);
  if (!config.ok()) return config.status();
  if (auto s = CheckKafkaConfig(*config); !s.ok()) return s;
  return config;
}

namespace {

absl::Status Refused(const KafkaProperty& p, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(p.origin, ": librdkafka refuses ", p.key, ": ", why));
}

}  // namespace

absl::Status ApplyKafkaConfig(const KafkaConfig& config, RdKafka::Conf* conf) {
  for (const KafkaProperty& p : config.properties) {
    std::string err;
    if (conf->set(p.key, p.value, err) != RdKafka::Conf::CONF_OK) return Refused(p, err);
  }
  return absl::OkStatus();
}

absl::Status ApplyKafkaConfig(const KafkaConfig& config, rd_kafka_conf_t* conf) {
  for (const KafkaProperty& p : config.properties) {
    char err[512] = "";
    if (rd_kafka_conf_set(conf, p.key.c_str(), p.value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return Refused(p, err);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKafkaConfig(const KafkaConfig& config) {
  std::unique_ptr<RdKafka::Conf> scratch(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  return ApplyKafkaConfig(config, scratch.get());
}

void KafkaErrorLog::InstallOn(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return;  // as in event_cb
    static_cast<KafkaErrorLog*>(opaque)->Record(reason);
  });
}

void KafkaErrorLog::event_cb(RdKafka::Event& event) {
  if (event.type() != RdKafka::Event::EVENT_ERROR) return;
  // "1/1 brokers are down" says less than the error that brought them down.
  if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) return;
  Record(event.str());
}

void KafkaErrorLog::Record(const std::string& error) {
  absl::MutexLock lock(&mu_);
  last_ = error;
}

std::string KafkaErrorLog::Explain() const {
  absl::MutexLock lock(&mu_);
  if (last_.empty()) return "";
  return absl::StrCat(" (last error from the brokers: ", last_, ")");
}

}  // namespace enrol
