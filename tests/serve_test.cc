// `enrol serve` as an integrator runs it (CONTRACT.md, Service): the real
// program on a free port, asked over HTTP while the command line reads the
// same data directory; bad input, a slow client, metrics and SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <sstream>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "projections/query_service.h"
#include "proto/ledger.grpc.pb.h"
#include "proto/reflection_client.grpc.pb.h"
#include "tests/testutil.h"

extern char** environ;

namespace enrol {
namespace {

class ServeTest : public CliTest {
 protected:
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    CliTest::TearDown();
  }

  // Starts `enrol serve` on a free port; waits until it listens.
  void Start(const std::string& extra = "", const std::string& data = "data") {
    port_ = grpc_port_ = 0;
    ::unlink((dir_ / "serve.err").c_str());
    const std::string cmd = absl::StrCat("cd ", dir_.string(), " && exec ", ENROL_BINARY,
                                         " serve --data-dir ", data, " --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 ", extra,
                                         " 2>serve.err");
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    ASSERT_EQ(::posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::string err = Slurp(dir_ / "serve.err");
      const size_t at = err.find("http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(err.c_str() + at + 17);
      const size_t grpc = err.find("gRPC port ");
      if (grpc != std::string::npos) grpc_port_ = std::atoi(err.c_str() + grpc + 10);
    }
    ASSERT_NE(port_, 0) << Slurp(dir_ / "serve.err");
  }

  // SIGTERM; the exit status.
  int Stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  httplib::Client Http() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    return c;
  }
  std::string Get(const std::string& path, int want = 200) {
    auto res = Http().Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return "";
    EXPECT_EQ(res->status, want) << path << ": " << res->body;
    return res->body;
  }
  std::string Post(const std::string& source, const std::string& body, const std::string& type = "application/x-ndjson") {
    auto res = Http().Post(absl::StrCat("/v1/feeds/", source), body, type);
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << res->body;
    return res->body;
  }
  void PostSample() {
    for (const char* feed : {"tax", "civil", "claims"}) {
      Post(feed, Slurp(fs::path(ENROL_SOURCE_DIR) / "data/sample" / absl::StrCat(feed, ".jsonl")));
    }
    Post("registry", Slurp(fs::path(ENROL_SOURCE_DIR) / "data/sample/registry.csv"), "text/csv");
  }

  uintmax_t WalBytes() {
    uintmax_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_ / "data/log", ec)) {
      if (e.path().extension() == ".log") n += e.file_size(ec);
    }
    return n;
  }

  std::unique_ptr<v1::Ledger::Stub> Grpc() {
    return v1::Ledger::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
  }

  pid_t pid_ = -1;
  int port_ = 0;
  int grpc_port_ = 0;
};

TEST_F(ServeTest, AnswersAreTheBytesTheCommandLinePrintsWhileItRuns) {
  Start();
  PostSample();
  for (const auto& [path, args] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/persons/532501199001011239?year=2027", "query --id 532501199001011239 --year 2027"},
           {"/v1/persons/532501199001011239?year=2026&as_of=2100-01-01T00:00:00%2B08:00",
            "query --id 532501199001011239 --year 2026 --as-of 2100-01-01T00:00:00+08:00"},
           {"/v1/persons/532501199001011239/covered?date=2027-03-01",
            "covered --id 532501199001011239 --date 2027-03-01"},
           {"/v1/persons/532501199001011239/explain?year=2027", "explain --id 532501199001011239 --year 2027"},
           {"/v1/rejects?source=civil", "rejects --source civil"},
           {"/v1/audit?year=2026", "audit --year 2026"}}) {
    Result cli = Enrol(args);  // a read-only open beside the server
    ASSERT_EQ(cli.exit_code, 0) << args << ": " << cli.err;
    EXPECT_EQ(Get(path), cli.out) << path;
  }
  EXPECT_EQ(Stop(), 0);
}

TEST_F(ServeTest, TheTimelineHasEveryYearOfThePerson) {
  Start();
  PostSample();
  const std::string t = Get("/v1/persons/532501199001011239/timeline?from=2025&to=2028");
  for (int y = 2025; y <= 2028; ++y) EXPECT_NE(t.find(absl::StrCat("\"year\":", y)), std::string::npos) << t;
  EXPECT_EQ(t.find("\"year\":2029"), std::string::npos);
  EXPECT_NE(Get("/v1/persons/532501199001011239/timeline").find("\"years\":[{"), std::string::npos);
}

TEST_F(ServeTest, BadInputIs400NamingTheParameterAndAnUnknownPersonIs404) {
  Start("--max-body 1000");
  Post("tax", Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00"));
  const std::pair<const char*, const char*> bad[] = {
      {"/v1/persons/532501199001011238?year=2027", "id: "},
      {"/v1/persons/53250119900101123?year=2027", "id: "},
      {"/v1/persons/532501199001011239?year=20x7", "year: "},
      {"/v1/persons/532501199001011239?year=2027&as_of=yesterday", "as_of: "},
      {"/v1/persons/532501199001011239/covered", "date: "},
      {"/v1/persons/532501199001011239/covered?date=2027-02-30", "date: "},
      {"/v1/persons/532501199001011239/timeline?from=2030&to=2020", "from: "},
      {"/v1/rejects?source=bank", "source: "},
      {"/v1/audit?year=0", "year: "}};
  for (const auto& [path, names] : bad) {
    EXPECT_NE(Get(path, 400).find(absl::StrCat("{\"error\":\"", names)), std::string::npos) << path;
  }
  EXPECT_EQ(Get("/v1/persons/110101198503039032?year=2027", 404), "{\"error\":\"not_found\"}\n");
  auto big = Http().Post("/v1/feeds/tax", std::string(5000, '{'), "application/x-ndjson");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("body: "), std::string::npos);
  auto source = Http().Post("/v1/feeds/bank", "{}\n", "application/x-ndjson");
  ASSERT_TRUE(source);
  EXPECT_EQ(source->status, 400);
}

TEST_F(ServeTest, TheCommandLineIngestSaysAServerHoldsTheStore) {
  Start();
  Write("tax.jsonl", Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00"));
  Result r = Enrol("ingest --source tax tax.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("enrol serve"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("POST /v1/feeds/"), std::string::npos) << r.err;
}

TEST_F(ServeTest, MetricsHealthAndReadiness) {
  Start();
  Post("tax", Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00") + "{\"record_id\":\"X\"}\n");
  Get(absl::StrCat("/v1/persons/", kPerson, "?year=2026"));
  EXPECT_EQ(Get("/healthz"), "{\"status\":\"ok\"}\n");
  EXPECT_EQ(Get("/readyz"), "{\"ready\":true}\n");
  const std::string m = Get("/metrics");
  for (const char* want : {"enrol_http_requests_total{code=\"200\",endpoint=\"query\"} 1",
                           "enrol_records_total{outcome=\"accepted\",source=\"tax\"} 1",
                           "enrol_records_total{outcome=\"rejected\",source=\"tax\"} 1",
                           "enrol_http_request_seconds_bucket{endpoint=\"query\",le=",
                           "enrol_projection_lag_events{partition=\"0\"} 0",
                           "enrol_process{figure=\"resident_bytes\"}", "enrol_process{figure=\"log_sst_bytes\"}"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m.substr(0, 3000);
  }
}

TEST_F(ServeTest, ASlowClientDoesNotHoldUpTheOthers) {
  Start("--http-threads 4");
  std::vector<int> slow;
  for (int i = 0; i < 3; ++i) {  // each sends half a request line and stalls
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_GT(::write(fd, "GET /v1/persons/5325", 20), 0);
    slow.push_back(fd);
  }
  EXPECT_EQ(Get("/healthz"), "{\"status\":\"ok\"}\n");
  for (int fd : slow) ::close(fd);
}

TEST_F(ServeTest, SigtermFinishesTheIngestInHandThenExitsZero) {
  WriteBigFeed(dir_ / "big.jsonl", 120000);
  const std::string body = Slurp(dir_ / "big.jsonl");
  Start();
  auto reply = std::async(std::launch::async, [&] { return Post("tax", body); });
  // The request is in hand once its first batch is in the log's WAL.
  for (int i = 0; i < 400 && WalBytes() < 100000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_GE(WalBytes(), 100000u);
  EXPECT_EQ(Stop(), 0);
  const std::string counts = reply.get();
  EXPECT_EQ(counts, "{\"accepted\":120000,\"duplicates\":0,\"rejected\":24}\n");
  // Nothing was lost: the same records again are all duplicates.
  Result again = Enrol("ingest --source tax big.jsonl");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "{\"accepted\":0,\"duplicates\":120000,\"rejected\":24}\n");
}

// The caseworker page in headless Chromium (Debian's chromium): the figures
// it shows for a few persons of the sample, and a year's derivation opened as
// a click would. Leaves page-*.png in the build tree as artifacts.
TEST_F(ServeTest, TheCaseworkerPageShowsTheFiguresInChromium) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null"), 0) << "chromium is not installed (deploy/install-deps.sh)";
  Start();
  PostSample();
  struct Case {
    std::string id;
    int year;
    std::vector<std::string> shown;
  };
  const std::vector<Case> cases = {
      // Honghe, paid in the window 2025-2027: zero-claim bonus 8,000 by 2027.
      {"532501199001011239", 2027, {"<td class=\"effective\">408000</td>", "<td class=\"benefits-from\">2027-01-01</td>",
                                    "R6", "002_7f3f053018f157c6"}},
      // R10: a Suizhou 2026 payment after the window, then Honghe: 2026 waits until 10 May, cap 350,000.
      {"42130319770324114X", 2026, {"<td class=\"benefits-from\">2026-05-10</td>", "<td class=\"effective\">350000</td>",
                                    "R3", "waiting 3 fixed"}},
  };
  for (const Case& c : cases) {
    const std::string url = absl::StrCat("http://127.0.0.1:", port_, "/?id=", c.id, "&year=", c.year);
    const std::string flags = absl::StrCat("--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=",
                                           (dir_ / "chromium").string(), " --virtual-time-budget=10000");
    ASSERT_EQ(std::system(absl::StrCat("chromium ", flags, " --dump-dom '", url, "' >", (dir_ / "dom.html").string(),
                                       " 2>/dev/null")
                              .c_str()),
              0);
    const std::string dom = Slurp(dir_ / "dom.html");
    EXPECT_NE(dom.find(absl::StrCat("data-loaded=\"", c.id, "\"")), std::string::npos) << c.id << "\n" << dom;
    for (const std::string& want : c.shown) EXPECT_NE(dom.find(want), std::string::npos) << c.id << ": " << want;
    const std::string png = absl::StrCat(ENROL_ARTIFACT_DIR, "/page-", c.id, ".png");
    EXPECT_EQ(std::system(absl::StrCat("chromium ", flags, " --window-size=1200,1400 --screenshot=", png, " '", url,
                                       "' >/dev/null 2>&1")
                              .c_str()),
              0);
    EXPECT_GT(fs::file_size(png), 10000u);
  }
}

// The gRPC front asks the same questions of the same commands.
TEST_F(ServeTest, GrpcAnswersAsTheCommandLineDoes) {
  Start();
  ASSERT_NE(grpc_port_, 0);
  auto stub = Grpc();
  {  // Ingest: a client stream of the sample's tax records.
    grpc::ClientContext ctx;
    v1::IngestReply reply;
    auto writer = stub->Ingest(&ctx, &reply);
    std::istringstream lines(Slurp(fs::path(ENROL_SOURCE_DIR) / "data/sample/tax.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      v1::FeedRecord r;
      r.set_source("tax");
      r.set_line(line);
      ASSERT_TRUE(writer->Write(r));
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(reply.accepted(), 1049);
    EXPECT_EQ(reply.duplicates(), 1);
    EXPECT_EQ(reply.rejected(), 18);
  }
  {  // Query: the same JSON as the command line once printed.
    grpc::ClientContext ctx;
    v1::PersonRequest q;
    q.set_id_number(kPerson);
    q.set_year(2027);
    v1::PersonYear y;
    grpc::Status s = stub->Query(&ctx, q, &y);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(AnswerJson(y) + "\n", Enrol(absl::StrCat("query --id ", kPerson, " --year 2027")).out);
  }
  {  // An unknown person and a bad ID number.
    grpc::ClientContext a, b;
    v1::PersonRequest q;
    q.set_id_number("110101198503039032");
    v1::Coverage c;
    v1::CoveredRequest cq;
    cq.set_id_number("110101198503039032");
    cq.set_date("2027-01-01");
    EXPECT_EQ(stub->Covered(&a, cq, &c).error_code(), grpc::StatusCode::NOT_FOUND);
    q.set_id_number("532501199001011238");
    v1::Explanation x;
    grpc::Status s = stub->Explain(&b, q, &x);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message().rfind("id: ", 0), 0u) << s.error_message();
  }
  {  // Rejects: a server stream of the dead letters, as many as the command line lists.
    grpc::ClientContext ctx;
    v1::RejectsRequest r;
    auto reader = stub->Rejects(&ctx, r);
    int n = 0;
    for (v1::DeadLetter d; reader->Read(&d);) ++n;
    EXPECT_TRUE(reader->Finish().ok());
    const std::string cli = Enrol("rejects").out;
    EXPECT_EQ(n, std::count(cli.begin(), cli.end(), '\n'));
  }
  {  // Server reflection lists the service.
    auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    auto stream = reflection->ServerReflectionInfo(&ctx);
    grpc::reflection::v1alpha::ServerReflectionRequest req;
    req.set_list_services("");
    ASSERT_TRUE(stream->Write(req));
    stream->WritesDone();
    std::vector<std::string> names;
    for (grpc::reflection::v1alpha::ServerReflectionResponse res; stream->Read(&res);) {
      for (const auto& svc : res.list_services_response().service()) names.push_back(svc.name());
    }
    EXPECT_TRUE(stream->Finish().ok());
    EXPECT_NE(std::find(names.begin(), names.end(), "enrol.v1.Ledger"), names.end());
  }
  EXPECT_EQ(Stop(), 0);
}

// The crash loop for the service (issue 9): `enrol serve` SIGKILLed at random
// moments while a part of a feed is posted to it, restarted for the next
// part, and at the end the whole feed posted again: every record once, and
// the digests of a clean run. ENROL_SERVE_KILLS sets the number of kills
// (default 10).
TEST_F(ServeTest, KilledAtRandomMomentsThenPostedAgainEndsWithTheCleanDigest) {
  const char* env = std::getenv("ENROL_SERVE_KILLS");
  const int kills = env != nullptr ? std::atoi(env) : 10;
  constexpr int kPart = 40000;  // records posted in a round: five batches of the pipeline
  WriteBigFeed(dir_ / "big.jsonl", kPart * kills);
  const std::string body = Slurp(dir_ / "big.jsonl");
  Result clean = Enrol("ingest --source tax big.jsonl", "clean");
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const std::string clean_live = Enrol("digest", "clean").out;
  const std::string clean_replay = Enrol("replay", "clean").out;
  std::vector<std::string> parts(static_cast<size_t>(kills));
  {
    std::istringstream lines(body);
    size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) parts[std::min(n / kPart, parts.size() - 1)] += line + "\n";
  }
  std::mt19937 rng(20261130);
  int killed = 0;
  for (int round = 0; round < kills; ++round) {
    Start();
    const uintmax_t before = WalBytes();
    auto reply = std::async(std::launch::async, [&] {
      return Http().Post("/v1/feeds/tax", parts[static_cast<size_t>(round)], "application/x-ndjson");
    });
    // Once the ingest is under way (its first batch is in the WAL), at a
    // random moment of it.
    for (int i = 0; i < 400 && WalBytes() <= before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 150)(rng)));
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    auto res = reply.get();
    if (!res || res->status != 200) ++killed;
  }
  EXPECT_GE(killed, kills / 2) << "most posts finished before the kill: use a bigger feed";
  Start();
  const std::string counts = Post("tax", body);
  EXPECT_NE(counts.find(absl::StrCat("\"rejected\":", (kPart * kills + 4999) / 5000, "}")), std::string::npos)
      << counts;
  EXPECT_EQ(Stop(), 0);
  EXPECT_EQ(Enrol("digest").out, clean_live);
  EXPECT_EQ(Enrol("replay").out, clean_replay);
  std::printf("%d of %d posts killed part-way\n", killed, kills);
}

}  // namespace
}  // namespace enrol
