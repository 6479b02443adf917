// Issue 10: no readable ID number at rest, and the key handled as operators
// expect: made on first use outside the data directory, a wrong or missing
// one a clear error with nothing written.
#include <sys/stat.h>

#include <map>
#include <set>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testutil.h"

namespace enrol {
namespace {

class PrivacyTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    key_ = (dir_ / "k1.key").string();
    ASSERT_EQ(std::system(absl::StrCat("openssl rand -hex 32 >", key_, " && chmod 600 ", key_).c_str()), 0);
    ::setenv("ENROL_KEY_FILE", key_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("ENROL_KEY_FILE");
    CliTest::TearDown();
  }
  void IngestSample() {
    for (const char* feed : {"tax.jsonl", "civil.jsonl", "registry.csv", "claims.jsonl"}) {
      const std::string source = std::string(feed).substr(0, std::string(feed).find('.'));
      Result r = Enrol(absl::StrCat("ingest --source ", source, " ", ENROL_SOURCE_DIR, "/data/sample/", feed));
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  // Name, size and modification time of every file under the data directory.
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (const auto& f : fs::recursive_directory_iterator(dir_ / "data")) {
      if (!f.is_regular_file()) continue;
      out[f.path().string()] = absl::StrCat(f.file_size(), "@", f.last_write_time().time_since_epoch().count());
    }
    return out;
  }
  std::string key_;
};

std::set<std::string> SampleIds() {
  std::set<std::string> ids;
  // Every run of 17 digits and a digit or X that stands alone: an ID number.
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (const char* feed : {"tax.jsonl", "civil.jsonl", "registry.csv", "claims.jsonl"}) {
    const std::string text = Slurp(fs::path(ENROL_SOURCE_DIR) / "data/sample" / feed);
    for (size_t i = 0; i + 18 <= text.size(); ++i) {
      if (i > 0 && digit(text[i - 1])) continue;
      size_t n = 0;
      while (n < 17 && digit(text[i + n])) ++n;
      if (n < 17 || !(digit(text[i + 17]) || text[i + 17] == 'X')) continue;
      if (i + 18 < text.size() && digit(text[i + 18])) continue;
      ids.insert(text.substr(i, 18));
    }
  }
  return ids;
}

TEST_F(PrivacyTest, NoIdNumberOfTheSampleCanBeReadInTheDataDirectory) {
  IngestSample();
  ASSERT_EQ(Enrol("replay").exit_code, 0);  // the rebuilt state as well
  const std::set<std::string> ids = SampleIds();
  ASSERT_GT(ids.size(), 300u);
  std::string all;
  int files = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir_ / "data")) {
    if (!f.is_regular_file()) continue;
    all += Slurp(f.path());
    ++files;
  }
  ASSERT_GT(files, 5);
  int readable = 0;
  for (const std::string& id : ids) readable += all.find(id) != std::string::npos;
  EXPECT_EQ(readable, 0) << "of " << ids.size() << " ID numbers";
  // The answers are unchanged for the user who has the key.
  Result q = Enrol("query --id 532501199001011239 --year 2026");
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(q.out.find("\"id_number\":\"532501199001011239\""), std::string::npos) << q.out;
}

TEST_F(PrivacyTest, AWrongKeyIsAClearErrorAndWritesNothing) {
  IngestSample();
  const std::string other = (dir_ / "other.key").string();
  ASSERT_EQ(std::system(absl::StrCat("openssl rand -hex 32 >", other, " && chmod 600 ", other).c_str()), 0);
  const auto before = Snapshot();
  for (const std::string& cmd : std::vector<std::string>{
           "query --id 532501199001011239 --year 2026", "audit", "rejects", "replay", "digest",
        absl::StrCat("ingest --source tax ", ENROL_SOURCE_DIR, "/data/sample/tax.jsonl")}) {
    Result r = Enrol(absl::StrCat(cmd, " --key-file ", other));
    EXPECT_EQ(r.exit_code, 1) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("is encrypted under key id"), std::string::npos) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("--key-file"), std::string::npos) << cmd << ": " << r.err;
  }
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Enrol("digest").exit_code, 0);
}

TEST_F(PrivacyTest, AMissingOrBadKeyFileIsNamed) {
  Result missing = Enrol("ingest --source tax --key-file /nonexistent/enrol.key -");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/enrol.key does not exist"), std::string::npos) << missing.err;
  Write("bad.key", "not a key\n");
  ::chmod((dir_ / "bad.key").c_str(), 0600);
  Result bad = Enrol("digest --key-file bad.key");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("expected 64 hex digits"), std::string::npos) << bad.err;
  Write("open.key", std::string(64, 'a'));
  ::chmod((dir_ / "open.key").c_str(), 0644);
  Result open = Enrol("digest --key-file open.key");
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_NE(open.err.find("chmod 600"), std::string::npos) << open.err;
  EXPECT_FALSE(fs::exists(dir_ / "data"));
}

TEST_F(PrivacyTest, TheDefaultKeyIsMadeOnFirstUseOutsideTheDataDirectory) {
  ::unsetenv("ENROL_KEY_FILE");
  ::setenv("XDG_CONFIG_HOME", (dir_ / "config").c_str(), 1);
  Write("t.jsonl", Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00"));
  Result first = Enrol("ingest --source tax t.jsonl");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("created a new master key at " + (dir_ / "config/enrol/master.key").string()),
            std::string::npos)
      << first.err;
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "config/enrol/master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result second = Enrol("query --id 532501199001011239 --year 2026");
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err.find("created"), std::string::npos);
  ::unsetenv("XDG_CONFIG_HOME");
}

TEST_F(PrivacyTest, NoNewDefaultKeyIsMadeForAStoreThatHasOne) {
  Write("t.jsonl", Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00"));
  ASSERT_EQ(Enrol("ingest --source tax t.jsonl").exit_code, 0);
  ::unsetenv("ENROL_KEY_FILE");
  ::setenv("XDG_CONFIG_HOME", (dir_ / "config").c_str(), 1);
  Result r = Enrol("query --id 532501199001011239 --year 2026");
  ::unsetenv("XDG_CONFIG_HOME");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is encrypted under a key: pass it with --key-file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "config/enrol/master.key"));
}

TEST_F(PrivacyTest, RekeyCopiesTheStoreUnderANewKeyWithTheSameAnswers) {
  Result tax = Enrol(absl::StrCat("ingest --source tax ", ENROL_SOURCE_DIR, "/data/sample/tax.jsonl"));
  ASSERT_EQ(tax.exit_code, 0) << tax.err;
  ::usleep(20000);
  const std::string between = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  ::usleep(20000);
  IngestSample();  // the rest (tax again: all duplicates)
  Result rekey = Enrol("rekey --to data2 --new-key-file k2.key");
  ASSERT_EQ(rekey.exit_code, 0) << rekey.err;
  const std::string k2 = " --key-file k2.key";
  for (const std::string& cmd : std::vector<std::string>{"digest", "audit", "rejects",
                                                         "replay --as-of " + between,
                                                         "query --id 532501199001011239 --year 2026 --as-of " + between}) {
    Result old_store = Enrol(cmd);
    Result new_store = Enrol(cmd + k2, "data2");
    EXPECT_EQ(old_store.exit_code, 0) << cmd << ": " << old_store.err;
    EXPECT_EQ(new_store.exit_code, 0) << cmd << ": " << new_store.err;
    EXPECT_EQ(new_store.out, old_store.out) << cmd;
  }
  // The new store is the new key's alone.
  Result wrong = Enrol("digest", "data2");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("is encrypted under key id"), std::string::npos) << wrong.err;
  EXPECT_EQ(Enrol("rekey --to data2 --new-key-file k3.key").exit_code, 2);  // never over a directory
}

}  // namespace
}  // namespace enrol
