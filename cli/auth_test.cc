#include "cli/auth.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace enrol {
namespace {

constexpr char kAlice[] = "alice-token-0123456789";
constexpr char kBob[] = "bob-token-0123456789ab";

std::string Tokens() {
  return absl::StrCat("# users of the test\n\ncaseworker alice ", Sha256Hex(kAlice), "\n  auditor\tbob ",
                      Sha256Hex(kBob), "  # the auditor\n");
}

TEST(Auth, TokensAdmitTheirUserForTheirRoleOnly) {
  auto a = Authenticator::FromTokens(Tokens(), "tokens.txt");
  ASSERT_TRUE(a.ok()) << a.status();
  auto alice = a->Admit(absl::StrCat("Bearer ", kAlice), nullptr, Role::kCaseworker);
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->role, Role::kCaseworker);
  EXPECT_EQ(a->Admit(absl::StrCat("Bearer ", kAlice), nullptr, Role::kAuditor).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(a->Admit(absl::StrCat("Bearer ", kBob), nullptr, Role::kAuditor).ok());
  EXPECT_EQ(a->Admit("", nullptr, Role::kCaseworker).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a->Admit("Bearer nobody-0123456789abc", nullptr, Role::kCaseworker).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a->Admit(absl::StrCat("Basic ", kAlice), nullptr, Role::kCaseworker).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(Auth, ABadLineIsNamedWithItsNumber) {
  const std::string good = absl::StrCat("caseworker alice ", Sha256Hex(kAlice), "\n");
  const std::pair<std::string, std::string> bad[] = {
      {"caseworker alice\n", "tokens.txt:2: expected ROLE NAME SHA256HEX, found 2 fields"},
      {absl::StrCat("admin root ", Sha256Hex(kBob), "\n"), "tokens.txt:2: role \"admin\""},
      {"feeder tax 1234\n", "tokens.txt:2: the hash must be 64 hex digits"},
      {absl::StrCat("feeder t/x ", Sha256Hex(kBob), "\n"), "tokens.txt:2: name \"t/x\""},
      {absl::StrCat("auditor bob ", Sha256Hex(kAlice), "\n"), "tokens.txt:2: the same token as alice's"}};
  for (const auto& [line, want] : bad) {
    auto a = Authenticator::FromTokens(good + line, "tokens.txt");
    ASSERT_FALSE(a.ok()) << line;
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(a.status().message().rfind(want, 0), 0u) << a.status().message();
  }
  EXPECT_EQ(Authenticator::FromTokens("# nobody\n", "t").status().message(), "t: no users");
}

TEST(Auth, WithoutAWayToAuthenticateTheServerNeedsNoAuth) {
  EXPECT_EQ(Authenticator::Make({}).status().code(), absl::StatusCode::kInvalidArgument);
  AuthConfig no_auth;
  no_auth.no_auth = true;
  auto open = Authenticator::Make(no_auth);
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->Admit("", nullptr, Role::kFeeder).ok());
  AuthConfig both = no_auth;
  both.tokens_file = "/nonexistent/tokens";
  EXPECT_FALSE(Authenticator::Make(both).ok());
  AuthConfig missing_file;
  missing_file.tokens_file = "/nonexistent/tokens";
  auto missing = Authenticator::Make(missing_file);
  EXPECT_NE(missing.status().message().find("--tokens /nonexistent/tokens: cannot read"), std::string::npos)
      << missing.status();
}

TEST(Auth, HashTokenAndLoopback) {
  EXPECT_EQ(*TokenHashLine(absl::StrCat(kAlice, "\n")), Sha256Hex(kAlice));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(TokenHashLine("short\n").ok());
  EXPECT_FALSE(TokenHashLine("with a space in it 0123\n").ok());
  for (const char* yes : {"127.0.0.1:8080", "localhost:0", "[::1]:9090", "127.1.2.3:1"}) EXPECT_TRUE(IsLoopback(yes)) << yes;
  for (const char* no : {"0.0.0.0:8080", "10.0.0.1:80", "[::]:9090", "example.org:1", ":8080"}) {
    EXPECT_FALSE(IsLoopback(no)) << no;
  }
}

TEST(Auth, TlsFilesAreCheckedAtStartup) {
  EXPECT_NE(TlsFiles::Read("/nonexistent/cert.pem", "/nonexistent/key.pem", "").status().message().find(
                "--tls-cert /nonexistent/cert.pem: cannot read"),
            std::string::npos);
  EXPECT_FALSE(TlsFiles::Read("cert.pem", "", "").ok());
  EXPECT_FALSE(TlsFiles::Read("", "", "ca.pem").ok());
  EXPECT_FALSE(TlsFiles::Read("", "", "").value().enabled());
}

}  // namespace
}  // namespace enrol
