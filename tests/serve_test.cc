// `enrol serve` as an integrator runs it (CONTRACT.md, Service): the real
// program on a free port, asked over HTTP while the command line reads the
// same data directory; bad input, a slow client, metrics and SIGTERM; roles,
// TLS and the access log (issue 10). Users come from a tokens file
// (testutil.h) unless a test says otherwise.
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
#include "common/keyring.h"
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

  // Starts `enrol serve` on a free port; waits until it listens. With the
  // users of testutil.h's tokens file unless `extra` says --no-auth or --tokens.
  void Start(const std::string& extra = "", const std::string& data = "data") {
    port_ = grpc_port_ = 0;
    ::unlink((dir_ / "serve.err").c_str());
    WriteTokensFile(dir_ / "tokens.txt");
    const bool auth = extra.find("--no-auth") != std::string::npos || extra.find("--tokens") != std::string::npos;
    const std::string cmd = absl::StrCat("cd ", dir_.string(), " && exec ", ENROL_BINARY,
                                         " serve --data-dir ", data, " --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 ",
                                         auth ? "" : "--tokens tokens.txt ", extra, " 2>serve.err");
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    ASSERT_EQ(::posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
    for (int i = 0; i < 600 && port_ == 0; ++i) {  // 30 s: a restart after a kill projects first
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::string err = Slurp(dir_ / "serve.err");
      const size_t at = err.find("://127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(err.c_str() + at + 13);
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
  // The Authorization header of a user.
  static httplib::Headers As(const char* token) { return {{"Authorization", absl::StrCat("Bearer ", token)}}; }
  // The user whose role may ask `path`.
  static const char* TokenFor(const std::string& path) {
    if (path.rfind("/v1/persons/", 0) == 0) return kCaseworkerToken;
    if (path.rfind("/v1/feeds/", 0) == 0) return kFeederToken;
    return kAuditorToken;
  }
  std::string Get(const std::string& path, int want = 200) {
    auto res = Http().Get(path, As(TokenFor(path)));
    EXPECT_TRUE(res) << path;
    if (!res) return "";
    EXPECT_EQ(res->status, want) << path << ": " << res->body;
    return res->body;
  }
  std::string Post(const std::string& source, const std::string& body, const std::string& type = "application/x-ndjson") {
    auto res = Http().Post(absl::StrCat("/v1/feeds/", source), As(kFeederToken), body, type);
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

  std::unique_ptr<v1::Ledger::Stub> Grpc(std::shared_ptr<grpc::ChannelCredentials> creds =
                                              grpc::InsecureChannelCredentials()) {
    return v1::Ledger::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_), creds));
  }
  // A call's context with a user's token (none: no credentials).
  static void As(grpc::ClientContext* ctx, const char* token) {
    if (token != nullptr) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }

  // A throwaway CA, a server certificate for 127.0.0.1 and a client
  // certificate of carol (OU auditor) in the test directory.
  void MakeCertificates() {
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string cmd = absl::StrCat(
        "cd ", dir_.string(), " && openssl req -x509 ", key, " -keyout ca.key -out ca.pem -days 2 -subj '/CN=enrol test CA'",
        " && openssl req ", key, " -keyout server.key -out server.csr -subj '/CN=localhost'",
        " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' >san.ext",
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext",
        " && openssl req ", key, " -keyout client.key -out client.csr -subj '/OU=auditor/CN=carol'",
        " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2",
        " >openssl.log 2>&1");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << Slurp(dir_ / "openssl.log");
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
  auto big = Http().Post("/v1/feeds/tax", As(kFeederToken), std::string(5000, '{'), "application/x-ndjson");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("body: "), std::string::npos);
  auto source = Http().Post("/v1/feeds/bank", As(kFeederToken), "{}\n", "application/x-ndjson");
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
  Start("--cache-mb 64");
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
                           "enrol_process{figure=\"resident_bytes\"}", "enrol_process{figure=\"log_sst_bytes\"}",
                           "enrol_process{figure=\"state_block_cache_capacity_bytes\"} 67108864",
                           "enrol_process{figure=\"state_block_cache_usage_bytes\"}"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m.substr(0, 3000);
  }
}

TEST_F(ServeTest, ASlowClientDoesNotHoldUpTheOthers) {
  Start("--no-auth --http-threads 4");  // open, on loopback
  EXPECT_NE(Slurp(dir_ / "serve.err").find("warning: --no-auth"), std::string::npos);
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

// Debian's httplib listens with a backlog of 5: 64 connections opened at once
// (a settlement system's pool) overflowed it, and each dropped handshake
// waited 200 ms to 1 s for a retransmission. The server raises the backlog;
// `ss` shows a listener's backlog as its Send-Q.
TEST_F(ServeTest, TheListenBacklogHoldsABurstOfConnections) {
  Start("--no-auth");
  ASSERT_EQ(std::system("command -v ss >/dev/null"), 0) << "ss is not installed (iproute2: deploy/install-deps.sh)";
  const std::string cmd = absl::StrCat("cd ", dir_.string(), " && ss -Hltn 'sport = :", port_, "' >ss.txt");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::istringstream line(Slurp(dir_ / "ss.txt"));
  std::string state;
  int64_t queued = -1, backlog = -1;
  line >> state >> queued >> backlog;
  EXPECT_EQ(state, "LISTEN") << Slurp(dir_ / "ss.txt");
  EXPECT_GE(backlog, 64) << Slurp(dir_ / "ss.txt");
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
    // The token in the fragment, which the page moves to sessionStorage.
    const std::string url =
        absl::StrCat("http://127.0.0.1:", port_, "/?id=", c.id, "&year=", c.year, "#token=", kCaseworkerToken);
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
    As(&ctx, kFeederToken);
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
    As(&ctx, kCaseworkerToken);
    v1::PersonRequest q;
    q.set_id_number(kPerson);
    q.set_year(2027);
    v1::PersonYear y;
    grpc::Status s = stub->Query(&ctx, q, &y);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(AnswerJson(y) + "\n", Enrol(absl::StrCat("query --id ", kPerson, " --year 2027")).out);
  }
  {  // Covered and Timeline (callback methods, as Query): the command line's answers.
    grpc::ClientContext a, b;
    As(&a, kCaseworkerToken);
    As(&b, kCaseworkerToken);
    v1::CoveredRequest cq;
    cq.set_id_number(kPerson);
    cq.set_date("2027-03-01");
    v1::Coverage c;
    grpc::Status s = stub->Covered(&a, cq, &c);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(AnswerJson(c) + "\n", Enrol(absl::StrCat("covered --id ", kPerson, " --date 2027-03-01")).out);
    v1::TimelineRequest tq;
    tq.set_id_number(kPerson);
    tq.set_from(2026);
    tq.set_to(2027);
    v1::TimelineReply t;
    s = stub->Timeline(&b, tq, &t);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(t.years_size(), 2);
    EXPECT_EQ(t.id_number(), kPerson);
    for (const v1::PersonYear& y : t.years()) {
      EXPECT_EQ(AnswerJson(y) + "\n", Enrol(absl::StrCat("query --id ", kPerson, " --year ", y.year())).out);
    }
  }
  {  // An unknown person and a bad ID number.
    grpc::ClientContext a, b;
    As(&a, kCaseworkerToken);
    As(&b, kCaseworkerToken);
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
    As(&ctx, kAuditorToken);
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
      return Http().Post("/v1/feeds/tax", As(kFeederToken), parts[static_cast<size_t>(round)], "application/x-ndjson");
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

// Issue 10: 401 without (valid) credentials, 403 for another role, and the
// routes that stay open.
TEST_F(ServeTest, EachRoleMayAskOnlyItsOwnQuestions) {
  Start();
  const std::string person = absl::StrCat("/v1/persons/", kPerson, "?year=2026");
  auto none = Http().Get(person);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  EXPECT_NE(none->body.find("unauthenticated"), std::string::npos) << none->body;
  auto bad = Http().Get(person, As("not-a-token-of-anyone-0123456789"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_NE(bad->body.find("unknown token"), std::string::npos) << bad->body;
  const std::string feed = Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00");
  struct Case {
    const char* method;
    std::string path;
    const char* token;
    int want;
  };
  const Case cases[] = {
      {"POST", "/v1/feeds/tax", kCaseworkerToken, 403}, {"POST", "/v1/feeds/tax", kAuditorToken, 403},
      {"POST", "/v1/feeds/tax", kFeederToken, 200},     {"GET", person, kFeederToken, 403},
      {"GET", person, kAuditorToken, 403},              {"GET", person, kCaseworkerToken, 200},
      {"GET", "/v1/rejects", kCaseworkerToken, 403},    {"GET", "/v1/rejects", kFeederToken, 403},
      {"GET", "/v1/audit", kCaseworkerToken, 403},      {"GET", "/v1/access-log", kCaseworkerToken, 403},
      {"GET", "/v1/rejects", kAuditorToken, 200},       {"GET", "/v1/audit", kAuditorToken, 200},
      {"GET", "/v1/access-log", kAuditorToken, 200}};
  for (const Case& c : cases) {
    auto res = std::string(c.method) == "POST" ? Http().Post(c.path, As(c.token), feed, "application/x-ndjson")
                                               : Http().Get(c.path, As(c.token));
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, c.want) << c.method << " " << c.path << " as " << c.token << ": " << res->body;
    if (c.want == 403) {
      EXPECT_NE(res->body.find("forbidden: "), std::string::npos) << res->body;
    }
  }
  for (const char* open : {"/", "/healthz", "/readyz", "/metrics"}) {
    auto res = Http().Get(open);
    ASSERT_TRUE(res) << open;
    EXPECT_EQ(res->status, 200) << open;
  }
  // The metrics name endpoints and codes, never a person.
  const std::string metrics = Http().Get("/metrics")->body;
  EXPECT_EQ(metrics.find(kPerson), std::string::npos);
  EXPECT_NE(metrics.find("enrol_http_requests_total{code=\"403\",endpoint=\"query\"} 2"), std::string::npos);
}

TEST_F(ServeTest, GrpcAsksForTheRoleToo) {
  Start();
  auto stub = Grpc();
  v1::PersonRequest q;
  q.set_id_number(kPerson);
  v1::PersonYear y;
  for (const char* token : {static_cast<const char*>(nullptr), "not-a-token-of-anyone-0123456789"}) {
    grpc::ClientContext ctx;
    As(&ctx, token);
    EXPECT_EQ(stub->Query(&ctx, q, &y).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    As(&ctx, kFeederToken);
    EXPECT_EQ(stub->Query(&ctx, q, &y).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    As(&ctx, kCaseworkerToken);
    v1::IngestReply reply;
    auto writer = stub->Ingest(&ctx, &reply);
    v1::FeedRecord r;
    r.set_source("tax");
    r.set_line("{}");
    writer->Write(r);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    As(&ctx, kCaseworkerToken);
    auto reader = stub->Rejects(&ctx, v1::RejectsRequest());
    for (v1::DeadLetter d; reader->Read(&d);) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    As(&ctx, kAuditorToken);
    auto reader = stub->Audit(&ctx, v1::AuditRequest());
    for (v1::Finding f; reader->Read(&f);) {
    }
    EXPECT_TRUE(reader->Finish().ok());
  }
}

// What makes the server refuse to start, each with the reason.
TEST_F(ServeTest, ItRefusesToStartWithoutAWayToAuthenticateOrWithABadTokensFile) {
  Write("bad.txt", absl::StrCat("# users\ncaseworker alice ", TestSha256Hex(kCaseworkerToken),
                                "\nauditor bob 12345\n"));
  Write("good.txt", absl::StrCat("caseworker alice ", TestSha256Hex(kCaseworkerToken), "\n"));
  const std::string listen = " --data-dir data --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0";
  const std::pair<std::string, std::string> refused[] = {
      {"serve" + listen + " --tokens bad.txt", "bad.txt:3: the hash must be 64 hex digits"},
      {"serve" + listen, "--tokens FILE"},
      {"serve --data-dir data --listen 0.0.0.0:0 --grpc-listen 127.0.0.1:0 --no-auth", "--no-auth: only with loopback"},
      {"serve" + listen + " --tokens missing.txt", "--tokens missing.txt: cannot read"},
      {"serve" + listen + " --tokens bad.txt --no-auth", "--no-auth: not with --tokens"},
      {"serve" + listen + " --no-auth --tls-cert missing.pem --tls-key missing.key", "--tls-cert missing.pem: cannot read"},
      // Off loopback, ID numbers and tokens travel only under TLS.
      {"serve --data-dir data --listen 0.0.0.0:0 --grpc-listen 127.0.0.1:0 --tokens good.txt",
       "ID numbers and tokens would cross the network in clear: add --tls-cert and --tls-key"}};
  for (const auto& [args, why] : refused) {
    Result r = RunEnrol(dir_, args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.err.find(why), std::string::npos) << args << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir_ / "data/log")) << "nothing is opened before the checks";
  // --hash-token prints the line's hash.
  Write("token.txt", absl::StrCat(kFeederToken, "\n"));
  Result h = RunEnrol(dir_, "serve --hash-token <token.txt");
  EXPECT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(h.out, TestSha256Hex(kFeederToken) + "\n");
}

// TLS on both fronts; plain HTTP to the TLS port fails; a client certificate
// of OU auditor authenticates its CN as an auditor.
TEST_F(ServeTest, TlsServesHttpsAndGrpcAndClientCertificatesAuthenticate) {
  MakeCertificates();
  Start("--tokens tokens.txt --tls-cert server.pem --tls-key server.key --tls-client-ca ca.pem");
  const std::string ca = (dir_ / "ca.pem").string();
  httplib::SSLClient https("127.0.0.1", port_);
  https.set_ca_cert_path(ca.c_str());
  https.enable_server_certificate_verification(true);
  auto post = https.Post("/v1/feeds/tax", As(kFeederToken), Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00"),
                         "application/x-ndjson");
  ASSERT_TRUE(post) << httplib::to_string(post.error());
  EXPECT_EQ(post->status, 200) << post->body;
  const std::string person = absl::StrCat("/v1/persons/", kPerson, "?year=2026");
  auto q = https.Get(person, As(kCaseworkerToken));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 200);
  EXPECT_NE(q->body.find("\"year\":2026"), std::string::npos) << q->body;
  httplib::Client plain("127.0.0.1", port_);
  plain.set_read_timeout(5, 0);
  auto p = plain.Get(person, As(kCaseworkerToken));
  EXPECT_FALSE(p && p->status == 200);
  // mTLS: carol (OU auditor) without a token.
  httplib::SSLClient carol("127.0.0.1", port_, (dir_ / "client.pem").string(), (dir_ / "client.key").string());
  carol.set_ca_cert_path(ca.c_str());
  auto rejects = carol.Get("/v1/rejects");
  ASSERT_TRUE(rejects) << httplib::to_string(rejects.error());
  EXPECT_EQ(rejects->status, 200) << rejects->body;
  auto not_hers = carol.Get(person);
  ASSERT_TRUE(not_hers);
  EXPECT_EQ(not_hers->status, 403);
  EXPECT_NE(not_hers->body.find("carol has the auditor role"), std::string::npos) << not_hers->body;
  // gRPC over TLS: a token, then carol's certificate.
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = Slurp(ca);
  {
    grpc::ClientContext ctx;
    As(&ctx, kCaseworkerToken);
    v1::PersonRequest r;
    r.set_id_number(kPerson);
    r.set_year(2026);
    v1::PersonYear y;
    grpc::Status s = Grpc(grpc::SslCredentials(o))->Query(&ctx, r, &y);
    EXPECT_TRUE(s.ok()) << s.error_message();
    grpc::ClientContext insecure;
    As(&insecure, kCaseworkerToken);
    insecure.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EXPECT_FALSE(Grpc()->Query(&insecure, r, &y).ok());
  }
  o.pem_cert_chain = Slurp(dir_ / "client.pem");
  o.pem_private_key = Slurp(dir_ / "client.key");
  grpc::ClientContext ctx;
  auto reader = Grpc(grpc::SslCredentials(o))->Audit(&ctx, v1::AuditRequest());
  for (v1::Finding f; reader->Read(&f);) {
  }
  grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Stop(), 0);
}

// Every person-level read, over both fronts, 403s and 404s included, is in
// the access log under the person's pseudonym; no ID number in its files.
TEST_F(ServeTest, EveryPersonReadIsInTheAccessLogUnderItsPseudonym) {
  Start();
  Post("tax", Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00"));
  const std::string p = absl::StrCat("/v1/persons/", kPerson);
  Get(p + "?year=2026");
  Get(p + "/covered?date=2026-03-01");
  Get(p + "/explain?year=2026");
  Get(p + "/timeline?from=2025&to=2027");
  Get("/v1/persons/110101198503039032?year=2027", 404);
  ASSERT_EQ(Http().Get(p, As(kFeederToken))->status, 403);  // logged: who tried
  ASSERT_EQ(Http().Get(p)->status, 401);                    // not: nobody to name
  {
    grpc::ClientContext ctx;
    As(&ctx, kCaseworkerToken);
    v1::PersonRequest r;
    r.set_id_number(kPerson);
    r.set_year(2027);
    v1::PersonYear y;
    EXPECT_TRUE(Grpc()->Query(&ctx, r, &y).ok());
  }
  const std::string logged = Get(absl::StrCat("/v1/access-log?id=", kPerson));
  EXPECT_EQ(std::count(logged.begin(), logged.end(), '\n'), 6) << logged;
  auto keys = Keyring::Load("");  // the key the server runs with
  ASSERT_TRUE(keys.ok()) << keys.status();
  const std::string pseudonym = keys->PseudonymHex(kPerson);
  for (const std::string& want :
       {std::string("\"user\":\"alice\",\"role\":\"caseworker\",\"endpoint\":\"query\",\"pseudonym\":\"") + pseudonym +
            "\",\"asked\":\"2026\",\"status\":200}",
        std::string("\"endpoint\":\"covered\",\"pseudonym\":\"") + pseudonym + "\",\"asked\":\"2026-03-01\"",
        std::string("\"endpoint\":\"timeline\",\"pseudonym\":\"") + pseudonym + "\",\"asked\":\"2025..2027\"",
        std::string("\"user\":\"taxbureau\",\"role\":\"feeder\",\"endpoint\":\"query\""),
        std::string("\"endpoint\":\"grpc.Query\",\"pseudonym\":\"") + pseudonym + "\",\"asked\":\"2027\",\"status\":200}"}) {
    EXPECT_NE(logged.find(want), std::string::npos) << want << "\n" << logged;
  }
  EXPECT_EQ(logged.find(kPerson), std::string::npos);
  // The command line, beside the running server, lists the same.
  Result beside = Enrol(absl::StrCat("access-log --id ", kPerson));
  ASSERT_EQ(beside.exit_code, 0) << beside.err;
  EXPECT_EQ(beside.out.substr(0, logged.size()), logged);  // and the auditor's lookup, once written
  EXPECT_EQ(Stop(), 0);
  Result other = Enrol("access-log --id 110101198503039032");
  EXPECT_NE(other.out.find("\"status\":404}"), std::string::npos) << other.out;
  // The auditor's lookup by ID is a read of the person too: logged under the
  // pseudonym, with the user.
  const std::string lookup = Enrol(absl::StrCat("access-log --pseudonym ", pseudonym)).out;
  EXPECT_EQ(lookup.substr(0, logged.size()), logged);
  EXPECT_NE(lookup.find(absl::StrCat("\"user\":\"bob\",\"role\":\"auditor\",\"endpoint\":\"access-log\",\"pseudonym\":\"",
                                     pseudonym, "\",\"asked\":\"\",\"status\":200}")),
            std::string::npos)
      << lookup;
  EXPECT_EQ(Enrol("access-log --since 2999-01-01T00:00:00+08:00").out, "");
  Result all = Enrol("access-log");
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 8) << all.out;
  EXPECT_EQ(Enrol("access-log --since yesterday").exit_code, 2);
  // Encrypted at rest: neither the ID number nor a user name in its files.
  for (const char* secret : {kPerson, "taxbureau"}) {
    EXPECT_NE(std::system(absl::StrCat("grep -raq ", secret, " ", (dir_ / "data/access").string()).c_str()), 0)
        << secret;
  }
}

}  // namespace
}  // namespace enrol
