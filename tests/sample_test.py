#!/usr/bin/env python3
"""The shipped sample, end to end: ingest data/sample/ with the real program,
check that exactly the deliberately bad records listed in data/sample/README.md
are rejected, each with a reason naming the right field, and that every figure
the generator expects (gen_population.py --expectations, worked by hand from
shared/DOMAIN.md) is what `enrol query` answers.

usage: sample_test.py ENROL SOURCE_DIR WORK_DIR
Prints 'N passed, N failed' and exits non-zero on any failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys

enrol, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
data = os.path.join(work, "data")
sample = os.path.join(src, "data", "sample")
expectations = os.path.join(work, "expectations.jsonl")
regenerated = os.path.join(work, "sample")

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


# The shipped sample is what the generator makes.
subprocess.run([sys.executable, os.path.join(src, "tests", "bench", "gen_population.py"), "--sample",
                "--out", regenerated, "--expectations", expectations], check=True, capture_output=True)
for name in sorted(os.listdir(sample)):
    with open(os.path.join(sample, name), "rb") as a, open(os.path.join(regenerated, name), "rb") as b:
        check(a.read() == b.read(), "data/sample/%s differs from what gen_population.py --sample makes" % name)

for feed, name in [("tax", "tax.jsonl"), ("civil", "civil.jsonl"), ("registry", "registry.csv"), ("claims", "claims.jsonl")]:
    out = subprocess.run([enrol, "ingest", "--data-dir", data, "--source", feed, os.path.join(sample, name)],
                         capture_output=True, text=True)
    check(out.returncode == 0, "ingest %s: %s" % (name, out.stderr))

# Rejects against the README's list of deliberately bad records.
bad = []
for line in open(os.path.join(sample, "README.md"), encoding="utf-8"):
    m = re.match(r"\| `([a-z]+\.(?:jsonl|csv))` \| (\d+) \| `([^`]*)` \| (?:`([^`]*)`|\(none\)) \| (.*) \|$", line.strip())
    if m:
        bad.append((m.group(1), int(m.group(2)), m.group(3), m.group(4)))
rejects = [json.loads(l) for l in subprocess.run([enrol, "rejects", "--data-dir", data], capture_output=True,
                                                 text=True, check=True).stdout.splitlines()]
got = {(os.path.basename(r["file"]), r["line"]): r for r in rejects}
check(len(bad) > 40, "the README lists the bad records")
for name, line, rid, field in bad:
    r = got.pop((name, line), None)
    if field is None:  # an exact duplicate: not a reject
        check(r is None, "%s:%d (exact duplicate) was rejected" % (name, line))
        continue
    check(r is not None, "%s:%d (%s) was not rejected" % (name, line, rid))
    if r is not None:
        check(r["reason"].startswith(field + ":"), "%s:%d reason %r does not name %s" % (name, line, r["reason"], field))
for key, r in got.items():
    check(False, "unexpected reject %s: %s" % (key, r["reason"]))


def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return "<missing>"
        d = d[k]
    return d


for line in open(expectations):
    e = json.loads(line)
    out = subprocess.run([enrol, "query", "--data-dir", data, "--id", e["id_number"], "--year", str(e["year"])],
                         capture_output=True, text=True)
    try:
        q = json.loads(out.stdout)
    except ValueError:
        check(False, "query %s %d: %s" % (e["id_number"], e["year"], out.stderr))
        continue
    for path, want in e["expect"].items():
        have = get(q, path)
        if isinstance(want, float) and isinstance(have, (int, float)):
            check(abs(want - have) < 1e-6, "%s %s %d %s: want %r, got %r" % (e["scenario"], e["id_number"], e["year"], path, want, have))
        else:
            check(have == want, "%s %s %d %s: want %r, got %r" % (e["scenario"], e["id_number"], e["year"], path, want, have))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
