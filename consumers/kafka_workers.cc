#include "consumers/kafka_workers.h"

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <list>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>
#include <set>

#include "absl/strings/str_cat.h"
#include "consumers/feed_reader.h"
#include "consumers/validate.h"
#include "ledger/content_hash.h"
#include "projections/projector.h"

namespace enrol {
namespace {

constexpr size_t kApplyBatch = 200000;
// Partitions rebuilt at once (the others paused): memory holds their events.
constexpr size_t kRebuildingAtOnce = 2;
// Rebuilt partitions folded at once, each on a thread of its own; a third
// waits for one of them. Decoding and the rules, not fetching, are most of a
// rebuild's time.
constexpr size_t kFoldsAtOnce = 2;

// A partition's events as fetched, sealed values and message keys back to
// back in chunks of a few MiB, for a fold thread to decode once the messages
// are released (librdkafka's messages cost far more memory than their bytes).
struct Gathered {
  static constexpr size_t kChunk = 4 << 20;
  struct Item {
    int64_t offset;
    uint32_t chunk, at, value_size, key_size;  // the key follows the value
  };
  std::vector<std::string> chunks;
  std::vector<Item> items;

  void Add(RdKafka::Message& m) {
    const std::string_view key = EventMessageKeyOf(m);
    const size_t need = m.len() + key.size();
    if (chunks.empty() || chunks.back().size() + need > chunks.back().capacity()) {
      chunks.emplace_back().reserve(std::max(kChunk, need));
    }
    std::string& chunk = chunks.back();
    items.push_back({m.offset(), static_cast<uint32_t>(chunks.size() - 1), static_cast<uint32_t>(chunk.size()),
                     static_cast<uint32_t>(m.len()), static_cast<uint32_t>(key.size())});
    chunk.append(static_cast<const char*>(m.payload()), m.len());
    chunk.append(key);
  }
};

// Decodes a partition's gathered events and groups their facts by person,
// releasing each chunk once it is decoded.
absl::StatusOr<std::unordered_map<std::string, std::vector<StoredFact>>> DecodeGathered(
    const Keyring* keys, const std::string& topic, int32_t p, Gathered gathered) {
  std::unordered_map<std::string, std::vector<StoredFact>> by_person;
  v1::Event event;  // parsed into again and again: its strings keep their buffers
  for (const Gathered::Item& item : gathered.items) {
    if (item.chunk > 0) std::string().swap(gathered.chunks[item.chunk - 1]);
    const char* at = gathered.chunks[item.chunk].data() + item.at;
    const std::string_view value(at, item.value_size);
    const std::string_view key(at + item.value_size, item.key_size);
    if (auto s = DecodeEventValue(keys, value, key, topic, p, item.offset, &event); !s.ok()) return s;
    std::vector<StoredFact>& facts = by_person[event.person()];
    if (facts.empty()) facts.reserve(8);
    facts.push_back(FactOfEvent(event, item.offset));
  }
  return by_person;
}

absl::Status Fault(RdKafka::ErrorCode err, const std::string& what) { return KafkaFault(err, what); }

}  // namespace

std::unique_ptr<RdKafka::Conf> GroupConf(const std::string& brokers, const std::string& group,
                                         const KafkaConfig& kafka_config, std::string* errstr) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  if (conf->set("bootstrap.servers", brokers, *errstr) != RdKafka::Conf::CONF_OK) {
    *errstr = absl::StrCat("--brokers: ", *errstr);
    return nullptr;
  }
  conf->set("group.id", group, *errstr);
  conf->set("client.id", "enrol", *errstr);
  conf->set("broker.address.family", "v4", *errstr);
  conf->set("enable.auto.commit", "false", *errstr);
  conf->set("auto.offset.reset", "earliest", *errstr);
  conf->set("session.timeout.ms", "10000", *errstr);
  conf->set("heartbeat.interval.ms", "1000", *errstr);
  // Fetch responses of a few MiB: librdkafka allocates each whole, and 50 MiB
  // ones had the kernel zero fresh pages for a fifth of the time
  // (tests/bench/kafka_bench.sh).
  conf->set("fetch.max.bytes", "4194304", *errstr);
  // One partition may fill a fetch: a rebuild reads two partitions at a time.
  conf->set("max.partition.fetch.bytes", "4194304", *errstr);
  // A fetch whose partitions are all at their end waits up to this long for
  // more on the broker, and a partition resumed meanwhile (the next one to
  // rebuild) waits with it: at the default 500 ms, a rebuild of 16
  // partitions spent about 3 s of its 14 s so (tests/bench/kafka_bench.sh).
  conf->set("fetch.wait.max.ms", "100", *errstr);
  // librdkafka 2.0.2 stops fetching a partition while the consumer queue (all
  // partitions') holds queued.min.messages, and looks again only when its
  // broker thread next wakes, up to a second later: at the default 100,000
  // (about 0.3 s of a rebuild's work) a rebuild spent 20 of its 35 s waiting
  // for messages (tests/bench/kafka_bench.sh). The queue's size stays bounded
  // by queued.max.messages.kbytes (64 MiB).
  conf->set("queued.min.messages", "1000000", *errstr);
  // The events topic is written in transactions (the stage): its high-water
  // mark counts the commit markers, which are never delivered, so "caught up"
  // is told by the end-of-partition event.
  conf->set("enable.partition.eof", "true", *errstr);
  conf->set("isolation.level", "read_committed", *errstr);
  conf->set("log_level", "3", *errstr);
  if (auto s = ApplyKafkaConfig(kafka_config, conf.get()); !s.ok()) {
    *errstr = std::string(s.message());
    return nullptr;
  }
  return conf;
}

std::map<int32_t, int64_t> HighWatermarks(RdKafka::Handle* c, const std::string& topic,
                                          int32_t partitions, absl::Status* status) {
  std::map<int32_t, int64_t> high;
  for (int32_t p = 0; p < partitions; ++p) {
    int64_t hi = 0;
    if (absl::Status s = KafkaWatermarks(c, topic, p, nullptr, &hi, absl::Seconds(30)); !s.ok()) {
      *status = s;
      return high;
    }
    high[p] = hi;
  }
  return high;
}

namespace {

// The projection worker's state across callbacks.
class Projection : public RdKafka::RebalanceCb {
 public:
  Projection(StateStore* state, const ProfileSet& profiles, std::string topic, int32_t partitions,
             std::function<absl::Status(const std::vector<int32_t>&)> on_assign)
      : state_(state),
        profiles_(profiles),
        projector_(state, &profiles),
        topic_(std::move(topic)),
        partitions_(partitions),
        on_assign_(std::move(on_assign)) {}
  ~Projection() { (void)JoinFolds(); }  // a fold still running writes to state_

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      for (RdKafka::TopicPartition* tp : parts) {
        auto off = state_->AppliedOffset(Partition{tp->partition()});
        const int64_t at = off.ok() ? off->value : 0;
        tp->set_offset(at);
        applied_[tp->partition()] = at;
        end_.erase(tp->partition());
        owned_.insert(tp->partition());
        if (at == 0) rebuilding_.insert(tp->partition());
      }
      c->assign(parts);
      // librdkafka keeps a partition's pause across assignments: start from
      // none paused, then pause what waits for its rebuild.
      c->resume(parts);
      assigned_once_ = true;
      PauseRebuildsBeyondTheFirst(c);
    } else {
      // Hand the partitions over with everything read applied.
      Remember(JoinFolds());
      Remember(FlushAll());
      c->unassign();
      // Leaving the group (close) revokes too; the store still holds those
      // partitions as of now, and a later start resumes them: keep them.
      if (closing_) return;
      for (RdKafka::TopicPartition* tp : parts) {
        owned_.erase(tp->partition());
        pending_.erase(tp->partition());
        rebuilding_.erase(tp->partition());
        paused_.erase(tp->partition());
        gathered_.erase(tp->partition());
        gathered_next_.erase(tp->partition());
      }
    }
    StateStore::Ownership o;
    o.partitions = partitions_;
    o.owned.assign(owned_.begin(), owned_.end());
    Remember(state_->SetOwnership(o));
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS && on_assign_) Remember(on_assign_(o.owned));
  }

  // Keeps the message for the next FlushAll, which decodes it.
  void Add(std::unique_ptr<RdKafka::Message> m) {
    const int32_t p = m->partition();
    if (!owned_.count(p) || m->offset() < applied_[p]) return;  // stale redelivery
    if (rebuilding_.count(p)) {
      Gather(p, *m);
      return;
    }
    pending_[p].push_back(std::move(m));
    ++pending_count_;
  }

  // A partition this worker has no state for is rebuilt as `enrol replay`
  // does: its facts gathered by person up to the partition's end, then each
  // person folded once (an incremental fold of a topic in time order would
  // fold a person once per batch). kRebuildingAtOnce partitions at a time,
  // the others paused, so memory holds that many partitions' facts.
  void PauseRebuildsBeyondTheFirst(RdKafka::KafkaConsumer* c) {
    std::vector<RdKafka::TopicPartition*> pause;
    size_t active = 0;
    for (int32_t p : rebuilding_) {
      if (active++ < kRebuildingAtOnce) continue;
      pause.push_back(RdKafka::TopicPartition::create(topic_, p));
      paused_.insert(p);
    }
    if (!pause.empty()) c->pause(pause);
    RdKafka::TopicPartition::destroy(pause);
  }

  void Gather(int32_t p, RdKafka::Message& m) {
    // A paused partition's fetched messages can come again after resume.
    int64_t& next = gathered_next_[p];
    if (m.offset() < next) return;
    next = m.offset() + 1;
    // Checked with the keys the store was opened with: the one keyring.
    if (absl::Status s = CheckEventSeal(state_->keys(), m); !s.ok()) {
      Remember(s);
      return;
    }
    gathered_[p].Add(m);
  }

  // At partition p's end (`offset`): a partition being rebuilt hands what it
  // gathered to a fold thread, which decodes and folds it and stores
  // `offset` with it, and the next paused one is resumed, so fetching goes on
  // while it folds. kFoldsAtOnce folds at a time: memory holds the partitions
  // gathering and those folding.
  absl::Status FinishRebuild(RdKafka::KafkaConsumer* c, int32_t p, int64_t offset) {
    if (!rebuilding_.count(p)) return absl::OkStatus();
    if (auto s = ReapFolds(); !s.ok()) return s;
    while (folds_.size() >= kFoldsAtOnce) {
      if (auto s = JoinFold(folds_.begin()); !s.ok()) return s;
    }
    Fold& fold = folds_.emplace_back();
    fold.partition = p;
    fold.events = static_cast<int64_t>(gathered_[p].items.size());
    fold.thread = std::thread([this, &fold, p, offset, gathered = std::move(gathered_[p])]() mutable {
      auto by_person = DecodeGathered(state_->keys(), topic_, p, std::move(gathered));
      fold.status = by_person.ok() ? CommitRebuilt(state_, profiles_, *by_person, Partition{p}, Offset{offset})
                                   : by_person.status();
      fold.done = true;
    });
    applied_[p] = offset;  // what follows is applied once the fold is in (JoinFolds)
    gathered_.erase(p);
    gathered_next_.erase(p);
    rebuilding_.erase(p);
    if (!paused_.empty()) {  // the next partition to rebuild
      std::vector<RdKafka::TopicPartition*> next{RdKafka::TopicPartition::create(topic_, *paused_.begin())};
      paused_.erase(paused_.begin());
      c->resume(next);
      RdKafka::TopicPartition::destroy(next);
    }
    return absl::OkStatus();
  }

  // Waits for every partition being folded.
  absl::Status JoinFolds() {
    absl::Status first;
    while (!folds_.empty()) {
      absl::Status s = JoinFold(folds_.begin());
      if (first.ok()) first = s;
    }
    return first;
  }

  // Joins the folds that have finished.
  absl::Status ReapFolds() {
    absl::Status first;
    for (auto it = folds_.begin(); it != folds_.end();) {
      auto here = it++;
      if (!here->done) continue;
      absl::Status s = JoinFold(here);
      if (first.ok()) first = s;
    }
    return first;
  }

  size_t pending() const { return pending_count_; }

  // Decodes and folds what was read, the partitions on two threads (the
  // rules, not Kafka, are most of a rebuild's time).
  absl::Status FlushAll() {
    for (const Fold& fold : folds_) {
      if (auto q = pending_.find(fold.partition); q != pending_.end() && !q->second.empty()) {
        if (auto s = JoinFolds(); !s.ok()) return s;  // events after the rebuilt ones
        break;
      }
    }
    std::vector<int32_t> parts;
    for (const auto& [p, messages] : pending_) {
      if (!messages.empty()) parts.push_back(p);
    }
    std::atomic<size_t> next{0};
    absl::Mutex mu;
    absl::Status first_error;
    auto work = [&] {
      for (size_t i = next++; i < parts.size(); i = next++) {
        absl::Status s = ApplyPartition(parts[i]);
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          if (first_error.ok()) first_error = std::move(s);
          return;
        }
      }
    };
    std::thread helper;
    if (parts.size() > 1) helper = std::thread(work);
    work();
    if (helper.joinable()) helper.join();
    if (!first_error.ok()) return first_error;
    for (int32_t p : parts) {
      std::vector<std::unique_ptr<RdKafka::Message>>& messages = pending_[p];
      applied_[p] = messages.back()->offset() + 1;
      applied_count_ += static_cast<int64_t>(messages.size());
      messages.clear();
    }
    pending_count_ = 0;
    return absl::OkStatus();
  }

  // Decodes partition p's pending messages (opened with the keys the store
  // was opened with: the one keyring) and folds them. Thread-safe across
  // partitions.
  absl::Status ApplyPartition(int32_t p) {
    const std::vector<std::unique_ptr<RdKafka::Message>>& messages = pending_.at(p);
    std::vector<LogEntry> entries(messages.size());
    for (size_t i = 0; i < messages.size(); ++i) {
      entries[i].partition.value = p;
      entries[i].offset.value = messages[i]->offset();
      if (absl::Status s = DecodeEventMessage(state_->keys(), *messages[i], &entries[i].event); !s.ok()) return s;
    }
    return projector_.ApplyEntries(Partition{p}, entries);
  }

  // The consumer has read partition p up to `offset` (its end then).
  void AtEnd(RdKafka::KafkaConsumer* c, int32_t p, int64_t offset) {
    if (!owned_.count(p)) return;
    end_[p] = offset;
    Remember(FinishRebuild(c, p, offset));
  }

  // After FlushAll: a partition read to its end stores that end as its
  // applied offset, past the transaction markers after its last event, so
  // its lag (high-water mark minus applied) reads 0 and a restart resumes
  // there.
  absl::Status AdvanceToEnds() {
    std::vector<std::pair<Partition, Offset>> offsets;
    for (const auto& [p, end] : end_) {
      auto a = applied_.find(p);
      if (!owned_.count(p) || rebuilding_.count(p) || Folding(p) || (a != applied_.end() && a->second >= end)) {
        continue;
      }
      auto q = pending_.find(p);
      if (q != pending_.end() && !q->second.empty()) continue;
      offsets.emplace_back(Partition{p}, Offset{end});
    }
    if (offsets.empty()) return absl::OkStatus();
    if (auto s = state_->Commit({}, offsets); !s.ok()) return s;
    for (const auto& [p, o] : offsets) applied_[p.value] = o.value;
    return absl::OkStatus();
  }

  // Everything read is applied (after FlushAll) and each owned partition is
  // read up to the high-water mark it had at start.
  bool CaughtUp(const std::map<int32_t, int64_t>& high) const {
    if (!assigned_once_ || !rebuilding_.empty() || !folds_.empty()) return false;
    for (int32_t p : owned_) {
      auto it = high.find(p);
      if (it == high.end()) continue;
      auto a = applied_.find(p);
      auto e = end_.find(p);
      const int64_t reached = std::max(a == applied_.end() ? 0 : a->second, e == end_.end() ? 0 : e->second);
      if (reached < it->second) return false;
    }
    return true;
  }

  void Closing() { closing_ = true; }

  void Remember(absl::Status s) {
    if (!s.ok() && error_.ok()) error_ = std::move(s);
  }
  const absl::Status& error() const { return error_; }
  int64_t applied_count() const { return applied_count_; }

 private:
  // A rebuilt partition being decoded and folded on a thread of its own.
  struct Fold {
    int32_t partition = -1;
    int64_t events = 0;
    std::thread thread;
    std::atomic<bool> done{false};
    absl::Status status;
  };

  bool Folding(int32_t p) const {
    for (const Fold& fold : folds_) {
      if (fold.partition == p) return true;
    }
    return false;
  }

  // Joins one fold, counts its events as applied and returns how it went.
  absl::Status JoinFold(std::list<Fold>::iterator fold) {
    fold->thread.join();
    applied_count_ += fold->events;
    absl::Status s = std::move(fold->status);
    folds_.erase(fold);
    return s;
  }

  StateStore* state_;
  const ProfileSet& profiles_;
  Projector projector_;
  const std::string topic_;
  const int32_t partitions_;
  std::set<int32_t> owned_;
  std::map<int32_t, int64_t> applied_;
  std::map<int32_t, int64_t> end_;  // where the consumer last hit a partition's end
  std::map<int32_t, std::vector<std::unique_ptr<RdKafka::Message>>> pending_;
  // Partitions being rebuilt, and their events gathered so far.
  std::set<int32_t> rebuilding_;
  std::map<int32_t, Gathered> gathered_;
  std::map<int32_t, int64_t> gathered_next_;  // the next offset to gather
  std::set<int32_t> paused_;                  // to rebuild once one finishes
  std::list<Fold> folds_;                     // rebuilt partitions being folded, oldest first
  size_t pending_count_ = 0;
  int64_t applied_count_ = 0;
  std::function<absl::Status(const std::vector<int32_t>&)> on_assign_;
  bool assigned_once_ = false;
  bool closing_ = false;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<int64_t> RunProjectionWorker(const WorkerOptions& options, StateStore* state,
                                            const ProfileSet& profiles) {
  auto partitions = KafkaPartitionCount(options.brokers, options.events_topic, absl::Seconds(30), options.kafka_config);
  if (!partitions.ok()) return partitions.status();
  Projection projection(state, profiles, options.events_topic, *partitions, options.on_assign);
  std::string errstr;
  auto conf = GroupConf(options.brokers, options.group, options.kafka_config, &errstr);
  if (!conf) return absl::InvalidArgumentError(errstr);
  if (conf->set("rebalance_cb", &projection, errstr) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(errstr);
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), errstr));
  if (!consumer) return absl::UnavailableError(absl::StrCat("kafka consumer: ", errstr));
  absl::Status status;
  std::map<int32_t, int64_t> high;
  if (options.until_caught_up) {
    high = HighWatermarks(consumer.get(), options.events_topic, *partitions, &status);
    if (!status.ok()) return status;
  }
  if (RdKafka::ErrorCode err = consumer->subscribe({options.events_topic}); err != RdKafka::ERR_NO_ERROR) {
    return Fault(err, "kafka subscribe");
  }
  while (!options.stop() && projection.error().ok()) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      projection.Add(std::move(m));
      if (projection.pending() < kApplyBatch) continue;
    } else if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      projection.AtEnd(consumer.get(), m->partition(), m->offset());
    } else if (m->err() != RdKafka::ERR__TIMED_OUT) {
      projection.Remember(Fault(m->err(), "kafka consume"));
      break;
    }
    projection.Remember(projection.ReapFolds());
    projection.Remember(projection.FlushAll());
    projection.Remember(projection.AdvanceToEnds());
    if (options.progress) options.progress(projection.applied_count());
    if (options.until_caught_up && projection.CaughtUp(high)) break;
  }
  projection.Remember(projection.JoinFolds());
  projection.Remember(projection.FlushAll());
  projection.Closing();
  consumer->close();  // leaves the group: the others take the partitions over
  if (!projection.error().ok()) return projection.error();
  if (auto s = state->Flush(); !s.ok()) return s;
  return projection.applied_count();
}

absl::StatusOr<IngestCounts> RunStream(const StreamOptions& options, v1::Source source, KafkaLog* log,
                                       const ProfileSet& profiles) {
  const std::string topic = options.raw_topic.empty() ? absl::StrCat("enrol.raw.", SourceName(source)) : options.raw_topic;
  const std::string group = options.group.empty() ? absl::StrCat("enrol-stream-", SourceName(source)) : options.group;
  auto partitions = KafkaPartitionCount(options.brokers, topic, absl::Seconds(30), options.kafka_config);
  if (!partitions.ok()) return partitions.status();
  std::string errstr;
  auto conf = GroupConf(options.brokers, group, options.kafka_config, &errstr);
  if (!conf) return absl::InvalidArgumentError(errstr);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), errstr));
  if (!consumer) return absl::UnavailableError(absl::StrCat("kafka consumer: ", errstr));
  absl::Status status;
  std::map<int32_t, int64_t> high;
  if (options.until_caught_up) {
    high = HighWatermarks(consumer.get(), topic, *partitions, &status);
    if (!status.ok()) return status;
  }
  if (RdKafka::ErrorCode err = consumer->subscribe({topic}); err != RdKafka::ERR_NO_ERROR) {
    return Fault(err, "kafka subscribe");
  }
  IngestCounts counts;
  simdjson::dom::parser parser;
  std::map<int32_t, int64_t> done;  // next raw offset to read, per partition, once committed
  while (!options.stop()) {
    std::vector<v1::Event> events;
    std::vector<std::string> texts;
    std::vector<v1::DeadLetter> rejects;
    std::map<int32_t, int64_t> next;
    while (events.size() + rejects.size() < options.batch_records) {
      std::unique_ptr<RdKafka::Message> m(consumer->consume(events.empty() && rejects.empty() ? 500 : 50));
      if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) break;
      if (m->err() != RdKafka::ERR_NO_ERROR) return Fault(m->err(), "kafka consume raw feed");
      RawRecord r;
      r.file = absl::StrCat("kafka:", topic, "/", m->partition());
      r.line = m->offset();
      r.text.assign(static_cast<const char*>(m->payload()), m->len());
      ParseJsonRecord(parser, &r);
      auto event = ToEvent(source, r, profiles);
      if (event.ok()) {
        event->mutable_origin()->set_file(r.file);
        event->mutable_origin()->set_line(r.line);
        events.push_back(std::move(*event));
        texts.push_back(std::move(r.text));
      } else {
        rejects.push_back(RejectedRecord(source, r, std::string(event.status().message())));
      }
      next[m->partition()] = m->offset() + 1;
    }
    if (!next.empty()) {
      // The stage decides what becomes of the valid records (KafkaLog::Forward).
      if (!events.empty()) {
        if (auto s = log->Forward(events, texts); !s.ok()) return s;
      }
      if (auto s = log->Put(rejects); !s.ok()) return s;
      counts.forwarded += static_cast<int64_t>(events.size());
      counts.rejected += static_cast<int64_t>(rejects.size());
      // Only now are the raw offsets committed.
      std::vector<RdKafka::TopicPartition*> offsets;
      for (const auto& [p, o] : next) offsets.push_back(RdKafka::TopicPartition::create(topic, p, o));
      RdKafka::ErrorCode err = consumer->commitSync(offsets);
      RdKafka::TopicPartition::destroy(offsets);
      if (err != RdKafka::ERR_NO_ERROR) return Fault(err, "kafka commit raw offsets");
      for (const auto& [p, o] : next) done[p] = o;
    }
    if (options.until_caught_up) {
      std::vector<RdKafka::TopicPartition*> assignment;
      consumer->assignment(assignment);
      bool caught_up = !assignment.empty();
      for (RdKafka::TopicPartition* tp : assignment) {
        const int32_t p = tp->partition();
        int64_t at = done.count(p) ? done[p] : -1;
        if (at < 0) {  // nothing read here yet: where the group left off
          std::vector<RdKafka::TopicPartition*> one{RdKafka::TopicPartition::create(topic, p)};
          consumer->committed(one, 10000);
          at = one[0]->offset() < 0 ? 0 : one[0]->offset();
          RdKafka::TopicPartition::destroy(one);
        }
        if (at < high[p]) caught_up = false;
      }
      RdKafka::TopicPartition::destroy(assignment);
      if (caught_up) break;
    }
  }
  consumer->close();
  // What the stage made of the records forwarded.
  auto receipt = log->AwaitReceipts();
  if (!receipt.ok()) return receipt.status();
  AddReceipt(*receipt, &counts);
  return counts;
}

}  // namespace enrol
