// Who may ask what of `enrol serve` (issue 10): TLS from certificate files,
// and authentication with three roles, by bearer tokens kept hashed in a file
// or by client certificates (mTLS).
//
//   caseworker  person reads: query, covered, explain, timeline (the page)
//   auditor     audit, rejects (dead letters), the access log
//   feeder      ingest (POST /v1/feeds/{source}, gRPC Ingest)
//
// The tokens file (--tokens): one user a line, `ROLE NAME SHA256HEX`, where
// SHA256HEX is the hex SHA-256 of the user's bearer token (`enrol serve
// --hash-token` prints it); `#` starts a comment, blank lines are skipped.
// A client certificate signed by --tls-client-ca names its user by the
// subject's CN and the role by its OU.
//
// Immutable after Make; thread-safe.
#ifndef ENROL_CLI_AUTH_H_
#define ENROL_CLI_AUTH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct ssl_ctx_st;
struct x509_st;

namespace enrol {

enum class Role { kCaseworker, kAuditor, kFeeder, kAny /* --no-auth: every role */ };

const char* RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);

// The user a request comes from.
struct Principal {
  std::string name;
  Role role = Role::kAny;
};

// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);

// --hash-token: the token read from stdin, without its line end; at least 16
// characters, no white space (kInvalidArgument otherwise).
absl::StatusOr<std::string> TokenHashLine(std::string_view input);

struct AuthConfig {
  std::string tokens_file;    // --tokens; empty: none
  bool client_certs = false;  // --tls-client-ca given
  bool no_auth = false;       // --no-auth
};

class Authenticator {
 public:
  // kInvalidArgument naming FILE:LINE and what is wrong for a bad line of the
  // tokens file, or when no way to authenticate is configured (--tokens or
  // --tls-client-ca) and --no-auth is not given.
  static absl::StatusOr<Authenticator> Make(const AuthConfig& config);
  // The tokens of `text` (a tokens file's contents, `file` naming it in errors).
  static absl::StatusOr<Authenticator> FromTokens(std::string_view text, const std::string& file);

  // The user of a request that needs `need`: from the Authorization header
  // when there is one ("Bearer TOKEN"), else from the verified client
  // certificate (null: none). kUnauthenticated without credentials or with
  // unknown ones (HTTP 401), kPermissionDenied for another role (403). Token
  // hashes are compared in constant time.
  absl::StatusOr<Principal> Admit(std::string_view authorization, x509_st* client_cert, Role need) const;
  // Admit in two steps: who it is (kUnauthenticated), then whether that
  // user may do what needs `need` (kPermissionDenied).
  absl::StatusOr<Principal> Authenticate(std::string_view authorization, x509_st* client_cert) const;
  static absl::Status Authorize(const Principal& who, Role need);

  bool open() const { return config_.no_auth; }
  bool takes_tokens() const { return !tokens_.empty(); }

 private:
  struct Token {
    Role role;
    std::string name;
    std::string hash;  // 32 bytes
  };
  std::optional<Principal> FindToken(std::string_view token) const;
  AuthConfig config_;
  std::vector<Token> tokens_;
};

// The user of a verified client certificate: CN the name, OU the role
// (kPermissionDenied for an OU that is not a role, kUnauthenticated without
// a CN). From PEM text for gRPC's peer.
absl::StatusOr<Principal> CertificatePrincipal(x509_st* cert);
absl::StatusOr<Principal> PemCertificatePrincipal(std::string_view pem);

// True for HOST:PORT on the loopback interface (127.0.0.0/8, localhost, ::1).
bool IsLoopback(std::string_view host_port);

// The TLS files of both fronts, read at startup.
struct TlsFiles {
  std::string cert_file, key_file, client_ca_file;  // --tls-cert, --tls-key, --tls-client-ca
  std::string cert_pem, key_pem, client_ca_pem;
  bool enabled() const { return !cert_file.empty(); }
  // Reads the files; kInvalidArgument naming the flag and file that is
  // missing or unreadable, or a flag given without the others it needs.
  static absl::StatusOr<TlsFiles> Read(const std::string& cert, const std::string& key, const std::string& client_ca);
};

// Sets up an HTTPS server context: TLS 1.2 or later, the certificate chain
// and key (checked against each other), and with a client CA, client
// certificates requested (optional: tokens still work) and verified. False
// with `error` set (OpenSSL's reason) when one does not load.
bool SetUpServerTls(const TlsFiles& files, ssl_ctx_st& ctx, std::string* error);

}  // namespace enrol

#endif  // ENROL_CLI_AUTH_H_
