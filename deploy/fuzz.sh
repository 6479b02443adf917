#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for
# FUZZ_SECONDS (default 60), seeded from data/sample: the JSON Lines and CSV
# readers with the validation of all four sources (consumers/feed_fuzz.cc).
# A crash, leak, timeout or broken invariant fails the run and leaves the
# input in build-fuzz/findings/. FUZZ_RUNS=N runs N inputs instead.
# FUZZ_SANITIZE=OFF builds without ASan and UBSan (several times faster; for
# long runs, into build-fuzz-fast/). FUZZ_FORMATS picks the readers (default
# "jsonl csv"), so two long runs can go side by side on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=${FUZZ_SANITIZE:-ON}
if [ "$sanitize" = ON ]; then build_dir=${BUILD_DIR:-build-fuzz}; else build_dir=${BUILD_DIR:-build-fuzz-fast}; fi
seconds=${FUZZ_SECONDS:-60}
generator=()
if command -v ninja >/dev/null && [ ! -f "$build_dir/CMakeCache.txt" ]; then generator=(-G Ninja); fi
CC=clang CXX=clang++ cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENROL_FUZZ=ON \
  -DENROL_FUZZ_SANITIZE="$sanitize" \
  >/dev/null
cmake --build "$build_dir" --target feed_fuzz_jsonl feed_fuzz_csv -j "$(nproc)" >/dev/null
mkdir -p "$build_dir/findings"
for format in ${FUZZ_FORMATS:-jsonl csv}; do
  corpus="$build_dir/corpus-$format"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  # Seeds: each sample file of the format, and its lines one by one.
  for f in data/sample/*."$format"; do
    cp "$f" "$corpus/"
    split -l 1 -a 5 "$f" "$corpus/$(basename "$f")-line-"
  done
  limit=(-max_total_time="$seconds")
  if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); fi
  echo "fuzz $format: ${FUZZ_RUNS:-$seconds s}"
  log="$build_dir/fuzz-$format.log"
  status=0
  "$build_dir/consumers/feed_fuzz_$format" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build_dir/findings/$format-" -print_final_stats=1 "$corpus" >"$log" 2>&1 || status=$?
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "fuzz $format: failed (exit $status); the input is in $build_dir/findings"
    exit 1
  fi
done
