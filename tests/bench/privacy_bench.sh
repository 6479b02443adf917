#!/usr/bin/env bash
# What issue 10's privacy costs: ingest (with live projection) and replay of the
# same generated population by this build and by the build before issue 10
# (no encryption at rest, no pseudonyms), run alternately so that the machine's
# drift hits both alike; prints each round and the ratios of the medians.
# Run by hand on an idle machine (not by ctest).
# usage: tests/bench/privacy_bench.sh [PERSONS] [ROUNDS] [REF]
#   PERSONS default 200000; ROUNDS default 3; REF (the build without) default ef21112.
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-200000}
rounds=${2:-3}
ref=${3:-ef21112}
work=/tmp/privacy-bench-$persons
before=/tmp/enrol-before-$ref
mkdir -p "$work"
if [[ ! -x $before/build/enrol ]]; then
  rm -rf "$before"; git worktree prune
  git worktree add --detach "$before" "$ref" >/dev/null
  cmake -S "$before" -B "$before/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$before/build" --target enrol >/dev/null
fi
[[ -f $work/pop/tax.jsonl ]] ||
  python3 tests/bench/gen_population.py --people "$persons" --years 5 --seed 1 --out "$work/pop" >/dev/null
records=$(cat "$work"/pop/{tax,civil,registry,claims}.jsonl | wc -l)
export ENROL_KEY_FILE=$work/bench.key
[[ -f $ENROL_KEY_FILE ]] || { openssl rand -hex 32 >"$ENROL_KEY_FILE"; chmod 600 "$ENROL_KEY_FILE"; }

now() { date +%s.%N; }
# run NAME BINARY: prints "ingest_rate replay_rate"
run() {
  local bin=$1 data=$work/data t0 t1 t2
  rm -rf "$data"
  t0=$(now)
  for feed in tax civil registry claims; do "$bin" ingest --data-dir "$data" --source $feed "$work/pop/$feed.jsonl" >/dev/null; done
  t1=$(now)
  events=$("$bin" replay --data-dir "$data" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
  t2=$(now)
  python3 -c "print(round($records/($t1-$t0)), round($events/($t2-$t1)))"
}
with=(); without=()
for ((i = 1; i <= rounds; i++)); do
  read -r wi wr < <(run "$before/build/enrol"); without+=("$wi $wr")
  read -r ei er < <(run "$PWD/build/enrol"); with+=("$ei $er")
  echo "round $i: without ingest $wi rec/s replay $wr ev/s; with ingest $ei rec/s replay $er ev/s"
done
python3 - "$records" "${without[@]}" -- "${with[@]}" <<'PY'
import statistics, sys
args = sys.argv[2:]
cut = args.index("--")
wo = [tuple(map(int, a.split())) for a in args[:cut]]
wi = [tuple(map(int, a.split())) for a in args[cut + 1:]]
for k, name in ((0, "ingest, records/s"), (1, "replay, events/s")):
    a = statistics.median(x[k] for x in wo); b = statistics.median(x[k] for x in wi)
    print(f"{name}: without {a:,.0f}, with {b:,.0f}: {100 * (1 - b / a):+.1f}% cost")
print(f"records {sys.argv[1]}")
PY
