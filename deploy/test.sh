#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test with
# ctest, the Kafka integration tests (label "kafka") against a real broker that
# the ctest fixture starts and stops (tests/CMakeLists.txt: deploy/kafka/up.sh
# --secure, a SASL_SSL listener only; each test runs as the admin, ingest or
# worker user of deploy/kafka/secure); then builds again with AddressSanitizer +
# UBSan and runs the tests there too (all but the Kafka ones, which exercise
# the same code against a broker and would only repeat the first pass more
# slowly). Exit status 0 only when everything passes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh

echo "== build (RelWithDebInfo)"
bash deploy/build.sh
echo "== tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"
echo "== the README's main command (deploy/run-sample.sh)"
sample_dir=$(mktemp -d)
DATA_DIR="$sample_dir/enrol-data" bash deploy/run-sample.sh >"$sample_dir/run-sample.log" 2>&1 ||
  { cat "$sample_dir/run-sample.log"; echo "run-sample.sh failed"; exit 1; }
tail -3 "$sample_dir/run-sample.log"
rm -rf "$sample_dir"

if [ "${ENROL_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== build (AddressSanitizer + UBSan)"
  BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo bash deploy/build.sh -DENROL_SANITIZE=ON
  echo "== tests under AddressSanitizer + UBSan"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -LE kafka
fi

if [ "${ENROL_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzing the feed readers and validation (libFuzzer, ${FUZZ_SECONDS:-60} s a target)"
  bash deploy/fuzz.sh
fi
