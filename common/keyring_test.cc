#include "common/keyring.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

Keyring TestKeys(char fill = 'k') { return Keyring::FromBytes(std::string(32, fill)); }

TEST(KeyringTest, PseudonymIsKeyedAndStable) {
  const Keyring a = TestKeys('a'), b = TestKeys('b');
  EXPECT_EQ(a.Pseudonym("110101199003074514").size(), 32u);
  EXPECT_EQ(a.Pseudonym("110101199003074514"), a.Pseudonym("110101199003074514"));
  EXPECT_NE(a.Pseudonym("110101199003074514"), b.Pseudonym("110101199003074514"));
  EXPECT_NE(a.Pseudonym("110101199003074514"), a.Pseudonym("110101199003074515"));
  EXPECT_EQ(a.PseudonymHex("x").size(), 64u);
  EXPECT_EQ(a.key_id().size(), 16u);
  EXPECT_NE(a.key_id(), b.key_id());
}

TEST(KeyringTest, SealRoundTripsAndRefusesEveryAlteration) {
  const Keyring k = TestKeys();
  const std::string sealed = Seal(k.message_key(), "110101199003074514 paid", "aad");
  EXPECT_EQ(sealed.find("110101199003074514"), std::string::npos);
  EXPECT_EQ(*Unseal(k.message_key(), sealed, "aad"), "110101199003074514 paid");
  EXPECT_EQ(Unseal(k.message_key(), sealed, "other").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Unseal(TestKeys('z').message_key(), sealed, "aad").status().code(), absl::StatusCode::kDataLoss);
  for (size_t cut = 0; cut < sealed.size(); ++cut) {
    EXPECT_EQ(Unseal(k.message_key(), sealed.substr(0, cut), "aad").status().code(), absl::StatusCode::kDataLoss)
        << cut;
  }
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(Unseal(k.message_key(), bad, "aad").ok()) << i;
  }
}

TEST(KeyringTest, CtrAtAnyOffsetMatchesTheWholeStream) {
  const Keyring k = TestKeys();
  unsigned char iv[16];
  for (int i = 0; i < 16; ++i) iv[i] = static_cast<unsigned char>(0xf0 + i);  // carries across bytes
  std::string whole(1000, 'x');
  AesCtrXor(k.store_key(), iv, 0, whole.data(), whole.size());
  for (size_t off : {1u, 15u, 16u, 17u, 500u, 999u}) {
    std::string part(1000 - off, 'x');
    AesCtrXor(k.store_key(), iv, off, part.data(), part.size());
    EXPECT_EQ(part, whole.substr(off)) << off;
  }
  AesCtrXor(k.store_key(), iv, 0, whole.data(), whole.size());
  EXPECT_EQ(whole, std::string(1000, 'x'));
}

class KeyFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  TestDir tmp_{"keyring"};
  std::filesystem::path dir_ = tmp_.path();
};

TEST_F(KeyFileTest, LoadsHexAndRefusesBadFiles) {
  const std::string good = Write("good", std::string(64, 'a') + "\n");
  auto k = Keyring::Load(good);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->key_id(), Keyring::FromBytes(std::string(32, '\xaa')).key_id());
  EXPECT_EQ(Keyring::Load(Write("short", "abcd")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Keyring::Load(Write("open", std::string(64, 'a'), 0644)).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto missing = Keyring::Load((dir_ / "missing").string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
}

TEST_F(KeyFileTest, DefaultKeyIsCreatedOnceOwnerOnly) {
  ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  ::unsetenv("ENROL_KEY_FILE");
  auto first = Keyring::Load("");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->path(), (dir_ / "enrol/master.key").string());
  struct stat st;
  ASSERT_EQ(::stat(first->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "enrol").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto again = Keyring::Load("");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->key_id(), first->key_id());
  ::setenv("ENROL_KEY_FILE", (dir_ / "named").c_str(), 1);
  EXPECT_EQ(Keyring::Load("").status().code(), absl::StatusCode::kNotFound);
  ::unsetenv("ENROL_KEY_FILE");
  ::unsetenv("XDG_CONFIG_HOME");
}

}  // namespace
}  // namespace enrol
