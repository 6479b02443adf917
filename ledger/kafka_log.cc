#include "ledger/kafka_log.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/hashing.h"
#include "ledger/content_hash.h"

namespace enrol {
namespace {

int Ms(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

absl::Status Fault(RdKafka::ErrorCode err, const std::string& what) { return KafkaFault(err, what); }

std::unique_ptr<RdKafka::Conf> BaseConf(const std::string& brokers, std::string* errstr) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  if (conf->set("bootstrap.servers", brokers, *errstr) != RdKafka::Conf::CONF_OK) return nullptr;
  conf->set("client.id", "enrol", *errstr);
  conf->set("broker.address.family", "v4", *errstr);
  conf->set("log_level", "3", *errstr);
  return conf;
}

std::unique_ptr<RdKafka::KafkaConsumer> Reader(const std::string& brokers, const KafkaConfig& kafka_config,
                                               std::string* errstr) {
  auto conf = BaseConf(brokers, errstr);
  if (!conf) return nullptr;
  conf->set("group.id", "enrol-reader", *errstr);  // required by the API; never joined
  conf->set("enable.auto.commit", "false", *errstr);
  conf->set("enable.partition.eof", "true", *errstr);
  conf->set("auto.offset.reset", "earliest", *errstr);
  // Fetch responses of a few MiB: librdkafka allocates each whole, and 50 MiB
  // ones had the kernel zero fresh pages for a fifth of the time
  // (tests/bench/kafka_bench.sh).
  conf->set("fetch.max.bytes", "4194304", *errstr);
  conf->set("max.partition.fetch.bytes", "1048576", *errstr);
  conf->set("fetch.wait.max.ms", "50", *errstr);  // receipts: answered as soon as they come
  if (auto s = ApplyKafkaConfig(kafka_config, conf.get()); !s.ok()) {
    *errstr = std::string(s.message());
    return nullptr;
  }
  return std::unique_ptr<RdKafka::KafkaConsumer>(RdKafka::KafkaConsumer::create(conf.get(), *errstr));
}



// "<what> at <topic> partition P offset O": where a message came from, for
// errors only (librdkafka gives the topic's name as a fresh string each time).
std::string Where(const char* what, const std::string& topic, int32_t partition, int64_t offset) {
  return absl::StrCat(what, " at ", topic, " partition ", partition, " offset ", offset);
}

// Checks that a message carries the key id header of `keys` (nothing to
// check without keys).
absl::Status CheckSeal(const Keyring* keys, RdKafka::Message& m, const char* what) {
  if (keys == nullptr) return absl::OkStatus();
  // The key id header, read in place through the C API (the C++ one copies
  // the headers and the value for every message).
  rd_kafka_headers_t* headers = nullptr;
  const void* id = nullptr;
  size_t id_size = 0;
  if (rd_kafka_message_headers(m.c_ptr(), &headers) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      rd_kafka_header_get_last(headers, kKeyIdHeader, &id, &id_size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      id == nullptr) {
    return absl::DataLossError(
        absl::StrCat(Where(what, m.topic_name(), m.partition(), m.offset()), " is not sealed (no ", kKeyIdHeader,
                     " header)"));
  }
  const absl::string_view key_id(static_cast<const char*>(id), id_size);
  if (key_id != keys->key_id()) {
    return absl::DataLossError(absl::StrCat(Where(what, m.topic_name(), m.partition(), m.offset()),
                                            " is sealed under key id ", key_id,
                                            "; the key given has id ", keys->key_id(), ": pass the right --key-file"));
  }
  return absl::OkStatus();
}

std::string_view MessageKey(RdKafka::Message& m) {
  if (m.key_pointer() == nullptr) return {};
  return std::string_view(static_cast<const char*>(m.key_pointer()), m.key_len());
}

// Opens (with the key when keys are given) and parses a value whose message
// passed CheckSeal. topic() names the topic, called for an error only.
template <typename Message, typename TopicFn>
absl::Status ParseValue(const Keyring* keys, std::string_view value, std::string_view message_key, const char* what,
                        const TopicFn& topic, int32_t partition, int64_t offset, Message* out) {
  bool parsed = false;
  if (keys == nullptr) {
    parsed = out->ParseFromArray(value.data(), static_cast<int>(value.size()));
  } else {
    auto plain = Unseal(keys->message_key(), value, message_key);
    if (!plain.ok()) {
      return absl::DataLossError(
          absl::StrCat(Where(what, topic(), partition, offset), ": ", plain.status().message()));
    }
    parsed = out->ParseFromString(*plain);
  }
  if (!parsed) {
    return absl::DataLossError(absl::StrCat(what, " at partition ", partition, " offset ", offset, " does not parse"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DeadLetterMessageKey(const v1::DeadLetter& d) {
  return absl::StrCat(SourceName(d.source()), "\n", d.run(), "\n", d.file(), "\n", d.line());
}

std::string EventMessageKey(const Keyring* keys, const std::string& id_number) {
  return keys != nullptr ? keys->Pseudonym(id_number) : id_number;
}

std::string IncomingMessageKey(const Keyring* keys, v1::Source source, const std::string& record_id) {
  std::string text = absl::StrCat(SourceName(source), ":", record_id);
  return keys != nullptr ? keys->Pseudonym(text) : text;
}

std::string SealMessageValue(const Keyring* keys, const std::string& message_key, const std::string& plain) {
  return keys != nullptr ? Seal(keys->message_key(), plain, message_key) : plain;
}

// Opens and parses one message of the events or the dead-letter topic.
template <typename Message>
absl::Status DecodeMessage(const Keyring* keys, RdKafka::Message& m, const char* what, Message* out) {
  if (auto s = CheckSeal(keys, m, what); !s.ok()) return s;
  return ParseValue(
      keys, std::string_view(static_cast<const char*>(m.payload()), m.len()), MessageKey(m), what,
      [&] { return m.topic_name(); }, m.partition(), m.offset(), out);
}

absl::Status DecodeEventMessage(const Keyring* keys, RdKafka::Message& m, v1::Event* event) {
  return DecodeMessage(keys, m, "event", event);
}

absl::Status CheckEventSeal(const Keyring* keys, RdKafka::Message& m) { return CheckSeal(keys, m, "event"); }

absl::Status DecodeEventValue(const Keyring* keys, std::string_view value, std::string_view message_key,
                              const std::string& topic, int32_t partition, int64_t offset, v1::Event* event) {
  return ParseValue(
      keys, value, message_key, "event", [&] { return topic; }, partition, offset, event);
}

std::string_view EventMessageKeyOf(RdKafka::Message& m) { return MessageKey(m); }

absl::Status DecodeDeadLetterMessage(const Keyring* keys, RdKafka::Message& m, v1::DeadLetter* letter) {
  return DecodeMessage(keys, m, "dead letter", letter);
}

absl::Status DecodeIncomingMessage(const Keyring* keys, RdKafka::Message& m, v1::Incoming* incoming) {
  return DecodeMessage(keys, m, "incoming record", incoming);
}

absl::Status KafkaFault(RdKafka::ErrorCode err, const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", RdKafka::err2str(err)));
}

void KafkaDeliveries::dr_cb(RdKafka::Message& m) {
  auto i = reinterpret_cast<uintptr_t>(m.msg_opaque());
  if (i >= slots_.size()) return;
  slots_[i] = {true, m.err(), m.partition(), m.offset()};
}

absl::Status KafkaDeliveries::Check(const std::string& topic) const {
  for (const Slot& s : slots_) {
    if (!s.done) return absl::UnavailableError(absl::StrCat("kafka: no delivery report for ", topic));
    if (s.err != RdKafka::ERR_NO_ERROR) return KafkaFault(s.err, absl::StrCat("kafka delivery to ", topic));
  }
  return absl::OkStatus();
}

absl::Status CreateTopics(const std::string& brokers, const std::string& prefix, int events_partitions,
                          int other_partitions, int replication, const KafkaConfig& kafka_config) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("--brokers: ", err));
  }
  rd_kafka_conf_set(conf, "broker.address.family", "v4", err, sizeof err);
  if (auto s = ApplyKafkaConfig(kafka_config, conf); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  KafkaErrorLog errors;  // explains a timeout (e.g. a TLS or SASL failure)
  errors.InstallOn(conf);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) return absl::UnavailableError(absl::StrCat("kafka: ", err));
  std::vector<std::pair<std::string, int>> topics = {{prefix + ".events", events_partitions},
                                                     {prefix + ".incoming", events_partitions},
                                                     {prefix + ".receipts", 1},
                                                     {prefix + ".deadletters", other_partitions}};
  for (const char* feed : {"tax", "civil", "registry", "claims"}) {
    topics.emplace_back(absl::StrCat(prefix, ".raw.", feed), other_partitions);
  }
  // Where each projection worker answers (enrol serve --brokers): compacted,
  // the latest address per group and partition.
  topics.emplace_back(prefix + ".owners", 1);
  std::vector<rd_kafka_NewTopic_t*> news;
  for (const auto& [name, parts] : topics) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(name.c_str(), parts, replication, err, sizeof err);
    // Receipts matter only until the ingest that waits for them has read
    // them; everything else is kept forever.
    rd_kafka_NewTopic_set_config(t, "retention.ms", absl::EndsWith(name, ".receipts") ? "604800000" : "-1");
    rd_kafka_NewTopic_set_config(t, "retention.bytes", "-1");
    rd_kafka_NewTopic_set_config(t, "cleanup.policy", absl::EndsWith(name, ".owners") ? "compact" : "delete");
    rd_kafka_NewTopic_set_config(t, "min.insync.replicas", replication >= 3 ? "2" : "1");
    news.push_back(t);
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, err, sizeof err);
  rd_kafka_CreateTopics(rk, news.data(), news.size(), opts, q);
  absl::Status status;
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  rd_kafka_poll(rk, 0);  // serves the error callback
  if (ev == nullptr) {
    status = absl::UnavailableError(absl::StrCat("kafka: no answer to CreateTopics", errors.Explain()));
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::UnavailableError(
        absl::StrCat("kafka CreateTopics: ", rd_kafka_event_error_string(ev), errors.Explain()));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && status.ok()) {
        status = absl::UnavailableError(absl::StrCat("kafka CreateTopics ", rd_kafka_topic_result_name(results[i]),
                                                     ": ", rd_kafka_err2str(e)));
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy_array(news.data(), news.size());
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return status;
}

RdKafka::ErrorCode KafkaProduce(RdKafka::Producer* producer, const std::string& topic, int32_t partition,
                                std::string_view value, std::string_view key, int64_t timestamp_ms,
                                RdKafka::Headers* headers, void* opaque) {
  for (;;) {
    RdKafka::ErrorCode err = producer->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                                               const_cast<char*>(value.data()), value.size(), key.data(), key.size(),
                                               timestamp_ms, headers, opaque);
    if (err != RdKafka::ERR__QUEUE_FULL) {
      if (err != RdKafka::ERR_NO_ERROR) delete headers;
      return err;
    }
    producer->poll(50);
  }
}

namespace {

absl::StatusOr<int32_t> AskPartitionCount(RdKafka::Handle* client, const std::string& topic, absl::Duration timeout,
                                          const KafkaErrorLog* errors) {
  std::string errstr;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(client, topic, nullptr, errstr));
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err = client->metadata(false, t.get(), &raw, Ms(timeout));
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (err != RdKafka::ERR_NO_ERROR) {
    client->poll(0);  // serves the error events
    return absl::UnavailableError(absl::StrCat("kafka metadata for ", topic, ": ", RdKafka::err2str(err),
                                               errors != nullptr ? errors->Explain() : std::string()));
  }
  for (const RdKafka::TopicMetadata* tm : *md->topics()) {
    if (tm->topic() != topic) continue;
    // Refused (no Describe ACL) before missing: the broker says which.
    if (tm->err() != RdKafka::ERR_NO_ERROR && tm->err() != RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) {
      return Fault(tm->err(), absl::StrCat("kafka topic ", topic));
    }
    if (tm->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART || tm->partitions()->empty()) {
      return absl::NotFoundError(absl::StrCat("kafka topic ", topic, " does not exist (deploy/kafka/topics.sh create)"));
    }
    return static_cast<int32_t>(tm->partitions()->size());
  }
  return absl::NotFoundError(absl::StrCat("kafka topic ", topic, " does not exist"));
}

// One offset of a partition by ListOffsets: `which` is
// RdKafka::Topic::OFFSET_BEGINNING or OFFSET_END. Asked with offsetsForTimes,
// whose wait ends at its timeout: librdkafka 2.0.2's query_watermark_offsets
// waits without a deadline and, when the partition's leader has died, retries
// the dead broker for ever.
RdKafka::ErrorCode ListOffset(RdKafka::Handle* client, const std::string& topic, int32_t partition, int64_t which,
                              int64_t* offset, absl::Duration timeout) {
  std::vector<RdKafka::TopicPartition*> one{RdKafka::TopicPartition::create(topic, partition, which)};
  RdKafka::ErrorCode err = client->offsetsForTimes(one, Ms(timeout));
  if (err == RdKafka::ERR_NO_ERROR) err = one[0]->err();
  *offset = one[0]->offset();
  RdKafka::TopicPartition::destroy(one);
  return err;
}

}  // namespace

absl::Status KafkaWatermarks(RdKafka::Handle* client, const std::string& topic, int32_t partition, int64_t* low,
                             int64_t* high, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    // Short tries, so that a leader that moved is looked up again in time.
    const absl::Duration attempt = std::clamp(deadline - absl::Now(), absl::Milliseconds(100), absl::Seconds(10));
    RdKafka::ErrorCode err = ListOffset(client, topic, partition, RdKafka::Topic::OFFSET_END, high, attempt);
    if (err == RdKafka::ERR_NO_ERROR && low != nullptr) {
      err = ListOffset(client, topic, partition, RdKafka::Topic::OFFSET_BEGINNING, low, attempt);
    }
    if (err == RdKafka::ERR_NO_ERROR) return absl::OkStatus();
    const bool moving = err == RdKafka::ERR_NOT_LEADER_FOR_PARTITION || err == RdKafka::ERR_LEADER_NOT_AVAILABLE ||
                        err == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART || err == RdKafka::ERR__TRANSPORT ||
                        err == RdKafka::ERR__TIMED_OUT || err == RdKafka::ERR_REQUEST_TIMED_OUT;
    if (!moving || absl::Now() > deadline) {
      return Fault(err, absl::StrCat("kafka watermarks of ", topic, " partition ", partition));
    }
    // Refreshes the client's view of the partition's leader.
    (void)AskPartitionCount(client, topic, std::min(attempt, absl::Seconds(2)), nullptr);
    absl::SleepFor(absl::Milliseconds(200));
  }
}

absl::StatusOr<int32_t> KafkaPartitionCount(RdKafka::Handle* client, const std::string& topic, absl::Duration timeout,
                                            const KafkaErrorLog* errors) {
  // A topic just created can be unknown to a broker for a moment (its
  // metadata propagates from the controller): asked again for up to 3 s.
  const absl::Time settle = absl::Now() + std::min(timeout, absl::Seconds(3));
  for (;;) {
    auto n = AskPartitionCount(client, topic, timeout, errors);
    if (!absl::IsNotFound(n.status()) || absl::Now() > settle) return n;
    absl::SleepFor(absl::Milliseconds(200));
  }
}

absl::StatusOr<int32_t> KafkaPartitionCount(const std::string& brokers, const std::string& topic,
                                            absl::Duration timeout, const KafkaConfig& kafka_config) {
  std::string errstr;
  auto conf = BaseConf(brokers, &errstr);
  if (!conf) return absl::InvalidArgumentError(absl::StrCat("--brokers: ", errstr));
  if (auto s = ApplyKafkaConfig(kafka_config, conf.get()); !s.ok()) return s;
  KafkaErrorLog errors;  // explains a timeout (e.g. a TLS or SASL failure)
  conf->set("event_cb", static_cast<RdKafka::EventCb*>(&errors), errstr);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), errstr));
  if (!p) return absl::UnavailableError(absl::StrCat("kafka: ", errstr));
  return KafkaPartitionCount(p.get(), topic, timeout, &errors);
}

absl::StatusOr<std::unique_ptr<KafkaLog>> KafkaLog::Open(KafkaOptions options) {
  std::unique_ptr<KafkaLog> log(new KafkaLog(std::move(options), 0));
  std::string errstr;
  auto conf = BaseConf(log->options_.brokers, &errstr);
  conf->set("enable.idempotence", "true", errstr);
  conf->set("acks", "all", errstr);
  conf->set("linger.ms", "5", errstr);
  conf->set("batch.num.messages", "10000", errstr);
  conf->set("queue.buffering.max.messages", "1000000", errstr);
  conf->set("compression.type", "lz4", errstr);
  conf->set("message.timeout.ms", std::to_string(Ms(log->options_.timeout)), errstr);
  if (auto s = ApplyKafkaConfig(log->options_.kafka_config, conf.get()); !s.ok()) return s;
  if (conf->set("dr_cb", log->delivery_.get(), errstr) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(absl::StrCat("kafka: ", errstr));
  }
  conf->set("event_cb", static_cast<RdKafka::EventCb*>(log->errors_.get()), errstr);
  log->producer_.reset(RdKafka::Producer::create(conf.get(), errstr));
  if (!log->producer_) return absl::UnavailableError(absl::StrCat("kafka producer: ", errstr));
  // Asked through the producer: one connection, not a client of its own.
  auto partitions = KafkaPartitionCount(log->producer_.get(), log->options_.events_topic, log->options_.timeout,
                                        log->errors_.get());
  if (!partitions.ok()) return partitions.status();
  log->partitions_ = *partitions;
  {
    absl::MutexLock lock(&log->read_mu_);
    log->reader_ = Reader(log->options_.brokers, log->options_.kafka_config, &errstr);
    if (!log->reader_) return absl::UnavailableError(absl::StrCat("kafka consumer: ", errstr));
  }
  return log;
}

KafkaLog::KafkaLog(KafkaOptions options, int32_t partitions)
    : options_(std::move(options)),
      partitions_(partitions),
      errors_(std::make_unique<KafkaErrorLog>()),
      delivery_(std::make_unique<KafkaDeliveries>()) {}

KafkaLog::~KafkaLog() {
  if (producer_) producer_->flush(Ms(options_.timeout));
  absl::MutexLock lock(&read_mu_);
  if (reader_) reader_->close();
}

absl::Status KafkaLog::Produce(const std::string& topic,
                               const std::vector<std::pair<std::string, std::string>>& messages,
                               const std::vector<int32_t>& partitions,
                               std::vector<std::pair<int32_t, int64_t>>* positions) {
  delivery_->Reset(messages.size());
  const int64_t now_ms = absl::ToUnixMillis(options_.clock());
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& [key, value] = messages[i];
    // The key id travels in a header; librdkafka owns the headers once a
    // produce call succeeds.
    RdKafka::Headers* headers = nullptr;
    if (options_.keys != nullptr) {
      headers = RdKafka::Headers::create();
      headers->add(kKeyIdHeader, options_.keys->key_id());
    }
    RdKafka::ErrorCode err =
        KafkaProduce(producer_.get(), topic, partitions.empty() ? RdKafka::Topic::PARTITION_UA : partitions[i], value,
                     key, now_ms, headers, reinterpret_cast<void*>(static_cast<uintptr_t>(i)));
    if (err != RdKafka::ERR_NO_ERROR) {
      producer_->flush(Ms(options_.timeout));
      return Fault(err, absl::StrCat("kafka produce to ", topic));
    }
  }
  RdKafka::ErrorCode err = producer_->flush(Ms(options_.timeout));
  if (err != RdKafka::ERR_NO_ERROR) return Fault(err, absl::StrCat("kafka flush to ", topic));
  if (auto s = delivery_->Check(topic); !s.ok()) return s;
  if (positions != nullptr) {
    positions->clear();
    for (const KafkaDeliveries::Slot& slot : delivery_->slots()) positions->emplace_back(slot.partition, slot.offset);
  }
  return absl::OkStatus();
}

absl::Status KafkaLog::Append(std::vector<v1::Event>& events, std::vector<AppendResult>* results) {
  if (auto s = Forward(events, {}); !s.ok()) return s;
  results->assign(events.size(), AppendResult{});
  for (AppendResult& r : *results) r.kind = AppendResult::Kind::kForwarded;
  return absl::OkStatus();
}

absl::Status KafkaLog::Forward(std::vector<v1::Event>& events, const std::vector<std::string>& texts) {
  if (incoming_partitions_ == 0) {
    auto n = KafkaPartitionCount(producer_.get(), options_.incoming_topic, options_.timeout);
    if (!n.ok()) return n.status();
    auto r = KafkaPartitionCount(producer_.get(), options_.receipts_topic, options_.timeout);
    if (!r.ok()) return r.status();
    // This run's receipts start after what the receipts partition holds now.
    receipts_partition_ = PartitionForKey(run_, *r);
    int64_t high = 0;
    if (auto s = KafkaWatermarks(producer_.get(), options_.receipts_topic, receipts_partition_, nullptr, &high,
                                 options_.timeout);
        !s.ok()) {
      return s;
    }
    receipts_next_ = high;
    incoming_partitions_ = *n;
  }
  std::vector<std::pair<std::string, std::string>> messages;
  std::vector<int32_t> partitions;
  messages.reserve(events.size());
  partitions.reserve(events.size());
  v1::Incoming in;
  in.set_run(run_);
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Event& e = events[i];
    if (e.record_id().empty() || e.person().empty() || e.source() == v1::SOURCE_UNSPECIFIED) {
      return absl::InvalidArgumentError("an event lacks source, record_id or person");
    }
    std::string key = IncomingMessageKey(options_.keys, e.source(), e.record_id());
    partitions.push_back(PartitionForKey(key, incoming_partitions_));
    in.mutable_event()->Swap(&e);
    in.set_record(i < texts.size() ? texts[i] : std::string());
    std::string value = SealMessageValue(options_.keys, key, in.SerializeAsString());
    in.mutable_event()->Swap(&e);
    messages.emplace_back(std::move(key), std::move(value));
  }
  if (auto s = Produce(options_.incoming_topic, messages, partitions, nullptr); !s.ok()) return s;
  forwarded_ += static_cast<int64_t>(events.size());
  return absl::OkStatus();
}

absl::StatusOr<v1::Receipt> KafkaLog::AwaitReceipts() {
  v1::Receipt before = receipted_;
  if (receipted_.records() < forwarded_) {
    absl::MutexLock lock(&read_mu_);
    std::unique_ptr<RdKafka::TopicPartition> tp(
        RdKafka::TopicPartition::create(options_.receipts_topic, receipts_partition_, receipts_next_));
    std::vector<RdKafka::TopicPartition*> assignment{tp.get()};
    if (RdKafka::ErrorCode err = reader_->assign(assignment); err != RdKafka::ERR_NO_ERROR) {
      return Fault(err, "kafka assign receipts");
    }
    absl::Time last = absl::Now();
    absl::Status status;
    while (receipted_.records() < forwarded_) {
      std::unique_ptr<RdKafka::Message> m(reader_->consume(200));
      if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) {
        if (absl::Now() - last > options_.stage_timeout) {
          status = absl::UnavailableError(absl::StrCat(
              "kafka: the stage has taken ", receipted_.records(), " of the ", forwarded_,
              " records this run sent, and no more for ", absl::FormatDuration(options_.stage_timeout),
              ": is `enrol stage` running for ", options_.incoming_topic,
              "? The records are kept there; once a stage runs, running the same ingest again completes it"));
          break;
        }
        continue;
      }
      if (m->err() != RdKafka::ERR_NO_ERROR) {
        status = Fault(m->err(), "kafka consume receipts");
        break;
      }
      receipts_next_ = m->offset() + 1;
      v1::Receipt r;
      if (!r.ParseFromArray(m->payload(), static_cast<int>(m->len()))) {
        status = absl::DataLossError(absl::StrCat("receipt at ", options_.receipts_topic, " partition ",
                                                  m->partition(), " offset ", m->offset(), " does not parse"));
        break;
      }
      if (r.run() != run_) continue;
      last = absl::Now();
      receipted_.set_records(receipted_.records() + r.records());
      receipted_.set_accepted(receipted_.accepted() + r.accepted());
      receipted_.set_duplicates(receipted_.duplicates() + r.duplicates());
      receipted_.set_rejected(receipted_.rejected() + r.rejected());
    }
    reader_->unassign();
    if (!status.ok()) return status;
  }
  v1::Receipt delta;
  delta.set_run(run_);
  delta.set_records(receipted_.records() - before.records());
  delta.set_accepted(receipted_.accepted() - before.accepted());
  delta.set_duplicates(receipted_.duplicates() - before.duplicates());
  delta.set_rejected(receipted_.rejected() - before.rejected());
  return delta;
}

absl::StatusOr<Offset> KafkaLog::EndOffset(Partition p) {
  int64_t high = 0;
  if (auto s = KafkaWatermarks(producer_.get(), options_.events_topic, p.value, nullptr, &high, options_.timeout);
      !s.ok()) {
    return s;
  }
  return Offset{high};
}

absl::Status KafkaLog::Read(Partition p, Offset from, size_t max_events, std::vector<LogEntry>* out) {
  auto end = EndOffset(p);
  if (!end.ok()) return end.status();
  if (from >= *end || max_events == 0) return absl::OkStatus();
  absl::MutexLock lock(&read_mu_);
  std::unique_ptr<RdKafka::TopicPartition> tp(
      RdKafka::TopicPartition::create(options_.events_topic, p.value, from.value));
  std::vector<RdKafka::TopicPartition*> assignment{tp.get()};
  if (RdKafka::ErrorCode err = reader_->assign(assignment); err != RdKafka::ERR_NO_ERROR) {
    return Fault(err, "kafka assign");
  }
  absl::Status status;
  size_t n = 0;
  int64_t next = from.value;
  const absl::Time deadline = absl::Now() + options_.timeout;
  while (n < max_events && next < end->value) {
    std::unique_ptr<RdKafka::Message> m(reader_->consume(200));
    if (m->err() == RdKafka::ERR__TIMED_OUT) {
      if (absl::Now() > deadline) {
        status = absl::UnavailableError("kafka: timed out reading the events topic");
        break;
      }
      continue;
    }
    if (m->err() == RdKafka::ERR__PARTITION_EOF) break;
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      status = Fault(m->err(), "kafka consume");
      break;
    }
    LogEntry& entry = out->emplace_back();
    entry.partition = p;
    entry.offset.value = m->offset();
    if (status = DecodeEventMessage(options_.keys, *m, &entry.event); !status.ok()) break;
    next = m->offset() + 1;
    ++n;
  }
  reader_->unassign();
  return status;
}

absl::Status KafkaLog::Put(const std::vector<v1::DeadLetter>& letters) {
  if (letters.empty()) return absl::OkStatus();
  std::vector<std::pair<std::string, std::string>> messages;
  for (const v1::DeadLetter& letter : letters) {
    v1::DeadLetter d = letter;
    if (d.run().empty()) d.set_run(run_);
    std::string key = DeadLetterMessageKey(d);
    std::string value = SealMessageValue(options_.keys, key, d.SerializeAsString());
    messages.emplace_back(std::move(key), std::move(value));
  }
  return Produce(options_.dead_letter_topic, messages, {}, nullptr);
}

absl::Status KafkaLog::ForEach(std::optional<v1::Source> source,
                               const std::function<bool(const v1::DeadLetter&)>& fn) {
  auto count = KafkaPartitionCount(producer_.get(), options_.dead_letter_topic, options_.timeout);
  if (!count.ok()) return count.status();
  // Every letter, in (source, run, file, line) order (a producer retry may
  // have written one twice: the same run, file and line).
  std::map<std::tuple<int, std::string, std::string, int64_t>, v1::DeadLetter> letters;
  absl::MutexLock lock(&read_mu_);
  for (int32_t p = 0; p < *count; ++p) {
    int64_t low = 0, high = 0;
    if (auto s = KafkaWatermarks(producer_.get(), options_.dead_letter_topic, p, &low, &high, options_.timeout);
        !s.ok()) {
      return s;
    }
    if (high <= low) continue;
    std::unique_ptr<RdKafka::TopicPartition> tp(
        RdKafka::TopicPartition::create(options_.dead_letter_topic, p, low));
    std::vector<RdKafka::TopicPartition*> assignment{tp.get()};
    reader_->assign(assignment);
    int64_t next = low;
    while (next < high) {
      std::unique_ptr<RdKafka::Message> m(reader_->consume(1000));
      if (m->err() == RdKafka::ERR__TIMED_OUT) continue;
      if (m->err() == RdKafka::ERR__PARTITION_EOF) break;
      if (m->err() != RdKafka::ERR_NO_ERROR) {
        reader_->unassign();
        return Fault(m->err(), "kafka consume dead letters");
      }
      v1::DeadLetter d;
      if (absl::Status s = DecodeDeadLetterMessage(options_.keys, *m, &d); !s.ok()) {
        reader_->unassign();
        return s;
      }
      next = m->offset() + 1;
      if (source && d.source() != *source) continue;
      auto key = std::make_tuple(static_cast<int>(d.source()), d.run(), d.file(), d.line());
      letters[std::move(key)] = std::move(d);
    }
    reader_->unassign();
  }
  for (const auto& [key, d] : letters) {
    if (!fn(d)) break;
  }
  return absl::OkStatus();
}

}  // namespace enrol
