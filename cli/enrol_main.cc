// enrol: the command line of the enrolment ledger (shared/CONTRACT.md).
//
//   enrol ingest --source tax|civil|registry|claims FILE...   ("-" = stdin)
//   enrol query --id ID [--year Y] [--as-of TS]
//   enrol covered --id ID --date D [--as-of TS]
//   enrol rejects [--source S]
//   enrol replay [--as-of TS]
//   enrol digest                       (the live projection's digest)
//   enrol serve [--listen HOST:PORT]   (the ledger as an HTTP/JSON service)
//
// --data-dir DIR (default ./enrol-data) selects the embedded store.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <chrono>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/hashing.h"
#include "common/ids.h"
#include "common/json.h"
#include "cli/answers.h"
#include "cli/serve.h"
#include "consumers/ingest.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/content_hash.h"
#include "consumers/kafka_workers.h"
#include "ledger/embedded_log.h"
#include "ledger/kafka_log.h"
#include "projections/audit.h"
#include "projections/facts.h"
#include "projections/person_model.h"
#include "projections/projector.h"
#include "projections/query_service.h"
#include "projections/state_store.h"

ABSL_FLAG(std::string, data_dir, "./enrol-data", "embedded store directory");
ABSL_FLAG(std::string, brokers, "", "Kafka bootstrap servers HOST:PORT,... (selects Kafka)");
ABSL_FLAG(std::string, source, "", "feed: tax, civil, registry or claims");
ABSL_FLAG(std::string, id, "", "resident ID number (18 characters)");
ABSL_FLAG(int, year, 0, "year to answer for (default: the current year, CST)");
ABSL_FLAG(std::string, as_of, "", "RFC 3339 timestamp: answer from facts recorded by then");
ABSL_FLAG(std::string, date, "", "day to answer for, YYYY-MM-DD");
ABSL_FLAG(std::string, profiles, "", "directory of policy profiles (default: the built-in ones)");
ABSL_FLAG(int, threads, 2, "worker threads for projection and replay");
ABSL_FLAG(int, partitions, 64, "partitions of a new embedded log; of the events topic for enrol topics");
ABSL_FLAG(std::string, group, "", "Kafka consumer group (project, stream)");
ABSL_FLAG(std::string, topics, "enrol", "Kafka topic prefix: PREFIX.events, PREFIX.deadletters, PREFIX.raw.<feed>");
ABSL_FLAG(int, replication, 1, "topics: replication factor (3 nodes: 3)");
ABSL_FLAG(std::string, listen, "127.0.0.1:8080", "serve: HTTP listener HOST:PORT (port 0: any free port)");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:9090", "serve: gRPC listener HOST:PORT (port 0: any; empty: none)");
ABSL_FLAG(std::string, advertise, "", "serve --brokers: HOST:PORT other workers redirect to (default: --listen's)");
ABSL_FLAG(int64_t, max_body, int64_t{256} << 20, "serve: largest feed body accepted, bytes (larger: 413)");
ABSL_FLAG(int, http_threads, 8, "serve: threads answering HTTP requests");
ABSL_FLAG(bool, until_caught_up, false,
          "project/stream: exit once everything up to the high-water marks seen at start is applied");

namespace enrol {
namespace {

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

std::string LogDir() { return absl::GetFlag(FLAGS_data_dir) + "/log"; }
std::string StateDir() { return absl::GetFlag(FLAGS_data_dir) + "/state"; }

absl::StatusOr<ProfileSet> LoadProfiles() {
  std::string dir = absl::GetFlag(FLAGS_profiles);
  return dir.empty() ? ProfileSet::Builtin() : ProfileSet::LoadDir(dir);
}

absl::StatusOr<std::optional<int64_t>> AsOf() { return ParseAsOf(absl::GetFlag(FLAGS_as_of), "--as-of"); }

bool UseKafka() { return !absl::GetFlag(FLAGS_brokers).empty(); }

std::string Topic(const std::string& name) { return absl::GetFlag(FLAGS_topics) + "." + name; }

absl::StatusOr<std::unique_ptr<KafkaLog>> OpenKafka() {
  KafkaOptions o;
  o.brokers = absl::GetFlag(FLAGS_brokers);
  o.events_topic = Topic("events");
  o.dead_letter_topic = Topic("deadletters");
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
  if (!ParseSourceName(absl::GetFlag(FLAGS_source), &source)) {
    return Usage("ingest: --source must be tax, civil, registry or claims");
  }
  if (files.empty()) return Usage("ingest: name at least one FILE (- for stdin)");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  if (UseKafka()) {
    // Appends through an idempotent producer with acks=all; the counts are
    // what the brokers acknowledged. Projection is the workers' (enrol project).
    auto kafka = OpenKafka();
    if (!kafka.ok()) return Fail(kafka.status());
    Progress progress("ingest: records");
    IngestOptions options;
    options.progress = [&](const IngestCounts& c) { progress.Show(c.records()); };
    auto counts = IngestFiles(kafka->get(), kafka->get(), source, files, *profiles, options);
    progress.Done();
    if (!counts.ok()) return Fail(counts.status());
    std::printf("%s\n", CountsJson(*counts).c_str());
    return 0;
  }
  std::error_code ec;
  std::filesystem::create_directories(absl::GetFlag(FLAGS_data_dir), ec);
  if (ec) return Fail(absl::UnavailableError(absl::StrCat("cannot create ", absl::GetFlag(FLAGS_data_dir), ": ", ec.message())));
  auto log = EmbeddedLog::Open(LogDir(), {.partitions = absl::GetFlag(FLAGS_partitions)});
  if (!log.ok()) return Fail(log.status());
  auto state = StateStore::Open(StateDir(), /*read_only=*/false);
  if (!state.ok()) return Fail(state.status());
  // Refuse a projection built from another log, or ahead of this one.
  if (auto s = CheckStateAgainstLog(state->get(), log->get(), /*adopt=*/true, absl::GetFlag(FLAGS_data_dir));
      !s.ok()) {
    return Fail(s);
  }
  Projector projector(state->get(), &*profiles);
  const int threads = absl::GetFlag(FLAGS_threads);
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
  // Leave no write-ahead log for the next open to replay.
  if (auto s = (*log)->Flush(); !s.ok()) return Fail(s);
  if (auto s = (*state)->Flush(); !s.ok()) return Fail(s);
  std::printf("%s\n", CountsJson(*counts).c_str());
  return 0;
}

int NotFound() {
  std::printf("{\"error\":\"not_found\"}\n");
  return kExitNotFound;
}

int CurrentYear() { return static_cast<int>(CstDay(absl::Now()).year()); }

int Query() {
  const std::string id = absl::GetFlag(FLAGS_id);
  if (id.empty()) return Usage("query: --id is required");
  auto as_of = AsOf();
  if (!as_of.ok()) return Fail(as_of.status());
  int year = absl::GetFlag(FLAGS_year);
  if (year == 0) year = CurrentYear();
  if (year < 1950 || year > 2200) return Usage("query: --year is out of range");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto service = QueryService::Open(absl::GetFlag(FLAGS_data_dir), &*profiles);
  if (!service.ok()) return Fail(service.status());
  auto answer = (*service)->Query(id, year, *as_of);
  if (!answer.ok()) return Fail(answer.status());
  if (!*answer) return NotFound();
  std::printf("%s\n", ToJson(**answer).c_str());
  return 0;
}

int Explain() {
  const std::string id = absl::GetFlag(FLAGS_id);
  if (id.empty()) return Usage("explain: --id is required");
  auto as_of = AsOf();
  if (!as_of.ok()) return Fail(as_of.status());
  int year = absl::GetFlag(FLAGS_year);
  if (year == 0) year = CurrentYear();
  if (year < 1950 || year > 2200) return Usage("explain: --year is out of range");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto service = QueryService::Open(absl::GetFlag(FLAGS_data_dir), &*profiles);
  if (!service.ok()) return Fail(service.status());
  auto answer = (*service)->Explain(id, year, *as_of);
  if (!answer.ok()) return Fail(answer.status());
  if (!*answer) return NotFound();
  std::printf("%s\n", ToJson(**answer).c_str());
  return 0;
}

int Covered() {
  const std::string id = absl::GetFlag(FLAGS_id);
  if (id.empty()) return Usage("covered: --id is required");
  auto day = ParseDate(absl::GetFlag(FLAGS_date));
  if (!day) return Usage("covered: --date must be YYYY-MM-DD");
  auto as_of = AsOf();
  if (!as_of.ok()) return Fail(as_of.status());
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto service = QueryService::Open(absl::GetFlag(FLAGS_data_dir), &*profiles);
  if (!service.ok()) return Fail(service.status());
  auto answer = (*service)->Covered(id, *day, *as_of);
  if (!answer.ok()) return Fail(answer.status());
  if (!*answer) return NotFound();
  std::printf("%s\n", ToJson(**answer).c_str());
  return 0;
}

int Rejects() {
  std::optional<v1::Source> filter;
  if (std::string name = absl::GetFlag(FLAGS_source); !name.empty()) {
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
    auto log = EmbeddedLog::Open(LogDir(), {.read_only = true});
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
  if (int y = absl::GetFlag(FLAGS_year); y != 0) year = y;
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  std::unique_ptr<DeadLetterStore> dead;
  if (UseKafka()) {
    auto kafka = OpenKafka();
    if (!kafka.ok()) return Fail(kafka.status());
    dead = std::move(*kafka);
  } else {
    auto log = EmbeddedLog::Open(LogDir(), {.read_only = true});
    if (!log.ok()) return Fail(log.status());
    dead = std::move(*log);
  }
  auto state = StateStore::Open(StateDir(), /*read_only=*/true);
  if (!state.ok()) return Fail(state.status());
  auto s = enrol::Audit(state->get(), dead.get(), *profiles, year,
                        [&](const v1::Finding& f) { std::printf("%s\n", FindingJson(f).c_str()); });
  if (!s.ok()) return Fail(s);
  return 0;
}

int Project() {
  if (!UseKafka()) return Usage("project: --brokers is required");
  const std::string group = absl::GetFlag(FLAGS_group);
  if (group.empty()) return Usage("project: --group is required");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  std::error_code ec;
  std::filesystem::create_directories(absl::GetFlag(FLAGS_data_dir), ec);
  auto state = StateStore::Open(StateDir(), /*read_only=*/false);
  if (!state.ok()) return Fail(state.status());
  CatchSignals();
  Progress progress("project: events");
  WorkerOptions o;
  o.brokers = absl::GetFlag(FLAGS_brokers);
  o.group = group;
  o.events_topic = Topic("events");
  o.until_caught_up = absl::GetFlag(FLAGS_until_caught_up);
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
  if (!ParseSourceName(absl::GetFlag(FLAGS_source), &source)) {
    return Usage("stream: --source must be tax, civil, registry or claims");
  }
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  auto kafka = OpenKafka();
  if (!kafka.ok()) return Fail(kafka.status());
  CatchSignals();
  StreamOptions o;
  o.brokers = absl::GetFlag(FLAGS_brokers);
  o.group = absl::GetFlag(FLAGS_group);
  o.raw_topic = Topic(absl::StrCat("raw.", SourceName(source)));
  o.until_caught_up = absl::GetFlag(FLAGS_until_caught_up);
  o.stop = [] { return g_stop.load(); };
  auto counts = RunStream(o, source, kafka->get(), *profiles);
  if (!counts.ok()) return Fail(counts.status());
  std::printf("{\"accepted\":%lld,\"duplicates\":%lld,\"rejected\":%lld}\n",
              static_cast<long long>(counts->accepted), static_cast<long long>(counts->duplicates),
              static_cast<long long>(counts->rejected));
  return 0;
}

int Topics() {
  if (!UseKafka()) return Usage("topics: --brokers is required");
  const int replication = absl::GetFlag(FLAGS_replication);
  auto s = CreateTopics(absl::GetFlag(FLAGS_brokers), absl::GetFlag(FLAGS_topics), absl::GetFlag(FLAGS_partitions),
                        4, replication);
  if (!s.ok()) return Fail(s);
  std::printf("{\"events\":\"%s\",\"partitions\":%d,\"replication\":%d}\n", Topic("events").c_str(),
              absl::GetFlag(FLAGS_partitions), replication);
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
      auto current = StateStore::Open(StateDir(), /*read_only=*/true);
      if (!current.ok()) return Fail(current.status());
      auto own = (*current)->GetOwnership();
      if (!own.ok()) return Fail(own.status());
      if (own->partitions > 0) ownership = *own;
    }
  } else {
    auto embedded = EmbeddedLog::Open(LogDir(), {.partitions = absl::GetFlag(FLAGS_partitions)});
    if (!embedded.ok()) return Fail(embedded.status());
    log_id = (*embedded)->id();
    log = std::move(*embedded);
  }
  const std::string fresh_dir = absl::GetFlag(FLAGS_data_dir) + (*as_of ? "/state.as-of" : "/state.rebuild");
  std::error_code ec;
  std::filesystem::remove_all(fresh_dir, ec);
  absl::StatusOr<RebuildResult> result;
  {
    auto fresh = StateStore::Open(fresh_dir, /*read_only=*/false, /*bulk=*/true);
    if (!fresh.ok()) return Fail(fresh.status());
    if (!log_id.empty()) {
      if (auto s = (*fresh)->SetLogId(log_id); !s.ok()) return Fail(s);
    }
    Progress progress("replay: events");
    result = Rebuild(log.get(), fresh->get(), *profiles, *as_of, absl::GetFlag(FLAGS_threads),
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
    // Swap the rebuilt state in; a crash before the rename leaves the old one.
    const std::string old_dir = absl::GetFlag(FLAGS_data_dir) + "/state.old";
    std::filesystem::remove_all(old_dir, ec);
    if (std::filesystem::exists(StateDir())) std::filesystem::rename(StateDir(), old_dir, ec);
    if (!ec) std::filesystem::rename(fresh_dir, StateDir(), ec);
    if (ec) return Fail(absl::UnavailableError(absl::StrCat("replay: cannot swap in the rebuilt state: ", ec.message())));
    std::filesystem::remove_all(old_dir, ec);
  }
  std::printf("{\"events\":%lld,\"persons\":%lld,\"digest\":\"%s\"}\n",
              static_cast<long long>(result->events), static_cast<long long>(result->digest.persons),
              result->digest.hex.c_str());
  return 0;
}

// The embedded store as a service until SIGTERM or SIGINT (CONTRACT.md, Service).
int Serve() {
  if (UseKafka() && absl::GetFlag(FLAGS_group).empty()) return Usage("serve: --group is required with --brokers");
  auto profiles = LoadProfiles();
  if (!profiles.ok()) return Fail(profiles.status());
  ServeOptions o;
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  o.listen = absl::GetFlag(FLAGS_listen);
  o.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  o.max_body_bytes = static_cast<size_t>(std::max<int64_t>(1, absl::GetFlag(FLAGS_max_body)));
  o.http_threads = absl::GetFlag(FLAGS_http_threads);
  o.projection_threads = absl::GetFlag(FLAGS_threads);
  o.partitions = absl::GetFlag(FLAGS_partitions);
  o.brokers = absl::GetFlag(FLAGS_brokers);
  o.group = absl::GetFlag(FLAGS_group);
  o.topics = absl::GetFlag(FLAGS_topics);
  o.advertise = absl::GetFlag(FLAGS_advertise);
  auto server = Server::Open(o, &*profiles);
  if (!server.ok()) return Fail(server.status());
  auto port = (*server)->Bind();
  if (!port.ok()) return Fail(port.status());
  CatchSignals();
  std::thread stopper([&] {
    while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*server)->Stop();
  });
  std::fprintf(stderr, "enrol serve: listening on http://%s:%d and gRPC port %d (data dir %s)\n",
               o.listen.substr(0, o.listen.rfind(':')).c_str(), *port, (*server)->grpc_port(), o.data_dir.c_str());
  absl::Status s = (*server)->Run();
  g_stop = true;
  stopper.join();
  if (!s.ok()) return Fail(s);
  return 0;
}

int Digest() {
  auto store = StateStore::Open(StateDir(), /*read_only=*/true);
  if (!store.ok()) return Fail(store.status());
  auto d = (*store)->Digest();
  if (!d.ok()) return Fail(d.status());
  std::printf("{\"persons\":%lld,\"digest\":\"%s\"}\n", static_cast<long long>(d->persons), d->hex.c_str());
  return 0;
}

}  // namespace
}  // namespace enrol

int main(int argc, char** argv) {
  // The data directory holds ID numbers with contribution and claim history:
  // whatever the caller's umask, what the ledger creates is the owner's alone
  // (directories 0700, files 0600).
  ::umask(0077);
  absl::SetProgramUsageMessage(
      "enrol COMMAND [flags]\n"
      "  ingest --source tax|civil|registry|claims FILE...   (- reads stdin)\n"
      "  query --id ID [--year Y] [--as-of TS]\n"
      "  covered --id ID --date D [--as-of TS]\n"
      "  explain --id ID [--year Y] [--as-of TS]\n"
      "  audit [--year Y]\n"
      "  rejects [--source S]\n"
      "  replay [--as-of TS]\n"
      "  project --brokers B --group G [--until-caught-up]   (Kafka projection worker)\n"
      "  stream --brokers B --source S [--until-caught-up]   (raw feed topic -> events)\n"
      "  topics --brokers B [--partitions N] [--replication R]   (creates the topics)\n"
      "  digest\n"
      "  serve [--listen HOST:PORT] [--grpc-listen HOST:PORT] [--max-body BYTES]   (HTTP/JSON and gRPC)\n"
      "  serve --brokers B --group G [--advertise HOST:PORT]   (a Kafka projection worker that answers)\n"
      "common flags: --data-dir DIR (default ./enrol-data); --brokers HOST:PORT,... selects Kafka");
  if (argc < 2 || argv[1][0] == '-') {
    std::vector<char*> args(argv, argv + argc);
    if (argc >= 2) absl::ParseCommandLine(argc, argv);  // handles --help
    std::cerr << absl::ProgramUsageMessage() << "\n";
    return enrol::kExitUsage;
  }
  std::string command = argv[1];
  // Parse the flags after the command; positional arguments remain.
  // The contract's flags are hyphenated (--data-dir, --as-of); absl flag
  // names are identifiers, so --a-b is read as --a_b.
  std::vector<std::string> storage;
  storage.reserve(argc);
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      size_t end = a.find('=');
      for (size_t k = 2; k < std::min(end, a.size()); ++k) {
        if (a[k] == '-') a[k] = '_';
      }
    }
    storage.push_back(std::move(a));
  }
  std::vector<char*> args;
  args.push_back(argv[0]);
  for (auto& a : storage) args.push_back(a.data());
  std::vector<char*> rest = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<std::string> positional(rest.begin() + 1, rest.end());
  if (command == "ingest") return enrol::Ingest(positional);
  if (!positional.empty()) return enrol::Usage(command + ": unexpected argument " + positional[0]);
  if (command == "query") return enrol::Query();
  if (command == "covered") return enrol::Covered();
  if (command == "explain") return enrol::Explain();
  if (command == "audit") return enrol::AuditCommand();
  if (command == "project") return enrol::Project();
  if (command == "stream") return enrol::Stream();
  if (command == "topics") return enrol::Topics();
  if (command == "rejects") return enrol::Rejects();
  if (command == "replay") return enrol::Replay();
  if (command == "digest") return enrol::Digest();
  if (command == "serve") return enrol::Serve();
  return enrol::Usage("unknown command \"" + command + "\"; see enrol --help");
}
