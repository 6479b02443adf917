#include "cli/serve.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cli/answers.h"
#include "common/dates.h"
#include "common/ids.h"
#include "consumers/feed_reader.h"
#include "common/hashing.h"
#include "consumers/ingest.h"
#include "consumers/kafka_workers.h"
#include "consumers/owners.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "ledger/content_hash.h"
#include "ledger/embedded_log.h"
#include "ledger/kafka_log.h"
#include "projections/audit.h"
#include "projections/projector.h"
#include "projections/query_service.h"
#include "projections/state_store.h"
#include "proto/ledger.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace enrol {

// cli/page/index.html, compiled in (cli/CMakeLists.txt).
extern const char kCaseworkerPage[];

namespace {

constexpr char kJson[] = "application/json";
constexpr char kJsonLines[] = "application/x-ndjson";

// A request's answer before it is written: status and JSON body.
struct Reply {
  Reply() = default;
  Reply(int s, std::string b) : status(s), body(std::move(b)) {}
  int status = 200;
  std::string body;
  std::string location;  // a 307's
};

Reply Error(int status, const std::string& message) { return {status, ErrorJson(message)}; }

// Maps an error of the commands to its HTTP status (CONTRACT.md): bad input
// 400, storage not ready or unavailable 503, anything else (a pool without a
// profile, a corrupt store) 500 with the message.
Reply FromStatus(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: return Error(400, std::string(s.message()));
    case absl::StatusCode::kUnavailable: return Error(503, std::string(s.message()));
    default: return Error(500, std::string(s.message()));
  }
}

// A year parameter: 0 when absent (the command's default); checked with its
// name in the error.
absl::StatusOr<int> YearParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return 0;
  int y = 0;
  if (!absl::SimpleAtoi(req.get_param_value(name), &y) || y == 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": must be a year from 1950 to 2200"));
  }
  return y;
}

absl::Status CheckYear(int y, const char* name) {
  if (y != 0 && (y < 1950 || y > 2200)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": must be a year from 1950 to 2200"));
  }
  return absl::OkStatus();
}

absl::Status CheckId(const std::string& id) {
  if (auto s = ValidateIdNumber(id); !s.ok()) return absl::InvalidArgumentError(absl::StrCat("id: ", s.message()));
  return absl::OkStatus();
}

int CurrentYear() { return static_cast<int>(CstDay(absl::Now()).year()); }

// JSON Lines on success, else the error's status and JSON.
void Lines(const absl::Status& s, std::string body, httplib::Response& res) {
  Reply r = s.ok() ? Reply{200, std::move(body)} : FromStatus(s);
  res.status = r.status;
  res.set_content(s.ok() ? r.body : r.body + "\n", s.ok() ? kJsonLines : kJson);
}

// Resident set size and CPU time of this process, from /proc.
double ResidentBytes() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double OpenFiles() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

struct Server::Impl {
  ServeOptions options;
  const ProfileSet* profiles = nullptr;
  std::unique_ptr<EmbeddedLog> log;
  std::unique_ptr<StateStore> state;
  std::unique_ptr<Projector> projector;
  std::unique_ptr<QueryService> queries;
  absl::Mutex ingest_mu;  // one writer at a time
  httplib::Server http;
  std::string host;
  int port = 0;
  // Kafka mode.
  std::unique_ptr<KafkaLog> kafka;
  std::unique_ptr<OwnerDirectory> owners;
  std::string advertise;
  std::thread worker;
  std::atomic<bool> stop_worker{false};
  absl::Mutex worker_mu;
  absl::Status worker_status;  // why the worker stopped early
  DeadLetterStore* dead = nullptr;  // the embedded log or the Kafka topics
  bool kafka_mode() const { return !options.brokers.empty(); }
  // A 307 to the owner of the person's partition, or 503, when this worker
  // does not own it.
  std::optional<Reply> Redirect(const httplib::Request& req, const std::string& id);
  void StartWorker();

  std::unique_ptr<grpc::Service> grpc_service;
  std::unique_ptr<grpc::Server> grpc_server;
  int grpc_port = 0;

  // Metrics.
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* latency = nullptr;
  prometheus::Family<prometheus::Counter>* records = nullptr;
  prometheus::Family<prometheus::Gauge>* lag = nullptr;
  prometheus::Family<prometheus::Gauge>* process = nullptr;

  void Metrics();
  void Routes();
  void Listeners();
  absl::Status OpenKafka();
  // Wraps a handler: counts the request by endpoint and status, times it.
  httplib::Server::Handler Timed(const std::string& endpoint, std::function<Reply(const httplib::Request&)> fn);
  void Count(const std::string& endpoint, int status, double seconds);

  absl::StatusOr<std::optional<v1::PersonYear>> QueryCmd(const std::string& id, int year, const std::string& as_of);
  absl::StatusOr<std::optional<v1::Coverage>> CoveredCmd(const std::string& id, const std::string& date,
                                                        const std::string& as_of);
  absl::StatusOr<std::optional<v1::Explanation>> ExplainCmd(const std::string& id, int year,
                                                           const std::string& as_of);
  absl::StatusOr<std::optional<std::vector<v1::PersonYear>>> TimelineCmd(const std::string& id, int from, int to);
  absl::StatusOr<IngestCounts> IngestCmd(const std::string& source, const std::string& body, bool csv,
                                         const std::string& file);
  absl::Status RejectsCmd(const std::string& source, const std::function<bool(const v1::DeadLetter&)>& fn);
  absl::Status AuditCmd(int year, const std::function<void(const v1::Finding&)>& fn);

  Reply Person(const httplib::Request& req);
  Reply Covered(const httplib::Request& req);
  Reply Explain(const httplib::Request& req);
  Reply Timeline(const httplib::Request& req);
  Reply Ingest(const httplib::Request& req, const std::string& body);
  // Projection lag per partition: events appended and not yet projected.
  absl::StatusOr<std::vector<int64_t>> Lag();
  std::string MetricsText();
};

void Server::Impl::Listeners() {
  Metrics();
  Routes();
  const int threads = std::max(2, options.http_threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(options.max_body_bytes);
  http.set_read_timeout(options.read_timeout_seconds, 0);
  http.set_write_timeout(options.read_timeout_seconds, 0);
  http.set_keep_alive_timeout(5);
  http.set_tcp_nodelay(true);  // an answer goes out at once, not after the peer's delayed ACK
  http.set_keep_alive_max_count(100000);  // a settlement system keeps its connections
}

absl::Status Server::Impl::OpenKafka() {
  if (options.group.empty()) return absl::InvalidArgumentError("--group: is required with --brokers");
  auto st = StateStore::Open(options.data_dir + "/state", /*read_only=*/false);
  if (!st.ok()) return st.status();
  state = std::move(*st);
  KafkaOptions ko;
  ko.brokers = options.brokers;
  ko.events_topic = options.topics + ".events";
  ko.dead_letter_topic = options.topics + ".deadletters";
  auto k = KafkaLog::Open(ko);
  if (!k.ok()) return k.status();
  kafka = std::move(*k);
  dead = kafka.get();
  auto o = OwnerDirectory::Start(options.brokers, options.topics + ".owners", options.group);
  if (!o.ok()) return o.status();
  owners = std::move(*o);
  queries = QueryService::Over(nullptr, state.get(), profiles);
  Listeners();
  return absl::OkStatus();
}

void Server::Impl::StartWorker() {
  worker = std::thread([this] {
    WorkerOptions w;
    w.brokers = options.brokers;
    w.group = options.group;
    w.events_topic = options.topics + ".events";
    w.stop = [this] { return stop_worker.load(); };
    w.on_assign = [this](const std::vector<int32_t>& owned) { return owners->Publish(owned, advertise); };
    auto applied = RunProjectionWorker(w, state.get(), *profiles);
    if (!applied.ok()) {
      absl::MutexLock lock(&worker_mu);
      worker_status = applied.status();
    }
  });
}

void Server::Impl::Metrics() {
  requests = &prometheus::BuildCounter()
                  .Name("enrol_http_requests_total")
                  .Help("HTTP requests by endpoint and status code")
                  .Register(*registry);
  latency = &prometheus::BuildHistogram()
                 .Name("enrol_http_request_seconds")
                 .Help("HTTP request latency by endpoint")
                 .Register(*registry);
  records = &prometheus::BuildCounter()
                 .Name("enrol_records_total")
                 .Help("Feed records ingested through this server, by source and outcome")
                 .Register(*registry);
  lag = &prometheus::BuildGauge()
             .Name("enrol_projection_lag_events")
             .Help("Events in the log not yet in the projection, by partition")
             .Register(*registry);
  process = &prometheus::BuildGauge()
                 .Name("enrol_process")
                 .Help("Process and RocksDB figures (resident_bytes, open_files, *_sst_bytes, *_keys)")
                 .Register(*registry);
}

void Server::Impl::Count(const std::string& endpoint, int status, double seconds) {
  requests->Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                   0.01,   0.025,   0.05,   0.1,   0.5,    1,
                                                                   5,      30};
  latency->Add({{"endpoint", endpoint}}, kBuckets).Observe(seconds);
}

httplib::Server::Handler Server::Impl::Timed(const std::string& endpoint,
                                             std::function<Reply(const httplib::Request&)> fn) {
  return [this, endpoint, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    Reply r = fn(req);
    res.status = r.status;
    res.set_content(r.body + "\n", kJson);
    if (!r.location.empty()) res.set_header("Location", r.location);
    Count(endpoint, r.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
}

std::optional<Reply> Server::Impl::Redirect(const httplib::Request& req, const std::string& id) {
  if (!kafka_mode() || !ValidateIdNumber(id).ok()) return std::nullopt;
  auto own = state->GetOwnership();
  if (!own.ok()) return FromStatus(own.status());
  if (own->partitions == 0) return Error(503, "this worker has not been assigned partitions yet; retry");
  const int32_t p = PartitionForKey(id, own->partitions);
  if (std::find(own->owned.begin(), own->owned.end(), p) != own->owned.end()) return std::nullopt;
  std::optional<std::string> owner = owners->Owner(p);
  if (!owner || *owner == advertise) {
    return Error(503, absl::StrCat("partition ", p, " of ", id, " has no worker answering yet; retry"));
  }
  Reply r = Error(307, absl::StrCat("partition ", p, " of ", id, " is answered by ", *owner));
  r.location = absl::StrCat("http://", *owner, req.target);
  return r;
}

// The commands both fronts call: the HTTP/JSON routes below and the gRPC
// service (GrpcLedger). Input is checked here, naming the bad field.
absl::StatusOr<std::optional<v1::PersonYear>> Server::Impl::QueryCmd(const std::string& id, int year,
                                                                    const std::string& as_of_text) {
  if (auto s = CheckId(id); !s.ok()) return s;
  if (auto s = CheckYear(year, "year"); !s.ok()) return s;
  auto as_of = ParseAsOf(as_of_text, "as_of");
  if (!as_of.ok()) return as_of.status();
  return queries->Query(id, year == 0 ? CurrentYear() : year, *as_of);
}

absl::StatusOr<std::optional<v1::Coverage>> Server::Impl::CoveredCmd(const std::string& id,
                                                                    const std::string& date_text,
                                                                    const std::string& as_of_text) {
  if (auto s = CheckId(id); !s.ok()) return s;
  if (date_text.empty()) return absl::InvalidArgumentError("date: is required");
  std::optional<Date> day = ParseDate(date_text);
  if (!day) return absl::InvalidArgumentError("date: must be YYYY-MM-DD");
  auto as_of = ParseAsOf(as_of_text, "as_of");
  if (!as_of.ok()) return as_of.status();
  return queries->Covered(id, *day, *as_of);
}

absl::StatusOr<std::optional<v1::Explanation>> Server::Impl::ExplainCmd(const std::string& id, int year,
                                                                       const std::string& as_of_text) {
  if (auto s = CheckId(id); !s.ok()) return s;
  if (auto s = CheckYear(year, "year"); !s.ok()) return s;
  auto as_of = ParseAsOf(as_of_text, "as_of");
  if (!as_of.ok()) return as_of.status();
  return queries->Explain(id, year == 0 ? CurrentYear() : year, *as_of);
}

absl::StatusOr<std::optional<std::vector<v1::PersonYear>>> Server::Impl::TimelineCmd(const std::string& id, int from,
                                                                                    int to) {
  if (auto s = CheckId(id); !s.ok()) return s;
  if (auto s = CheckYear(from, "from"); !s.ok()) return s;
  if (auto s = CheckYear(to, "to"); !s.ok()) return s;
  return queries->Timeline(id, from, to);
}

absl::StatusOr<IngestCounts> Server::Impl::IngestCmd(const std::string& name, const std::string& body, bool csv,
                                                     const std::string& file) {
  v1::Source source;
  if (!ParseSourceName(name, &source)) return absl::InvalidArgumentError("source: must be tax, civil, registry or claims");
  if (body.empty()) return IngestCounts();
  std::FILE* f = ::fmemopen(const_cast<char*>(body.data()), body.size(), "rb");
  if (f == nullptr) return absl::InternalError("cannot read the request body");
  std::vector<std::unique_ptr<FeedReader>> readers;
  readers.push_back(FeedReader::FromStream(f, file + (csv ? ".csv" : ".jsonl")));
  absl::StatusOr<IngestCounts> counts;
  {
    absl::MutexLock lock(&ingest_mu);
    IngestOptions o;
    if (kafka_mode()) {
      // Appended to the events topic; the workers of the group project it.
      counts = IngestReaders(kafka.get(), kafka.get(), source, std::move(readers), *profiles, o);
    } else {
      o.project = [this](std::vector<LogEntry>& entries) { return projector->ApplyAppended(log.get(), entries); };
      counts = IngestReaders(log.get(), log.get(), source, std::move(readers), *profiles, o);
    }
  }
  std::fclose(f);
  if (!counts.ok()) return counts.status();
  records->Add({{"source", name}, {"outcome", "accepted"}}).Increment(static_cast<double>(counts->accepted));
  records->Add({{"source", name}, {"outcome", "duplicate"}}).Increment(static_cast<double>(counts->duplicates));
  records->Add({{"source", name}, {"outcome", "rejected"}}).Increment(static_cast<double>(counts->rejected));
  return counts;
}

absl::Status Server::Impl::RejectsCmd(const std::string& name, const std::function<bool(const v1::DeadLetter&)>& fn) {
  std::optional<v1::Source> filter;
  if (!name.empty()) {
    v1::Source s;
    if (!ParseSourceName(name, &s)) return absl::InvalidArgumentError("source: must be tax, civil, registry or claims");
    filter = s;
  }
  return dead->ForEach(filter, fn);
}

absl::Status Server::Impl::AuditCmd(int year, const std::function<void(const v1::Finding&)>& fn) {
  if (auto s = CheckYear(year, "year"); !s.ok()) return s;
  std::optional<int> only;
  if (year != 0) only = year;
  return enrol::Audit(state.get(), dead, *profiles, only, fn);
}

// The HTTP/JSON front.

// A person's answer: 200 with the command line's JSON, 404 for a person the
// ledger has never seen, the error's status otherwise.
template <typename T>
Reply PersonAnswer(const absl::StatusOr<std::optional<T>>& answer) {
  if (!answer.ok()) return FromStatus(answer.status());
  if (!*answer) return Error(404, "not_found");
  return {200, AnswerJson(**answer)};
}

Reply Server::Impl::Person(const httplib::Request& req) {
  if (auto r = Redirect(req, req.matches[1])) return *r;
  auto year = YearParam(req, "year");
  if (!year.ok()) return FromStatus(year.status());
  return PersonAnswer(QueryCmd(req.matches[1], *year, req.get_param_value("as_of")));
}

Reply Server::Impl::Covered(const httplib::Request& req) {
  if (auto r = Redirect(req, req.matches[1])) return *r;
  if (req.has_param("date") && req.get_param_value("date").empty()) return Error(400, "date: must be YYYY-MM-DD");
  return PersonAnswer(CoveredCmd(req.matches[1], req.get_param_value("date"), req.get_param_value("as_of")));
}

Reply Server::Impl::Explain(const httplib::Request& req) {
  if (auto r = Redirect(req, req.matches[1])) return *r;
  auto year = YearParam(req, "year");
  if (!year.ok()) return FromStatus(year.status());
  return PersonAnswer(ExplainCmd(req.matches[1], *year, req.get_param_value("as_of")));
}

Reply Server::Impl::Timeline(const httplib::Request& req) {
  if (auto r = Redirect(req, req.matches[1])) return *r;
  auto from = YearParam(req, "from");
  if (!from.ok()) return FromStatus(from.status());
  auto to = YearParam(req, "to");
  if (!to.ok()) return FromStatus(to.status());
  auto years = TimelineCmd(req.matches[1], *from, *to);
  if (!years.ok()) return FromStatus(years.status());
  if (!*years) return Error(404, "not_found");
  return {200, TimelineJson(req.matches[1], **years)};
}

Reply Server::Impl::Ingest(const httplib::Request& req, const std::string& body) {
  const bool csv = req.get_header_value("Content-Type").rfind("text/csv", 0) == 0;
  const std::string name = req.matches[1];
  // The dead letters name the request as their file.
  auto counts = IngestCmd(name, body, csv, absl::StrCat("POST /v1/feeds/", name));
  if (!counts.ok()) return FromStatus(counts.status());
  return {200, CountsJson(*counts)};
}

absl::StatusOr<std::vector<int64_t>> Server::Impl::Lag() {
  std::vector<int64_t> out;
  Log* source = kafka_mode() ? static_cast<Log*>(kafka.get()) : log.get();
  std::vector<int32_t> owned;
  if (kafka_mode()) {  // a worker answers for its own partitions only
    auto own = state->GetOwnership();
    if (!own.ok()) return own.status();
    if (own->partitions == 0) return absl::UnavailableError("no partitions assigned yet");
    owned = own->owned;
  }
  for (int32_t p = 0; p < source->partitions(); ++p) {
    if (kafka_mode() && std::find(owned.begin(), owned.end(), p) == owned.end()) {
      out.push_back(0);
      continue;
    }
    auto applied = state->AppliedOffset(Partition{p});
    if (!applied.ok()) return applied.status();
    auto end = source->EndOffset(Partition{p});
    if (!end.ok()) return end.status();
    out.push_back(end->value - applied->value);
  }
  return out;
}

std::string Server::Impl::MetricsText() {
  if (auto l = Lag(); l.ok()) {
    for (size_t p = 0; p < l->size(); ++p) {
      lag->Add({{"partition", std::to_string(p)}}).Set(static_cast<double>((*l)[p]));
    }
  }
  process->Add({{"figure", "resident_bytes"}}).Set(ResidentBytes());
  process->Add({{"figure", "open_files"}}).Set(OpenFiles());
  for (const auto& [db, dir] : {std::pair<std::string, std::string>{"log", options.data_dir + "/log"},
                                {"state", options.data_dir + "/state"}}) {
    double bytes = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      if (it->path().extension() == ".sst") bytes += static_cast<double>(it->file_size(ec));
    }
    process->Add({{"figure", db + "_sst_bytes"}}).Set(bytes);
  }
  return prometheus::TextSerializer().Serialize(registry->Collect());
}

void Server::Impl::Routes() {
  const std::string person = R"(/v1/persons/([^/]+))";
  http.Get(person, Timed("query", [this](const httplib::Request& r) { return Person(r); }));
  http.Get(person + "/covered", Timed("covered", [this](const httplib::Request& r) { return Covered(r); }));
  http.Get(person + "/explain", Timed("explain", [this](const httplib::Request& r) { return Explain(r); }));
  http.Get(person + "/timeline", Timed("timeline", [this](const httplib::Request& r) { return Timeline(r); }));
  // The body is read here whatever its Content-Type, so that httplib does not
  // take JSON Lines sent as a form (curl --data-binary) for one.
  http.Post(R"(/v1/feeds/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
              const auto start = std::chrono::steady_clock::now();
              std::string body;
              const size_t max = options.max_body_bytes;
              const bool read = content([&](const char* data, size_t n) {
                if (body.size() + n > max) return false;
                body.append(data, n);
                return true;
              });
              Reply r = !read || body.size() > max || req.get_header_value<uint64_t>("Content-Length") > max
                            ? Error(413, absl::StrCat("body: larger than the ", max,
                                                      " bytes this server accepts (--max-body)"))
                            : Ingest(req, body);
              res.status = r.status;
              res.set_content(r.body + "\n", kJson);
              Count("ingest", r.status,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            });
  http.Get("/v1/rejects", [this](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    std::string body;
    absl::Status s = RejectsCmd(req.get_param_value("source"), [&](const v1::DeadLetter& d) {
      absl::StrAppend(&body, DeadLetterJson(d), "\n");
      return true;
    });
    Lines(s, std::move(body), res);
    Count("rejects", res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  });
  http.Get("/v1/audit", [this](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    auto year = YearParam(req, "year");
    std::string body;
    absl::Status s = year.status();
    if (s.ok()) s = AuditCmd(*year, [&](const v1::Finding& f) { absl::StrAppend(&body, FindingJson(f), "\n"); });
    Lines(s, std::move(body), res);
    Count("audit", res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  });
  http.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(kCaseworkerPage, "text/html; charset=utf-8");
    Count("page", 200, 0);
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(MetricsText(), "text/plain; version=0.0.4");
  });
  http.Get("/healthz", Timed("healthz", [](const httplib::Request&) { return Reply{200, "{\"status\":\"ok\"}"}; }));
  http.Get("/readyz", Timed("readyz", [this](const httplib::Request&) {
    {
      absl::MutexLock lock(&worker_mu);
      if (!worker_status.ok()) return Error(503, absl::StrCat("the projection worker stopped: ", worker_status.message()));
    }
    auto l = Lag();
    if (!l.ok()) return FromStatus(l.status());
    int64_t behind = 0;
    for (int64_t n : *l) behind += n;
    if (behind > 0) return Reply{503, absl::StrCat("{\"ready\":false,\"behind\":", behind, "}")};
    return Reply{200, "{\"ready\":true}"};
  }));
  // Whatever goes wrong in one request, the server keeps serving the others.
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(ErrorJson(what) + "\n", kJson);
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413) {
      res.set_content(ErrorJson("body: larger than the server accepts (--max-body)") + "\n", kJson);
    } else if (res.status == 404 && res.body.empty()) {
      res.set_content(ErrorJson("not_found") + "\n", kJson);
    }
  });
}

namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  const std::string m(s.message());
  switch (s.code()) {
    case absl::StatusCode::kOk: return grpc::Status::OK;
    case absl::StatusCode::kInvalidArgument: return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, m);
    case absl::StatusCode::kNotFound: return grpc::Status(grpc::StatusCode::NOT_FOUND, m);
    case absl::StatusCode::kFailedPrecondition: return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, m);
    case absl::StatusCode::kUnavailable: return grpc::Status(grpc::StatusCode::UNAVAILABLE, m);
    case absl::StatusCode::kDataLoss: return grpc::Status(grpc::StatusCode::DATA_LOSS, m);
    default: return grpc::Status(grpc::StatusCode::INTERNAL, m);
  }
}

// The gRPC front (proto/ledger.proto) on the same commands as the HTTP one.
class GrpcLedger final : public v1::Ledger::Service {
 public:
  explicit GrpcLedger(Server::Impl* impl) : impl_(impl) {}

  grpc::Status Query(grpc::ServerContext*, const v1::PersonRequest* req, v1::PersonYear* out) override {
    return Answer("Query", impl_->QueryCmd(req->id_number(), req->year(), req->as_of()), out);
  }
  grpc::Status Covered(grpc::ServerContext*, const v1::CoveredRequest* req, v1::Coverage* out) override {
    return Answer("Covered", impl_->CoveredCmd(req->id_number(), req->date(), req->as_of()), out);
  }
  grpc::Status Explain(grpc::ServerContext*, const v1::PersonRequest* req, v1::Explanation* out) override {
    return Answer("Explain", impl_->ExplainCmd(req->id_number(), req->year(), req->as_of()), out);
  }
  grpc::Status Timeline(grpc::ServerContext*, const v1::TimelineRequest* req, v1::TimelineReply* out) override {
    const auto start = std::chrono::steady_clock::now();
    auto years = impl_->TimelineCmd(req->id_number(), req->from(), req->to());
    grpc::Status s = !years.ok() ? ToGrpc(years.status())
                     : !*years   ? grpc::Status(grpc::StatusCode::NOT_FOUND, "not_found")
                                 : grpc::Status::OK;
    if (s.ok()) {
      out->set_id_number(req->id_number());
      for (v1::PersonYear& y : **years) *out->add_years() = std::move(y);
    }
    return Done("Timeline", s, start);
  }
  grpc::Status Ingest(grpc::ServerContext*, grpc::ServerReader<v1::FeedRecord>* reader,
                      v1::IngestReply* out) override {
    const auto start = std::chrono::steady_clock::now();
    v1::FeedRecord r;
    std::string source, body;
    bool csv = false, first = true;
    while (reader->Read(&r)) {
      if (first) {
        source = r.source();
        csv = r.csv();
        first = false;
      }
      absl::StrAppend(&body, r.line(), "\n");
      if (body.size() > impl_->options.max_body_bytes) {
        return Done("Ingest",
                    grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 absl::StrCat("body: larger than the ", impl_->options.max_body_bytes,
                                              " bytes this server accepts (--max-body)")),
                    start);
      }
    }
    auto counts = impl_->IngestCmd(source, body, csv, "gRPC Ingest");
    if (counts.ok()) {
      out->set_accepted(counts->accepted);
      out->set_duplicates(counts->duplicates);
      out->set_rejected(counts->rejected);
    }
    return Done("Ingest", ToGrpc(counts.status()), start);
  }
  grpc::Status Rejects(grpc::ServerContext*, const v1::RejectsRequest* req,
                       grpc::ServerWriter<v1::DeadLetter>* writer) override {
    const auto start = std::chrono::steady_clock::now();
    absl::Status s = impl_->RejectsCmd(req->source(), [&](const v1::DeadLetter& d) { return writer->Write(d); });
    return Done("Rejects", ToGrpc(s), start);
  }
  grpc::Status Audit(grpc::ServerContext*, const v1::AuditRequest* req,
                     grpc::ServerWriter<v1::Finding>* writer) override {
    const auto start = std::chrono::steady_clock::now();
    absl::Status s = impl_->AuditCmd(req->year(), [&](const v1::Finding& f) { writer->Write(f); });
    return Done("Audit", ToGrpc(s), start);
  }

 private:
  template <typename T>
  grpc::Status Answer(const char* method, const absl::StatusOr<std::optional<T>>& a, T* out) {
    const auto start = std::chrono::steady_clock::now();
    grpc::Status s = !a.ok() ? ToGrpc(a.status())
                     : !*a   ? grpc::Status(grpc::StatusCode::NOT_FOUND, "not_found")
                             : grpc::Status::OK;
    if (s.ok()) *out = **a;
    return Done(method, s, start);
  }
  grpc::Status Done(const char* method, grpc::Status s, std::chrono::steady_clock::time_point start) {
    impl_->Count(absl::StrCat("grpc.", method), s.error_code(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return s;
  }

  Server::Impl* impl_;
};

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

absl::StatusOr<std::unique_ptr<Server>> Server::Open(const ServeOptions& options, const ProfileSet* profiles) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->profiles = profiles;
  const size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &impl->port) ||
      impl->port < 0 || impl->port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--listen: \"", options.listen, "\" is not HOST:PORT"));
  }
  impl->host = options.listen.substr(0, colon);
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", options.data_dir, ": ", ec.message()));
  if (!options.brokers.empty()) {
    if (auto s = impl->OpenKafka(); !s.ok()) return s;
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  }
  auto log = EmbeddedLog::Open(options.data_dir + "/log", {.partitions = options.partitions});
  if (!log.ok()) return log.status();
  impl->log = std::move(*log);
  auto state = StateStore::Open(options.data_dir + "/state", /*read_only=*/false);
  if (!state.ok()) return state.status();
  impl->state = std::move(*state);
  if (auto s = CheckStateAgainstLog(impl->state.get(), impl->log.get(), /*adopt=*/true, options.data_dir); !s.ok()) {
    return s;
  }
  impl->projector = std::make_unique<Projector>(impl->state.get(), profiles);
  if (auto caught = impl->projector->CatchUp(impl->log.get(), options.projection_threads); !caught.ok()) {
    return caught.status();
  }
  impl->queries = QueryService::Over(impl->log.get(), impl->state.get(), profiles);
  impl->dead = impl->log.get();
  impl->Listeners();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::grpc_port() const { return impl_->grpc_port; }

absl::StatusOr<int> Server::Bind() {
  Impl& i = *impl_;
  if (!i.options.grpc_listen.empty()) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    i.grpc_service = std::make_unique<GrpcLedger>(&i);
    grpc::ServerBuilder b;
    b.AddListeningPort(i.options.grpc_listen, grpc::InsecureServerCredentials(), &i.grpc_port);
    b.RegisterService(i.grpc_service.get());
    b.SetMaxReceiveMessageSize(static_cast<int>(std::min<size_t>(i.options.max_body_bytes, INT32_MAX)));
    i.grpc_server = b.BuildAndStart();
    if (i.grpc_server == nullptr || i.grpc_port == 0) {
      return absl::UnavailableError(absl::StrCat("--grpc-listen: cannot bind ", i.options.grpc_listen));
    }
  }
  if (i.port == 0) {
    i.port = i.http.bind_to_any_port(i.host);
    if (i.port < 0) return absl::UnavailableError(absl::StrCat("--listen: cannot bind ", i.host));
  } else if (!i.http.bind_to_port(i.host, i.port)) {
    return absl::UnavailableError(absl::StrCat("--listen: cannot bind ", i.options.listen));
  }
  if (i.kafka_mode()) {
    i.advertise = i.options.advertise.empty() ? absl::StrCat(i.host, ":", i.port) : i.options.advertise;
    i.StartWorker();
  }
  return i.port;
}

absl::Status Server::Run() {
  const bool listened = impl_->http.listen_after_bind();
  if (impl_->grpc_server != nullptr) impl_->grpc_server->Wait();
  if (impl_->worker.joinable()) {
    impl_->stop_worker = true;
    impl_->worker.join();
    // The worker flushed its state; a Kafka worker's log is the topics.
    absl::MutexLock lock(&impl_->worker_mu);
    return impl_->worker_status;
  }
  if (!listened) {
    return absl::UnavailableError(absl::StrCat("--listen: the listener on ", impl_->options.listen, " failed"));
  }
  // Every request in hand has finished: leave nothing for a WAL replay.
  if (auto s = impl_->log->Flush(); !s.ok()) return s;
  return impl_->state->Flush();
}

void Server::Stop() {
  impl_->stop_worker = true;
  impl_->http.stop();
  // Calls in hand finish (an Ingest's records are then durable).
  if (impl_->grpc_server != nullptr) impl_->grpc_server->Shutdown();
}

}  // namespace enrol
