// Server: `enrol serve` on the embedded store (shared/CONTRACT.md, Service).
// The one process that writes the data directory: it ingests the feeds
// posted to it, projects each batch as it lands and answers over HTTP/JSON
// with the JSON the command line prints for the same question (both fronts
// call QueryService and the formatters of cli/answers.h). Queries run
// concurrently on a pool of threads while an ingest is in progress; ingests
// are taken one at a time (one writer). Prometheus metrics at /metrics.
//
// With brokers and a group it is instead a Kafka projection worker of that
// group that answers for its partitions: it publishes its address for them
// (consumers/owners.h) and answers 307 to the owner for persons of others;
// feeds posted to it are appended to the events topic.
//
// Every route but /, /healthz, /readyz and /metrics needs a user of its role
// (cli/auth.h: bearer tokens or client certificates; 401 / UNAUTHENTICATED
// without, 403 / PERMISSION_DENIED for another role), and every person-level
// read is appended to the access log DATA_DIR/access (ledger/access_log.h),
// which auditors read at GET /v1/access-log.
//
// Thread-safe. Run() serves until Stop() (SIGTERM in `enrol serve`): the
// listener closes, the requests in hand finish (an ingest in hand is then
// durable and projected), and Run returns.
#ifndef ENROL_CLI_SERVE_H_
#define ENROL_CLI_SERVE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/keyring.h"
#include "ledger/kafka_config.h"
#include "projections/profiles.h"

namespace enrol {

struct ServeOptions {
  std::string data_dir = "./enrol-data";
  std::string listen = "127.0.0.1:8080";       // HTTP HOST:PORT; port 0 picks a free one
  std::string grpc_listen = "127.0.0.1:9090";  // gRPC (enrol.v1.Ledger); empty: none
  size_t max_body_bytes = size_t{256} << 20;  // a larger feed body gets 413
  int http_threads = 64;  // one a connection in hand: a slow client holds one of them
  size_t cache_mb = 1024;  // the projection's block cache (StateStore::SetCacheBytes)
  int read_timeout_seconds = 30;              // a client this slow is dropped
  int projection_threads = 2;
  int partitions = 64;  // of a new log
  // Kafka: with brokers and group, a projection worker of the group that
  // answers for the partitions it owns and redirects (307) for the others.
  std::string brokers;
  std::string group;
  std::string topics = "enrol";  // PREFIX.events, PREFIX.deadletters, PREFIX.owners
  std::string advertise;         // HOST:PORT the others redirect to; default: the listener
  KafkaConfig kafka_config;      // --kafka-config: librdkafka properties for every client
  // The master key: encrypts the store, pseudonymizes person keys and Kafka
  // payloads (common/keyring.h). Not owned; must outlive the server.
  const Keyring* keys = nullptr;
  // Plain HTTP and gRPC on a listener other than loopback (behind a proxy that
  // terminates TLS); refused otherwise.
  bool insecure_plaintext = false;
  // TLS for both fronts from PEM files (cli/auth.h); empty: plain HTTP and gRPC.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;  // mTLS: certificates it signed authenticate (OU role, CN user)
  std::string tokens_file;    // bearer tokens: ROLE NAME SHA256HEX a line
  bool no_auth = false;       // nobody authenticates: loopback listeners only
};

class Server {
 public:
  // Opens (or creates) the data directory for writing and projects whatever
  // an earlier run appended but did not project. `profiles` must outlive the
  // server. kUnavailable when another process holds the directory.
  static absl::StatusOr<std::unique_ptr<Server>> Open(const ServeOptions& options, const ProfileSet* profiles);
  ~Server();

  // Binds the listeners and starts gRPC; returns the HTTP port (grpc_port()
  // is gRPC's).
  absl::StatusOr<int> Bind();
  int grpc_port() const;
  // Serves until Stop(); then makes the stores durable (flushes them).
  absl::Status Run();
  void Stop();

  struct Impl;  // the commands both fronts call, and the fronts

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace enrol

#endif  // ENROL_CLI_SERVE_H_
