// Kafka client settings from a file: the librdkafka properties an operator
// gives every Kafka command with `--kafka-config FILE` (or, without the flag,
// the file named by the environment variable ENROL_KAFKA_CONFIG), typically
// TLS and SASL (security.protocol, sasl.*, ssl.*). They are applied after the
// ledger's built-in defaults on every client it creates (producers,
// consumers, the admin client), so they may override a default.
//
// The file is Java-properties style: one `key=value` a line, split at the
// first `=` (a value may contain `=`), whitespace around key and value
// trimmed; blank lines and lines starting with `#` or `!` are skipped.
// `bootstrap.servers` and `group.id` are refused: --brokers and --group set
// them. A bad line is kInvalidArgument naming the file and line; a property
// librdkafka refuses is kInvalidArgument naming the property, where it came
// from and librdkafka's message.
//
// Also KafkaErrorLog: keeps the last connection-level error librdkafka
// reports (transport, TLS, SASL), so a request that times out can say why
// ("connecting to a SSL listener?", "Authentication failed ...").
//
// Thread-safety: KafkaConfig is a plain value, safe to share once loaded; the
// functions keep no state. KafkaErrorLog is thread-safe (librdkafka calls it
// from its own threads).
#ifndef ENROL_LEDGER_KAFKA_CONFIG_H_
#define ENROL_LEDGER_KAFKA_CONFIG_H_

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace enrol {

struct KafkaProperty {
  std::string key;
  std::string value;
  std::string origin;  // "FILE:LINE", for messages
};

struct KafkaConfig {
  std::string file;  // where the properties came from; empty: none given
  std::vector<KafkaProperty> properties;  // in file order (a later key wins)
  bool empty() const { return properties.empty(); }
};

// The environment variable naming the file when --kafka-config is not given.
inline constexpr char kKafkaConfigEnv[] = "ENROL_KAFKA_CONFIG";

// Parses the text of a properties file; `file` names it in messages.
absl::StatusOr<KafkaConfig> ParseKafkaConfig(absl::string_view text, const std::string& file);

// Reads and parses `path`. kNotFound when it cannot be read.
absl::StatusOr<KafkaConfig> ReadKafkaConfig(const std::string& path);

// The properties of `flag_path` (--kafka-config) when it is not empty, else of
// the file named by ENROL_KAFKA_CONFIG when that is set and not empty, else
// none. Each property is also checked against librdkafka (CheckKafkaConfig).
absl::StatusOr<KafkaConfig> LoadKafkaConfig(const std::string& flag_path);

// Sets every property on `conf` (a global configuration).
absl::Status ApplyKafkaConfig(const KafkaConfig& config, RdKafka::Conf* conf);
absl::Status ApplyKafkaConfig(const KafkaConfig& config, rd_kafka_conf_t* conf);

// Whether librdkafka accepts every property (on a scratch configuration).
absl::Status CheckKafkaConfig(const KafkaConfig& config);

class KafkaErrorLog : public RdKafka::EventCb {
 public:
  // Installs this log as the error callback of a C configuration (uses its
  // opaque pointer).
  void InstallOn(rd_kafka_conf_t* conf);
  void event_cb(RdKafka::Event& event) override;
  void Record(const std::string& error);
  // " (last error from the brokers: ...)", or "" when there was none.
  std::string Explain() const;

 private:
  mutable absl::Mutex mu_;
  std::string last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace enrol

#endif  // ENROL_LEDGER_KAFKA_CONFIG_H_
