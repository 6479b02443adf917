// grpc_bench: `enrol serve`'s gRPC Covered under load, as wrk does for HTTP
// (tests/bench/serve_bench.sh runs both). Like wrk, it is a closed loop on
// asynchronous calls: CONNECTIONS channels, each with one call in flight and
// the next sent when its answer comes, ask Covered for persons of IDS_FILE (one
// ID a line) and days of 2027 for SECONDS; then the rate and latency
// percentiles. (The client used to be one thread a channel with blocking
// calls: it took more CPU than the server, on the same two cores.)
//   grpc_bench HOST:PORT IDS_FILE [CONNECTIONS=64] [SECONDS=20]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"

#include "absl/strings/str_format.h"
#include "proto/ledger.grpc.pb.h"

namespace {

// One channel and its call in flight. Its calls follow one another, so its
// fields are touched by one callback at a time.
class Connection {
 public:
  Connection(const std::string& target, const std::vector<std::string>* ids, uint64_t seed,
             std::atomic<bool>* stop, std::atomic<int>* running, std::atomic<int64_t>* errors)
      : ids_(ids), n_(seed), stop_(stop), running_(running), errors_(errors) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
    stub_ = enrol::v1::Ledger::NewStub(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }

  void Send() {
    n_ += 104729;
    req_.set_id_number((*ids_)[n_ % ids_->size()]);
    req_.set_date(absl::StrFormat("2027-%02d-15", static_cast<int>(n_ % 12) + 1));
    ctx_ = std::make_unique<grpc::ClientContext>();
    start_ = std::chrono::steady_clock::now();
    stub_->async()->Covered(ctx_.get(), &req_, &reply_, [this](grpc::Status s) { Done(s); });
  }

  const std::vector<double>& latencies() const { return latencies_; }

 private:
  void Done(const grpc::Status& s) {
    latencies_.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_).count());
    if (!s.ok()) ++*errors_;
    if (stop_->load()) {
      --*running_;
      return;
    }
    Send();
  }

  const std::vector<std::string>* ids_;
  uint64_t n_;
  std::atomic<bool>* stop_;
  std::atomic<int>* running_;
  std::atomic<int64_t>* errors_;
  std::unique_ptr<enrol::v1::Ledger::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  enrol::v1::CoveredRequest req_;
  enrol::v1::Coverage reply_;
  std::chrono::steady_clock::time_point start_;
  std::vector<double> latencies_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: grpc_bench HOST:PORT IDS_FILE [CONNECTIONS] [SECONDS]\n");
    return 2;
  }
  const std::string target = argv[1];
  std::vector<std::string> ids;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) ids.push_back(line);
  }
  if (ids.empty()) return 2;
  const int connections = argc > 3 ? std::atoi(argv[3]) : 64;
  const int seconds = argc > 4 ? std::atoi(argv[4]) : 20;
  std::atomic<bool> stop{false};
  std::atomic<int> running{connections};
  std::atomic<int64_t> errors{0};
  std::vector<std::unique_ptr<Connection>> conns;
  for (int t = 0; t < connections; ++t) {
    conns.push_back(std::make_unique<Connection>(target, &ids, static_cast<uint64_t>(t) * 7919, &stop, &running,
                                                 &errors));
  }
  for (auto& c : conns) c->Send();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  while (running.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<double> all;
  for (auto& c : conns) all.insert(all.end(), c->latencies().begin(), c->latencies().end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  std::printf("grpc Covered: %zu requests in %d s, %.0f requests/s, p50 %.0f us, p90 %.0f us, p99 %.0f us, %lld errors\n",
              all.size(), seconds, static_cast<double>(all.size()) / seconds, pct(0.5), pct(0.9), pct(0.99),
              static_cast<long long>(errors.load()));
  return 0;
}
