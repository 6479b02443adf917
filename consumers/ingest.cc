#include "consumers/ingest.h"

#include <deque>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/ids.h"
#include "consumers/feed_reader.h"
#include "consumers/validate.h"

namespace enrol {
namespace {

struct Batch {
  std::vector<v1::Event> events;
  std::vector<v1::DeadLetter> rejects;
  // Raw text, file and line of each event, for a conflict's dead letter.
  std::vector<std::string> texts;
};

// A bounded queue between two stages of the pipeline (reader, appender,
// projector).
template <typename T>
class StageQueue {
 public:
  explicit StageQueue(size_t capacity) : capacity_(capacity) {}

  // false when the consumer has stopped.
  bool Push(T b) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](StageQueue* q) { return q->q_.size() < q->capacity_ || q->stopped_; }, this));
    if (stopped_) return false;
    q_.push_back(std::move(b));
    return true;
  }
  void Close(absl::Status s) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    status_ = std::move(s);
  }
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  // nullopt at the end; *status says why it ended.
  std::optional<T> Pop(absl::Status* status) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(+[](StageQueue* q) { return !q->q_.empty() || q->closed_; }, this));
    if (q_.empty()) {
      *status = status_;
      return std::nullopt;
    }
    T b = std::move(q_.front());
    q_.pop_front();
    return b;
  }

 private:
  absl::Mutex mu_;
  std::deque<T> q_;
  size_t capacity_;
  bool closed_ = false;
  bool stopped_ = false;
  absl::Status status_;
};

// The record's business year, best effort: the period's, else a date's.
int RecordYear(const RawRecord& r) {
  for (const char* name : {"period", "paid_at", "service_date", "effective", "effective_from", "settled_at"}) {
    const RawField* f = r.Find(name);
    if (f == nullptr || f->value.size() < 4) continue;
    int y = 0;
    bool digits = true;
    for (int i = 0; i < 4; ++i) {
      char c = f->value[static_cast<size_t>(i)];
      digits = digits && c >= '0' && c <= '9';
      y = y * 10 + (c - '0');
    }
    if (digits) return y;
  }
  return 0;
}

}  // namespace

v1::DeadLetter RejectedRecord(v1::Source source, const RawRecord& r, const std::string& reason) {
  v1::DeadLetter d;
  d.set_year(RecordYear(r));
  d.set_source(source);
  d.set_file(r.file);
  d.set_line(r.line);
  d.set_record(r.text);
  d.set_reason(reason);
  if (const RawField* id = r.Find("record_id"); id != nullptr && id->kind == RawField::Kind::kString) {
    d.set_record_id(id->value);
  }
  if (const RawField* id = r.Find("id_number");
      id != nullptr && id->kind == RawField::Kind::kString && ValidateIdNumber(id->value).ok()) {
    d.set_id_number(id->value);
  }
  return d;
}

void AddReceipt(const v1::Receipt& receipt, IngestCounts* counts) {
  counts->forwarded = 0;
  counts->accepted += receipt.accepted();
  counts->duplicates += receipt.duplicates();
  counts->rejected += receipt.rejected();
}

v1::DeadLetter ConflictLetter(const v1::Event& e, const std::string& text, Partition partition, Offset offset) {
  v1::DeadLetter d;
  d.set_source(e.source());
  d.set_file(e.origin().file());
  d.set_line(e.origin().line());
  d.set_record_id(e.record_id());
  d.set_id_number(e.person());
  d.set_record(text);
  d.set_year(e.business_date() / 10000);
  d.set_reason(absl::StrCat("record_id: conflicting duplicate: ", e.record_id(),
                            " was ingested before with different content (partition ", partition.value,
                            ", offset ", offset.value, ")"));
  return d;
}

namespace {

absl::Status ReadAll(v1::Source source, std::vector<std::unique_ptr<FeedReader>>& readers,
                     const ProfileSet& profiles, size_t batch_records, StageQueue<Batch>* queue) {
  Batch batch;
  auto flush = [&]() {
    if (batch.events.empty() && batch.rejects.empty()) return true;
    bool ok = queue->Push(std::move(batch));
    batch = Batch();
    return ok;
  };
  for (std::unique_ptr<FeedReader>& reader : readers) {
    RawRecord r;
    for (;;) {
      auto more = reader->Next(&r);
      if (!more.ok()) {
        flush();  // what was read and validated before the fault is committed
        return more.status();
      }
      if (!*more) break;
      auto event = ToEvent(source, r, profiles);
      if (event.ok()) {
        event->mutable_origin()->set_file(r.file);
        event->mutable_origin()->set_line(r.line);
        batch.events.push_back(std::move(*event));
        batch.texts.push_back(std::move(r.text));  // the next line replaces it
      } else {
        batch.rejects.push_back(RejectedRecord(source, r, std::string(event.status().message())));
      }
      if (batch.events.size() + batch.rejects.size() >= batch_records && !flush()) {
        return absl::CancelledError("ingest stopped");
      }
    }
  }
  flush();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IngestCounts> IngestFiles(Log* log, DeadLetterStore* dead, v1::Source source,
                                         const std::vector<std::string>& files,
                                         const ProfileSet& profiles, const IngestOptions& options) {
  // Open every file first, so a missing one fails before anything is
  // ingested; each is opened once and read as a stream (a FIFO works).
  std::vector<std::unique_ptr<FeedReader>> readers;
  for (const std::string& path : files) {
    auto reader = FeedReader::Open(path);
    if (!reader.ok()) return reader.status();
    readers.push_back(std::move(*reader));
  }
  return IngestReaders(log, dead, source, std::move(readers), profiles, options);
}

absl::StatusOr<IngestCounts> IngestReaders(Log* log, DeadLetterStore* dead, v1::Source source,
                                           std::vector<std::unique_ptr<FeedReader>> readers,
                                           const ProfileSet& profiles, const IngestOptions& options) {
  StageQueue<Batch> queue(2);
  std::thread reader([&] {
    absl::Status s = ReadAll(source, readers, profiles, options.batch_records, &queue);
    queue.Close(s);
  });
  // The projection stage: the appended events of each batch, in order.
  StageQueue<std::vector<LogEntry>> appended(2);
  absl::Status projected;
  std::thread projector;
  if (options.project) {
    projector = std::thread([&] {
      absl::Status end;
      while (std::optional<std::vector<LogEntry>> entries = appended.Pop(&end)) {
        projected = options.project(*entries);
        if (!projected.ok()) {
          appended.Stop();
          return;
        }
      }
    });
  }
  IngestCounts counts;
  absl::Status result;
  std::vector<AppendResult> results;
  for (;;) {
    absl::Status end;
    std::optional<Batch> batch = queue.Pop(&end);
    if (!batch) {
      result = end;
      break;
    }
    results.clear();
    if (!batch->events.empty() && options.forward) {
      result = options.forward(batch->events, batch->texts);
      if (!result.ok()) break;
      counts.forwarded += static_cast<int64_t>(batch->events.size());
    } else if (!batch->events.empty()) {
      result = log->Append(batch->events, &results);
      if (!result.ok()) break;
      for (size_t i = 0; i < results.size(); ++i) {
        switch (results[i].kind) {
          case AppendResult::Kind::kAppended: ++counts.accepted; break;
          case AppendResult::Kind::kDuplicate: ++counts.duplicates; break;
          case AppendResult::Kind::kConflict:
            batch->rejects.push_back(
                ConflictLetter(batch->events[i], batch->texts[i], results[i].partition, results[i].offset));
            break;
          case AppendResult::Kind::kForwarded: ++counts.forwarded; break;
        }
      }
    }
    result = dead->Put(batch->rejects);
    if (!result.ok()) break;
    counts.rejected += static_cast<int64_t>(batch->rejects.size());
    if (options.project) {
      std::vector<LogEntry> entries;
      entries.reserve(batch->events.size());
      for (size_t i = 0; i < results.size() && i < batch->events.size(); ++i) {
        if (results[i].kind != AppendResult::Kind::kAppended) continue;
        entries.push_back({results[i].partition, results[i].offset, std::move(batch->events[i])});
      }
      if (!appended.Push(std::move(entries))) break;  // the projection failed
    }
    if (options.after_batch) {
      result = options.after_batch();
      if (!result.ok()) break;
    }
    if (options.progress) options.progress(counts);
  }
  queue.Stop();
  reader.join();
  if (projector.joinable()) {
    appended.Close(absl::OkStatus());
    projector.join();
    if (result.ok()) result = projected;
  }
  if (!result.ok()) return result;
  return counts;
}

}  // namespace enrol
