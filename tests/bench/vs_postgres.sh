#!/usr/bin/env bash
# The ledger against PostgreSQL at its own job, in one run on the same data:
# shared/peer's side_by_side.sh (PostgreSQL COPY + projection.sql against
# `enrol ingest` + `enrol replay` on PERSONS synthetic residents, with the
# ratios), then enrol_bench on the same feeds for query latency, peak RSS and
# bytes per event. Run by hand (README, Benchmark); needs PostgreSQL
# (apt-get install postgresql bc) and a build in build/.
# Then ROUNDS (default 3) rounds on the data both already hold: PostgreSQL's
# projection and `enrol replay`, alternately, each round's ratio and their
# median. One run's replay ratio moves with PostgreSQL's speed (139,805 and
# then 199,340 events/s in two runs in a row), so the median is the figure
# to quote.
#   [ROUNDS=N] tests/bench/vs_postgres.sh [PERSONS]        default 200000
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-200000}
rounds=${ROUNDS:-3}
peer=../shared/peer
if [ ! -x "$peer/side_by_side.sh" ] || ! command -v pg_ctlcluster >/dev/null; then
  echo "vs_postgres: needs ../shared/peer and PostgreSQL (apt-get install postgresql bc)" >&2
  exit 1
fi
bash "$peer/side_by_side.sh" . "$persons"
data=/tmp/peer-sbs-$persons/bench-data
build/tests/enrol_bench --enrol build/enrol --feeds "/tmp/peer-sbs-$persons" --data_dir "$data" 2>&1 | grep -E '^\|'

eval "$("$peer/pg.sh" env)"
started=""
if ! psql -X -q -c 'SELECT 1' >/dev/null 2>&1; then "$peer/pg.sh" start >/dev/null; started=1; fi
trap 'if [ -n "$started" ]; then "$peer/pg.sh" stop >/dev/null; fi; rm -rf "$data"' EXIT
now() { date +%s.%N; }
ratios=()
for round in $(seq "$rounds"); do
  t0=$(now); psql -X -q -f "$peer/projection.sql"; pg=$(echo "$(now) - $t0" | bc)
  t0=$(now); build/enrol replay --data-dir "$data" >/dev/null; en=$(echo "$(now) - $t0" | bc)
  ratio=$(printf '%.2f' "$(echo "$pg / $en" | bc -l)")
  ratios+=("$ratio")
  echo "round $round: postgres projection $pg s, enrol replay $en s, replay ${ratio}x"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "replay/projection over $rounds rounds: median ${median}x"
