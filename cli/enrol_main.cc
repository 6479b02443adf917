// enrol: the command line of the enrolment ledger (shared/CONTRACT.md).
//
//   enrol ingest --source tax|civil|registry|claims FILE...   ("-" = stdin)
//   enrol query --id ID [--year Y] [--as-of TS]
//   enrol covered --id ID --date D [--as-of TS]
//   enrol rejects [--source S]
//   enrol replay [--as-of TS]
//   enrol digest                       (the live projection's digest)
//   enrol audit [--year Y]
//   enrol serve [--listen HOST:PORT] [--grpc-listen HOST:PORT] [--brokers B --group G]
//   enrol project|stream|stage|topics --brokers B ...   (Kafka)
//
// --data-dir DIR (default ./enrol-data) selects the embedded store, --brokers
// Kafka. Every command has --help (exit 0); a usage error exits 2; --version.
// The commands' output is formatted by cli/answers.h, which `enrol serve`
// shares.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <chrono>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/hashing.h"
#include "common/ids.h"
#include "common/json.h"
#include "cli/answers.h"
#include "cli/auth.h"
#include "cli/serve.h"
#include "consumers/ingest.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/content_hash.h"
#include "consumers/kafka_workers.h"
#include "consumers/stage.h"
#include "ledger/access_log.h"
#include "ledger/embedded_log.h"
#include "ledger/kafka_log.h"
#include "projections/audit.h"
#include "projections/facts.h"
#include "projections/person_model.h"
#include "projections/projector.h"
#include "projections/query_service.h"
#include "projections/state_store.h"

namespace enrol {
namespace {

// The flags of every command (CLI11 fills them; main lists which command
// takes which, with its help).
struct Flags {
  std::string data_dir = "./enrol-data";
  std::string brokers;
  std::string kafka_config;  // --kafka-config FILE (else $ENROL_KAFKA_CONFIG)
  std::string source;
  std::vector<std::string> files;
  std::string id;
  int year = 0;
  std::string as_of;
  std::string date;
  std::string profiles;
  int threads = 2;
  int partitions = 64;
  std::string group;
  std::string topics = "enrol";
  int replication = 1;
  std::string listen = "127.0.0.1:8080";
  std::string grpc_listen = "127.0.0.1:9090";
  std::string advertise;
  int64_t max_body = int64_t{256} << 20;
  int decode_partition = -1;  // decode: all
  int64_t decode_from = 0;
  int64_t decode_count = -1;  // decode: to the end
  std::string rekey_to;        // rekey: the new data directory
  std::string new_key_file;    // rekey: its key (made when missing)
  int http_threads = 64;
  int64_t cache_mb = 1024;
  bool until_caught_up = false;
  std::string key_file;
  // serve: TLS and who may ask (cli/auth.h); access-log: its filters.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string tokens;
  bool no_auth = false;
  bool insecure_plaintext = false;
  bool hash_token = false;
  std::string since;
  std::string pseudonym;
  std::string state_dir;  // stage: its dedupe index (default DATA_DIR/stage)
};
Flags g;
// The master key (common/keyring.h): loaded in main for every command on data.
const Keyring* g_keys = nullptr;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNotFound = 3;

int Fail(const absl::Status& s) {
  std::cerr << "enrol: " << s.message() << "\n";
  return s.code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitError;
}

int Usage(const std::string& msg) {
  std::cerr << "enrol: " << msg << "\n";
  return kExitUsage;
}

bool Interactive() { return ::isatty(2) == 1; }

std::string LogDir() { return g.data_dir + "/log"; }
std::string StateDir() { return g.data_dir + "/state"; }

absl::StatusOr<ProfileSet> LoadProfiles() {
  std::string dir = g.profiles;
  return dir.empty() ? ProfileSet::Builtin() : ProfileSet::LoadDir(dir);
}

absl::StatusOr<std::optional<int64_t>> AsOf() { return ParseAsOf(g.as_of, "--as-of"); }

bool UseKafka() { return !g.brokers.empty(); }

// The librdkafka properties of --kafka-config FILE, else of $ENROL_KAFKA_CONFIG
// (ledger/kafka_config.h), for every Kafka client: loaded and checked in main.
KafkaConfig g_kafka_config;
int LoadKafkaClientConfig() {
  auto c = LoadKafkaConfig(g.kafka_config);
  if (!c.ok()) {
    std::cerr << "enrol: " << (g.kafka_config.empty() ? "ENROL_KAFKA_CONFIG: " : "--kafka-config: ")
              << c.status().message() << "\n";
    return kExitError;
  }
  g_kafka_config = std::move(*c);
  return 0;
}

std::string Topic(const std::string& name) { return g.topics + "." + name; }

absl::StatusOr<std::unique_ptr<KafkaLog>> OpenKafka() {
  KafkaOptions o;
  o.brokers = g.brokers;
  o.events_topic = Topic("events");
  o.dead_letter_topic = Topic("deadletters");
  o.incoming_topic = Topic("incoming");
  o.receipts_topic = Topic("receipts");
  o.kafka_config = g_kafka_config;
  o.keys = g_keys;
  return KafkaLog::Open(o);
}

// SIGINT/SIGTERM stop the long-running workers cleanly.
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }
void CatchSignals() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

std::string ToJson(const google::protobuf::Message& m) { return AnswerJson(m); }

class Progress {
 public:
  explicit Progress(std::string what) : what_(std::move(what)), start_(absl::Now()) {}
  void Show(int64_t n) {
    if (!Interactive()) return;
    absl::Time now = absl::Now();
    if (now - last_ < absl::Milliseconds(200)) return;
    last_ = now;
    double secs = absl::ToDoubleSeconds(now - start_);
    std::fprintf(stderr, "\r%s %lld (%.0f/s)   ", what_.c_str(), static_cast<long long>(n),
                 secs > 0 ? static_cast<double>(n) / secs : 0.0);
  }
  void Done() {
    if (Interactive() && last_ != absl::InfinitePast()) std::fprintf(stderr, "\n");
  }

 private:
  std::string what_;
  absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
};

int Ingest(const std::vector<std::string>& files) {
  v1::Source source;
  if (!ParseSourceName(g.source, &source)) {
    return Usage("ingest: --source must be tax, civil, registry or claims");
  }
  if (files.empty()) return Usage("ingest: name at least one FILE (- for stdin)");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  if (UseKafka()) {
    // Forwards the valid records to the stage (enrol stage), which appends
    // them exactly once; the counts are its receipts'. Projection is the
    // workers' (enrol project).
    auto kafka = OpenKafka();
    if (!kafka.ok()) return Fail(kafka.status());
    Progress progress("ingest: records");
    IngestOptions options;
    options.forward = [&](std::vector<v1::Event>& events, const std::vector<std::string>& texts) {
      return (*kafka)->Forward(events, texts);
    };
    options.progress = [&](const IngestCounts& c) { progress.Show(c.records()); };
    auto counts = IngestFiles(kafka->get(), kafka->get(), source, files, *profiles, options);
    progress.Done();
    if (!counts.ok()) return Fail(counts.status());
    auto receipt = (*kafka)->AwaitReceipts();
    if (!receipt.ok()) return Fail(receipt.status());
    AddReceipt(*receipt, &*counts);
    std::printf("%s\n", CountsJson(*counts).c_str());
    return 0;
  }
  std::error_code ec;
  std::filesystem::create_directories(g.data_dir, ec);
  if (ec) return Fail(absl::UnavailableError(absl::StrCat("cannot create ", g.data_dir, ": ", ec.message())));
  auto log = EmbeddedLog::Open(LogDir(), {.partitions = g.partitions, .keys = g_keys});
  if (!log.ok()) return Fail(log.status());
  auto state = StateStore::Open(StateDir(), /*read_only=*/false, /*bulk=*/false, nullptr, g_keys);
  if (!state.ok()) return Fail(state.status());
  // Refuse a projection built from another log, or ahead of this one.
  if (auto s = CheckStateAgainstLog(state->get(), log->get(), /*adopt=*/true, g.data_dir);
      !s.ok()) {
    return Fail(s);
  }
  Projector projector(state->get(), &*profiles);
  const int threads = g.threads;
  // Finish projecting what an earlier, interrupted run appended.
  if (auto caught = projector.CatchUp(log->get(), threads); !caught.ok()) return Fail(caught.status());

  Progress progress("ingest: records");
  IngestOptions options;
  // Large batches: a person met several times in one batch is folded once.
  options.batch_records = 8192;
  // Projection is the pipeline's last stage: each batch's appended events are
  // folded from memory while the next batch is appended.
  options.project = [&](std::vector<LogEntry>& entries) { return projector.ApplyAppended(log->get(), entries); };
  options.progress = [&](const IngestCounts& c) { progress.Show(c.records()); };
  auto counts = IngestFiles(log->get(), log->get(), source, files, *profiles, options);
  progress.Done();
  if (!counts.ok()) return Fail(counts.status());
  // Leave no write-ahead log for the next open to replay: both stores flush
  // at once.
  absl::Status log_flushed;
  std::thread log_flush([&] { log_flushed = (*log)->Flush(); });
  const absl::Status state_flushed = (*state)->Flush();
  log_flush.join();
  if (!log_flushed.ok()) return Fail(log_flushed);
  if (!state_flushed.ok()) return Fail(state_flushed);
  std::printf("%s\n", CountsJson(*counts).c_str());
  return 0;
}

int NotFound() {
  std::printf("{\"error\":\"not_found\"}\n");
  return kExitNotFound;
}

int CurrentYear() { return static_cast<int>(CstDay(absl::Now()).year()); }

int Query() {
  const std::string id = g.id;
  if (id.empty()) return Usage("query: --id is required");
  auto as_of = AsOf();
  if (!as_of.ok()) return Fail(as_of.status());
  int year = g.year;
  if (year == 0) year = CurrentYear();
  if (year < 1950 || year > 2200) return Usage("query: --year is out of range");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto service = QueryService::Open(g.data_dir, &*profiles, g_keys);
  if (!service.ok()) return Fail(service.status());
  auto answer = (*service)->Query(id, year, *as_of);
  if (!answer.ok()) return Fail(answer.status());
  if (!*answer) return NotFound();
  std::printf("%s\n", ToJson(**answer).c_str());
  return 0;
}

int Explain() {
  const std::string id = g.id;
  if (id.empty()) return Usage("explain: --id is required");
  auto as_of = AsOf();
  if (!as_of.ok()) return Fail(as_of.status());
  int year = g.year;
  if (year == 0) year = CurrentYear();
  if (year < 1950 || year > 2200) return Usage("explain: --year is out of range");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto service = QueryService::Open(g.data_dir, &*profiles, g_keys);
  if (!service.ok()) return Fail(service.status());
  auto answer = (*service)->Explain(id, year, *as_of);
  if (!answer.ok()) return Fail(answer.status());
  if (!*answer) return NotFound();
  std::printf("%s\n", ToJson(**answer).c_str());
  return 0;
}

int Covered() {
  const std::string id = g.id;
  if (id.empty()) return Usage("covered: --id is required");
  auto day = ParseDate(g.date);
  if (!day) return Usage("covered: --date must be YYYY-MM-DD");
  auto as_of = AsOf();
  if (!as_of.ok()) return Fail(as_of.status());
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto service = QueryService::Open(g.data_dir, &*profiles, g_keys);
  if (!service.ok()) return Fail(service.status());
  auto answer = (*service)->Covered(id, *day, *as_of);
  if (!answer.ok()) return Fail(answer.status());
  if (!*answer) return NotFound();
  std::printf("%s\n", ToJson(**answer).c_str());
  return 0;
}

int Rejects() {
  std::optional<v1::Source> filter;
  if (std::string name = g.source; !name.empty()) {
    v1::Source s;
    if (!ParseSourceName(name, &s)) return Usage("rejects: --source must be tax, civil, registry or claims");
    filter = s;
  }
  std::unique_ptr<DeadLetterStore> store;
  if (UseKafka()) {
    auto kafka = OpenKafka();
    if (!kafka.ok()) return Fail(kafka.status());
    store = std::move(*kafka);
  } else {
    auto log = EmbeddedLog::Open(LogDir(), {.read_only = true, .keys = g_keys});
    if (!log.ok()) return Fail(log.status());
    store = std::move(*log);
  }
  auto s = store->ForEach(filter, [](const v1::DeadLetter& d) {
    std::printf("%s\n", DeadLetterJson(d).c_str());
    return true;
  });
  if (!s.ok()) return Fail(s);
  return 0;
}

int AuditCommand() {
  std::optional<int> year;
  if (int y = g.year; y != 0) year = y;
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  std::unique_ptr<DeadLetterStore> dead;
  if (UseKafka()) {
    auto kafka = OpenKafka();
    if (!kafka.ok()) return Fail(kafka.status());
    dead = std::move(*kafka);
  } else {
    auto log = EmbeddedLog::Open(LogDir(), {.read_only = true, .keys = g_keys});
    if (!log.ok()) return Fail(log.status());
    dead = std::move(*log);
  }
  auto state = StateStore::Open(StateDir(), /*read_only=*/true, /*bulk=*/false, nullptr, g_keys);
  if (!state.ok()) return Fail(state.status());
  auto s = enrol::Audit(state->get(), dead.get(), *profiles, year,
                        [&](const v1::Finding& f) { std::printf("%s\n", FindingJson(f).c_str()); });
  if (!s.ok()) return Fail(s);
  return 0;
}

int Project() {
  if (!UseKafka()) return Usage("project: --brokers is required");
  const std::string group = g.group;
  if (group.empty()) return Usage("project: --group is required");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  std::error_code ec;
  std::filesystem::create_directories(g.data_dir, ec);
  auto state = StateStore::Open(StateDir(), /*read_only=*/false, /*bulk=*/false, nullptr, g_keys);
  if (!state.ok()) return Fail(state.status());
  CatchSignals();
  Progress progress("project: events");
  WorkerOptions o;
  o.brokers = g.brokers;
  o.group = group;
  o.events_topic = Topic("events");
  o.kafka_config = g_kafka_config;
  o.until_caught_up = g.until_caught_up;
  o.stop = [] { return g_stop.load(); };
  o.progress = [&](int64_t n) { progress.Show(n); };
  auto applied = RunProjectionWorker(o, state->get(), *profiles);
  progress.Done();
  if (!applied.ok()) return Fail(applied.status());
  std::printf("{\"applied\":%lld}\n", static_cast<long long>(*applied));
  return 0;
}

int Stream() {
  if (!UseKafka()) return Usage("stream: --brokers is required");
  v1::Source source;
  if (!ParseSourceName(g.source, &source)) {
    return Usage("stream: --source must be tax, civil, registry or claims");
  }
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto kafka = OpenKafka();
  if (!kafka.ok()) return Fail(kafka.status());
  CatchSignals();
  StreamOptions o;
  o.brokers = g.brokers;
  o.group = g.group;
  o.raw_topic = Topic(absl::StrCat("raw.", SourceName(source)));
  o.kafka_config = g_kafka_config;
  o.until_caught_up = g.until_caught_up;
  o.stop = [] { return g_stop.load(); };
  auto counts = RunStream(o, source, kafka->get(), *profiles);
  if (!counts.ok()) return Fail(counts.status());
  std::printf("{\"accepted\":%lld,\"duplicates\":%lld,\"rejected\":%lld}\n",
              static_cast<long long>(counts->accepted), static_cast<long long>(counts->duplicates),
              static_cast<long long>(counts->rejected));
  return 0;
}

int Stage() {
  if (!UseKafka()) return Usage("stage: --brokers is required");
  CatchSignals();
  Progress progress("stage: records");
  StageOptions o;
  o.brokers = g.brokers;
  if (!g.group.empty()) o.group = g.group;
  o.topics = g.topics;
  o.state_dir = g.state_dir.empty() ? g.data_dir + "/stage" : g.state_dir;
  o.kafka_config = g_kafka_config;
  o.keys = g_keys;
  o.until_caught_up = g.until_caught_up;
  o.stop = [] { return g_stop.load(); };
  o.progress = [&](int64_t n) { progress.Show(n); };
  auto counts = RunStage(o);
  progress.Done();
  if (!counts.ok()) return Fail(counts.status());
  std::printf("{\"records\":%lld,\"accepted\":%lld,\"duplicates\":%lld,\"rejected\":%lld}\n",
              static_cast<long long>(counts->records), static_cast<long long>(counts->accepted),
              static_cast<long long>(counts->duplicates), static_cast<long long>(counts->rejected));
  return 0;
}

int Topics() {
  if (!UseKafka()) return Usage("topics: --brokers is required");
  const int replication = g.replication;
  auto s = CreateTopics(g.brokers, g.topics, g.partitions,
                        4, replication, g_kafka_config);
  if (!s.ok()) return Fail(s);
  std::printf("{\"events\":\"%s\",\"partitions\":%d,\"replication\":%d}\n", Topic("events").c_str(),
              g.partitions, replication);
  return 0;
}

int Replay() {
  auto as_of = AsOf();
  if (!as_of.ok()) return Fail(as_of.status());
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  // Opening the embedded log for writing keeps ingest out while the state is
  // swapped. With --brokers, a projection worker's partitions are rebuilt from
  // the events topic.
  std::unique_ptr<Log> log;
  std::optional<StateStore::Ownership> ownership;
  std::string log_id;  // the embedded log's, recorded in the rebuilt state
  if (UseKafka()) {
    auto kafka = OpenKafka();
    if (!kafka.ok()) return Fail(kafka.status());
    log = std::move(*kafka);
    if (std::filesystem::exists(StateDir())) {
      auto current = StateStore::Open(StateDir(), /*read_only=*/true, /*bulk=*/false, nullptr, g_keys);
      if (!current.ok()) return Fail(current.status());
      auto own = (*current)->GetOwnership();
      if (!own.ok()) return Fail(own.status());
      if (own->partitions > 0) ownership = *own;
    }
  } else {
    // The log's own compactions (an ingest's leftovers) wait for its next
    // writer: a replay only reads it.
    auto embedded =
        EmbeddedLog::Open(LogDir(), {.partitions = g.partitions, .defer_compactions = true, .keys = g_keys});
    if (!embedded.ok()) return Fail(embedded.status());
    log_id = (*embedded)->id();
    log = std::move(*embedded);
  }
  const std::string fresh_dir = g.data_dir + (*as_of ? "/state.as-of" : "/state.rebuild");
  std::error_code ec;
  std::filesystem::remove_all(fresh_dir, ec);
  absl::StatusOr<RebuildResult> result;
  {
    auto fresh = StateStore::Open(fresh_dir, /*read_only=*/false, /*bulk=*/true, nullptr, g_keys);
    if (!fresh.ok()) return Fail(fresh.status());
    if (!log_id.empty()) {
      if (auto s = (*fresh)->SetLogId(log_id); !s.ok()) return Fail(s);
    }
    Progress progress("replay: events");
    result = Rebuild(log.get(), fresh->get(), *profiles, *as_of, g.threads,
                     [&](int64_t n) { progress.Show(n); }, ownership ? &ownership->owned : nullptr);
    progress.Done();
    if (result.ok() && ownership) {
      if (auto s = (*fresh)->SetOwnership(*ownership); !s.ok()) return Fail(s);
    }
  }
  if (!result.ok()) return Fail(result.status());
  if (*as_of) {
    std::filesystem::remove_all(fresh_dir, ec);
  } else {
    if (auto s = SwapInState(fresh_dir, StateDir()); !s.ok()) return Fail(s);
  }
  std::printf("{\"events\":%lld,\"persons\":%lld,\"digest\":\"%s\"}\n",
              static_cast<long long>(result->events), static_cast<long long>(result->digest.persons),
              result->digest.hex.c_str());
  return 0;
}

// serve --hash-token: the SHA-256 of the token on stdin, for a --tokens line.
int HashToken() {
  std::string token;
  std::getline(std::cin, token);
  auto hash = TokenHashLine(token);
  if (!hash.ok()) return Fail(hash.status());
  std::printf("%s\n", hash->c_str());
  return 0;
}

// access-log: who read which person (ledger/access_log.h), one JSON object a
// line; read-only, so beside a running server too.
int AccessLogCommand() {
  auto filter = AccessFilter::Parse(g.since, g.pseudonym, g.id, g_keys, "--");
  if (!filter.ok()) return Fail(filter.status());
  auto log = AccessLog::Open(g.data_dir + "/access", g_keys, /*read_only=*/true);
  if (!log.ok()) return Fail(log.status());
  auto s = (*log)->ForEach(*filter, [](const AccessRecord& r) {
    std::printf("%s\n", AccessRecordJson(r).c_str());
    return true;
  });
  return s.ok() ? 0 : Fail(s);
}

// The embedded store as a service until SIGTERM or SIGINT (CONTRACT.md, Service).
int Serve() {
  if (g.hash_token) return HashToken();
  if (UseKafka() && g.group.empty()) return Usage("serve: --group is required with --brokers");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  ServeOptions o;
  o.data_dir = g.data_dir;
  o.listen = g.listen;
  o.grpc_listen = g.grpc_listen;
  o.max_body_bytes = static_cast<size_t>(std::max<int64_t>(1, g.max_body));
  o.http_threads = g.http_threads;
  o.cache_mb = static_cast<size_t>(std::max<int64_t>(8, g.cache_mb));
  o.projection_threads = g.threads;
  o.partitions = g.partitions;
  o.brokers = g.brokers;
  o.group = g.group;
  o.topics = g.topics;
  o.advertise = g.advertise;
  o.kafka_config = g_kafka_config;
  o.keys = g_keys;
  o.tls_cert = g.tls_cert;
  o.tls_key = g.tls_key;
  o.tls_client_ca = g.tls_client_ca;
  o.tokens_file = g.tokens;
  o.no_auth = g.no_auth;
  o.insecure_plaintext = g.insecure_plaintext;
  auto server = Server::Open(o, &*profiles);
  if (!server.ok()) return Fail(server.status());
  auto port = (*server)->Bind();
  if (!port.ok()) return Fail(port.status());
  CatchSignals();
  std::thread stopper([&] {
    while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*server)->Stop();
  });
  std::fprintf(stderr, "enrol serve: listening on %s://%s:%d and gRPC port %d (data dir %s)\n",
               o.tls_cert.empty() ? "http" : "https", o.listen.substr(0, o.listen.rfind(':')).c_str(), *port,
               (*server)->grpc_port(), o.data_dir.c_str());
  absl::Status s = (*server)->Run();
  g_stop = true;
  stopper.join();
  if (!s.ok()) return Fail(s);
  return 0;
}

// The events topic as an operator with the key reads it: each event as JSON
// with its partition and offset (broker files and kcat show ciphertext).
int Decode() {
  if (!UseKafka()) return Usage("decode: --brokers is required");
  auto kafka = OpenKafka();
  if (!kafka.ok()) return Fail(kafka.status());
  const int32_t n = (*kafka)->partitions();
  if (g.decode_partition >= n) return Usage(absl::StrCat("decode: --partition must be below ", n));
  const int32_t first = g.decode_partition < 0 ? 0 : g.decode_partition;
  const int32_t last = g.decode_partition < 0 ? n - 1 : g.decode_partition;
  for (int32_t p = first; p <= last; ++p) {
    int64_t left = g.decode_count < 0 ? std::numeric_limits<int64_t>::max() : g.decode_count;
    Offset from{std::max<int64_t>(0, g.decode_from)};
    while (left > 0) {
      std::vector<LogEntry> entries;
      const size_t want = static_cast<size_t>(std::min<int64_t>(left, 10000));
      if (auto s = (*kafka)->Read(Partition{p}, from, want, &entries); !s.ok()) return Fail(s);
      if (entries.empty()) break;
      for (const LogEntry& e : entries) {
        std::printf("{\"partition\":%d,\"offset\":%lld,\"event\":%s}\n", p, static_cast<long long>(e.offset.value),
                    ToJson(e.event).c_str());
      }
      left -= static_cast<int64_t>(entries.size());
      from.value = entries.back().offset.value + 1;
    }
  }
  return 0;
}

// Copies the log of `from` into `to` (a new log under other keys): every
// event in its original append order (merged across partitions by recorded
// time), with its recorded time, so `--as-of` answers stay; then every dead
// letter. The events land in the partitions of the new pseudonyms.
absl::StatusOr<int64_t> CopyLog(EmbeddedLog* from, EmbeddedLog* to, absl::Time* clock) {
  struct Cursor {
    std::vector<LogEntry> buf;
    size_t at = 0;
    Offset next{0};
  };
  std::vector<Cursor> cursors(static_cast<size_t>(from->partitions()));
  auto refill = [&](int32_t p) -> absl::Status {
    Cursor& c = cursors[static_cast<size_t>(p)];
    if (c.at < c.buf.size()) return absl::OkStatus();
    c.buf.clear();
    c.at = 0;
    if (auto s = from->Read(Partition{p}, c.next, 4096, &c.buf); !s.ok()) return s;
    if (!c.buf.empty()) c.next.value = c.buf.back().offset.value + 1;
    return absl::OkStatus();
  };
  int64_t copied = 0;
  std::vector<v1::Event> batch;
  std::vector<AppendResult> results;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    if (auto s = to->Append(batch, &results); !s.ok()) return s;
    for (const AppendResult& r : results) {
      if (r.kind != AppendResult::Kind::kAppended) return absl::DataLossError("rekey: the old log holds a record twice");
    }
    copied += static_cast<int64_t>(batch.size());
    batch.clear();
    return absl::OkStatus();
  };
  for (;;) {
    int32_t best = -1;
    for (int32_t p = 0; p < from->partitions(); ++p) {
      if (auto s = refill(p); !s.ok()) return s;
      const Cursor& c = cursors[static_cast<size_t>(p)];
      if (c.at == c.buf.size()) continue;
      if (best < 0 || c.buf[c.at].event.recorded_at_us() <
                          cursors[static_cast<size_t>(best)].buf[cursors[static_cast<size_t>(best)].at].event.recorded_at_us()) {
        best = p;
      }
    }
    if (best < 0) break;
    v1::Event& e = cursors[static_cast<size_t>(best)].buf[cursors[static_cast<size_t>(best)].at++].event;
    const absl::Time t = absl::FromUnixMicros(e.recorded_at_us());
    if (t != *clock || batch.size() >= 4096) {
      if (auto s = flush(); !s.ok()) return s;
      *clock = t;
    }
    batch.push_back(std::move(e));
  }
  if (auto s = flush(); !s.ok()) return s;
  std::vector<v1::DeadLetter> letters;
  if (auto s = from->ForEach(std::nullopt, [&](const v1::DeadLetter& d) {
        letters.push_back(d);
        return true;
      });
      !s.ok()) {
    return s;
  }
  if (auto s = to->Put(letters); !s.ok()) return s;
  if (auto s = to->Flush(); !s.ok()) return s;
  return copied;
}

// The access log of `from` (when there is one) into `to`, under `keys`:
// every record as it is, so the trail of reads survives a rotation.
absl::Status CopyAccessLog(const std::string& from, const std::string& to, const Keyring* keys) {
  std::error_code ec;
  if (!std::filesystem::exists(from + "/CURRENT", ec)) return absl::OkStatus();
  auto old_access = AccessLog::Open(from, g_keys, /*read_only=*/true);
  if (!old_access.ok()) return old_access.status();
  auto new_access = AccessLog::Open(to, keys, /*read_only=*/false);
  if (!new_access.ok()) return new_access.status();
  absl::Status copied;
  auto s = (*old_access)->ForEach(AccessFilter{}, [&](const AccessRecord& r) {
    copied = (*new_access)->Copy(r);
    return copied.ok();
  });
  if (!s.ok()) return s;
  if (!copied.ok()) return copied;
  return (*new_access)->Close();
}

// Key rotation: the embedded store copied into a new data directory under a
// new key (the old one is left as it is), then its projection rebuilt. The
// digest printed equals the old store's: it does not depend on the key.
int Rekey() {
  if (g.rekey_to.empty() || g.new_key_file.empty()) return Usage("rekey: --to and --new-key-file are required");
  std::error_code ec;
  if (std::filesystem::exists(g.rekey_to, ec)) return Usage(absl::StrCat("rekey: ", g.rekey_to, " exists; name a new directory"));
  if (!std::filesystem::exists(g.new_key_file, ec)) {
    auto fresh = Keyring::Generate();
    if (!fresh.ok()) return Fail(fresh.status());
    if (auto s = fresh->WriteNew(g.new_key_file); !s.ok()) return Fail(s);
    std::fprintf(stderr, "enrol: created a new master key at %s (0600)\n", g.new_key_file.c_str());
  }
  auto new_keys = Keyring::Load(g.new_key_file);
  if (!new_keys.ok()) return Fail(new_keys.status());
  if (new_keys->key_id() == g_keys->key_id()) return Usage("rekey: the new key is the old key");
  auto old_log = EmbeddedLog::Open(LogDir(), {.keys = g_keys});  // for writing: keeps ingest out
  if (!old_log.ok()) return Fail(old_log.status());
  std::filesystem::create_directories(g.rekey_to, ec);
  absl::Time clock = absl::UnixEpoch();
  auto new_log = EmbeddedLog::Open(g.rekey_to + "/log", {.partitions = (*old_log)->partitions(),
                                                         .clock = [&clock] { return clock; },
                                                         .keys = &*new_keys});
  if (!new_log.ok()) return Fail(new_log.status());
  auto copied = CopyLog(old_log->get(), new_log->get(), &clock);
  if (!copied.ok()) return Fail(copied.status());
  new_log->reset();
  old_log->reset();
  if (auto s = CopyAccessLog(g.data_dir + "/access", g.rekey_to + "/access", &*new_keys); !s.ok()) return Fail(s);
  g.data_dir = g.rekey_to;
  g_keys = &*new_keys;
  return Replay();
}

int Digest() {
  auto store = StateStore::Open(StateDir(), /*read_only=*/true, /*bulk=*/false, nullptr, g_keys);
  if (!store.ok()) return Fail(store.status());
  auto d = (*store)->Digest();
  if (!d.ok()) return Fail(d.status());
  std::printf("{\"persons\":%lld,\"digest\":\"%s\"}\n", static_cast<long long>(d->persons), d->hex.c_str());
  return 0;
}

}  // namespace
}  // namespace enrol

namespace enrol {
namespace {

// The options every command on a data directory takes, and Kafka's.
void Store(CLI::App* c) {
  c->add_option("--data-dir", g.data_dir, "embedded store directory")->capture_default_str();
  c->add_option("--profiles", g.profiles, "directory of policy profiles (default: the built-in ones)");
  c->add_option("--key-file", g.key_file,
                "master key file (default: $ENROL_KEY_FILE, else ~/.config/enrol/master.key, made on first use)");
}
void Kafka(CLI::App* c, bool group) {
  c->add_option("--brokers", g.brokers, "Kafka bootstrap servers HOST:PORT,... (selects Kafka)");
  c->add_option("--kafka-config", g.kafka_config,
                "librdkafka properties file (key=value lines: TLS, SASL, ...) for every Kafka client "
                "(default: $ENROL_KAFKA_CONFIG)");
  c->add_option("--topics", g.topics, "Kafka topic prefix: PREFIX.events, .incoming, .receipts, .deadletters, .raw.<feed>, .owners")
      ->capture_default_str();
  if (group) c->add_option("--group", g.group, "Kafka consumer group");
}
void AsOfOption(CLI::App* c) {
  c->add_option("--as-of", g.as_of, "RFC 3339 timestamp: answer from facts recorded by then");
}

}  // namespace
}  // namespace enrol

int main(int argc, char** argv) {
  using enrol::g;
  // The data directory holds ID numbers with contribution and claim history:
  // whatever the caller's umask, what the ledger creates is the owner's alone
  // (directories 0700, files 0600).
  ::umask(0077);
  // Debian builds Abseil without NDEBUG, so every absl::Mutex (ours, and
  // gRPC's through gpr_mu) would also run Abseil's debug deadlock detector: a
  // global graph updated under a global lock on each Lock and each Mutex's
  // destruction. The tests keep it (tests link their own mains).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"enrol: the enrolment ledger (shared/CONTRACT.md)", "enrol"};
  app.set_version_flag("--version", "enrol " ENROL_VERSION);
  app.require_subcommand(1, 1);
  app.set_help_all_flag("--help-all", "help for every command");

  CLI::App* ingest = app.add_subcommand("ingest", "ingest feed files (- reads stdin; CSV by .csv)");
  enrol::Store(ingest);
  enrol::Kafka(ingest, false);
  ingest->add_option("--source", g.source, "feed: tax, civil, registry or claims");
  ingest->add_option("--partitions", g.partitions, "partitions of a new embedded log")->capture_default_str();
  ingest->add_option("--threads", g.threads, "projection threads")->capture_default_str();
  ingest->add_option("files", g.files, "FILE... (- reads stdin)");

  CLI::App* query = app.add_subcommand("query", "a person's year");
  CLI::App* explain = app.add_subcommand("explain", "the derivation of a person's year, rule by rule");
  for (CLI::App* c : {query, explain}) {
    enrol::Store(c);
    c->add_option("--id", g.id, "resident ID number (18 characters)");
    c->add_option("--year", g.year, "year to answer for (default: the current year, CST)");
    enrol::AsOfOption(c);
  }
  CLI::App* covered = app.add_subcommand("covered", "whether a person is covered on a day, and by which scheme");
  enrol::Store(covered);
  covered->add_option("--id", g.id, "resident ID number (18 characters)");
  covered->add_option("--date", g.date, "day to answer for, YYYY-MM-DD");
  enrol::AsOfOption(covered);

  CLI::App* audit = app.add_subcommand("audit", "the auditor's findings, one JSON object a line");
  enrol::Store(audit);
  enrol::Kafka(audit, false);
  audit->add_option("--year", g.year, "only the findings of this year");
  CLI::App* rejects = app.add_subcommand("rejects", "the dead letters, one JSON object a line");
  enrol::Store(rejects);
  enrol::Kafka(rejects, false);
  rejects->add_option("--source", g.source, "only this feed's");

  CLI::App* replay = app.add_subcommand("replay", "rebuild the projection from the log; print its digest");
  enrol::Store(replay);
  enrol::Kafka(replay, false);
  enrol::AsOfOption(replay);
  replay->add_option("--threads", g.threads, "replay threads")->capture_default_str();
  replay->add_option("--partitions", g.partitions, "partitions of a new embedded log")->capture_default_str();
  CLI::App* rekey = app.add_subcommand("rekey", "copy the store into a new data directory under a new key");
  enrol::Store(rekey);
  rekey->add_option("--to", g.rekey_to, "the new data directory (must not exist)");
  rekey->add_option("--new-key-file", g.new_key_file, "the new key (made, 0600, when the file does not exist)");
  rekey->add_option("--threads", g.threads, "replay threads")->capture_default_str();
  CLI::App* digest = app.add_subcommand("digest", "the live projection's digest");
  enrol::Store(digest);
  CLI::App* decode = app.add_subcommand("decode", "the events topic in clear, for operators with the key (--brokers)");
  enrol::Store(decode);
  enrol::Kafka(decode, false);
  decode->add_option("--partition", g.decode_partition, "only this partition (default: all)");
  decode->add_option("--from", g.decode_from, "first offset")->capture_default_str();
  decode->add_option("--count", g.decode_count, "events per partition (default: to the end)");

  CLI::App* project = app.add_subcommand("project", "Kafka projection worker (--brokers, --group)");
  enrol::Store(project);
  enrol::Kafka(project, true);
  project->add_flag("--until-caught-up", g.until_caught_up,
                    "exit once everything up to the high-water marks seen at start is applied");
  CLI::App* stream = app.add_subcommand("stream", "raw feed topic -> events (--brokers, --source)");
  enrol::Store(stream);
  enrol::Kafka(stream, true);
  stream->add_option("--source", g.source, "feed: tax, civil, registry or claims");
  stream->add_flag("--until-caught-up", g.until_caught_up,
                   "exit once everything up to the high-water marks seen at start is applied");
  CLI::App* stage = app.add_subcommand(
      "stage", "Kafka: appends forwarded records exactly once (--brokers; group enrol-stage)");
  enrol::Store(stage);
  enrol::Kafka(stage, true);
  stage->add_option("--state-dir", g.state_dir, "its dedupe index, rebuilt from the events topic when missing "
                                                "(default: DATA_DIR/stage)");
  stage->add_flag("--until-caught-up", g.until_caught_up,
                  "exit once the incoming records up to the high-water marks seen at start are appended");
  CLI::App* topics = app.add_subcommand("topics", "create the Kafka topics (--brokers)");
  enrol::Kafka(topics, false);
  topics->add_option("--partitions", g.partitions, "partitions of the events topic")->capture_default_str();
  topics->add_option("--replication", g.replication, "replication factor (3 nodes: 3)")->capture_default_str();

  CLI::App* access_log = app.add_subcommand("access-log", "who read which person (pseudonym), one JSON object a line");
  enrol::Store(access_log);
  access_log->add_option("--since", g.since, "RFC 3339 timestamp: only reads from then on");
  access_log->add_option("--pseudonym", g.pseudonym, "only reads of this person (64 hex digits)");
  access_log->add_option("--id", g.id, "only reads of this ID number (hashed with the key)");
  CLI::App* serve = app.add_subcommand("serve", "the ledger as a service: HTTP/JSON, gRPC, the caseworker page");
  enrol::Store(serve);
  enrol::Kafka(serve, true);
  serve->add_option("--listen", g.listen, "HTTP listener HOST:PORT (port 0: any free port)")->capture_default_str();
  serve->add_option("--grpc-listen", g.grpc_listen, "gRPC listener HOST:PORT (port 0: any; empty: none)")
      ->capture_default_str();
  serve->add_option("--advertise", g.advertise, "with --brokers: HOST:PORT other workers redirect to");
  serve->add_option("--max-body", g.max_body, "largest feed body accepted, bytes (larger: 413)")->capture_default_str();
  serve->add_option("--http-threads", g.http_threads, "threads answering HTTP requests")->capture_default_str();
  serve->add_option("--cache-mb", g.cache_mb, "MiB of decoded projection blocks kept for answers")
      ->capture_default_str();
  serve->add_option("--threads", g.threads, "projection threads")->capture_default_str();
  serve->add_option("--partitions", g.partitions, "partitions of a new embedded log")->capture_default_str();
  serve->add_option("--tls-cert", g.tls_cert, "PEM certificate (chain): serve HTTPS and gRPC over TLS");
  serve->add_option("--tls-key", g.tls_key, "PEM private key of --tls-cert");
  serve->add_option("--tls-client-ca", g.tls_client_ca,
                    "PEM CA: client certificates it signed authenticate (subject OU = role, CN = user)");
  serve->add_option("--tokens", g.tokens, "bearer tokens file: ROLE NAME SHA256HEX a line (roles: caseworker, "
                                          "auditor, feeder)");
  serve->add_flag("--no-auth", g.no_auth, "no authentication: only with loopback listeners");
  serve->add_flag("--insecure-plaintext", g.insecure_plaintext,
                  "plain HTTP/gRPC off loopback (behind a proxy that terminates TLS); refused otherwise");
  serve->add_flag("--hash-token", g.hash_token, "print the SHA-256 of the token on stdin (a --tokens line), exit");

  const auto commands = app.get_subcommands([](const CLI::App*) { return true; });
  if (argc >= 2 && argv[1][0] != '-' &&
      std::none_of(commands.begin(), commands.end(), [&](const CLI::App* c) { return c->get_name() == argv[1]; })) {
    std::cerr << "enrol: unknown command \"" << argv[1] << "\"; enrol --help lists the commands\n";
    return enrol::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; any usage error 2, as the README says.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "enrol: " << e.what() << "\n(enrol --help lists the commands; enrol COMMAND --help their flags)\n";
    return enrol::kExitUsage;
  }
  if (!g.brokers.empty() || !g.kafka_config.empty()) {
    if (int rc = enrol::LoadKafkaClientConfig(); rc != 0) return rc;
  }
  std::optional<enrol::Keyring> keyring;
  if (!topics->parsed() && !g.hash_token) {  // the commands on data
    // An encrypted store already here: its key is missing, not to be made.
    std::string store;
    for (const char* part : {"/log/KEY-ID", "/state/KEY-ID", "/access/KEY-ID"}) {
      std::error_code ec;
      if (store.empty() && std::filesystem::exists(g.data_dir + part, ec)) store = g.data_dir;
    }
    auto k = enrol::Keyring::Load(g.key_file, store);
    if (!k.ok()) {
      std::cerr << "enrol: " << k.status().message() << "\n";
      return enrol::kExitError;
    }
    keyring.emplace(std::move(*k));
    enrol::g_keys = &*keyring;
  }
  if (ingest->parsed()) return enrol::Ingest(g.files);
  if (query->parsed()) return enrol::Query();
  if (covered->parsed()) return enrol::Covered();
  if (explain->parsed()) return enrol::Explain();
  if (audit->parsed()) return enrol::AuditCommand();
  if (project->parsed()) return enrol::Project();
  if (stream->parsed()) return enrol::Stream();
  if (stage->parsed()) return enrol::Stage();
  if (topics->parsed()) return enrol::Topics();
  if (rejects->parsed()) return enrol::Rejects();
  if (replay->parsed()) return enrol::Replay();
  if (rekey->parsed()) return enrol::Rekey();
  if (digest->parsed()) return enrol::Digest();
  if (decode->parsed()) return enrol::Decode();
  if (serve->parsed()) return enrol::Serve();
  if (access_log->parsed()) return enrol::AccessLogCommand();
  return enrol::kExitUsage;
}
