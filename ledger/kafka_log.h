// KafkaLog: the log on Apache Kafka. Events go to one topic keyed by the
// person's pseudonym (partition = Kafka's murmur2 of it, as in the embedded
// log), sealed (AES-256-GCM) when keys are given, each
// acknowledged by all in-sync replicas (acks=all) through an idempotent
// producer; dead letters go to their own topic. Topic names and settings are
// in deploy/kafka/README.md.
//
// Ingest does not write the events topic itself (issue 11): Forward hands the
// validated records to the stage on PREFIX.incoming, keyed so that one stage
// sees every copy of a (source, record_id); the stage appends the new ones to
// PREFIX.events in a Kafka transaction with its receipts, and AwaitReceipts
// reads what it made of this process's records. Append is Forward without
// the lines as received: its results are kForwarded.
//
// Thread-safe: reads share one consumer under a mutex; Append and Put are
// serialized by the caller (one ingest at a time).
#ifndef ENROL_LEDGER_KAFKA_LOG_H_
#define ENROL_LEDGER_KAFKA_LOG_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/keyring.h"
#include "ledger/kafka_config.h"
#include "ledger/log.h"

namespace enrol {

// kUnavailable (retryable): "<what>: <librdkafka's text for err>".
absl::Status KafkaFault(RdKafka::ErrorCode err, const std::string& what);

// Delivery reports of one round of produce calls, each message's opaque its
// index in the round: (partition, offset) or an error per message. Set as a
// producer's dr_cb; Reset before a round, Check after flushing it. Not
// thread-safe: one round at a time.
class KafkaDeliveries : public RdKafka::DeliveryReportCb {
 public:
  struct Slot {
    bool done = false;
    RdKafka::ErrorCode err = RdKafka::ERR_NO_ERROR;
    int32_t partition = -1;
    int64_t offset = -1;
  };
  void Reset(size_t n) { slots_.assign(n, Slot{}); }
  const std::vector<Slot>& slots() const { return slots_; }
  // OK when every message of the round was delivered.
  absl::Status Check(const std::string& topic) const;
  void dr_cb(RdKafka::Message& m) override;

 private:
  std::vector<Slot> slots_;
};

struct KafkaOptions {
  std::string brokers;  // HOST:PORT,...
  std::string events_topic = "enrol.events";
  std::string dead_letter_topic = "enrol.deadletters";
  // Exactly-once ingest (issue 11): Forward writes validated records to the
  // incoming topic; the stage (consumers/stage.h) appends them to the events
  // topic and writes what it made of them to the receipts topic.
  std::string incoming_topic = "enrol.incoming";
  std::string receipts_topic = "enrol.receipts";
  // How long AwaitReceipts waits for a receipt before it gives up.
  absl::Duration stage_timeout = absl::Seconds(120);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  absl::Duration timeout = absl::Seconds(60);
  KafkaConfig kafka_config;  // --kafka-config: applied after the defaults
  // Seals event values and dead letters (AES-256-GCM) and keys events by the
  // person's pseudonym; every command passes one. Not owned.
  const Keyring* keys = nullptr;
};

class KafkaLog final : public Log, public DeadLetterStore {
 public:
  // Connects and reads the events topic's partition count. kUnavailable when
  // the brokers do not answer, kNotFound when the topic does not exist.
  static absl::StatusOr<std::unique_ptr<KafkaLog>> Open(KafkaOptions options);
  ~KafkaLog() override;

  int32_t partitions() const override { return partitions_; }
  absl::Status Append(std::vector<v1::Event>& events, std::vector<AppendResult>* results) override;
  absl::StatusOr<Offset> EndOffset(Partition p) override;
  absl::Status Read(Partition p, Offset from, size_t max_events, std::vector<LogEntry>* out) override;

  // Hands `events` (validated; texts[i] is the line of events[i] as received)
  // to the stage through the incoming topic, under this process's run id;
  // returns once the brokers acknowledged them (acks=all).
  absl::Status Forward(std::vector<v1::Event>& events, const std::vector<std::string>& texts);
  // Waits until the stage has receipted every record this process forwarded
  // and returns what it made of those forwarded since the last call (serialize
  // Forward/AwaitReceipts pairs). kUnavailable when no receipt of this run
  // comes for options.stage_timeout: no stage is running, or it is stopped.
  absl::StatusOr<v1::Receipt> AwaitReceipts();
  const std::string& run() const { return run_; }

  absl::Status Put(const std::vector<v1::DeadLetter>& letters) override;
  absl::Status ForEach(std::optional<v1::Source> source,
                       const std::function<bool(const v1::DeadLetter&)>& fn) override;

 private:
  KafkaLog(KafkaOptions options, int32_t partitions);
  absl::Status Produce(const std::string& topic, const std::vector<std::pair<std::string, std::string>>& messages,
                       const std::vector<int32_t>& partitions, std::vector<std::pair<int32_t, int64_t>>* positions);

  const KafkaOptions options_;
  int32_t partitions_;  // set by Open
  // The producer's connection errors, which explain a timeout; outlives it.
  std::unique_ptr<KafkaErrorLog> errors_;
  // This process's run: stamped on the dead letters it writes.
  const std::string run_ = NewRunId();
  std::unique_ptr<KafkaDeliveries> delivery_;
  std::unique_ptr<RdKafka::Producer> producer_;
  absl::Mutex read_mu_;
  std::unique_ptr<RdKafka::KafkaConsumer> reader_ ABSL_GUARDED_BY(read_mu_);
  // Forward and AwaitReceipts (serialized by the caller): the incoming
  // topic's partitions, the receipts partition of this run and where its
  // receipts start, and the records forwarded and receipted so far.
  int32_t incoming_partitions_ = 0;
  int32_t receipts_partition_ = -1;
  int64_t receipts_next_ = -1;
  int64_t forwarded_ = 0;
  v1::Receipt receipted_;
};

// The project's topics under `prefix` (deploy/kafka/README.md): PREFIX.events
// (events_partitions), PREFIX.incoming (events_partitions), PREFIX.receipts
// (1, kept 7 days), PREFIX.deadletters and PREFIX.raw.<feed>
// (other_partitions each), the others kept forever, with min.insync.replicas
// 2 when replication is 3 or more. Existing topics are left as they are.
absl::Status CreateTopics(const std::string& brokers, const std::string& prefix, int events_partitions,
                          int other_partitions, int replication, const KafkaConfig& kafka_config = {});

// Events and dead letters on Kafka (issue 10). With keys, a person's events
// are keyed by the pseudonym (32 bytes) and every value is Seal(message key,
// the serialized Event or DeadLetter, aad = the message key), with the key id
// in the header kKeyIdHeader; without keys (tests), plain protobuf keyed by
// the ID number.
inline constexpr char kKeyIdHeader[] = "enrol-key-id";
std::string EventMessageKey(const Keyring* keys, const std::string& id_number);
// The key of a record on the incoming topic: the pseudonym of
// "<source>:<record_id>" (the text itself without keys).
std::string IncomingMessageKey(const Keyring* keys, v1::Source source, const std::string& record_id);
// The key of a dead letter: "<source>\n<run>\n<file>\n<line>".
std::string DeadLetterMessageKey(const v1::DeadLetter& d);
// Seals a value under the message key when keys are given.
std::string SealMessageValue(const Keyring* keys, const std::string& message_key, const std::string& plain);
absl::Status DecodeIncomingMessage(const Keyring* keys, RdKafka::Message& m, v1::Incoming* incoming);
// Decodes one message of the events topic. kDataLoss, naming partition and
// offset, for a value that does not open (another key, altered, unsealed) or
// parse.
absl::Status DecodeEventMessage(const Keyring* keys, RdKafka::Message& m, v1::Event* event);
// DecodeEventMessage in two steps, so that the second can run on another
// thread after the message is released: CheckEventSeal checks the key id
// header (kDataLoss naming topic, partition and offset), and DecodeEventValue
// opens and parses the value and message key (EventMessageKeyOf) that came
// at topic, partition and offset, with DecodeEventMessage's errors.
absl::Status CheckEventSeal(const Keyring* keys, RdKafka::Message& m);
std::string_view EventMessageKeyOf(RdKafka::Message& m);
absl::Status DecodeEventValue(const Keyring* keys, std::string_view value, std::string_view message_key,
                              const std::string& topic, int32_t partition, int64_t offset, v1::Event* event);
absl::Status DecodeDeadLetterMessage(const Keyring* keys, RdKafka::Message& m, v1::DeadLetter* letter);

// Produces one message (a copy), waiting while the producer's queue is full.
// On an error the headers are freed (librdkafka owns them only once a produce
// call succeeds).
RdKafka::ErrorCode KafkaProduce(RdKafka::Producer* producer, const std::string& topic, int32_t partition,
                                std::string_view value, std::string_view key, int64_t timestamp_ms,
                                RdKafka::Headers* headers, void* opaque);

// The low and high watermarks of a partition, asked through `client` (the
// high one is the last stable offset when the client reads read_committed).
// `low` may be null: then only the high one is asked. A partition whose
// leader is moving, has died or is not yet elected (a new topic) is asked
// again until `timeout`; kUnavailable then.
absl::Status KafkaWatermarks(RdKafka::Handle* client, const std::string& topic, int32_t partition, int64_t* low,
                             int64_t* high, absl::Duration timeout);

// The partition count of a topic; kNotFound when it does not exist. The
// first form asks through a client already connected.
absl::StatusOr<int32_t> KafkaPartitionCount(RdKafka::Handle* client, const std::string& topic, absl::Duration timeout,
                                            const KafkaErrorLog* errors = nullptr);
absl::StatusOr<int32_t> KafkaPartitionCount(const std::string& brokers, const std::string& topic,
                                            absl::Duration timeout, const KafkaConfig& kafka_config = {});

}  // namespace enrol

#endif  // ENROL_LEDGER_KAFKA_LOG_H_
