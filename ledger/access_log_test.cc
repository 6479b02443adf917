#include "ledger/access_log.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

constexpr char kId[] = "532501199001011239";

Keyring Keys(char fill = 'k') { return Keyring::FromBytes(std::string(Keyring::kKeyBytes, fill)); }

AccessRecord Read(const Keyring& keys, const std::string& user, const std::string& endpoint, int status) {
  AccessRecord r;
  r.user = user;
  r.role = "caseworker";
  r.endpoint = endpoint;
  r.pseudonym = keys.PseudonymHex(kId);
  r.asked = "2027";
  r.status = status;
  return r;
}

std::vector<AccessRecord> All(AccessLog* log, const AccessFilter& f = {}) {
  std::vector<AccessRecord> out;
  EXPECT_TRUE(log->ForEach(f, [&](const AccessRecord& r) {
                   out.push_back(r);
                   return true;
                 }).ok());
  return out;
}

TEST(AccessLog, RecordsComeBackInOrderAndSurviveAReopen) {
  const TestDir tmp("access-log");
  const std::string dir = tmp.NewPath("access");
  const Keyring keys = Keys();
  {
    auto log = AccessLog::Open(dir, &keys, /*read_only=*/false);
    ASSERT_TRUE(log.ok()) << log.status();
    (*log)->Append(Read(keys, "alice", "query", 200));
    (*log)->Append(Read(keys, "bob", "timeline", 404));
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto log = AccessLog::Open(dir, &keys, /*read_only=*/false);
  ASSERT_TRUE(log.ok()) << log.status();
  (*log)->Append(Read(keys, "carol", "grpc.Query", 403));
  ASSERT_TRUE((*log)->Flush().ok());
  auto all = All(log->get());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].user, "alice");
  EXPECT_EQ(all[1].status, 404);
  EXPECT_EQ(all[2].endpoint, "grpc.Query");
  EXPECT_EQ(all[2].sequence, 2u);  // the sequence goes on after a reopen
  EXPECT_LE(all[0].micros, all[2].micros);
  EXPECT_EQ(AccessRecordJson(all[1]).rfind("{\"time\":\"", 0), 0u);
  EXPECT_NE(AccessRecordJson(all[1]).find(absl::StrCat("\"user\":\"bob\",\"role\":\"caseworker\",\"endpoint\":\"timeline\","
                                                       "\"pseudonym\":\"",
                                                       keys.PseudonymHex(kId), "\",\"asked\":\"2027\",\"status\":404}")),
            std::string::npos)
      << AccessRecordJson(all[1]);
}

TEST(AccessLog, FiltersBySinceAndPseudonym) {
  const TestDir tmp("access-log");
  const std::string dir = tmp.NewPath("access");
  const Keyring keys = Keys();
  auto log = AccessLog::Open(dir, &keys, false);
  ASSERT_TRUE(log.ok()) << log.status();
  (*log)->Append(Read(keys, "alice", "query", 200));
  AccessRecord other = Read(keys, "alice", "query", 200);
  other.pseudonym = keys.PseudonymHex("42130319770324114X");
  (*log)->Append(other);
  ASSERT_TRUE((*log)->Flush().ok());
  auto by_id = AccessFilter::Parse("", "", kId, &keys, "--");
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(All(log->get(), *by_id).size(), 1u);
  auto by_hex = AccessFilter::Parse("", absl::AsciiStrToUpper(other.pseudonym), "", &keys, "--");
  ASSERT_TRUE(by_hex.ok());
  EXPECT_EQ(All(log->get(), *by_hex).size(), 1u);
  auto future = AccessFilter::Parse("2999-01-01T00:00:00+08:00", "", "", &keys, "--");
  ASSERT_TRUE(future.ok());
  EXPECT_TRUE(All(log->get(), *future).empty());
  auto past = AccessFilter::Parse("2000-01-01T00:00:00Z", "", "", &keys, "--");
  EXPECT_EQ(All(log->get(), *past).size(), 2u);
}

TEST(AccessLog, BadFilterParametersAreNamed) {
  const Keyring keys = Keys();
  EXPECT_NE(AccessFilter::Parse("yesterday", "", "", &keys, "--").status().message().find("--since: "),
            std::string::npos);
  EXPECT_NE(AccessFilter::Parse("", "abc", "", &keys, "").status().message().find("pseudonym: "), std::string::npos);
  EXPECT_NE(AccessFilter::Parse("", "", "532501199001011238", &keys, "").status().message().find("id: "),
            std::string::npos);
  EXPECT_EQ(AccessFilter::Parse("", "", kId, nullptr, "").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(AccessLog, AReadOnlyOpenBesideTheWriterSeesWhatItWrote) {
  const TestDir tmp("access-log");
  const std::string dir = tmp.NewPath("access");
  const Keyring keys = Keys();
  auto writer = AccessLog::Open(dir, &keys, false);
  ASSERT_TRUE(writer.ok()) << writer.status();
  (*writer)->Append(Read(keys, "alice", "query", 200));
  ASSERT_TRUE((*writer)->Flush().ok());
  auto reader = AccessLog::Open(dir, &keys, /*read_only=*/true);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(All(reader->get()).size(), 1u);
  // Without Flush, the thread writes within ~100 ms.
  (*writer)->Append(Read(keys, "bob", "query", 200));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto again = AccessLog::Open(dir, &keys, true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(All(again->get()).size(), 2u);
  EXPECT_EQ(AccessLog::Open(dir + "-none", &keys, true).status().code(), absl::StatusCode::kNotFound);
}

TEST(AccessLog, TheFilesAreEncryptedAndAnotherKeyIsRefused) {
  const TestDir tmp("access-log");
  const std::string dir = tmp.NewPath("access");
  const Keyring keys = Keys();
  {
    auto log = AccessLog::Open(dir, &keys, false);
    ASSERT_TRUE(log.ok()) << log.status();
    (*log)->Append(Read(keys, "alice-the-caseworker", "query", 200));
    ASSERT_TRUE((*log)->Close().ok());
  }
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_EQ(s.str().find("alice-the-caseworker"), std::string::npos) << e.path();
    EXPECT_EQ(s.str().find(keys.PseudonymHex(kId)), std::string::npos) << e.path();
  }
  const Keyring other = Keys('o');
  EXPECT_EQ(AccessLog::Open(dir, &other, true).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace enrol
