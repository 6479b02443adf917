// Shared helpers of the cross-module suites: a test directory per test
// (TestDir, tests/testdir.h), the `enrol` program run as a user runs it, and
// feed records.
#ifndef ENROL_TESTS_TESTUTIL_H_
#define ENROL_TESTS_TESTUTIL_H_

#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "tests/testdir.h"

namespace enrol {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `enrol ARGS` (build/enrol) in `dir`, its output in dir/out.txt and dir/err.txt.
inline Result RunEnrol(const fs::path& dir, const std::string& args) {
  std::string cmd = absl::StrCat("cd ", dir.string(), " && ", ENROL_BINARY, " ", args, " >out.txt 2>err.txt");
  int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(dir / "out.txt");
  r.err = Slurp(dir / "err.txt");
  return r;
}

// A fresh directory per test, removed after it; Enrol runs build/enrol in it.
class CliTest : public ::testing::Test {
 protected:
  // Runs `enrol ARGS --data-dir DATA` in the test directory.
  Result Enrol(const std::string& args, const std::string& data = "data") {
    return RunEnrol(dir_, absl::StrCat(args, " --data-dir ", data));
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  TestDir tmp_{"cli"};
  fs::path dir_ = tmp_.path();
};

#ifdef ENROL_SOURCE_DIR
// The Kafka test brokers listen with SASL_SSL only (deploy/kafka/up.sh --secure):
// the client settings of the Kafka user `role` (admin, ingest or worker), for
// `enrol --kafka-config` or, with java, for Kafka's Java tools. They are in
// ENROL_KAFKA_SECURE_DIR, default deploy/kafka/secure.
inline std::string KafkaClientConfig(const std::string& role, bool java = false) {
  const char* dir = std::getenv("ENROL_KAFKA_SECURE_DIR");
  const std::string base = dir != nullptr && *dir != '\0' ? dir : ENROL_SOURCE_DIR "/deploy/kafka/secure";
  return absl::StrCat(base, java ? "/java/" : "/", role, ".properties");
}
#endif

inline constexpr char kPerson[] = "532501199001011239";

// Users of `enrol serve --tokens` (cli/auth.h) for the tests, one a role.
inline constexpr char kCaseworkerToken[] = "caseworker-alice-0123456789abcdef";
inline constexpr char kAuditorToken[] = "auditor-bob-0123456789abcdef";
inline constexpr char kFeederToken[] = "feeder-taxbureau-0123456789abcdef";

inline std::string TestSha256Hex(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) absl::StrAppend(&hex, absl::Hex(d[i], absl::kZeroPad2));
  return hex;
}

// A tokens file with the three users above: alice (caseworker), bob
// (auditor), taxbureau (feeder).
inline void WriteTokensFile(const fs::path& path) {
  std::ofstream(path) << "# ROLE NAME SHA256HEX\ncaseworker alice " << TestSha256Hex(kCaseworkerToken)
                      << "\nauditor bob " << TestSha256Hex(kAuditorToken) << "\nfeeder taxbureau "
                      << TestSha256Hex(kFeederToken) << "\n";
}

inline std::string Pay(const std::string& rid, const std::string& id, int period, const std::string& paid_at,
                const std::string& extra = "") {
  return absl::StrCat("{\"record_id\":\"", rid, "\",\"id_number\":\"", id,
                      "\",\"region\":\"532501\",\"scheme\":\"resident\",\"payer\":\"individual\",\"period\":\"",
                      period, "\",\"amount\":\"400.00\",\"paid_at\":\"", paid_at, "\"", extra, "}\n");
}

// A person of the big file: varied birth month and sequence, valid check digit.
inline std::string BigId(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "532501%04d%02d%02d%03d", 1950 + (n / 1000) % 70, n % 12 + 1,
                n % 28 + 1, n % 1000);
  std::string first17 = buf;
  return first17 + IdCheckCharacter(first17);
}

// records payments for records/4 persons over 4 years, some late, and a bad
// record every 5,000.
inline void WriteBigFeed(const fs::path& path, int records) {
  std::ofstream out(path);
  for (int i = 0; i < records; ++i) {
    int person = i / 4;
    int year = 2025 + i % 4;
    out << Pay(absl::StrCat("T", i), BigId(person), year,
               (i % 9 == 0) ? absl::StrCat(year, "-04-02T10:00:00+08:00")
                            : absl::StrCat(year - 1, "-10-12T09:30:00+08:00"));
    if (i % 5000 == 0) out << "{\"record_id\":\"X" << i << "\",\"bad\":1}\n";
  }
}

}  // namespace enrol

#endif  // ENROL_TESTS_TESTUTIL_H_
