#include "cli/serve.h"

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "cli/answers.h"
#include "cli/auth.h"
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
#include "ledger/access_log.h"
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

// 401 for a request without (valid) credentials, 403 for another role.
Reply Denied(const absl::Status& s) {
  return Error(s.code() == absl::StatusCode::kUnauthenticated ? 401 : 403, std::string(s.message()));
}

// A 401 says how to authenticate.
void Challenge(httplib::Response& res) {
  if (res.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"enrol\"");
}

// The verified client certificate of an HTTPS request; null when none.
x509_st* PeerCertificate(const httplib::Request& req) {
  if (req.ssl == nullptr || SSL_get_verify_result(req.ssl) != X509_V_OK) return nullptr;
  return SSL_get0_peer_certificate(req.ssl);
}

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

// What a person-level read asked, for the access log: the year (the current
// one when none is given), the day, or the range of years "FROM..TO".
std::string Asked(const std::string& endpoint, const std::string& year, const std::string& date,
                  const std::string& from, const std::string& to) {
  const std::string e = absl::AsciiStrToLower(endpoint);
  const std::string a = absl::StrContains(e, "covered")    ? date
                        : absl::StrContains(e, "timeline") ? absl::StrCat(from, "..", to)
                        : year.empty()                     ? std::to_string(CurrentYear())
                                                           : year;
  return a.substr(0, 32);
}

// The HTTP status of a gRPC answer, for the access log.
int HttpStatus(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    default: return 500;
  }
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
  std::unique_ptr<httplib::Server> http;  // an httplib::SSLServer with TLS
  int http_listen_fd = -1;  // its listening socket, once bound (RaiseBacklog)
  std::string page;  // the caseworker page, told whether tokens are needed
  // Who may ask what (cli/auth.h), and the log of person-level reads.
  std::optional<Authenticator> auth;
  TlsFiles tls;
  std::unique_ptr<AccessLog> access;
  std::optional<Keyring> pseudonym_keys;  // without options.keys: a key of this run
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
  void AuditorRoutes();
  void LinesRoute(const std::string& path, const std::string& endpoint, Role need,
                  std::function<absl::Status(const httplib::Request&, std::string*)> fn);
  void Listeners();
  absl::Status OpenKafka();
  absl::Status CheckAuth();  // TLS files, the authenticator, --no-auth only on loopback
  absl::Status MakeHttp();
  absl::Status OpenAccessLog();
  std::shared_ptr<grpc::ServerCredentials> GrpcCredentials() const;
  absl::Status RunFronts();  // Run but the access log's Close
  // Wraps a handler: admits a user of role `need` (none: open to all), counts
  // the request by endpoint and status, times it. A caseworker's route is a
  // person-level read: it goes to the access log (with its 403s and 404s).
  httplib::Server::Handler Timed(const std::string& endpoint, std::optional<Role> need,
                                 std::function<Reply(const httplib::Request&)> fn);
  // The user of an HTTP request (cli/auth.h).
  absl::StatusOr<Principal> Who(const httplib::Request& req) const;
  // Its 401 or 403 when the request may not do what needs `need`.
  std::optional<Reply> Deny(const httplib::Request& req, Role need) const;
  // Appends a person-level read to the access log: the pseudonym of `id`.
  void LogRead(const Principal& who, const std::string& endpoint, const std::string& id, const std::string& asked,
               int status);
  void Count(const std::string& endpoint, int status, double seconds);
  Reply Guarded(std::optional<Role> need, const std::function<Reply(const httplib::Request&)>& fn,
                const httplib::Request& req);
  void LogBulkRead(const httplib::Request& req, const std::string& endpoint, int status);

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
  void RaiseBacklog();
};

// Debian's httplib is compiled to listen with a backlog of 5. A burst of new
// connections (a settlement system's pool of 64 opening at once, or wrk)
// overflowed it, and each dropped handshake cost its client a retransmission
// of 200 ms to 1 s before its first answer (TcpExtListenOverflows). listen()
// again on the bound socket raises the backlog (Linux updates it in place).
void Server::Impl::RaiseBacklog() {
  if (http_listen_fd >= 0 && ::listen(http_listen_fd, SOMAXCONN) != 0) {
    std::fprintf(stderr, "warning: cannot raise the HTTP listen backlog: %s\n", std::strerror(errno));
  }
}

void Server::Impl::Listeners() {
  Metrics();
  Routes();
  const int threads = std::max(2, options.http_threads);
  http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http->set_payload_max_length(options.max_body_bytes);
  http->set_read_timeout(options.read_timeout_seconds, 0);
  http->set_write_timeout(options.read_timeout_seconds, 0);
  http->set_keep_alive_timeout(5);
  http->set_tcp_nodelay(true);  // an answer goes out at once, not after the peer's delayed ACK
  http->set_keep_alive_max_count(100000);  // a settlement system keeps its connections
  http->set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    http_listen_fd = sock;  // the listening socket: RaiseBacklog
  });
}

absl::Status Server::Impl::OpenKafka() {
  if (options.group.empty()) return absl::InvalidArgumentError("--group: is required with --brokers");
  auto st = StateStore::Open(options.data_dir + "/state", /*read_only=*/false, /*bulk=*/false, nullptr, options.keys);
  if (!st.ok()) return st.status();
  state = std::move(*st);
  state->SetCacheBytes(options.cache_mb << 20);
  KafkaOptions ko;
  ko.brokers = options.brokers;
  ko.keys = options.keys;
  ko.events_topic = options.topics + ".events";
  ko.dead_letter_topic = options.topics + ".deadletters";
  ko.incoming_topic = options.topics + ".incoming";
  ko.receipts_topic = options.topics + ".receipts";
  ko.kafka_config = options.kafka_config;
  auto k = KafkaLog::Open(ko);
  if (!k.ok()) return k.status();
  kafka = std::move(*k);
  dead = kafka.get();
  auto o = OwnerDirectory::Start(options.brokers, options.topics + ".owners", options.group, options.kafka_config);
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
    w.kafka_config = options.kafka_config;
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
                 .Help("Process and RocksDB figures (resident_bytes, open_files, *_sst_bytes, "
                       "*_pending_compaction_bytes, *_running_compactions, state_block_cache_*_bytes)")
                 .Register(*registry);
}

void Server::Impl::Count(const std::string& endpoint, int status, double seconds) {
  requests->Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                   0.01,   0.025,   0.05,   0.1,   0.5,    1,
                                                                   5,      30};
  latency->Add({{"endpoint", endpoint}}, kBuckets).Observe(seconds);
}

absl::StatusOr<Principal> Server::Impl::Who(const httplib::Request& req) const {
  return auth->Authenticate(req.get_header_value("Authorization"), PeerCertificate(req));
}

std::optional<Reply> Server::Impl::Deny(const httplib::Request& req, Role need) const {
  auto who = Who(req);
  absl::Status s = who.ok() ? Authenticator::Authorize(*who, need) : who.status();
  if (s.ok()) return std::nullopt;
  return Denied(s);
}

void Server::Impl::LogRead(const Principal& who, const std::string& endpoint, const std::string& id,
                           const std::string& asked, int status) {
  AccessRecord r;
  r.user = who.name;
  r.role = RoleName(who.role);
  r.endpoint = endpoint;
  const Keyring& keys = options.keys != nullptr ? *options.keys : *pseudonym_keys;
  r.pseudonym = keys.PseudonymHex(absl::AsciiStrToUpper(id));
  r.asked = asked;
  r.status = status;
  access->Append(std::move(r));
}

// The answer of an admitted request: 503 for a person read while the access
// log cannot be written (no unlogged reads), 500 should the handler throw (the
// read is still logged).
Reply Server::Impl::Guarded(std::optional<Role> need, const std::function<Reply(const httplib::Request&)>& fn,
                            const httplib::Request& req) {
  if (need == Role::kCaseworker) {
    if (absl::Status h = access->Health(); !h.ok()) return Error(503, std::string(h.message()));
  }
  try {
    return fn(req);
  } catch (const std::exception& e) {
    return Error(500, absl::StrCat("internal error: ", e.what()));
  }
}

// One record for an auditor's bulk read (rejects, audit, the access log): the
// parameters asked, and the pseudonym of an `id` filter (never the ID).
void Server::Impl::LogBulkRead(const httplib::Request& req, const std::string& endpoint, int status) {
  auto who = Who(req);
  if (!who.ok()) return;
  AccessRecord r;
  r.user = who->name;
  r.role = RoleName(who->role);
  r.endpoint = endpoint;
  const std::string id = req.get_param_value("id");
  const Keyring& keys = options.keys != nullptr ? *options.keys : *pseudonym_keys;
  if (!id.empty()) r.pseudonym = keys.PseudonymHex(absl::AsciiStrToUpper(id));
  for (const char* p : {"source", "year", "since", "pseudonym"}) {
    if (req.has_param(p)) absl::StrAppend(&r.asked, r.asked.empty() ? "" : "&", p, "=", req.get_param_value(p));
  }
  r.status = status;
  access->Append(std::move(r));
}

httplib::Server::Handler Server::Impl::Timed(const std::string& endpoint, std::optional<Role> need,
                                             std::function<Reply(const httplib::Request&)> fn) {
  return [this, endpoint, need, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<Principal> who = need ? Who(req) : Principal{};
    const absl::Status allowed = !who.ok() ? who.status() : need ? Authenticator::Authorize(*who, *need)
                                                                 : absl::OkStatus();
    Reply r = !allowed.ok() ? Denied(allowed) : Guarded(need, fn, req);
    if (need == Role::kCaseworker && who.ok()) {
      LogRead(*who, endpoint, req.matches[1],
              Asked(endpoint, req.get_param_value("year"), req.get_param_value("date"), req.get_param_value("from"),
                    req.get_param_value("to")),
              r.status);
    }
    res.status = r.status;
    res.set_content(r.body + "\n", kJson);
    if (!r.location.empty()) res.set_header("Location", r.location);
    Challenge(res);
    Count(endpoint, r.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
}

std::optional<Reply> Server::Impl::Redirect(const httplib::Request& req, const std::string& id) {
  if (!kafka_mode() || !ValidateIdNumber(id).ok()) return std::nullopt;
  auto own = state->GetOwnership();
  if (!own.ok()) return FromStatus(own.status());
  if (own->partitions == 0) return Error(503, "this worker has not been assigned partitions yet; retry");
  const int32_t p = PersonPartition(options.keys, id, own->partitions);
  if (std::find(own->owned.begin(), own->owned.end(), p) != own->owned.end()) return std::nullopt;
  std::optional<std::string> owner = owners->Owner(p);
  if (!owner || *owner == advertise) {
    return Error(503, absl::StrCat("partition ", p, " of ", id, " has no worker answering yet; retry"));
  }
  Reply r = Error(307, absl::StrCat("partition ", p, " of ", id, " is answered by ", *owner));
  r.location = absl::StrCat(tls.enabled() ? "https://" : "http://", *owner, req.target);
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
      // Forwarded to the stage (enrol stage), which appends exactly once and
      // receipts; the workers of the group project the events.
      o.forward = [this](std::vector<v1::Event>& events, const std::vector<std::string>& texts) {
        return kafka->Forward(events, texts);
      };
      counts = IngestReaders(kafka.get(), kafka.get(), source, std::move(readers), *profiles, o);
      if (counts.ok()) {
        auto receipt = kafka->AwaitReceipts();
        if (!receipt.ok()) {
          counts = receipt.status();
        } else {
          AddReceipt(*receipt, &*counts);
        }
      }
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
  // Compaction still to do (after a large ingest it takes CPU from queries).
  auto compaction = [&](const std::string& db, auto* store) {
    if (store == nullptr) return;
    process->Add({{"figure", db + "_pending_compaction_bytes"}})
        .Set(static_cast<double>(store->IntProperty("rocksdb.estimate-pending-compaction-bytes")));
    process->Add({{"figure", db + "_running_compactions"}})
        .Set(static_cast<double>(store->IntProperty("rocksdb.num-running-compactions")));
  };
  compaction("log", log.get());
  compaction("state", state.get());
  if (state != nullptr) {  // --cache-mb, and how much of it the answers use
    process->Add({{"figure", "state_block_cache_capacity_bytes"}})
        .Set(static_cast<double>(state->IntProperty("rocksdb.block-cache-capacity")));
    process->Add({{"figure", "state_block_cache_usage_bytes"}})
        .Set(static_cast<double>(state->IntProperty("rocksdb.block-cache-usage")));
  }
  return prometheus::TextSerializer().Serialize(registry->Collect());
}

// A route answering JSON Lines (or an error's JSON) to users of `need`.
void Server::Impl::LinesRoute(const std::string& path, const std::string& endpoint, Role need,
                              std::function<absl::Status(const httplib::Request&, std::string*)> fn) {
  http->Get(path, [this, endpoint, need, fn = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    std::string body;
    if (auto denied = Deny(req, need)) {
      res.status = denied->status;
      res.set_content(denied->body + "\n", kJson);
      Challenge(res);
    } else {
      const absl::Status s = fn(req, &body);  // before body is moved
      Lines(s, std::move(body), res);
      LogBulkRead(req, endpoint, res.status);
    }
    Count(endpoint, res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  });
}

// GET /v1/rejects, /v1/audit and /v1/access-log: the auditor's.
void Server::Impl::AuditorRoutes() {
  LinesRoute("/v1/rejects", "rejects", Role::kAuditor, [this](const httplib::Request& req, std::string* body) {
    return RejectsCmd(req.get_param_value("source"), [&](const v1::DeadLetter& d) {
      absl::StrAppend(body, DeadLetterJson(d), "\n");
      return true;
    });
  });
  LinesRoute("/v1/audit", "audit", Role::kAuditor, [this](const httplib::Request& req, std::string* body) {
    auto year = YearParam(req, "year");
    if (!year.ok()) return year.status();
    return AuditCmd(*year, [&](const v1::Finding& f) { absl::StrAppend(body, FindingJson(f), "\n"); });
  });
  LinesRoute("/v1/access-log", "access-log", Role::kAuditor, [this](const httplib::Request& req, std::string* body) {
    auto filter = AccessFilter::Parse(req.get_param_value("since"), req.get_param_value("pseudonym"),
                                      req.get_param_value("id"), options.keys, "");
    if (!filter.ok()) return filter.status();
    if (auto s = access->Flush(); !s.ok()) return s;  // every read answered so far
    return access->ForEach(*filter, [&](const AccessRecord& r) {
      absl::StrAppend(body, AccessRecordJson(r), "\n");
      return true;
    });
  });
}

void Server::Impl::Routes() {
  const std::string person = R"(/v1/persons/([^/]+))";
  const Role caseworker = Role::kCaseworker;
  http->Get(person, Timed("query", caseworker, [this](const httplib::Request& r) { return Person(r); }));
  http->Get(person + "/covered",
            Timed("covered", caseworker, [this](const httplib::Request& r) { return Covered(r); }));
  http->Get(person + "/explain",
            Timed("explain", caseworker, [this](const httplib::Request& r) { return Explain(r); }));
  http->Get(person + "/timeline",
            Timed("timeline", caseworker, [this](const httplib::Request& r) { return Timeline(r); }));
  // The body is read here whatever its Content-Type, so that httplib does not
  // take JSON Lines sent as a form (curl --data-binary) for one; not before
  // the feeder is admitted.
  http->Post(R"(/v1/feeds/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
              const auto start = std::chrono::steady_clock::now();
              std::string body;
              const size_t max = options.max_body_bytes;
              std::optional<Reply> denied = Deny(req, Role::kFeeder);
              const bool read = denied || content([&](const char* data, size_t n) {
                if (body.size() + n > max) return false;
                body.append(data, n);
                return true;
              });
              Reply r = denied ? *denied
                        : !read || body.size() > max || req.get_header_value<uint64_t>("Content-Length") > max
                            ? Error(413, absl::StrCat("body: larger than the ", max,
                                                      " bytes this server accepts (--max-body)"))
                            : Ingest(req, body);
              res.status = r.status;
              res.set_content(r.body + "\n", kJson);
              Challenge(res);
              Count("ingest", r.status,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            });
  AuditorRoutes();
  // Open: the page holds no data (its answers come from the routes above);
  // it may fetch nothing but this server's answers.
  http->Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(page, "text/html; charset=utf-8");
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                   "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    res.set_header("Referrer-Policy", "no-referrer");
    Count("page", 200, 0);
  });
  http->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(MetricsText(), "text/plain; version=0.0.4");
  });
  http->Get("/healthz", Timed("healthz", std::nullopt,
                              [](const httplib::Request&) { return Reply{200, "{\"status\":\"ok\"}"}; }));
  http->Get("/readyz", Timed("readyz", std::nullopt, [this](const httplib::Request&) {
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
  http->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
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
  http->set_error_handler([](const httplib::Request&, httplib::Response& res) {
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
    case absl::StatusCode::kUnauthenticated: return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, m);
    case absl::StatusCode::kPermissionDenied: return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, m);
    default: return grpc::Status(grpc::StatusCode::INTERNAL, m);
  }
}

// The person reads run on gRPC's callback API: each is a short call (a
// RocksDB read, the rules and a queued access record) answered where gRPC
// calls it. The synchronous API handed every call to a pool thread and back,
// which cost more than the answer (issue 8's benchmark: 110 to 140 µs of the
// server's CPU a Covered call, 64 to 72 µs now, against 60 µs over HTTP). The
// streams (Ingest, Rejects, Audit) stay synchronous.
using GrpcLedgerBase = v1::Ledger::WithCallbackMethod_Query<v1::Ledger::WithCallbackMethod_Covered<
    v1::Ledger::WithCallbackMethod_Explain<v1::Ledger::WithCallbackMethod_Timeline<v1::Ledger::Service>>>>;

// The gRPC front (proto/ledger.proto) on the same commands as the HTTP one.
class GrpcLedger final : public GrpcLedgerBase {
 public:
  explicit GrpcLedger(Server::Impl* impl) : impl_(impl) {}

  grpc::ServerUnaryReactor* Query(grpc::CallbackServerContext* ctx, const v1::PersonRequest* req,
                                  v1::PersonYear* out) override {
    return Finish(ctx, Answer(ctx, "Query", req->id_number(), Asked("Query", YearText(req->year()), "", "", ""), out,
                  [&] { return impl_->QueryCmd(req->id_number(), req->year(), req->as_of()); }));
  }
  grpc::ServerUnaryReactor* Covered(grpc::CallbackServerContext* ctx, const v1::CoveredRequest* req,
                                    v1::Coverage* out) override {
    return Finish(ctx, Answer(ctx, "Covered", req->id_number(), Asked("Covered", "", req->date(), "", ""), out,
                  [&] { return impl_->CoveredCmd(req->id_number(), req->date(), req->as_of()); }));
  }
  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* ctx, const v1::PersonRequest* req,
                                    v1::Explanation* out) override {
    return Finish(ctx, Answer(ctx, "Explain", req->id_number(), Asked("Explain", YearText(req->year()), "", "", ""), out,
                  [&] { return impl_->ExplainCmd(req->id_number(), req->year(), req->as_of()); }));
  }
  grpc::ServerUnaryReactor* Timeline(grpc::CallbackServerContext* ctx, const v1::TimelineRequest* req,
                                     v1::TimelineReply* out) override {
    const std::string asked = Asked("Timeline", "", "", YearText(req->from()), YearText(req->to()));
    return Finish(ctx, Answer(ctx, "Timeline", req->id_number(), asked, out,
                  [&]() -> absl::StatusOr<std::optional<v1::TimelineReply>> {
                    auto years = impl_->TimelineCmd(req->id_number(), req->from(), req->to());
                    if (!years.ok()) return years.status();
                    if (!*years) return std::nullopt;
                    v1::TimelineReply reply;
                    reply.set_id_number(req->id_number());
                    for (v1::PersonYear& y : **years) *reply.add_years() = std::move(y);
                    return reply;
                  }));
  }
  grpc::Status Ingest(grpc::ServerContext* ctx, grpc::ServerReader<v1::FeedRecord>* reader,
                      v1::IngestReply* out) override {
    const auto start = std::chrono::steady_clock::now();
    Principal who;
    if (grpc::Status s = Admit(ctx, Role::kFeeder, &who); !s.ok()) return Done("Ingest", s, start);
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
  grpc::Status Rejects(grpc::ServerContext* ctx, const v1::RejectsRequest* req,
                       grpc::ServerWriter<v1::DeadLetter>* writer) override {
    const auto start = std::chrono::steady_clock::now();
    Principal who;
    if (grpc::Status s = Admit(ctx, Role::kAuditor, &who); !s.ok()) return Done("Rejects", s, start);
    absl::Status s = impl_->RejectsCmd(req->source(), [&](const v1::DeadLetter& d) { return writer->Write(d); });
    return Done("Rejects", ToGrpc(s), start);
  }
  grpc::Status Audit(grpc::ServerContext* ctx, const v1::AuditRequest* req,
                     grpc::ServerWriter<v1::Finding>* writer) override {
    const auto start = std::chrono::steady_clock::now();
    Principal who;
    if (grpc::Status s = Admit(ctx, Role::kAuditor, &who); !s.ok()) return Done("Audit", s, start);
    absl::Status s = impl_->AuditCmd(req->year(), [&](const v1::Finding& f) { writer->Write(f); });
    return Done("Audit", ToGrpc(s), start);
  }

 private:
  static std::string YearText(int year) { return year == 0 ? "" : std::to_string(year); }

  // The caller (`who`, filled once authenticated), admitted for `need`:
  // UNAUTHENTICATED or PERMISSION_DENIED otherwise. Credentials: metadata
  // "authorization: Bearer TOKEN", or the verified client certificate.
  grpc::Status Admit(grpc::ServerContextBase* ctx, Role need, Principal* who) {
    std::string authorization, pem;
    const auto& meta = ctx->client_metadata();
    if (auto it = meta.find("authorization"); it != meta.end()) authorization.assign(it->second.data(), it->second.size());
    if (!impl_->options.tls_client_ca.empty() && ctx->auth_context() != nullptr) {
      for (const auto& v : ctx->auth_context()->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)) {
        pem.assign(v.data(), v.size());
      }
    }
    auto p = authorization.empty() && !pem.empty() ? PemCertificatePrincipal(pem)
                                                   : impl_->auth->Authenticate(authorization, nullptr);
    if (!p.ok()) return ToGrpc(p.status());
    *who = *p;
    return ToGrpc(Authenticator::Authorize(*who, need));
  }

  // A person-level read: admitted for caseworkers, answered by `fn`, and
  // appended to the access log (but for UNAUTHENTICATED).
  template <typename T, typename Fn>
  grpc::Status Answer(grpc::ServerContextBase* ctx, const char* method, const std::string& id, const std::string& asked,
                      T* out, Fn fn) {
    const auto start = std::chrono::steady_clock::now();
    Principal who;
    grpc::Status s = Admit(ctx, Role::kCaseworker, &who);
    if (s.ok()) s = ToGrpc(impl_->access->Health());  // no unlogged reads
    if (s.ok()) {
      const absl::StatusOr<std::optional<T>> a = fn();
      s = !a.ok() ? ToGrpc(a.status()) : !*a ? grpc::Status(grpc::StatusCode::NOT_FOUND, "not_found") : grpc::Status::OK;
      if (s.ok()) *out = **a;
    }
    if (!who.name.empty()) {  // authenticated: allowed or not, the read is logged
      impl_->LogRead(who, absl::StrCat("grpc.", method), id, asked, HttpStatus(s));
    }
    return Done(method, s, start);
  }
  // A callback call's answer, given at once.
  static grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, grpc::Status s) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(std::move(s));
    return reactor;
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
  if (auto s = impl->CheckAuth(); !s.ok()) return s;
  if (auto s = impl->MakeHttp(); !s.ok()) return s;
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", options.data_dir, ": ", ec.message()));
  if (!options.brokers.empty()) {
    if (auto s = impl->OpenKafka(); !s.ok()) return s;
    if (auto s = impl->OpenAccessLog(); !s.ok()) return s;
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  }
  auto log = EmbeddedLog::Open(options.data_dir + "/log", {.partitions = options.partitions, .keys = options.keys});
  if (!log.ok()) return log.status();
  impl->log = std::move(*log);
  auto state = StateStore::Open(options.data_dir + "/state", /*read_only=*/false, /*bulk=*/false, nullptr, options.keys);
  if (!state.ok()) return state.status();
  impl->state = std::move(*state);
  impl->state->SetCacheBytes(options.cache_mb << 20);
  if (auto s = CheckStateAgainstLog(impl->state.get(), impl->log.get(), /*adopt=*/true, options.data_dir); !s.ok()) {
    return s;
  }
  impl->projector = std::make_unique<Projector>(impl->state.get(), profiles);
  if (auto caught = impl->projector->CatchUp(impl->log.get(), options.projection_threads); !caught.ok()) {
    return caught.status();
  }
  impl->queries = QueryService::Over(impl->log.get(), impl->state.get(), profiles);
  impl->dead = impl->log.get();
  if (auto s = impl->OpenAccessLog(); !s.ok()) return s;
  impl->Listeners();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::grpc_port() const { return impl_->grpc_port; }

absl::Status Server::Impl::CheckAuth() {
  auto files = TlsFiles::Read(options.tls_cert, options.tls_key, options.tls_client_ca);
  if (!files.ok()) return files.status();
  tls = std::move(*files);
  auto a = Authenticator::Make({options.tokens_file, !options.tls_client_ca.empty(), options.no_auth});
  if (!a.ok()) return a.status();
  auth = std::move(*a);
  const bool loopback = IsLoopback(options.listen) && (options.grpc_listen.empty() || IsLoopback(options.grpc_listen));
  if (options.no_auth && !loopback) {
    return absl::InvalidArgumentError(absl::StrCat("--no-auth: only with loopback listeners (127.0.0.1, localhost, ::1),",
                                                   " not --listen ", options.listen, " --grpc-listen ",
                                                   options.grpc_listen));
  }
  if (options.no_auth) {
    std::fprintf(stderr,
                 "enrol serve: warning: --no-auth: whoever can connect to this machine may read and feed the ledger\n");
  } else if (!tls.enabled() && !loopback) {
    if (!options.insecure_plaintext) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listen ", options.listen, " --grpc-listen ", options.grpc_listen,
          ": ID numbers and tokens would cross the network in clear: add --tls-cert and --tls-key (or, behind a "
          "proxy that terminates TLS, --insecure-plaintext)"));
    }
    std::fprintf(stderr, "enrol serve: warning: --insecure-plaintext: ID numbers and tokens cross the network in clear\n");
  }
  if (options.keys == nullptr) {  // pseudonyms of this run only (the command line always passes a key)
    auto k = Keyring::Generate();
    if (!k.ok()) return k.status();
    pseudonym_keys.emplace(std::move(*k));
  }
  return absl::OkStatus();
}

absl::Status Server::Impl::MakeHttp() {
  page = absl::StrReplaceAll(kCaseworkerPage, {{"data-auth=\"none\"", auth->takes_tokens() ? "data-auth=\"token\""
                                                                                             : "data-auth=\"none\""}});
  if (!tls.enabled()) {
    http = std::make_unique<httplib::Server>();
    return absl::OkStatus();
  }
  std::string error;
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) { return SetUpServerTls(tls, ctx, &error); });
  if (!server->is_valid()) return absl::InvalidArgumentError(error.empty() ? "TLS: cannot set up a context" : error);
  http = std::move(server);
  return absl::OkStatus();
}

absl::Status Server::Impl::OpenAccessLog() {
  auto a = AccessLog::Open(options.data_dir + "/access", options.keys, /*read_only=*/false);
  if (!a.ok()) return a.status();
  access = std::move(*a);
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> Server::Impl::GrpcCredentials() const {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions o(tls.client_ca_pem.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                                : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  o.pem_root_certs = tls.client_ca_pem;
  o.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
  return grpc::SslServerCredentials(o);
}

absl::StatusOr<int> Server::Bind() {
  Impl& i = *impl_;
  if (!i.options.grpc_listen.empty()) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    i.grpc_service = std::make_unique<GrpcLedger>(&i);
    grpc::ServerBuilder b;
    b.AddListeningPort(i.options.grpc_listen, i.GrpcCredentials(), &i.grpc_port);
    b.RegisterService(i.grpc_service.get());
    b.SetMaxReceiveMessageSize(static_cast<int>(std::min<size_t>(i.options.max_body_bytes, INT32_MAX)));
    i.grpc_server = b.BuildAndStart();
    if (i.grpc_server == nullptr || i.grpc_port == 0) {
      return absl::UnavailableError(absl::StrCat("--grpc-listen: cannot bind ", i.options.grpc_listen));
    }
  }
  if (i.port == 0) {
    i.port = i.http->bind_to_any_port(i.host);
    if (i.port < 0) return absl::UnavailableError(absl::StrCat("--listen: cannot bind ", i.host));
  } else if (!i.http->bind_to_port(i.host, i.port)) {
    return absl::UnavailableError(absl::StrCat("--listen: cannot bind ", i.options.listen));
  }
  i.RaiseBacklog();
  if (i.kafka_mode()) {
    i.advertise = i.options.advertise.empty() ? absl::StrCat(i.host, ":", i.port) : i.options.advertise;
    i.StartWorker();
  }
  return i.port;
}

absl::Status Server::Impl::RunFronts() {
  const bool listened = http->listen_after_bind();
  if (grpc_server != nullptr) grpc_server->Wait();
  if (worker.joinable()) {
    stop_worker = true;
    worker.join();
    // The worker flushed its state; a Kafka worker's log is the topics.
    absl::MutexLock lock(&worker_mu);
    return worker_status;
  }
  if (!listened) return absl::UnavailableError(absl::StrCat("--listen: the listener on ", options.listen, " failed"));
  // Every request in hand has finished: leave nothing for a WAL replay.
  if (auto s = log->Flush(); !s.ok()) return s;
  return state->Flush();
}

absl::Status Server::Run() {
  const absl::Status served = impl_->RunFronts();
  const absl::Status logged = impl_->access->Close();  // every read answered is in it, synced
  return served.ok() ? logged : served;
}

void Server::Stop() {
  impl_->stop_worker = true;
  impl_->http->stop();
  // Calls in hand finish (an Ingest's records are then durable).
  if (impl_->grpc_server != nullptr) impl_->grpc_server->Shutdown();
}

}  // namespace enrol
