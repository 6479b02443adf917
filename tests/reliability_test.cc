// Fault paths that used to lose or hide data (issue 9), each run as a user
// would: a log removed or restored under its projection, dead letters of
// several runs, a FIFO as input, a corrupted projection.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/testutil.h"

namespace enrol {
namespace {

using ReliabilityTest = CliTest;

std::string ThreeYears() {
  return Pay("T1", kPerson, 2025, "2024-10-12T09:30:00+08:00") + Pay("T2", kPerson, 2026, "2025-10-12T09:30:00+08:00") +
         Pay("T3", kPerson, 2027, "2026-10-12T09:30:00+08:00");
}

TEST_F(ReliabilityTest, ALogRemovedUnderItsProjectionIsRefusedNamingReplay) {
  Write("tax.jsonl", ThreeYears());
  ASSERT_EQ(Enrol("ingest --source tax tax.jsonl").exit_code, 0);
  fs::remove_all(dir_ / "data" / "log");
  Write("more.jsonl", Pay("T9", "532501199001011247", 2027, "2026-10-12T09:30:00+08:00"));
  Result r = Enrol("ingest --source tax more.jsonl");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(absl::StrContains(r.err, "built from another log")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "enrol replay")) << r.err;
  Result q = Enrol(absl::StrCat("query --id ", kPerson, " --year 2027"));
  EXPECT_EQ(q.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(q.err, "enrol replay")) << q.err;
  // The remedy works: the projection is rebuilt from the log there is, and
  // ingest goes on.
  ASSERT_EQ(Enrol("replay").exit_code, 0);
  Result again = Enrol("ingest --source tax more.jsonl");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  // The refused run appended nothing.
  EXPECT_EQ(again.out, "{\"accepted\":1,\"duplicates\":0,\"rejected\":0}\n");
  EXPECT_EQ(Enrol(absl::StrCat("query --id ", kPerson, " --year 2027")).exit_code, 3);
}

TEST_F(ReliabilityTest, ALogRestoredFromAnOlderBackupIsRefusedNamingReplay) {
  Write("a.jsonl", ThreeYears());
  ASSERT_EQ(Enrol("ingest --source tax a.jsonl").exit_code, 0);
  fs::copy(dir_ / "data" / "log", dir_ / "backup", fs::copy_options::recursive);
  Write("b.jsonl", Pay("T4", kPerson, 2028, "2027-10-12T09:30:00+08:00"));
  ASSERT_EQ(Enrol("ingest --source tax b.jsonl").exit_code, 0);
  fs::remove_all(dir_ / "data" / "log");
  fs::copy(dir_ / "backup", dir_ / "data" / "log", fs::copy_options::recursive);
  Result r = Enrol("ingest --source tax b.jsonl");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(absl::StrContains(r.err, "restored from an older backup")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "enrol replay")) << r.err;
}

TEST_F(ReliabilityTest, DeadLettersOfEveryRunStay) {
  const std::string bad = "{\"record_id\":\"B1\",\"id_number\":\"123\"}\n";
  for (int run = 0; run < 2; ++run) {
    std::string cmd = absl::StrCat("cd ", dir_.string(), " && printf '%s' '", bad, "' | ", ENROL_BINARY,
                                   " ingest --source tax - --data-dir data >/dev/null");
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  Write("same.jsonl", bad);
  ASSERT_EQ(Enrol("ingest --source tax same.jsonl").exit_code, 0);
  ASSERT_EQ(Enrol("ingest --source tax same.jsonl").exit_code, 0);
  Result r = Enrol("rejects");
  ASSERT_EQ(r.exit_code, 0);
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << r.out;
  std::set<std::string> runs;
  for (const std::string& l : lines) {
    size_t at = l.find("\"run\":\"");
    ASSERT_NE(at, std::string::npos) << l;
    runs.insert(l.substr(at + 7, 25));
  }
  EXPECT_EQ(runs.size(), 4u) << r.out;
}

TEST_F(ReliabilityTest, AFifoIsReadOnceAsAStream) {
  ASSERT_EQ(::mkfifo((dir_ / "feed").c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(dir_ / "feed") << ThreeYears(); });
  Result r = Enrol("ingest --source tax feed");
  writer.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"accepted\":3,\"duplicates\":0,\"rejected\":0}\n");
}

// A read error is not the end of the input: the run fails, says where reading
// stopped, and what came before is committed (a directory read as a file
// fails with EISDIR, as a failed allocation on a huge line fails with ENOMEM).
TEST_F(ReliabilityTest, AReadErrorFailsTheRunAfterCommittingWhatWasRead) {
  Write("good.jsonl", ThreeYears());
  fs::create_directories(dir_ / "adir");
  Result r = Enrol("ingest --source tax good.jsonl adir");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(absl::StrContains(r.err, "reading adir stopped after line 0")) << r.err;
  Result q = Enrol(absl::StrCat("query --id ", kPerson, " --year 2027"));
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_TRUE(absl::StrContains(q.out, "\"continuous_years\":3")) << q.out;
}

// A full disk is a clean error naming the data directory (it aborted the
// process in RocksDB's log writer), nothing is half applied, and the same
// command after space is freed ends with the digests of a clean run. Uses a
// small tmpfs, so it needs root (CI runs as root).
TEST_F(ReliabilityTest, AFullDiskStopsCleanlyAndTheRerunCompletes) {
  WriteBigFeed(dir_ / "big.jsonl", 120000);
  Result clean = Enrol("ingest --source tax big.jsonl", "clean");
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const std::string clean_digest = Enrol("digest", "clean").out;
  const fs::path small = dir_ / "small";
  fs::create_directories(small);
  const std::string mount = absl::StrCat("mount -t tmpfs -o size=6m tmpfs ", small.string(), " 2>/dev/null");
  if (std::system(mount.c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  Result full = Enrol("ingest --source tax big.jsonl", "small/data");
  EXPECT_EQ(full.exit_code, 1) << full.out;
  EXPECT_TRUE(absl::StrContains(full.err, "the disk is full")) << full.err;
  EXPECT_TRUE(absl::StrContains(full.err, (small / "data").string().substr(dir_.string().size() + 1))) << full.err;
  const std::string grow = absl::StrCat("mount -o remount,size=200m ", small.string());
  ASSERT_EQ(std::system(grow.c_str()), 0);
  Result rerun = Enrol("ingest --source tax big.jsonl", "small/data");
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(absl::StrContains(rerun.out, "\"rejected\":24}")) << rerun.out;
  EXPECT_EQ(Enrol("digest", "small/data").out, clean_digest);
  EXPECT_EQ(Enrol("replay", "small/data").exit_code, 0);
  EXPECT_EQ(Enrol("digest", "small/data").out, clean_digest);
  (void)std::system(absl::StrCat("umount ", small.string()).c_str());
}

TEST_F(ReliabilityTest, ACorruptedProjectionIsAnErrorNamingReplay) {
  Write("tax.jsonl", ThreeYears());
  ASSERT_EQ(Enrol("ingest --source tax tax.jsonl").exit_code, 0);
  for (const auto& entry : fs::directory_iterator(dir_ / "data" / "state")) {
    if (!absl::StartsWith(entry.path().filename().string(), "MANIFEST-")) continue;
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    const std::string junk(64, '\x5a');
    f.seekp(0);
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  for (const char* cmd : {"digest", "audit"}) {
    Result r = Enrol(cmd);
    EXPECT_NE(r.exit_code, 0) << cmd << ": " << r.out;
    EXPECT_TRUE(absl::StrContains(r.err, "enrol replay")) << cmd << ": " << r.err;
  }
  Result q = Enrol(absl::StrCat("query --id ", kPerson, " --year 2026"));
  EXPECT_NE(q.exit_code, 0) << q.out;
  ASSERT_EQ(Enrol("replay").exit_code, 0);
  EXPECT_EQ(Enrol(absl::StrCat("query --id ", kPerson, " --year 2026")).exit_code, 0);
}

// The crash loop: `enrol ingest` SIGKILLed at random moments, over and over,
// then run to the end: every record once (what the killed runs appended comes
// back as duplicates), and the digests of a clean run. ENROL_KILLS sets the
// number of kills (default 20; tests/bench/README.md reports a run of 1,000).
TEST_F(ReliabilityTest, IngestKilledAtRandomMomentsThenRerunEndsWithTheCleanDigest) {
  const char* env = std::getenv("ENROL_KILLS");
  const int kills = env != nullptr ? std::atoi(env) : 20;
  // Big enough that a run outlasts the longest wait (900 ms) on a fast
  // machine, so most rounds are killed part-way.
  WriteBigFeed(dir_ / "big.jsonl", 240000);
  Result clean = Enrol("ingest --source tax big.jsonl", "clean");
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const std::string clean_replay = Enrol("replay", "clean").out;
  const std::string clean_live = Enrol("digest", "clean").out;
  std::mt19937 rng(20261130);
  int killed = 0;
  for (int round = 0; round < kills; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::execl(ENROL_BINARY, ENROL_BINARY, "ingest", "--source", "tax", "big.jsonl", "--data-dir", "killed",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 900)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
  }
  EXPECT_GE(killed, kills / 2) << "most runs finished before the kill: use a bigger file";
  Result rerun = Enrol("ingest --source tax big.jsonl", "killed");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  // 240,000 good records and 48 bad ones: each good one accepted once, in some run.
  EXPECT_TRUE(absl::StrContains(rerun.out, "\"rejected\":48}")) << rerun.out;
  EXPECT_EQ(Enrol("digest", "killed").out, clean_live);
  EXPECT_EQ(Enrol("replay", "killed").out, clean_replay);
  std::printf("%d of %d runs killed part-way\n", killed, kills);
}

// What the ledger writes is its owner's alone, whatever the umask (issue 10):
// the data directory and every directory in it 0700, every file 0600.
TEST_F(ReliabilityTest, TheDataDirectoryIsPrivateWhateverTheUmask) {
  Write("tax.jsonl", ThreeYears() + "{\"record_id\":\"X\"}\n");
  const std::string cmd = absl::StrCat("cd ", dir_.string(), " && umask 000 && ", ENROL_BINARY,
                                       " ingest --source tax tax.jsonl --data-dir data >/dev/null && ", ENROL_BINARY,
                                       " replay --data-dir data >/dev/null");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  int files = 0;
  EXPECT_EQ(fs::status(dir_ / "data").permissions(), fs::perms::owner_all);
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "data")) {
    const fs::perms want = e.is_directory() ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write;
    EXPECT_EQ(e.status().permissions(), want) << e.path();
    files += e.is_regular_file() ? 1 : 0;
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace enrol
