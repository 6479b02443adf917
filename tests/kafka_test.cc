// Integration tests against a real Kafka broker (ctest label "kafka"; the
// fixture in tests/CMakeLists.txt starts it with deploy/kafka/up.sh). Each
// test has topics of its own (--topics PREFIX).
//  - the same facts give the same answers through Kafka as through the
//    embedded store;
//  - SIGKILL of a projection worker mid-stream, then a restart, ends with the
//    digest of an embedded replay of the same facts;
//  - two workers in one group, one killed: the survivor takes its partitions
//    and the answers are unchanged;
//  - (Kafka3 suite) on 3 brokers, stopping one during ingest loses no
//    acknowledged event;
//  - the brokers (deploy/kafka/up.sh --secure) take SASL_SSL clients only, and
//    each role only what deploy/kafka/acls.sh grants it: every command runs
//    with the --kafka-config of its role (admin: topics; ingest: ingest,
//    stream; stage: stage; worker: project, serve, replay, rejects), a client
//    without credentials is refused, the worker cannot write the events topic
//    and the ingest user cannot bypass the stage;
//  - (issue 11) ingest is exactly once: the same file twice, a conflicting
//    duplicate, two ingests of overlapping files at once, and ingest and stage
//    SIGKILLed at random moments then rerun all leave each record in the
//    events topic once, with the embedded store's counts and digest; so do
//    a stage's failed commits, aborted and retried until it rejoins its group.
// Every test that creates topics runs a stage (enrol stage) on them.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/keyring.h"
#include "consumers/stage.h"
#include "ledger/kafka_config.h"
#include "librdkafka/rdkafkacpp.h"
#include "tests/testutil.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace enrol {
namespace {


std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// A crash loop's rounds: the number in the variable `name`, else `fallback`.
int Rounds(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

class KafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    prefix_ = absl::StrCat("t", ::getpid(), "-", name);
    brokers_ = Env("ENROL_KAFKA_BROKERS", "127.0.0.1:9092");
  }
  void TearDown() override { StopStage(); }

  Result Run(const std::string& args) { return RunEnrol(dir_, args); }
  // `enrol ARGS` on this test's topics, as the Kafka user of its command
  // (Role) unless `role` says otherwise.
  Result Kafka(const std::string& args, std::string role = "") { return KafkaIn(dir_, args, role); }
  // The same run in `where` (its own out.txt and err.txt: for commands run at once).
  Result KafkaIn(const fs::path& where, const std::string& args, std::string role = "") {
    if (role.empty()) role = Role(args.substr(0, args.find(' ')));
    fs::create_directories(where);
    return RunEnrol(where, absl::StrCat(args, " --brokers ", brokers_, " --topics ", prefix_, " --kafka-config ",
                                        KafkaClientConfig(role)));
  }
  // How many events the events topic holds (read_committed, as every reader).
  int64_t EventsInTopic() {
    Result decoded = Kafka("decode");
    EXPECT_EQ(decoded.exit_code, 0) << decoded.err;
    return static_cast<int64_t>(std::count(decoded.out.begin(), decoded.out.end(), '\n'));
  }
  // Which user runs a command: the admin creates topics, the ingest user
  // writes feeds and events, a worker reads them.
  static std::string Role(const std::string& command) {
    if (command == "topics") return "admin";
    if (command == "ingest" || command == "stream") return "ingest";
    if (command == "stage") return "stage";
    return "worker";
  }
  // The roles' ACLs for this test's topics (deploy/kafka/acls.sh; the cluster
  // and group ACLs come with up.sh --secure), then the topics, as the admin.
  void CreateTopics(int partitions, int replication = 1, bool start_stage = true) {
    const std::string acls = absl::StrCat("bash ", ENROL_SOURCE_DIR, "/deploy/kafka/acls.sh --topics-only --prefix ",
                                          prefix_, " --bootstrap ", brokers_, " > ", (dir_ / "acls.log").string(),
                                          " 2>&1");
    ASSERT_EQ(std::system(acls.c_str()), 0) << Slurp(dir_ / "acls.log");
    Result r = Kafka(absl::StrCat("topics --partitions ", partitions, " --replication ", replication));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (start_stage) StartStage();
  }
  // The stage of this test's topics (enrol stage), its index in DIR/stage;
  // its errors go to DIR/stage.err.
  void StartStage() {
    stage_ = Start({"stage", "--brokers", brokers_, "--topics", prefix_, "--group", "enrol-stage-" + prefix_,
                    "--data-dir", "stage", "--kafka-config", KafkaClientConfig("stage")},
                   "stage.err");
  }
  // SIGTERM: the stage finishes its batch and exits 0 (within its 120 s
  // Kafka timeout; after 300 s it is killed and the test fails).
  void StopStage() {
    if (stage_ <= 0) return;
    ::kill(stage_, SIGTERM);
    int status = 0;
    pid_t exited = 0;
    for (int i = 0; i < 3000 && (exited = ::waitpid(stage_, &status, WNOHANG)) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (exited == 0) {
      ::kill(stage_, SIGKILL);
      ::waitpid(stage_, &status, 0);
      ADD_FAILURE() << "the stage did not exit within 300 s of SIGTERM" << Slurp(dir_ / "stage.err");
    } else {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "stage: " << status << Slurp(dir_ / "stage.err");
    }
    stage_ = -1;
  }
  // Starts `enrol ARGS` in the background; returns its pid.
  // Its stdout goes to `out` under the test's directory (default: nowhere),
  // stderr to `err` when given.
  pid_t Start(const std::vector<std::string>& args, const std::string& err = "", const std::string& out = "") {
    pid_t pid = ::fork();
    if (pid == 0) {
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(ENROL_BINARY));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      int stdout_fd = ::open(out.empty() ? "/dev/null" : out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(stdout_fd, 1);
      if (!err.empty()) {
        int stderr_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        ::dup2(stderr_fd, 2);
      }
      ::execv(ENROL_BINARY, argv.data());
      ::_exit(127);
    }
    return pid;
  }
  std::vector<std::string> WorkerArgs(const std::string& group, const std::string& data) {
    return {"project", "--brokers", brokers_, "--topics", prefix_, "--group", group,
            "--data-dir", data, "--kafka-config", KafkaClientConfig("worker")};
  }

  TestDir tmp_{"kafka"};
  fs::path dir_ = tmp_.path();
  std::string prefix_;
  std::string brokers_;
  pid_t stage_ = -1;
};

std::string Field(const std::string& json, const std::string& name) {
  size_t at = json.find("\"" + name + "\":");
  if (at == std::string::npos) return "";
  at += name.size() + 3;
  size_t end = json.find_first_of(",}", at);
  return json.substr(at, end - at);
}

std::string BigId(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "532501%04d%02d%02d%03d", 1950 + (n / 1000) % 70, n % 12 + 1, n % 28 + 1, n % 1000);
  std::string first17 = buf;
  return first17 + IdCheckCharacter(first17);
}

// records payments for records/4 persons over 4 years, some late.
void WriteFeed(const fs::path& path, int records) {
  std::ofstream out(path);
  for (int i = 0; i < records; ++i) {
    int year = 2025 + i % 4;
    out << "{\"record_id\":\"T" << i << "\",\"id_number\":\"" << BigId(i / 4)
        << "\",\"region\":\"532501\",\"scheme\":\"resident\",\"payer\":\"individual\",\"period\":\"" << year
        << "\",\"amount\":\"400.00\",\"paid_at\":\""
        << (i % 9 == 0 ? absl::StrCat(year, "-04-02T10:00:00+08:00") : absl::StrCat(year - 1, "-10-12T09:30:00+08:00"))
        << "\"}\n";
  }
}

// Dead letters without the run that refused them (each run stamps its own)
// and without the offset a conflict's reason names: each store's own
// position of the earlier record (Kafka's offsets also count its transaction
// markers). The partition stays: both follow the pseudonym.
std::string WithoutRuns(std::string text) {
  const std::string field = ",\"run\":\"";
  for (size_t at = text.find(field); at != std::string::npos; at = text.find(field, at)) {
    text.erase(at, text.find('"', at + field.size()) + 1 - at);
  }
  const std::string offset = ", offset ";
  for (size_t at = text.find(offset); at != std::string::npos; at = text.find(offset, at + 1)) {
    const size_t end = text.find(')', at);
    if (end != std::string::npos) text.replace(at + offset.size(), end - at - offset.size(), "O");
  }
  return text;
}

std::string Counts(int64_t accepted, int64_t duplicates, int64_t rejected) {
  return absl::StrCat("{\"accepted\":", accepted, ",\"duplicates\":", duplicates, ",\"rejected\":", rejected, "}\n");
}

std::string SampleFile(const char* name) { return absl::StrCat(ENROL_SOURCE_DIR, "/data/sample/", name); }

TEST_F(KafkaTest, SameAnswersAsTheEmbeddedStore) {
  CreateTopics(8);
  const std::pair<const char*, const char*> feeds[] = {
      {"tax", "tax.jsonl"}, {"civil", "civil.jsonl"}, {"registry", "registry.csv"}, {"claims", "claims.jsonl"}};
  for (const auto& [source, file] : feeds) {
    // The same partitions (8), so a conflict's reason names the same
    // (partition, offset) of the earlier record in both.
    Result e = Run(absl::StrCat("ingest --source ", source, " ", SampleFile(file), " --data-dir embedded --partitions 8"));
    ASSERT_EQ(e.exit_code, 0) << e.err;
    Result k = Kafka(absl::StrCat("ingest --source ", source, " ", SampleFile(file)));
    ASSERT_EQ(k.exit_code, 0) << k.err;
    EXPECT_EQ(k.out, e.out) << source << ": the counts differ";
  }
  Result w = Kafka("project --group g1 --data-dir worker --until-caught-up");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  Result embedded = Run("replay --data-dir embedded");
  Result worker = Run("digest --data-dir worker");
  ASSERT_EQ(embedded.exit_code, 0);
  EXPECT_EQ(Field(worker.out, "digest"), Field(embedded.out, "digest")) << worker.out << embedded.out;
  EXPECT_EQ(Field(worker.out, "persons"), Field(embedded.out, "persons"));
  for (const char* id : {"532501199001011239", "42132119991006140X"}) {
    for (int year : {2025, 2026, 2027}) {
      Result a = Run(absl::StrCat("query --id ", id, " --year ", year, " --data-dir embedded"));
      Result b = Run(absl::StrCat("query --id ", id, " --year ", year, " --data-dir worker"));
      EXPECT_EQ(a.out, b.out) << id << " " << year;
    }
  }
  // The same records are refused, into the dead-letter topic, the
  // conflicting duplicate with the same reason (issue 11).
  Result rejects = Kafka("rejects");
  ASSERT_EQ(rejects.exit_code, 0) << rejects.err;
  Result embedded_rejects = Run("rejects --data-dir embedded");
  const std::string expected = embedded_rejects.out;
  EXPECT_NE(expected.find("record_id: conflicting duplicate"), std::string::npos);
  EXPECT_EQ(WithoutRuns(rejects.out), WithoutRuns(expected));
  // Replay on the worker's directory rebuilds from the topic.
  Result replay = Kafka("replay --data-dir worker");
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(Field(replay.out, "digest"), Field(embedded.out, "digest"));
}

// The crash loop for a projection worker: SIGKILLed at random moments (while
// joining its group, while rebuilding, while committing), restarted each
// time, then run until caught up: the embedded store's digest.
// ENROL_WORKER_KILLS sets the number of kills (default 5).
TEST_F(KafkaTest, WorkerKilledAtRandomMomentsThenRestartedEndsWithTheEmbeddedDigest) {
  const int kills = Rounds("ENROL_WORKER_KILLS", 5);
  CreateTopics(8);
  WriteFeed(dir_ / "big.jsonl", 120000);
  ASSERT_EQ(Run("ingest --source tax big.jsonl --data-dir embedded").exit_code, 0);
  Result embedded = Run("replay --data-dir embedded");
  Result in = Kafka("ingest --source tax big.jsonl");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(Field(in.out, "accepted"), "120000");
  std::mt19937 rng(20261130);
  int killed = 0;
  for (int round = 0; round < kills; ++round) {
    pid_t worker = Start(WorkerArgs("g2", "worker"));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 4000)(rng)));
    ::kill(worker, SIGKILL);
    int status = 0;
    ::waitpid(worker, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
  }
  EXPECT_EQ(killed, kills) << "a worker finished before it was killed";
  // A worker killed while it joined can still be a member of the group's next
  // generation, holding partitions, until its session (10 s) expires; a worker
  // run --until-caught-up stops once the partitions it holds are caught up.
  // So the restart waits those sessions out, to be the group's only member.
  std::this_thread::sleep_for(std::chrono::seconds(11));
  Result restarted = Kafka("project --group g2 --data-dir worker --until-caught-up");
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  Result digest = Run("digest --data-dir worker");
  EXPECT_EQ(Field(digest.out, "digest"), Field(embedded.out, "digest")) << digest.out << embedded.out;
  EXPECT_EQ(Field(digest.out, "persons"), "30000");
}

TEST_F(KafkaTest, TwoWorkersOneKilledTheSurvivorTakesItsPartitions) {
  CreateTopics(8);
  WriteFeed(dir_ / "feed.jsonl", 40000);
  ASSERT_EQ(Run("ingest --source tax feed.jsonl --data-dir embedded").exit_code, 0);
  Result embedded = Run("replay --data-dir embedded");
  ASSERT_EQ(Kafka("ingest --source tax feed.jsonl").exit_code, 0);
  pid_t a = Start(WorkerArgs("g3", "a"));
  pid_t b = Start(WorkerArgs("g3", "b"));
  // Both hold partitions and have applied them: each answers for its own
  // persons and says so for the other's.
  bool split = false;
  for (int i = 0; i < 60 && !split; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Result qa = Run(absl::StrCat("query --id ", BigId(0), " --year 2026 --data-dir a"));
    Result qb = Run(absl::StrCat("query --id ", BigId(0), " --year 2026 --data-dir b"));
    split = (qa.exit_code == 0) != (qb.exit_code == 0) &&
            (qa.err.find("does not own") != std::string::npos || qb.err.find("does not own") != std::string::npos);
  }
  EXPECT_TRUE(split) << "the two workers did not split the partitions";
  ::kill(a, SIGKILL);
  ::waitpid(a, nullptr, 0);
  // The survivor gets A's partitions when A's session times out, rebuilds them
  // from the topic (it has no state for them), and then answers for everyone.
  bool whole = false;
  for (int i = 0; i < 90 && !whole; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    whole = true;
    for (int n : {0, 1, 2, 3, 5, 8, 13, 21, 34, 55}) {
      if (Run(absl::StrCat("query --id ", BigId(n), " --year 2026 --data-dir b")).exit_code != 0) whole = false;
    }
  }
  EXPECT_TRUE(whole) << "the survivor did not take the killed worker's partitions";
  ::kill(b, SIGTERM);
  int status = 0;
  ::waitpid(b, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "SIGTERM should stop a worker cleanly";
  Result finish = Kafka("project --group g3 --data-dir b --until-caught-up");
  ASSERT_EQ(finish.exit_code, 0) << finish.err;
  Result digest = Run("digest --data-dir b");
  EXPECT_EQ(Field(digest.out, "digest"), Field(embedded.out, "digest")) << digest.out << embedded.out;
}

// `enrol stream`: a department streams JSON lines into the raw topic; the
// streamer validates and appends, committing a raw offset only after its
// events are acknowledged. Killed part-way and restarted, nothing is lost and
// the replayed lines are absorbed by the idempotency key.
TEST_F(KafkaTest, StreamKilledPartWayLosesNothing) {
  CreateTopics(8);
  WriteFeed(dir_ / "feed.jsonl", 60000);
  std::ofstream(dir_ / "feed.jsonl", std::ios::app) << "{\"record_id\":\"BAD1\",\"id_number\":\"123\"}\n";
  ASSERT_EQ(Run("ingest --source tax feed.jsonl --data-dir embedded").exit_code, 0);
  Result embedded = Run("replay --data-dir embedded");
  const std::string producer = absl::StrCat(
      "bash ", ENROL_SOURCE_DIR, "/deploy/kafka/run-class.sh kafka.tools.ConsoleProducer --bootstrap-server ",
      brokers_, " --topic ", prefix_, ".raw.tax --producer.config ", KafkaClientConfig("ingest", /*java=*/true),
      " --producer-property acks=all < ", (dir_ / "feed.jsonl").string(),
      " > ", (dir_ / "producer.log").string(), " 2>&1");
  ASSERT_EQ(std::system(producer.c_str()), 0) << Slurp(dir_ / "producer.log");
  pid_t streamer = Start({"stream", "--brokers", brokers_, "--topics", prefix_, "--source", "tax", "--kafka-config",
                          KafkaClientConfig("ingest")});
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ::kill(streamer, SIGKILL);
  ::waitpid(streamer, nullptr, 0);
  Result rest = Kafka("stream --source tax --until-caught-up");
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  Result w = Kafka("project --group g5 --data-dir worker --until-caught-up");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  Result digest = Run("digest --data-dir worker");
  EXPECT_EQ(Field(digest.out, "digest"), Field(embedded.out, "digest")) << digest.out << embedded.out;
  Result rejects = Kafka("rejects");
  EXPECT_NE(rejects.out.find("\"record_id\":\"BAD1\",\"reason\":\"id_number: must be 18 characters"), std::string::npos)
      << rejects.out;
}

// On three brokers (replication 3, min.insync.replicas 2), stopping one
// during ingest loses no acknowledged event. Runs its own cluster.
// `enrol serve --brokers --group` (issue 8): two workers split the partitions;
// each answers for its own and redirects (307) to the other for the rest; the
// answers are the embedded store's.
TEST_F(KafkaTest, TwoServeWorkersAnswerForTheirPartitionsAndRedirectForTheOthers) {
  CreateTopics(8);
  Result in = Kafka(absl::StrCat("ingest --source tax ", SampleFile("tax.jsonl")));
  ASSERT_EQ(in.exit_code, 0) << in.err;
  ASSERT_EQ(Run(absl::StrCat("ingest --source tax ", SampleFile("tax.jsonl"), " --data-dir embedded")).exit_code, 0);
  const std::string group = absl::StrCat("serve-", ::getpid());
  std::vector<pid_t> pids;
  std::vector<int> ports;
  // A failed assertion returns early: the workers must not outlive the test
  // (ctest would wait for them until its timeout).
  struct KillOnExit {
    std::vector<pid_t>* pids;
    ~KillOnExit() {
      for (pid_t pid : *pids) {
        if (::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
      }
    }
  } kill_on_exit{&pids};
  for (const char* name : {"w1", "w2"}) {
    const std::string cmd = absl::StrCat("cd ", dir_.string(), " && exec ", ENROL_BINARY, " serve --brokers ", brokers_,
                                         " --topics ", prefix_, " --group ", group, " --data-dir ", name,
                                         " --kafka-config ", KafkaClientConfig("worker"),
                                         " --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 --no-auth 2>", name, ".err");
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pids.push_back(pid);
    int port = 0;
    for (int i = 0; i < 400 && port == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::string err = Slurp(dir_ / absl::StrCat(name, ".err"));
      const size_t at = err.find("http://127.0.0.1:");
      if (at != std::string::npos) port = std::atoi(err.c_str() + at + 17);
    }
    ASSERT_NE(port, 0) << Slurp(dir_ / absl::StrCat(name, ".err"));
    ports.push_back(port);
  }
  // The sample's first 40 persons.
  std::vector<std::string> ids;
  {
    std::ifstream in(SampleFile("tax.jsonl"));
    for (std::string line; std::getline(in, line) && ids.size() < 40;) {
      const size_t at = line.find("\"id_number\":\"");
      if (at == std::string::npos) continue;
      const std::string id = line.substr(at + 13, 18);
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
  }
  httplib::Client a("127.0.0.1", ports[0]), b("127.0.0.1", ports[1]);
  // Until both are caught up and the partitions are split between them.
  int redirected = 0, answered = 0;
  for (int attempt = 0; attempt < 120 && (redirected == 0 || answered == 0); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto ra = a.Get("/readyz"), rb = b.Get("/readyz");
    if (!ra || !rb || ra->status != 200 || rb->status != 200) continue;
    redirected = answered = 0;
    for (const std::string& id : ids) {
      auto r = a.Get(absl::StrCat("/v1/persons/", id, "?year=2026"));
      if (!r) continue;
      if (r->status == 307) ++redirected;
      if (r->status == 200) ++answered;
    }
  }
  ASSERT_GT(redirected, 0) << "worker 1 redirected nothing: the partitions were not split";
  ASSERT_GT(answered, 0);
  a.set_follow_location(true);
  for (const std::string& id : ids) {
    Result want = Run(absl::StrCat("query --id ", id, " --year 2026 --data-dir embedded"));
    auto r = a.Get(absl::StrCat("/v1/persons/", id, "?year=2026"));
    ASSERT_TRUE(r) << id;
    EXPECT_EQ(r->status, 200) << id << ": " << r->body;
    EXPECT_EQ(r->body, want.out) << id;
  }
  for (pid_t pid : pids) {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  pids.clear();  // reaped
}

// A test with its own cluster, which goes down after the stage however the
// test ends.
class Kafka3Test : public KafkaTest {
 protected:
  void TearDown() override {
    StopStage();
    if (!down_.empty()) std::system(down_.c_str());
    KafkaTest::TearDown();
  }
  std::string down_;  // the command that takes the cluster down
};

// Issue 11: a file ingested again is all duplicates and adds no event.
TEST_F(KafkaTest, TheSameFileTwiceIsAllDuplicatesTheSecondTimeAndAddsNoEvent) {
  CreateTopics(4);
  WriteFeed(dir_ / "feed.jsonl", 5000);
  Result first = Kafka("ingest --source tax feed.jsonl");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, Counts(5000, 0, 0));
  Result second = Kafka("ingest --source tax feed.jsonl");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, Counts(0, 5000, 0));
  EXPECT_EQ(EventsInTopic(), 5000);
}

// Issue 11: the same (source, record_id) with other content is rejected to
// the dead letters with the embedded store's reason, and not appended.
TEST_F(KafkaTest, AConflictingDuplicateIsRejectedWithTheEmbeddedStoresReason) {
  CreateTopics(4);
  WriteFeed(dir_ / "first.jsonl", 3);
  {
    std::ifstream in(dir_ / "first.jsonl");
    std::ofstream out(dir_ / "second.jsonl");
    std::string line;
    std::getline(in, line);  // T0 again, the same
    out << line << "\n";
    std::getline(in, line);  // T1 again, another amount
    out << absl::StrReplaceAll(line, {{"\"400.00\"", "\"450.00\""}}) << "\n";
    out << absl::StrReplaceAll(line, {{"\"T1\"", "\"T9\""}}) << "\n";  // new
  }
  for (const char* file : {"first.jsonl", "second.jsonl"}) {
    Result e = Run(absl::StrCat("ingest --source tax ", file, " --data-dir embedded --partitions 4"));
    Result k = Kafka(absl::StrCat("ingest --source tax ", file));
    ASSERT_EQ(k.exit_code, 0) << k.err;
    EXPECT_EQ(k.out, e.out) << file;
  }
  Result rejects = Kafka("rejects");
  ASSERT_EQ(rejects.exit_code, 0) << rejects.err;
  EXPECT_NE(rejects.out.find("\"reason\":\"record_id: conflicting duplicate: T1 was ingested before with different "
                             "content (partition "),
            std::string::npos)
      << rejects.out;
  EXPECT_EQ(WithoutRuns(rejects.out), WithoutRuns(Run("rejects --data-dir embedded").out));
  EXPECT_EQ(EventsInTopic(), 4);
  // The position the reason names holds the earlier T1.
  const size_t at = rejects.out.find("(partition ");
  ASSERT_NE(at, std::string::npos);
  int partition = -1;
  long long offset = -1;
  ASSERT_EQ(std::sscanf(rejects.out.c_str() + at, "(partition %d, offset %lld)", &partition, &offset), 2);
  Result earlier = Kafka(absl::StrCat("decode --partition ", partition, " --from ", offset, " --count 1"));
  ASSERT_EQ(earlier.exit_code, 0) << earlier.err;
  EXPECT_NE(earlier.out.find(absl::StrCat("\"offset\":", offset, ",")), std::string::npos) << earlier.out;
  EXPECT_NE(earlier.out.find("\"record_id\":\"T1\""), std::string::npos) << earlier.out;
  EXPECT_NE(earlier.out.find("\"amount_fen\":\"40000\""), std::string::npos) << earlier.out;
}

// Issue 11: two ingests of overlapping files at once: every record is
// appended once, and each run's counts add up to its file.
TEST_F(KafkaTest, TwoIngestsOfOverlappingFilesAtOnceAppendEachRecordOnce) {
  CreateTopics(8);
  WriteFeed(dir_ / "all.jsonl", 60000);
  {
    std::ifstream in(dir_ / "all.jsonl");
    std::ofstream a(dir_ / "a.jsonl"), b(dir_ / "b.jsonl");
    int n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      if (n < 40000) a << line << "\n";
      if (n >= 20000) b << line << "\n";
    }
  }
  Result ra, rb;
  std::thread ta([&] { ra = KafkaIn(dir_ / "a", absl::StrCat("ingest --source tax ", (dir_ / "a.jsonl").string())); });
  std::thread tb([&] { rb = KafkaIn(dir_ / "b", absl::StrCat("ingest --source tax ", (dir_ / "b.jsonl").string())); });
  ta.join();
  tb.join();
  ASSERT_EQ(ra.exit_code, 0) << ra.err;
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  auto n = [](const Result& r, const char* field) { return std::stoll(Field(r.out, field)); };
  EXPECT_EQ(n(ra, "accepted") + n(ra, "duplicates"), 40000) << ra.out;
  EXPECT_EQ(n(rb, "accepted") + n(rb, "duplicates"), 40000) << rb.out;
  EXPECT_EQ(n(ra, "accepted") + n(rb, "accepted"), 60000) << ra.out << rb.out;
  EXPECT_EQ(n(ra, "rejected") + n(rb, "rejected"), 0);
  EXPECT_EQ(EventsInTopic(), 60000);
  ASSERT_EQ(Run("ingest --source tax all.jsonl --data-dir embedded").exit_code, 0);
  Result embedded = Run("replay --data-dir embedded");
  ASSERT_EQ(Kafka("project --group g8 --data-dir worker --until-caught-up").exit_code, 0);
  EXPECT_EQ(Field(Run("digest --data-dir worker").out, "digest"), Field(embedded.out, "digest"));
}

// Stages come and go while an ingest runs: a second stage joins the group
// mid-ingest and leaves again, so the first is rebalanced twice while it
// reads its backlog. Every record is decided once and the ingest gets every
// receipt (a stage that read on through a rebalance and dropped the batch
// skipped the records read after its new assignment, and the ingest waited
// for their receipts until it gave up).
TEST_F(KafkaTest, AStageJoiningAndLeavingMidIngestLeavesEachRecordDecidedOnce) {
  constexpr int kRecords = 150000;
  CreateTopics(8);
  WriteFeed(dir_ / "feed.jsonl", kRecords);
  Result first;
  std::thread ingest([&] { first = Kafka("ingest --source tax feed.jsonl"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  pid_t second = Start({"stage", "--brokers", brokers_, "--topics", prefix_, "--group", "enrol-stage-" + prefix_,
                        "--data-dir", "stage2", "--kafka-config", KafkaClientConfig("stage")},
                       "stage2.err");
  std::this_thread::sleep_for(std::chrono::seconds(8));
  ::kill(second, SIGTERM);
  int status = 0;
  ::waitpid(second, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(dir_ / "stage2.err");
  ingest.join();
  ASSERT_EQ(first.exit_code, 0) << first.err << Slurp(dir_ / "stage.err");
  EXPECT_EQ(Field(first.out, "accepted"), std::to_string(kRecords)) << first.out;
  EXPECT_EQ(EventsInTopic(), kRecords);
  Result again = Kafka("ingest --source tax feed.jsonl");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Field(again.out, "duplicates"), std::to_string(kRecords)) << again.out;
}

// Issue 11: a stage whose commits fail (as when the transaction coordinator
// is lost with its broker) aborts each transaction and reads its batch again;
// after three aborts in a row it leaves its group and joins it again. The
// stage runs in this process, with the fault injected before each commit:
// the first four fail, the fourth after the rejoin. The ingest still ends
// with every record appended once.
TEST_F(KafkaTest, AStageWhoseCommitsFailRejoinsItsGroupAndAppendsEachRecordOnce) {
  constexpr int kRecords = 5000;
  CreateTopics(4, 1, /*start_stage=*/false);
  WriteFeed(dir_ / "feed.jsonl", kRecords);
  auto config = ReadKafkaConfig(KafkaClientConfig("stage"));
  ASSERT_TRUE(config.ok()) << config.status();
  auto keys = Keyring::Load("");  // the key the enrol commands use
  ASSERT_TRUE(keys.ok()) << keys.status();
  std::atomic<int> commits{0};
  std::atomic<bool> stop{false};
  StageOptions o;
  o.brokers = brokers_;
  o.group = "enrol-stage-" + prefix_;
  o.topics = prefix_;
  o.state_dir = (dir_ / "stage").string();
  o.kafka_config = *config;
  o.keys = &*keys;
  o.batch_records = 1000;
  o.stop = [&] { return stop.load(); };
  o.before_commit = [&]() -> absl::Status {
    if (++commits <= 4) return absl::UnavailableError("test: the transaction coordinator was lost");
    return absl::OkStatus();
  };
  absl::StatusOr<StageCounts> counts;
  std::thread stage([&] { counts = RunStage(o); });
  Result ingest = Kafka("ingest --source tax feed.jsonl");
  // Again, the stage still running: its index holds what it appended.
  Result again = ingest.exit_code == 0 ? Kafka("ingest --source tax feed.jsonl") : Result{};
  stop = true;
  stage.join();
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_EQ(ingest.out, Counts(kRecords, 0, 0));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, Counts(0, kRecords, 0));
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->accepted, kRecords);
  EXPECT_EQ(counts->duplicates, kRecords);
  EXPECT_GT(commits.load(), 4);
  EXPECT_EQ(EventsInTopic(), kRecords);
}

// Issue 11, the crash loop: ingest SIGKILLed at random moments, and every
// other round the stage too (restarted on its index), then the ingest run
// again to the end: each record is in the events topic exactly once and the
// projection is the embedded store's. ENROL_INGEST_KILLS sets the rounds
// (default 4).
TEST_F(KafkaTest, IngestAndStageKilledAtRandomMomentsThenRerunLeaveEachRecordOnce) {
  const int kills = Rounds("ENROL_INGEST_KILLS", 4);
  CreateTopics(8);
  WriteFeed(dir_ / "feed.jsonl", 60000);
  ASSERT_EQ(Run("ingest --source tax feed.jsonl --data-dir embedded").exit_code, 0);
  Result embedded = Run("replay --data-dir embedded");
  std::mt19937 rng(20261201);
  for (int round = 0; round < kills; ++round) {
    pid_t ingest = Start({"ingest", "--brokers", brokers_, "--topics", prefix_, "--source", "tax", "feed.jsonl",
                          "--kafka-config", KafkaClientConfig("ingest")},
                         "ingest.err");
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 3000)(rng)));
    if (round % 2 == 1) {
      ::kill(stage_, SIGKILL);
      ::waitpid(stage_, nullptr, 0);
      stage_ = -1;
    }
    ::kill(ingest, SIGKILL);
    ::waitpid(ingest, nullptr, 0);
    if (stage_ < 0) StartStage();
  }
  Result last = Kafka("ingest --source tax feed.jsonl");
  ASSERT_EQ(last.exit_code, 0) << last.err << Slurp(dir_ / "stage.err");
  EXPECT_EQ(std::stoll(Field(last.out, "accepted")) + std::stoll(Field(last.out, "duplicates")), 60000) << last.out;
  EXPECT_EQ(Field(last.out, "rejected"), "0");
  EXPECT_EQ(EventsInTopic(), 60000);
  ASSERT_EQ(Kafka("project --group g9 --data-dir worker --until-caught-up").exit_code, 0);
  Result digest = Run("digest --data-dir worker");
  EXPECT_EQ(Field(digest.out, "digest"), Field(embedded.out, "digest")) << digest.out << embedded.out;
}

// What the brokers have acknowledged of a topic (the sum of its partitions'
// high watermarks) and the leader of one of its partitions, asked of the
// cluster while an ingest runs.
class TopicProbe {
 public:
  TopicProbe(const std::string& brokers, std::string topic) : topic_(std::move(topic)) {
    std::string err;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", brokers, err);
    auto admin = ReadKafkaConfig(KafkaClientConfig("admin"));
    EXPECT_TRUE(admin.ok()) << admin.status();
    if (admin.ok()) {
      EXPECT_TRUE(ApplyKafkaConfig(*admin, conf.get()).ok());
    }
    producer_.reset(RdKafka::Producer::create(conf.get(), err));
  }
  int64_t Acknowledged(int partitions) {
    int64_t total = 0;
    for (int p = 0; p < partitions; ++p) {
      int64_t low = 0, high = 0;
      if (producer_->query_watermark_offsets(topic_, p, &low, &high, 2000) == RdKafka::ERR_NO_ERROR) total += high;
    }
    return total;
  }
  int32_t Leader(int partition) {
    RdKafka::Metadata* md = nullptr;
    std::string err;
    std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(producer_.get(), topic_, nullptr, err));
    if (producer_->metadata(false, topic.get(), &md, 5000) != RdKafka::ERR_NO_ERROR) return -1;
    std::unique_ptr<RdKafka::Metadata> owned(md);
    for (const RdKafka::PartitionMetadata* p : *md->topics()->at(0)->partitions()) {
      if (p->id() == partition) return p->leader();
    }
    return -1;
  }

 private:
  std::string topic_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

// The listener is SASL_SSL only: a client without credentials (PLAINTEXT, no
// --kafka-config, no ENROL_KAFKA_CONFIG) gets nowhere, and says why.
TEST_F(KafkaTest, AClientWithoutCredentialsIsRefusedWithAClearError) {
  ::unsetenv(kKafkaConfigEnv);
  Result r = Run(absl::StrCat("project --brokers ", brokers_, " --topics ", prefix_,
                              " --group g6 --data-dir worker --until-caught-up"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(absl::StrCat("kafka metadata for ", prefix_, ".events")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("connecting to a SSL listener?"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// Produces one message to `topic` as the Kafka user `role`: what the broker
// answered.
RdKafka::ErrorCode ProduceOneAs(const std::string& brokers, const std::string& role, const std::string& topic) {
  struct Report : RdKafka::DeliveryReportCb {
    RdKafka::ErrorCode err = RdKafka::ERR__TIMED_OUT;
    void dr_cb(RdKafka::Message& m) override { err = m.err(); }
  } report;
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", brokers, err);
  conf->set("message.timeout.ms", "20000", err);
  conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&report), err);
  auto client = ReadKafkaConfig(KafkaClientConfig(role));
  EXPECT_TRUE(client.ok() && ApplyKafkaConfig(*client, conf.get()).ok());
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  std::string value = "x";
  RdKafka::ErrorCode e = p->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, value.data(), value.size(), nullptr, 0,
                                    0, nullptr, nullptr);
  if (e != RdKafka::ERR_NO_ERROR) return e;
  p->flush(30000);
  return report.err;
}

// An event without the key id header (written around the stage) is an error
// naming where it is, not an event: for decode, a worker, and the stage, which
// follows the topic into its index.
TEST_F(KafkaTest, AnUnsealedEventIsAnErrorNamingItsTopicPartitionAndOffset) {
  CreateTopics(2);
  ASSERT_EQ(ProduceOneAs(brokers_, "stage", prefix_ + ".events"), RdKafka::ERR_NO_ERROR);
  Result decoded = Kafka("decode");
  EXPECT_EQ(decoded.exit_code, 1) << decoded.out;
  EXPECT_NE(decoded.err.find(absl::StrCat("event at ", prefix_,
                                          ".events partition 0 offset 0 is not sealed (no enrol-key-id header)")),
            std::string::npos)
      << decoded.err;
  Result worker = Kafka("project --group g8 --data-dir worker --until-caught-up");
  EXPECT_EQ(worker.exit_code, 1) << worker.out;
  EXPECT_NE(worker.err.find("is not sealed (no enrol-key-id header)"), std::string::npos) << worker.err;
  int status = 0;
  pid_t exited = 0;
  for (int i = 0; i < 1200 && (exited = ::waitpid(stage_, &status, WNOHANG)) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(exited, stage_) << "the stage still runs after 120 s" << Slurp(dir_ / "stage.err");
  stage_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_NE(Slurp(dir_ / "stage.err").find("is not sealed (no enrol-key-id header)"), std::string::npos)
      << Slurp(dir_ / "stage.err");
}

// Each user may do what deploy/kafka/acls.sh grants it and nothing else: the
// worker cannot write the events topic (nor create topics), the ingest user
// cannot read it.
TEST_F(KafkaTest, EachUserMayOnlyWhatItsAclsGrant) {
  CreateTopics(2);
  const std::string ingest = absl::StrCat("ingest --source tax ", SampleFile("tax.jsonl"));
  Result by_worker = Kafka(ingest, "worker");
  EXPECT_EQ(by_worker.exit_code, 1) << by_worker.out;
  EXPECT_NE(by_worker.err.find(absl::StrCat(prefix_, ".incoming: Broker: Topic authorization failed")),
            std::string::npos)
      << by_worker.err;
  // Only the stage appends events: the ingest user cannot go around it.
  EXPECT_EQ(ProduceOneAs(brokers_, "ingest", prefix_ + ".events"), RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_EQ(ProduceOneAs(brokers_, "worker", prefix_ + ".incoming"), RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED);
  TopicProbe probe(brokers_, prefix_ + ".events");
  EXPECT_EQ(probe.Acknowledged(2), 0) << "the worker's events were written";
  Result topics = Kafka("topics --partitions 2", "worker");
  EXPECT_EQ(topics.exit_code, 1);
  EXPECT_NE(topics.err.find("Topic authorization failed"), std::string::npos) << topics.err;

  Result in = Kafka(ingest);
  ASSERT_EQ(in.exit_code, 0) << in.err;
  Result peek = Kafka("project --group enrol-peek --data-dir peek --until-caught-up", "ingest");
  EXPECT_EQ(peek.exit_code, 1) << peek.out;
  EXPECT_NE(peek.err.find("Topic authorization failed"), std::string::npos) << peek.err;
  Result w = Kafka("project --group g7 --data-dir worker --until-caught-up");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(Field(w.out, "applied"), Field(in.out, "accepted"));
}

// Every message of a topic, as the broker holds it: "key\x1fvalue\x1fheaders".
std::vector<std::string> RawMessages(const std::string& brokers, const std::string& topic, int partitions,
                                     const std::string& role = "worker") {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", brokers, err);
  conf->set("group.id", "enrol-raw-reader", err);
  conf->set("enable.partition.eof", "true", err);
  auto client = ReadKafkaConfig(KafkaClientConfig(role));
  EXPECT_TRUE(client.ok()) << client.status();
  if (client.ok()) {
    EXPECT_TRUE(ApplyKafkaConfig(*client, conf.get()).ok());
  }
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  std::vector<RdKafka::TopicPartition*> parts;
  for (int p = 0; p < partitions; ++p) parts.push_back(RdKafka::TopicPartition::create(topic, p, 0));
  c->assign(parts);
  std::vector<std::string> out;
  int eof = 0;
  for (int idle = 0; eof < partitions && idle < 300;) {
    std::unique_ptr<RdKafka::Message> m(c->consume(100));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      ++eof;
    } else if (m->err() == RdKafka::ERR_NO_ERROR) {
      std::string headers;
      if (m->headers() != nullptr) {
        for (const auto& h : m->headers()->get_all()) {
          absl::StrAppend(&headers, h.key(), "=", std::string(static_cast<const char*>(h.value()), h.value_size()), ";");
        }
      }
      out.push_back(absl::StrCat(m->key() != nullptr ? *m->key() : "", "\x1f",
                                 std::string(static_cast<const char*>(m->payload()), m->len()), "\x1f", headers));
    } else {
      ++idle;
    }
  }
  c->close();
  for (auto* tp : parts) delete tp;
  return out;
}

// Issue 10: the events and dead letters on the brokers show no ID number (keys
// are pseudonyms, values sealed with the key id in a header); `enrol decode`
// and `rejects` read them with the key, and a wrong key is refused by name.
TEST_F(KafkaTest, NoIdNumberOnTheBrokersAndTheKeyReadsThem) {
  CreateTopics(4);
  Result in = Kafka(absl::StrCat("ingest --source tax ", SampleFile("tax.jsonl")));
  ASSERT_EQ(in.exit_code, 0) << in.err;
  const std::string tax = Slurp(SampleFile("tax.jsonl"));
  std::vector<std::string> ids;
  for (size_t at = tax.find("\"id_number\":\""); at != std::string::npos; at = tax.find("\"id_number\":\"", at + 1)) {
    ids.push_back(tax.substr(at + 13, 18));
  }
  ASSERT_GT(ids.size(), 200u);
  for (const char* topic : {".events", ".deadletters", ".incoming"}) {
    const std::vector<std::string> messages =
        RawMessages(brokers_, prefix_ + topic, 4, std::string(topic) == ".incoming" ? "stage" : "worker");
    EXPECT_FALSE(messages.empty()) << topic;
    int readable = 0;
    for (const std::string& m : messages) {
      EXPECT_NE(m.find("enrol-key-id="), std::string::npos) << topic;
      for (const std::string& id : ids) readable += m.find(id) != std::string::npos;
    }
    EXPECT_EQ(readable, 0) << topic << ": of " << messages.size() << " messages";
  }
  Result decoded = Kafka("decode");
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  EXPECT_EQ(static_cast<int64_t>(std::count(decoded.out.begin(), decoded.out.end(), '\n')),
            std::stoll(Field(in.out, "accepted")));
  EXPECT_NE(decoded.out.find("\"person\":\"532501199001011239\""), std::string::npos) << decoded.out.substr(0, 500);
  Result rejects = Kafka("rejects");
  ASSERT_EQ(rejects.exit_code, 0) << rejects.err;
  EXPECT_EQ(static_cast<int64_t>(std::count(rejects.out.begin(), rejects.out.end(), '\n')),
            std::stoll(Field(in.out, "rejected")));
  const std::string other = (dir_ / "other.key").string();
  ASSERT_EQ(std::system(absl::StrCat("openssl rand -hex 32 >", other, " && chmod 600 ", other).c_str()), 0);
  Result wrong = Kafka(absl::StrCat("decode --key-file ", other));
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("is sealed under key id"), std::string::npos) << wrong.err;
}

// Broker loss by construction: once the brokers have acknowledged 50,000 of
// the 200,000 events, the leader of a partition in use is killed (a crash, no
// clean hand-over), so the ingest always loses a broker mid-stream; every
// event is still acknowledged once and the projection equals the embedded one.
TEST_F(Kafka3Test, KillingAPartitionLeaderMidIngestLosesNoAcknowledgedEvent) {
  const std::string kafka_dir = (dir_ / "cluster").string();
  const std::string env = "ENROL_KAFKA_PORT=9192 ENROL_KAFKA_CONTROLLER_PORT=19192 ";
  const std::string scripts = absl::StrCat(ENROL_SOURCE_DIR, "/deploy/kafka/");
  ASSERT_EQ(std::system(absl::StrCat(env, "bash ", scripts, "up.sh --secure --nodes 3 --dir ", kafka_dir,
                                     " > ", (dir_ / "up.log").string(), " 2>&1").c_str()), 0)
      << Slurp(dir_ / "up.log");
  down_ = absl::StrCat(env, "bash ", scripts, "down.sh --dir ", kafka_dir, " > /dev/null 2>&1");
  brokers_ = "127.0.0.1:9192,127.0.0.1:9193,127.0.0.1:9194";
  CreateTopics(8, 3);
  WriteFeed(dir_ / "feed.jsonl", 200000);
  ASSERT_EQ(Run("ingest --source tax feed.jsonl --data-dir embedded").exit_code, 0);
  Result embedded = Run("replay --data-dir embedded");
  std::atomic<bool> done{false};
  Result in;
  std::thread ingest([&] {
    in = Kafka("ingest --source tax feed.jsonl");
    done = true;
  });
  TopicProbe probe(brokers_, prefix_ + ".events");
  int64_t acked_at_kill = -1;
  int32_t leader = -1;
  while (!done) {
    const int64_t acked = probe.Acknowledged(8);
    if (acked >= 50000) {
      leader = probe.Leader(0);
      acked_at_kill = acked;
      std::system(absl::StrCat(env, "bash ", scripts, "stop-node.sh ", leader, " --kill --dir ", kafka_dir, " > ",
                               (dir_ / "stop.log").string(), " 2>&1").c_str());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ingest.join();
  ASSERT_GE(leader, 1) << "the ingest ended before 50,000 events were acknowledged";
  EXPECT_LT(acked_at_kill, 200000) << "the broker was killed after the ingest had finished";
  // On failure: whether the stage stopped short or the ingest missed receipts.
  ASSERT_EQ(in.exit_code, 0) << in.err << Slurp(dir_ / "stage.err") << "events in the topic: " << EventsInTopic();
  EXPECT_EQ(Field(in.out, "accepted"), "200000");
  Result w = Kafka("project --group g4 --data-dir worker --until-caught-up");
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(Field(w.out, "applied"), "200000");
  Result digest = Run("digest --data-dir worker");
  EXPECT_EQ(Field(digest.out, "digest"), Field(embedded.out, "digest"));
}

}  // namespace
}  // namespace enrol
