#!/usr/bin/env bash
# Installs the Debian packages the ledger builds and tests with. Idempotent:
# does nothing when everything is already installed.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libprotobuf-dev protobuf-compiler
  libabsl-dev
  librocksdb-dev
  librdkafka-dev
  libjemalloc-dev
  libcpp-httplib-dev prometheus-cpp-dev libgrpc++-dev protobuf-compiler-grpc libcli11-dev
  libssl-dev
  libsimdjson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3
  chromium fonts-noto-cjk
  iproute2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The Kafka broker of the integration tests (deploy/kafka) runs on Java 17 and
# fetches its jars with Maven: use what the machine has, else Debian's.
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
