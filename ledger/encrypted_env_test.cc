#include "ledger/encrypted_env.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "gtest/gtest.h"
#include "ledger/embedded_log.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

constexpr char kPerson[] = "532501199001011239";

v1::Event Pay(const std::string& record_id, int64_t fen) {
  v1::Event e;
  e.set_source(v1::TAX);
  e.set_record_id(record_id);
  e.set_person(kPerson);
  e.set_region("532501");
  e.set_pool("532500");
  e.mutable_contribution()->set_amount_fen(fen);
  e.mutable_origin()->set_file("a.jsonl");
  return e;
}

// Every file's bytes, by name.
std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    out[f.path().filename().string()] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

absl::Status Fill(const std::string& dir, const Keyring* keys, bool flush) {
  auto log = EmbeddedLog::Open(dir, {.partitions = 4, .keys = keys});
  if (!log.ok()) return log.status();
  std::vector<v1::Event> batch = {Pay("T1", 40000), Pay("T2", 50000)};
  std::vector<AppendResult> r;
  if (auto s = (*log)->Append(batch, &r); !s.ok()) return s;
  v1::DeadLetter d;
  d.set_source(v1::TAX);
  d.set_id_number(kPerson);
  d.set_record(std::string("{\"id_number\":\"") + kPerson + "\"}");
  if (auto s = (*log)->Put({d}); !s.ok()) return s;
  return flush ? (*log)->Flush() : absl::OkStatus();
}

TEST(EncryptedStore, NoFileShowsTheIdNumberInTablesOrWal) {
  const TestDir tmp("encrypted-env");
  const Keyring keys = Keyring::FromBytes(std::string(32, 'k'));
  for (bool flush : {false, true}) {  // the WAL, then the tables
    const std::string dir = tmp.NewPath(flush ? "enc-sst" : "enc-wal");
    ASSERT_TRUE(Fill(dir, &keys, flush).ok());
    for (const auto& [name, bytes] : Files(dir)) {
      EXPECT_EQ(bytes.find(kPerson), std::string::npos) << name;
      EXPECT_EQ(bytes.find("532501199001"), std::string::npos) << name;
    }
    // Without the key it would read as it does with it: the control.
    const std::string plain = tmp.NewPath("plain");
    ASSERT_TRUE(Fill(plain, nullptr, flush).ok());
    bool found = false;
    for (const auto& [name, bytes] : Files(plain)) found |= bytes.find(kPerson) != std::string::npos;
    EXPECT_TRUE(found);

    auto log = EmbeddedLog::Open(dir, {.read_only = true, .keys = &keys});
    ASSERT_TRUE(log.ok()) << log.status();
    std::vector<LogEntry> out;
    for (int p = 0; p < 4; ++p) ASSERT_TRUE((*log)->Read(Partition{p}, Offset{0}, 10, &out).ok());
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].event.person(), kPerson);
  }
}

TEST(EncryptedStore, AWrongKeyIsRefusedWithNothingWritten) {
  const TestDir tmp("encrypted-env");
  const Keyring keys = Keyring::FromBytes(std::string(32, 'k'));
  const Keyring other = Keyring::FromBytes(std::string(32, 'o'));
  const std::string dir = tmp.NewPath("enc-wrong");
  ASSERT_TRUE(Fill(dir, &keys, false).ok());
  const auto before = Files(dir);
  for (bool read_only : {false, true}) {
    auto log = EmbeddedLog::Open(dir, {.read_only = read_only, .keys = &other});
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(log.status().message().find(keys.key_id()), std::string::npos) << log.status();
    EXPECT_NE(log.status().message().find(other.key_id()), std::string::npos) << log.status();
  }
  EXPECT_EQ(Files(dir), before);
  // A store written before encryption is named as such.
  const std::string plain = tmp.NewPath("plain-old");
  ASSERT_TRUE(Fill(plain, nullptr, true).ok());
  auto old = EmbeddedLog::Open(plain, {.keys = &keys});
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("without encryption"), std::string::npos) << old.status();
}

TEST(EncryptedStore, WithTheKeyIdFileForgedTheFilesStillRefuseTheWrongKey) {
  const TestDir tmp("encrypted-env");
  const Keyring keys = Keyring::FromBytes(std::string(32, 'k'));
  const Keyring other = Keyring::FromBytes(std::string(32, 'o'));
  const std::string dir = tmp.NewPath("enc-forged");
  ASSERT_TRUE(Fill(dir, &keys, true).ok());
  std::ofstream(dir + "/KEY-ID", std::ios::trunc) << other.key_id() << "\n";
  auto log = EmbeddedLog::Open(dir, {.read_only = true, .keys = &other});
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("is encrypted under key id"), std::string::npos) << log.status();
}

TEST(EncryptedStore, AlteredCiphertextIsAnErrorNeverGarbage) {
  const TestDir tmp("encrypted-env");
  const Keyring keys = Keyring::FromBytes(std::string(32, 'k'));
  const std::string dir = tmp.NewPath("enc-flip");
  ASSERT_TRUE(Fill(dir, &keys, true).ok());
  int tables = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() != ".sst") continue;
    ++tables;
    std::fstream io(f.path(), std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(4096 + 20);  // past the prefix: the first data block
    char c = 0;
    io.read(&c, 1);
    c ^= 0x5a;
    io.seekp(4096 + 20);
    io.write(&c, 1);
  }
  ASSERT_GT(tables, 0);
  auto log = EmbeddedLog::Open(dir, {.read_only = true, .keys = &keys});
  if (!log.ok()) {
    EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss) << log.status();
    return;
  }
  std::vector<LogEntry> out;
  absl::Status s;
  for (int p = 0; p < 4 && s.ok(); ++p) s = (*log)->Read(Partition{p}, Offset{0}, 10, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s << " read " << out.size();
}

}  // namespace
}  // namespace enrol
