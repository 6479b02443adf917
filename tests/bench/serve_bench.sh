#!/usr/bin/env bash
# `enrol serve` under load (issue 8's targets), run by hand on an idle machine:
#  - HTTP `covered` with wrk: 64 connections, 2 threads, 20 s, random persons of
#    a generated population and random days, once the ingest's compactions are
#    done; requests/s and latency percentiles;
#  - gRPC `Covered` the same way (build/tests/grpc_bench: 64 channels, 20 s);
#  - ingest over HTTP against the command line's: the same tax feed posted to
#    a fresh server and ingested by `enrol ingest` into a fresh directory.
# usage: tests/bench/serve_bench.sh [PERSONS]   (default 100000; build/enrol must exist)
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-100000}
for tool in wrk curl; do
  command -v $tool >/dev/null || { echo "serve_bench.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
work=/tmp/serve-bench-$persons
enrol=$PWD/build/enrol
port=18210
rm -rf "$work"; mkdir -p "$work"
python3 tests/bench/gen_population.py --people "$persons" --years 5 --seed 7 --out "$work/pop" >/dev/null
records=$(wc -l < "$work/pop/tax.jsonl")

now() { date +%s.%N; }
t0=$(now); "$enrol" ingest --data-dir "$work/cli" --source tax "$work/pop/tax.jsonl" >/dev/null; t1=$(now)
cli_rate=$(python3 -c "print(round($records/($t1-$t0)))")

"$enrol" serve --no-auth --data-dir "$work/srv" --listen 127.0.0.1:$port --grpc-listen 127.0.0.1:$((port + 1)) --max-body 4000000000 \
  2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf localhost:$port/healthz >/dev/null && break; sleep 0.1; done
t0=$(now)
curl -sf -XPOST -H 'Content-Type: application/x-ndjson' --data-binary @"$work/pop/tax.jsonl" \
  localhost:$port/v1/feeds/tax >"$work/post.json"
t1=$(now)
http_rate=$(python3 -c "print(round($records/($t1-$t0)))")
for feed in civil registry claims; do
  curl -sf -XPOST --data-binary @"$work/pop/$feed.jsonl" localhost:$port/v1/feeds/$feed >/dev/null
done

# Queries are measured on a settled store: the compactions the ingest left
# would otherwise take a tenth of the CPU (enrol_process{figure=~".*compaction.*"}).
for _ in $(seq 600); do
  curl -sf localhost:$port/metrics | awk '/^enrol_process\{figure="(log|state)_(pending_compaction_bytes|running_compactions)"\}/ && $2 != 0 {busy=1} END {exit busy}' && break
  sleep 1
done
grep -ohE '"id_number":"[0-9]{17}[0-9X]"' "$work/pop/tax.jsonl" | cut -d'"' -f4 | sort -u | shuf -n 20000 --random-source=<(yes) >"$work/ids.txt"
cat >"$work/covered.lua" <<LUA
local ids = {}
for line in io.lines("$work/ids.txt") do ids[#ids + 1] = line end
local n = 0
request = function()
  n = n + 1
  local id = ids[(n * 7919) % #ids + 1]
  return wrk.format("GET", string.format("/v1/persons/%s/covered?date=2027-%02d-15", id, n % 12 + 1))
end
LUA
wrk -t2 -c64 -d20s --latency -s "$work/covered.lua" http://127.0.0.1:$port >"$work/wrk.txt"
build/tests/grpc_bench 127.0.0.1:$((port + 1)) "$work/ids.txt" 64 20 >"$work/grpc.txt"
kill -TERM $server; wait $server || true
trap - EXIT

echo "persons $persons, tax records $records"
echo "ingest: command line $cli_rate records/s, over HTTP $http_rate records/s ($(python3 -c "print(round(100*$http_rate/$cli_rate))")%)"
grep -E "Requests/sec|Latency |50%|90%|99%|requests in|Non-2xx" "$work/wrk.txt"
cat "$work/grpc.txt"
