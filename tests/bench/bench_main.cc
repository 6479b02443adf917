// enrol_bench: the ledger's benchmark, run by hand (never by ctest).
//
//   python3 tests/bench/gen_population.py --people 1000000 --years 5 --seed 1 --out /tmp/pop
//   build/tests/enrol_bench --enrol build/enrol --feeds /tmp/pop --data-dir /tmp/bench-data
//
// Runs `enrol ingest` for each feed and `enrol replay` as a user would, timing
// each and taking the child's peak RSS from wait4(); then measures query
// latency in-process with QueryService on random persons of the feeds; then
// the bytes on disk per event. Prints a Markdown table.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "common/keyring.h"
#include "projections/query_service.h"

ABSL_FLAG(std::string, enrol, "build/enrol", "the enrol program");
ABSL_FLAG(std::string, feeds, "", "directory with tax/civil/registry/claims .jsonl");
ABSL_FLAG(std::string, data_dir, "/tmp/enrol-bench-data", "data directory (erased first)");
ABSL_FLAG(int, queries, 20000, "queries to time");
ABSL_FLAG(int, year, 0, "year to query (default: the last period year seen)");
ABSL_FLAG(bool, queries_only, false,
          "time the queries on the store already in --data_dir, with no ingest or replay (to compare builds)");

namespace fs = std::filesystem;

struct Run {
  double seconds = 0;
  long max_rss_kb = 0;
  std::string out;
};

Run Exec(const std::vector<std::string>& args) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) std::abort();
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  Run r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.max_rss_kb = ru.ru_maxrss;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "command failed: " << args[0] << " " << args[1] << "\n" << r.out;
    std::exit(1);
  }
  return r;
}

long Field(const std::string& json, const std::string& name) {
  size_t at = json.find("\"" + name + "\":");
  return at == std::string::npos ? -1 : std::stol(json.substr(at + name.size() + 3));
}

uint64_t DiskBytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string enrol = fs::absolute(absl::GetFlag(FLAGS_enrol)).string();
  const fs::path feeds = absl::GetFlag(FLAGS_feeds);
  const std::string data = absl::GetFlag(FLAGS_data_dir);
  if (feeds.empty()) {
    std::cerr << "--feeds DIR is required\n";
    return 2;
  }
  const bool queries_only = absl::GetFlag(FLAGS_queries_only);
  if (!queries_only) fs::remove_all(data);

  // Ingest, feed by feed, as an agency would.
  long records = 0, accepted = 0, rejected = 0, peak_rss = 0;
  double ingest_secs = 0;
  for (const char* feed : {"registry", "civil", "tax", "claims"}) {
    if (queries_only) break;
    fs::path file = feeds / (std::string(feed) + ".jsonl");
    if (!fs::exists(file)) continue;
    Run r = Exec({enrol, "ingest", "--source", feed, file.string(), "--data-dir", data});
    long a = Field(r.out, "accepted"), d = Field(r.out, "duplicates"), j = Field(r.out, "rejected");
    records += a + d + j;
    accepted += a;
    rejected += j;
    ingest_secs += r.seconds;
    peak_rss = std::max(peak_rss, r.max_rss_kb);
    std::fprintf(stderr, "ingest %-8s %10ld records %7.1f s %8.0f rec/s  rss %ld MiB\n", feed, a + d + j,
                 r.seconds, (a + d + j) / r.seconds, r.max_rss_kb / 1024);
  }

  Run replay = queries_only ? Run{} : Exec({enrol, "replay", "--data-dir", data});
  long events = Field(replay.out, "events");
  long persons = Field(replay.out, "persons");
  peak_rss = std::max(peak_rss, replay.max_rss_kb);
  std::fprintf(stderr, "replay %ld events %.1f s  rss %ld MiB\n", events, replay.seconds, replay.max_rss_kb / 1024);

  // Query latency on random persons of the tax feed.
  std::vector<std::string> ids;
  {
    std::ifstream in(feeds / "tax.jsonl");
    std::string line;
    std::unordered_set<std::string> seen;
    int max_year = 0;
    while (std::getline(in, line) && ids.size() < 2000000) {
      // JSON with or without a space after the colon (gen_population, shared/peer/gen.py).
      auto value = [&](const char* name) -> std::string {
        size_t at = line.find(name);
        if (at == std::string::npos) return "";
        at = line.find('"', line.find(':', at + std::strlen(name)));
        return at == std::string::npos ? "" : line.substr(at + 1, line.find('"', at + 1) - at - 1);
      };
      std::string id = value("\"id_number\"");
      if (id.size() != 18) continue;
      if (seen.insert(id).second) ids.push_back(id);
      max_year = std::max(max_year, std::atoi(value("\"period\"").c_str()));
    }
    if (absl::GetFlag(FLAGS_year) == 0) absl::SetFlag(&FLAGS_year, max_year);
  }
  auto profiles = enrol::ProfileSet::Builtin();
  // The store's key, as the enrol commands find it (ENROL_KEY_FILE, else ~/.config/enrol/master.key).
  auto keys = enrol::Keyring::Load("");
  if (!keys.ok()) {
    std::cerr << keys.status() << "\n";
    return 1;
  }
  auto service = enrol::QueryService::Open(data, &*profiles, &*keys);
  if (!service.ok()) {
    std::cerr << service.status() << "\n";
    return 1;
  }
  std::mt19937_64 rng(42);
  std::vector<double> lat_us, asof_us;
  const int n = absl::GetFlag(FLAGS_queries);
  const int year = absl::GetFlag(FLAGS_year);
  for (int i = 0; i < n && !ids.empty(); ++i) {
    const std::string& id = ids[rng() % ids.size()];
    auto t0 = std::chrono::steady_clock::now();
    auto a = (*service)->Query(id, year, std::nullopt);
    auto t1 = std::chrono::steady_clock::now();
    auto b = (*service)->Query(id, year, int64_t{4102444800000000});  // as of 2100
    auto t2 = std::chrono::steady_clock::now();
    if (!a.ok() || !b.ok()) {
      std::cerr << "query failed\n";
      return 1;
    }
    lat_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    asof_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  auto pct = [](std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  struct rusage self {};
  ::getrusage(RUSAGE_SELF, &self);
  uint64_t disk = DiskBytes(data);

  if (queries_only) {
    std::printf("| query p50 / p99 (stored projection) | %.0f / %.0f us |\n", pct(lat_us, 0.5), pct(lat_us, 0.99));
    std::printf("| query p50 / p99 (--as-of, evaluated) | %.0f / %.0f us |\n", pct(asof_us, 0.5), pct(asof_us, 0.99));
    return 0;
  }
  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| persons | %ld |\n| feed records (rejected) | %ld (%ld) |\n| events in the log | %ld |\n",
              persons, records, rejected, events);
  std::printf("| ingest, records/s (incl. live projection) | %.0f |\n", records / ingest_secs);
  std::printf("| replay, events/s | %.0f |\n", events / replay.seconds);
  std::printf("| query p50 / p99 (stored projection) | %.0f / %.0f us |\n", pct(lat_us, 0.5), pct(lat_us, 0.99));
  std::printf("| query p50 / p99 (--as-of, evaluated) | %.0f / %.0f us |\n", pct(asof_us, 0.5), pct(asof_us, 0.99));
  std::printf("| peak RSS, enrol ingest/replay | %ld MiB |\n", peak_rss / 1024);
  std::printf("| peak RSS, query process | %ld MiB |\n", self.ru_maxrss / 1024);
  std::printf("| bytes on disk per event (log + state) | %.0f |\n", static_cast<double>(disk) / static_cast<double>(events));
  (void)accepted;
  return 0;
}
