#include "cli/auth.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace enrol {
namespace {

// Debian's Abseil has its own string_view.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string Sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' && c != '@') {
      return false;
    }
  }
  return true;
}

// The error of a token file's line, or OK with `out` filled.
absl::Status ParseTokenLine(absl::string_view line, std::optional<Role>* role, std::string* name,
                            std::string* hash) {
  std::vector<absl::string_view> f = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (f.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("expected ROLE NAME SHA256HEX, found ", f.size(), " fields"));
  }
  *role = ParseRole(std::string_view(f[0].data(), f[0].size()));
  if (!*role) {
    return absl::InvalidArgumentError(
        absl::StrCat("role \"", f[0], "\" is not caseworker, auditor or feeder"));
  }
  if (!IsName(std::string_view(f[1].data(), f[1].size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("name \"", f[1], "\" must be 1 to 64 letters, digits or . _ - @"));
  }
  if (f[2].size() != 64 || !IsHex(std::string_view(f[2].data(), f[2].size()))) {
    return absl::InvalidArgumentError(
        "the hash must be 64 hex digits, the SHA-256 of the token (enrol serve --hash-token < token)");
  }
  *name = std::string(f[1]);
  *hash = absl::HexStringToBytes(absl::AsciiStrToLower(f[2]));
  return absl::OkStatus();
}

std::string ReadError(const std::string& flag, const std::string& file) {
  return absl::StrCat(flag, " ", file, ": cannot read: ", std::strerror(errno));
}

absl::StatusOr<std::string> Slurp(const std::string& flag, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(ReadError(flag, file));
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return absl::InvalidArgumentError(ReadError(flag, file));
  return s.str();
}

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// The first entry of `nid` in the subject, as UTF-8; empty if none.
std::string SubjectEntry(X509_NAME* subject, int nid) {
  const int at = X509_NAME_get_index_by_NID(subject, nid, -1);
  if (at < 0) return "";
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
  if (n < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

const char* RoleName(Role r) {
  switch (r) {
    case Role::kCaseworker: return "caseworker";
    case Role::kAuditor: return "auditor";
    case Role::kFeeder: return "feeder";
    case Role::kAny: return "any";
  }
  return "any";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kCaseworker, Role::kAuditor, Role::kFeeder}) {
    if (name == RoleName(r)) return r;
  }
  return std::nullopt;
}

std::string Sha256Hex(std::string_view data) { return absl::BytesToHexString(Sha256(data)); }

absl::StatusOr<std::string> TokenHashLine(std::string_view text) {
  absl::string_view input = Sv(text);
  absl::ConsumeSuffix(&input, "\n");
  absl::ConsumeSuffix(&input, "\r");
  if (input.size() < 16) {
    return absl::InvalidArgumentError("token: must be at least 16 characters (openssl rand -hex 32)");
  }
  for (char c : input) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("token: must not contain white space or control characters");
    }
  }
  return Sha256Hex(std::string_view(input.data(), input.size()));
}

absl::StatusOr<Authenticator> Authenticator::FromTokens(std::string_view text, const std::string& file) {
  Authenticator a;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(Sv(text), '\n')) {
    ++number;
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    Token t;
    std::optional<Role> role;
    if (auto s = ParseTokenLine(line, &role, &t.name, &t.hash); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", number, ": ", s.message()));
    }
    t.role = *role;
    for (const Token& other : a.tokens_) {
      if (other.hash == t.hash) {
        return absl::InvalidArgumentError(
            absl::StrCat(file, ":", number, ": the same token as ", other.name, "'s: each user needs their own"));
      }
    }
    a.tokens_.push_back(std::move(t));
  }
  if (a.tokens_.empty()) return absl::InvalidArgumentError(absl::StrCat(file, ": no users"));
  return a;
}

absl::StatusOr<Authenticator> Authenticator::Make(const AuthConfig& config) {
  if (config.no_auth && (!config.tokens_file.empty() || config.client_certs)) {
    return absl::InvalidArgumentError("--no-auth: not with --tokens or --tls-client-ca");
  }
  if (!config.no_auth && config.tokens_file.empty() && !config.client_certs) {
    return absl::InvalidArgumentError(
        "serve: say who may ask: --tokens FILE (bearer tokens) and/or --tls-client-ca FILE (client "
        "certificates), or --no-auth on loopback listeners");
  }
  Authenticator a;
  if (!config.tokens_file.empty()) {
    auto text = Slurp("--tokens", config.tokens_file);
    if (!text.ok()) return text.status();
    auto parsed = FromTokens(*text, config.tokens_file);
    if (!parsed.ok()) return parsed.status();
    a = std::move(*parsed);
  }
  a.config_ = config;
  return a;
}

std::optional<Principal> Authenticator::FindToken(std::string_view token) const {
  const std::string hash = Sha256(token);
  const Token* found = nullptr;
  for (const Token& t : tokens_) {  // every entry, each compared in full
    const bool same = CRYPTO_memcmp(hash.data(), t.hash.data(), hash.size()) == 0;
    if (same) found = &t;
  }
  if (found == nullptr) return std::nullopt;
  return Principal{found->name, found->role};
}

absl::StatusOr<Principal> Authenticator::Authenticate(std::string_view authorization, x509_st* client_cert) const {
  if (config_.no_auth) return Principal{"anonymous", Role::kAny};
  if (!authorization.empty()) {
    absl::string_view token = Sv(authorization);
    if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
      return absl::UnauthenticatedError("unauthenticated: the Authorization header must be \"Bearer TOKEN\"");
    }
    token = absl::StripAsciiWhitespace(token);
    std::optional<Principal> p = FindToken(std::string_view(token.data(), token.size()));
    if (!p) return absl::UnauthenticatedError("unauthenticated: unknown token");
    return *p;
  }
  if (client_cert != nullptr && config_.client_certs) return CertificatePrincipal(client_cert);
  return absl::UnauthenticatedError(absl::StrCat("unauthenticated: send \"Authorization: Bearer TOKEN\"",
                                                 config_.client_certs ? " or a client certificate" : ""));
}

absl::Status Authenticator::Authorize(const Principal& who, Role need) {
  if (who.role == Role::kAny || who.role == need) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("forbidden: ", who.name, " has the ", RoleName(who.role), " role; this needs ", RoleName(need)));
}

absl::StatusOr<Principal> Authenticator::Admit(std::string_view authorization, x509_st* client_cert,
                                               Role need) const {
  auto who = Authenticate(authorization, client_cert);
  if (!who.ok()) return who;
  if (auto s = Authorize(*who, need); !s.ok()) return s;
  return who;
}

absl::StatusOr<Principal> CertificatePrincipal(x509_st* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  if (subject == nullptr) return absl::UnauthenticatedError("unauthenticated: the client certificate has no subject");
  Principal p;
  p.name = SubjectEntry(subject, NID_commonName);
  if (!IsName(p.name)) {
    return absl::UnauthenticatedError(
        "unauthenticated: the client certificate's CN must be a user name (letters, digits, . _ - @)");
  }
  const std::string ou = SubjectEntry(subject, NID_organizationalUnitName);
  std::optional<Role> role = ParseRole(ou);
  if (!role) {
    return absl::PermissionDeniedError(absl::StrCat("forbidden: the client certificate's OU \"", ou,
                                                    "\" is not caseworker, auditor or feeder"));
  }
  p.role = *role;
  return p;
}

absl::StatusOr<Principal> PemCertificatePrincipal(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio == nullptr ? nullptr : PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return absl::UnauthenticatedError("unauthenticated: the client certificate does not parse");
  auto p = CertificatePrincipal(cert);
  X509_free(cert);
  return p;
}

bool IsLoopback(std::string_view host_port) {
  absl::string_view host = Sv(host_port);
  if (const size_t colon = host.rfind(':'); colon != absl::string_view::npos) host = host.substr(0, colon);
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  if (host == "localhost" || host == "::1") return true;
  std::vector<absl::string_view> quad = absl::StrSplit(host, '.');
  int first = 0;
  return quad.size() == 4 && absl::SimpleAtoi(quad[0], &first) && first == 127;
}

absl::StatusOr<TlsFiles> TlsFiles::Read(const std::string& cert, const std::string& key,
                                        const std::string& client_ca) {
  TlsFiles f{cert, key, client_ca, "", "", ""};
  if (cert.empty() != key.empty()) return absl::InvalidArgumentError("--tls-cert and --tls-key: give both");
  if (cert.empty() && !client_ca.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca: needs --tls-cert and --tls-key");
  }
  for (auto [flag, file, pem] : {std::tuple{"--tls-cert", &f.cert_file, &f.cert_pem},
                                 std::tuple{"--tls-key", &f.key_file, &f.key_pem},
                                 std::tuple{"--tls-client-ca", &f.client_ca_file, &f.client_ca_pem}}) {
    if (file->empty()) continue;
    auto text = Slurp(flag, *file);
    if (!text.ok()) return text.status();
    if (text->find("-----BEGIN ") == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(flag, " ", *file, ": not a PEM file"));
    }
    *pem = std::move(*text);
  }
  return f;
}

bool SetUpServerTls(const TlsFiles& files, ssl_ctx_st& ctx, std::string* error) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(&ctx, files.cert_file.c_str()) != 1) {
    *error = absl::StrCat("--tls-cert ", files.cert_file, ": ", OpenSslError());
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    *error = absl::StrCat("--tls-key ", files.key_file, ": ", OpenSslError());
    return false;
  }
  if (files.client_ca_file.empty()) return true;
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca_file.c_str());
  if (names == nullptr || SSL_CTX_load_verify_locations(&ctx, files.client_ca_file.c_str(), nullptr) != 1) {
    *error = absl::StrCat("--tls-client-ca ", files.client_ca_file, ": ", OpenSslError());
    return false;
  }
  SSL_CTX_set_client_CA_list(&ctx, names);
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);  // a certificate is optional; one sent must verify
  return true;
}

}  // namespace enrol
