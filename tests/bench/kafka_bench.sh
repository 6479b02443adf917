#!/usr/bin/env bash
# Issue 11's speed targets over Kafka, run by hand on an idle machine. On a broker of its
# own (one node, PLAINTEXT on 127.0.0.1:9392, 16 partitions, acks=all everywhere, values
# sealed with a key), with a generated population's tax feed:
#  - end to end: `enrol ingest --brokers` with a stage running (validate, forward to
#    PREFIX.incoming, the stage appends in transactions, ingest waits for its receipts),
#    then a projection worker run --until-caught-up; events/s over the whole;
#  - each step alone: ingest until its receipts, the worker catching up;
#  - a fresh worker rebuilding every partition from the broker (the rebuild target).
# usage: tests/bench/kafka_bench.sh [PERSONS]   (default 200000; build/enrol must exist)
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-200000}
work=/tmp/kafka-bench-$persons
enrol=$PWD/build/enrol
export ENROL_KAFKA_PORT=9392 ENROL_KAFKA_CONTROLLER_PORT=19392
brokers=127.0.0.1:9392
stage=""
cleanup() {
  [[ -z "$stage" ]] || kill "$stage" 2>/dev/null || true
  bash deploy/kafka/down.sh --dir "$work/kafka" >/dev/null 2>&1 || true
}
trap cleanup EXIT
bash deploy/kafka/down.sh --dir "$work/kafka" >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$work"
bash deploy/kafka/up.sh --nodes 1 --dir "$work/kafka" >"$work/up.log" 2>&1
openssl rand -hex 32 >"$work/key"
chmod 600 "$work/key"
export ENROL_KEY_FILE=$work/key
python3 tests/bench/gen_population.py --people "$persons" --years 5 --seed 7 --out "$work/pop" >/dev/null
records=$(wc -l <"$work/pop/tax.jsonl")
"$enrol" topics --brokers "$brokers" --partitions 16 >/dev/null
"$enrol" stage --brokers "$brokers" --data-dir "$work/stage" 2>"$work/stage.err" &
stage=$!

now() { date +%s.%N; }
rate() { python3 -c "print(round($1/($3-$2)))"; }
t0=$(now)
"$enrol" ingest --brokers "$brokers" --source tax "$work/pop/tax.jsonl" >"$work/ingest.json"
t1=$(now)
"$enrol" project --brokers "$brokers" --group w1 --data-dir "$work/w1" --until-caught-up >"$work/w1.json"
t2=$(now)
# A fresh worker: every partition rebuilt from the broker.
"$enrol" project --brokers "$brokers" --group w2 --data-dir "$work/w2" --until-caught-up >"$work/w2.json"
t3=$(now)
events=$(python3 -c "import json; print(json.load(open('$work/w2.json'))['applied'])")

echo "persons $persons, tax records $records, events appended $events ($(cat "$work/ingest.json"))"
echo "end to end (ingest with the stage, then a worker caught up): $(rate "$events" "$t0" "$t2") events/s"
echo "  ingest until its receipts: $(rate "$records" "$t0" "$t1") records/s"
echo "  the worker catching up: $(rate "$events" "$t1" "$t2") events/s"
echo "a fresh worker rebuilding: $(rate "$events" "$t2" "$t3") events/s"
