// grpc_bench: `enrol serve`'s gRPC Covered under load, as wrk does for HTTP
// (tests/bench/serve_bench.sh runs both): CONNECTIONS client threads, each on
// a channel of its own, ask Covered for persons of IDS_FILE (one ID a line)
// and random days of 2027 for SECONDS, then the rate and latency percentiles.
//   grpc_bench HOST:PORT IDS_FILE [CONNECTIONS=64] [SECONDS=20]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "grpcpp/grpcpp.h"
#include "proto/ledger.grpc.pb.h"

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
  std::atomic<int64_t> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
      auto stub = enrol::v1::Ledger::NewStub(
          grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
      for (uint64_t n = static_cast<uint64_t>(t) * 7919; !stop.load(); n += 104729) {
        enrol::v1::CoveredRequest req;
        req.set_id_number(ids[n % ids.size()]);
        req.set_date(absl::StrFormat("2027-%02d-15", static_cast<int>(n % 12) + 1));
        enrol::v1::Coverage reply;
        grpc::ClientContext ctx;
        const auto start = std::chrono::steady_clock::now();
        grpc::Status s = stub->Covered(&ctx, req, &reply);
        const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
        if (!s.ok()) ++errors;
        latencies[static_cast<size_t>(t)].push_back(us);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  std::printf("grpc Covered: %zu requests in %d s, %.0f requests/s, p50 %.0f us, p90 %.0f us, p99 %.0f us, %lld errors\n",
              all.size(), seconds, static_cast<double>(all.size()) / seconds, pct(0.5), pct(0.9), pct(0.99),
              static_cast<long long>(errors.load()));
  return 0;
}
