#!/usr/bin/env bash
# The ledger against PostgreSQL at its own job, in one run on the same data:
# shared/peer's side_by_side.sh (PostgreSQL COPY + projection.sql against
# `enrol ingest` + `enrol replay` on PERSONS synthetic residents, with the
# ratios), then enrol_bench on the same feeds for query latency, peak RSS and
# bytes per event. Run by hand (README, Benchmark); needs PostgreSQL
# (apt-get install postgresql bc) and a build in build/.
#   tests/bench/vs_postgres.sh [PERSONS]        default 200000
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-200000}
peer=../shared/peer
if [ ! -x "$peer/side_by_side.sh" ] || ! command -v pg_ctlcluster >/dev/null; then
  echo "vs_postgres: needs ../shared/peer and PostgreSQL (apt-get install postgresql bc)" >&2
  exit 1
fi
bash "$peer/side_by_side.sh" . "$persons"
build/tests/enrol_bench --enrol build/enrol --feeds "/tmp/peer-sbs-$persons" \
  --data_dir "/tmp/peer-sbs-$persons/bench-data" 2>&1 | grep -E '^\|'
rm -rf "/tmp/peer-sbs-$persons/bench-data"
