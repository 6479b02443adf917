#!/usr/bin/env bash
# The main job on the embedded store: installs what is missing, builds, and
# ingests the shipped sample data set (data/sample: the four feeds) into a
# fresh data directory, then shows rejects, a few answers and a replay.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
enrol=build/enrol
data=${DATA_DIR:-./enrol-data}
rm -rf "$data"
for feed in tax civil registry claims; do
  for f in data/sample/$feed.jsonl data/sample/$feed.csv; do
    [ -f "$f" ] || continue
    printf '%-28s ' "ingest $f:"
    $enrol ingest --data-dir "$data" --source "$feed" "$f"
  done
done
# Whole, then the first lines: `enrol rejects | head` would end in SIGPIPE (exit
# 141 under pipefail) once head has read enough.
rejects=$($enrol rejects --data-dir "$data")
echo "rejected records (enrol rejects), first 5 of $(printf '%s\n' "$rejects" | wc -l):"
printf '%s\n' "$rejects" | sed -n 1,5p
echo
for id in 532501199001011239; do
  echo "enrol query --id $id --year 2027:"
  $enrol query --data-dir "$data" --id "$id" --year 2027 || true
done
echo "enrol replay:"
$enrol replay --data-dir "$data"
echo "enrol digest (the live projection; equals the replay's):"
$enrol digest --data-dir "$data"
