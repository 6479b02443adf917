#!/usr/bin/env bash
# Every answer stays the same across a change of the data layout: ingests the
# shipped sample and a generated population (gen_population.py, 2,000 persons,
# seed 11), then compares enrol_answers' per-person digests of query, query
# --as-of, explain and covered, and the whole of `enrol audit` and `enrol
# rejects`, with tests/fixtures/answers_*.txt (written by the build before the
# change: ANSWERS_WRITE=1 rewrites them). A mismatch lists the persons whose
# answers differ; `enrol_answers DIR --verbose` shows them.
#   answers_test.sh ENROL ENROL_ANSWERS SOURCE_DIR WORK_DIR
set -euo pipefail
enrol=$(realpath "$1") answers=$(realpath "$2") src=$(realpath "$3") work=$(realpath -m "$4")
rm -rf "$work"; mkdir -p "$work"
# A fixed key: a dead letter's reason names the partition of the earlier record,
# and a person's partition is that of the pseudonym (issue 10).
printf '%s\n' 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff > "$work/test.key"
chmod 600 "$work/test.key"
export ENROL_KEY_FILE=$work/test.key
python3 "$src/tests/bench/gen_population.py" --people 2000 --years 5 --seed 11 --out "$work/pop" >/dev/null
status=0
for set in sample population; do
  if [ $set = sample ]; then feeds=$src/data/sample; else feeds=$work/pop; fi
  data=$work/data-$set
  for feed in tax civil registry claims; do
    for f in $feed.jsonl $feed.csv; do  # relative names: dead letters keep them
      if [ -f "$feeds/$f" ]; then (cd "$feeds" && "$enrol" ingest --data-dir "$data" --source $feed $f >/dev/null); fi
    done
  done
  out=$work/answers_$set.txt
  grep -ohE '"id_number": ?"[0-9]{17}[0-9X]"|^[^,]*,[0-9]{17}[0-9X],' "$feeds"/* | grep -oE '[0-9]{17}[0-9X]' | sort -u > "$work/ids_$set"
  "$answers" "$data" < "$work/ids_$set" > "$out"
  echo "audit $("$enrol" audit --data-dir "$data" | sha256sum | cut -c1-64)" >> "$out"
  # The run a dead letter came from is new since the fixtures and differs from run to run.
  echo "rejects $("$enrol" rejects --data-dir "$data" | sed -E 's/,"run":"[^"]*"}$/}/' | sha256sum | cut -c1-64)" >> "$out"
  echo "digest-equals-replay $([ "$("$enrol" digest --data-dir "$data" | cut -d'"' -f6)" = \
    "$("$enrol" replay --data-dir "$data" | cut -d'"' -f8)" ] && echo yes || echo no)" >> "$out"
  fixture=$src/tests/fixtures/answers_$set.txt
  if [ "${ANSWERS_WRITE:-0}" = 1 ]; then cp "$out" "$fixture"; echo "wrote $fixture"; continue; fi
  if diff -q "$fixture" "$out" >/dev/null; then
    echo "$set: $(wc -l < "$out") answer digests identical"
  else
    echo "$set: answers differ from $fixture for:"; { diff "$fixture" "$out" || true; } | head -20; status=1
  fi
done
exit $status
