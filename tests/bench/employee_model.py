#!/usr/bin/env python3
"""Independent reference model of the employee scheme (DOMAIN.md E1-E5, R10 for employee
months), compared with the ledger on random histories.

Python 3 standard library only. The model follows the text of ../shared/DOMAIN.md section 4
(and R10) and the profile figures in projections/profiles/*.json (employee section); it does
not use any of the ledger's rule code. Where DOMAIN.md is silent the reading chosen is named
in READINGS below and printed with the report.

  employee_model.py [--persons 300] [--seed 7] [--enrol build/enrol] [--data-dir DIR]
                    [--keep] [--examples 3] [--json OUT]

Generates the persons' tax (and registry transfer_in) records as JSON Lines, ingests them into
a fresh data dir under /tmp, runs `enrol query --year Y` for 2025-2028 for every person and
compares, month by month, the covered months (from `employee.benefits_from` minus
`employee.suspended`) and, per year, `employee.maternity_from` with the model.
"""

from __future__ import annotations

import argparse
import re
import calendar
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
AREAS = ("421302", "510402", "532501")  # Suizhou, Panzhihua, Honghe
YEARS = (2025, 2026, 2027, 2028)
H = 48  # months 2025-01 .. 2028-12 as indices 0..47

READINGS = [
    "On time = paid_at no later than the last day of the month after the period (brief's "
    "definition; DOMAIN.md does not define it). A month not paid on time is 'missed'; a "
    "gap is a maximal run of missed months after the first payment's month.",
    "A missed month paid later counts as made up whatever its purpose (regular or makeup).",
    "E2 'three unpaid months': a run of >= 3 consecutive missed months; the whole run is the "
    "gap (uncovered unless restored). A run of 1-2 missed months is no break: covered, paid "
    "or not.",
    "E2 'paid up within 6 months': month(last make-up payment) - first gap month <= 6. The "
    "gap is a unit: a gap month paid late while the gap as a whole is not paid up in time "
    "stays uncovered. An employer gap is counted from the first payment's month on (so it "
    "may start in that month, before cover).",
    "E2 resumption within 6 months (gap <= 6) without paying up in time: gap uncovered, "
    "cover again from the resumed (first on-time) month R; a resumption after > 6 months is a "
    "first enrolment (E1: month after the resuming payment's month; 510400 that month).",
    "E3 'a missed month stops cover from the next month': the first missed month after the "
    "wait (the first month of the gap, or the first month after the wait when the gap starts "
    "inside it) is still covered; cover stops from the month after it. This holds whatever "
    "the gap's length, also before a transfer or when the person stops paying.",
    "E3 gap <= 3 without make-up: gap (after its first month) uncovered, cover again from R; "
    "E3 make-up may come at any date. E3's gap length counts the missed months after the wait "
    "only ('After the wait, ...'): <= 3, 4-6 ('3-6 months'), > 6. The resuming payment is the "
    "one for the first on-time month after the gap.",
    "E3 wait: W months from the 1st of the first payment's month (W = flexible_waiting_"
    "months of that payment's pool, also for a resumption after > 6 months); a gap lying "
    "wholly inside a wait changes nothing.",
    "E4 applies when a registry transfer_in (employee) falls in [first gap month, resumed "
    "month] and the pool changes; gap = months between the last old-pool on-time month and "
    "the first new-pool on-time month. E4's 'next month' and '3 months' are read literally "
    "(not the profile's E1/E3 figures), also in 510400. Longer gaps: old pool's E2/E3 on the "
    "gap months.",
    "E5: maternity in month m iff m is covered and the months immediately before m in the "
    "current run hold >= maternity_months (profile of m's pool) consecutive paid months "
    "(paid at any date, before cover included). An unpaid month or an unrestored gap resets "
    "the count. Same rule for men and women and for flexible payers (DOMAIN.md does not "
    "distinguish). maternity_from = 1st of the first such month in the year.",
    "R10: each month uses the profile of the pool its contribution was paid in (unpaid months: "
    "the last paid month's pool).",
]

DOMAIN_QUOTES = {
    "E1": "E1: 'covered from the month after the month of the payment date of its first "
          "contribution ... from the month of the payment itself in Panzhihua ... January-June "
          "paid on 15 June gives cover from 1 July.'",
    "E1r": "E1: 'a first enrolment (or a resumption after more than 6 months, E2) is covered "
           "from the month after the month of the payment date'",
    "E1c": "E1: 'Once covered, months paid on time keep cover continuous.'",
    "E2nb": "E2: 'Three unpaid months make a break' ... 'unpaid months after that start a new "
            "count (two of them make no break).'",
    "E2r": "E2: 'Paid up within 6 months: cover restored and the gap backdated.'",
    "E2l": "E2: 'Later: cover from the month after payment, the gap never covered.' / "
           "'An interruption ends at the payment that resumes it'",
    "E2s": "E2: 'Three unpaid months make a break: cover is suspended.'",
    "E3w": "E3: 'First enrolment waits 3 months (... from the 1st of the payment month to the "
           "end of the 3rd month) or 6 months (Panzhihua) param. The wait ends only with time'",
    "E3g": "E3: 'After the wait, a missed month stops cover from the next month'",
    "E3b": "E3: 'resumed within 3 months with make-up: backdated'",
    "E3m": "E3: '3-6 months: cover from the month after payment'",
    "E3f": "E3: 'over 6 months: as a first enrolment.'",
    "E4b": "E4: 'Gap <= 3 months: make-up, no waiting, backdated.'",
    "E4l": "E4: 'Longer: employer staff covered from the next month, flexible workers wait "
           "3 months.'",
    "E5": "E5: 'From the month after 6 consecutive paid months, and only in covered months ... "
          "A break that is not restored ends the run; the count starts again.'",
    "-": "(no payment: nothing to cover)",
}


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------

def mi(y, m):
    return (y - 2025) * 12 + (m - 1)


def ym(i):
    return 2025 + i // 12, i % 12 + 1


def mname(i):
    y, m = ym(i)
    return "%04d-%02d" % (y, m)


def mdate(i, day):
    y, m = ym(i)
    return date(y, m, min(day, calendar.monthrange(y, m)[1]))


def month_of(d):
    return mi(d.year, d.month)


def last_day(i):
    y, m = ym(i)
    return date(y, m, calendar.monthrange(y, m)[1])


def pool(area):
    return area[:4] + "00"


def id_check(first17):
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def ranges(months):
    """[3,4,5,9] -> '2025-04..2025-06, 2025-10'"""
    out = []
    ms = sorted(months)
    i = 0
    while i < len(ms):
        j = i
        while j + 1 < len(ms) and ms[j + 1] == ms[j] + 1:
            j += 1
        out.append(mname(ms[i]) if i == j else "%s..%s" % (mname(ms[i]), mname(ms[j])))
        i = j + 1
    return ", ".join(out) if out else "none"


def load_profiles():
    prof = {}
    d = os.path.join(REPO, "projections", "profiles")
    for fn in os.listdir(d):
        if fn.endswith(".json"):
            with open(os.path.join(d, fn), encoding="utf-8") as f:
                j = json.load(f)
            # the latest version effective by 2025 (all shipped profiles have one version)
            vs = sorted(j["versions"], key=lambda v: v["effective_from"])
            prof[j["pool"]] = vs[-1]["employee"]
    return prof


# ------------------------------------------------------------------------------------------
# generator
# ------------------------------------------------------------------------------------------

class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.ids = set()
        self.seed = seed

    def new_id(self, area):
        rng = self.rng
        while True:
            b = date(rng.randint(1970, 1995), rng.randint(1, 12), 1)
            b = b.replace(day=rng.randint(1, calendar.monthrange(b.year, b.month)[1]))
            seq = "%02d%d" % (rng.randint(0, 99), rng.randint(0, 9))
            s17 = area + b.strftime("%Y%m%d") + seq
            idn = s17 + id_check(s17)
            if idn not in self.ids:
                self.ids.add(idn)
                return idn

    def person(self, n):
        rng = self.rng
        area = rng.choice(AREAS)
        idn = self.new_id(area)
        kind = "employer" if rng.random() < 0.6 else "flexible"
        habit15 = rng.random() < 0.6  # pays on the 15th, else in the following month
        pays = []   # (period, date, payer, purpose, area)
        trans = []  # (effective date, area, kind)

        def ontime(p):
            if habit15 or rng.random() < 0.2:
                return mdate(p, 15)
            return mdate(p + 1, rng.randint(1, 28))

        start = rng.randrange(0, 30)
        m = start
        if rng.random() < 0.3:  # first contributions paid late, in one go (E1)
            k = rng.randint(2, 6)
            last = min(start + k - 1, H - 1)
            d = mdate(last, 15)
            purpose = rng.choice(["regular", "makeup"])
            for p in range(start, last + 1):
                pays.append((p, d, kind, purpose, area))
            m = last + 1
        while m < H:
            run = rng.choice([1, 2, 3, 4, 5, 6, 8, 12, 18])
            for p in range(m, min(m + run, H)):
                if rng.random() < 0.06 and p < H - 5 and p > start:
                    # a single month paid late (regular or makeup), 2-4 months after
                    pays.append((p, mdate(p + rng.randint(2, 4), 20), kind,
                                 rng.choice(["regular", "makeup"]), area))
                else:
                    pays.append((p, ontime(p), kind, "regular", area))
            m += run
            if m >= H:
                break
            x = rng.random()
            if x < 0.10:
                break  # stops paying for good
            if x < 0.27:  # transfer to another pool (E4)
                g = rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 8])
                R = m + g
                if R >= H - 1:
                    break
                new_area = rng.choice([a for a in AREAS if a != area])
                new_kind = kind if rng.random() < 0.7 else (
                    "flexible" if kind == "employer" else "employer")
                if 1 <= g <= 3:
                    rdate = mdate(R + 1, rng.randint(1, 28))  # make-up after the gap's due
                else:
                    rdate = mdate(R, 15) if rng.random() < 0.6 else mdate(R + 1, rng.randint(1, 28))
                trans.append((mdate(R, 1), new_area, new_kind))
                area, kind = new_area, new_kind
                for p in range(m, R):
                    if g <= 3:
                        pays.append((p, rdate, kind, "makeup", area))
                pays.append((R, rdate, kind, "regular", area))
                m = R + 1
                continue
            g = rng.randint(1, 8)
            R = m + g
            if R >= H - 1:
                break
            t = rng.random()
            if t < 0.4:  # never paid
                rdate = ontime(R)
                pays.append((R, rdate, kind, "regular", area))
            elif t < 0.75:  # made up with the resuming payment (after the gap's due dates)
                rdate = mdate(R + 1, rng.randint(1, 28))
                for p in range(m, R):
                    pays.append((p, rdate, kind, "makeup", area))
                pays.append((R, rdate, kind, "regular", area))
            else:  # made up later
                rdate = ontime(R)
                pays.append((R, rdate, kind, "regular", area))
                u = mdate(R + rng.randint(1, 8), 20)
                for p in range(m, R):
                    pays.append((p, u, kind, "makeup", area))
            m = R + 1
        tax = []
        for j, (p, d, payer, purpose, ar) in enumerate(sorted(pays)):
            tax.append({
                "record_id": "EM%d-%04d-%03d" % (self.seed, n, j),
                "id_number": idn, "region": ar, "scheme": "employee", "payer": payer,
                "purpose": purpose, "period": mname(p),
                "amount": "500.00" if payer == "employer" else "300.00",
                "paid_at": "%sT10:00:00+08:00" % d.isoformat(), "op": "pay"})
        reg = []
        for j, (d, ar, k) in enumerate(trans):
            reg.append({"record_id": "EMR%d-%04d-%02d" % (self.seed, n, j), "id_number": idn,
                        "region": ar, "action": "transfer_in", "scheme": "employee",
                        "kind": k, "effective": d.isoformat()})
        return idn, tax, reg


# ------------------------------------------------------------------------------------------
# the model (from the records only)
# ------------------------------------------------------------------------------------------

def model(tax, reg, prof):
    """Returns (covered[48], label[48], maternity[48]). Labels name the rule behind each month."""
    pays = []
    for r in tax:
        if r.get("op", "pay") != "pay" or r["scheme"] != "employee":
            continue
        y, m = map(int, r["period"].split("-"))
        pays.append({"p": mi(y, m), "d": date.fromisoformat(r["paid_at"][:10]),
                     "payer": r["payer"], "purpose": r.get("purpose", "regular"),
                     "pool": pool(r["region"])})
    trans = []
    for r in reg:
        if r["action"] == "transfer_in" and r["scheme"] == "employee":
            trans.append({"d": date.fromisoformat(r["effective"]), "pool": pool(r["region"]),
                          "kind": r.get("kind", "")})
    covered = [False] * H
    label = ["-"] * H
    mat = [False] * H
    if not pays:
        return covered, label, mat
    by_p = {}
    for x in sorted(pays, key=lambda x: x["d"]):
        by_p.setdefault(x["p"], x)
    first = min(pays, key=lambda x: (x["d"], x["p"]))
    P = month_of(first["d"])

    def ontime(p):
        return p in by_p and by_p[p]["d"] <= last_day(p + 1)

    def pool_of(m):
        best = None
        for p in sorted(by_p):
            if p <= m:
                best = by_p[p]["pool"]
        return best if best else first["pool"]

    def kind_of(m):
        best = None
        for p in sorted(by_p):
            if p <= m:
                best = by_p[p]["payer"]
        return best if best else first["payer"]

    kind = first["payer"]
    p0 = first["pool"]
    if kind == "employer":
        C = P if prof[p0]["employer_cover_same_month"] else P + 1
        pre = "E1 employer before first cover"
        prekey = "E1"
    else:
        C = P + prof[p0]["flexible_waiting_months"]
        pre = "E3 flexible first wait"
        prekey = "E3w"
    wait_end = C  # first month after the initial wait (flexible)
    C0 = C  # first cover of the first enrolment
    for m in range(0, H):
        if m < min(P, min(by_p)):
            label[m] = "-"
    tags = {}  # month -> (label, rule key); default set later
    for m in range(min(by_p), min(C, H)):
        tags[m] = (pre, prekey)

    # missed runs from the first payment's month on
    runs = []
    m = P
    while m < H:
        if not ontime(m):
            s = m
            while m < H and not ontime(m):
                m += 1
            runs.append((s, m - 1))
        else:
            m += 1
    count_ok = {p: True for p in by_p}  # E5: paid months that count; unrestored gaps reset
    unc = set()  # months forced uncovered
    cov_force = set()  # months forced covered (no-break / grace / backdated)
    for (S, E) in runs:
        R = E + 1 if E + 1 < H else None
        g = E - S + 1 if R is not None else 10 ** 6
        gap = range(S, E + 1)
        made_up = all(p in by_p for p in gap)
        u = max((by_p[p]["d"] for p in gap if p in by_p), default=None)
        r = None
        if R is not None:
            # the payment that resumes: the one for the first on-time month after the gap
            # (make-ups sent with it carry the same date)
            r = by_p[R]["d"]
        old_kind = kind_of(S - 1) if S > 0 else kind
        old_pool = pool_of(S - 1) if S > 0 else p0
        tr = None
        if R is not None:
            for t in trans:
                if S <= month_of(t["d"]) <= R and t["pool"] != old_pool:
                    tr = t
        gstr = "gap %d" % g if R is not None else "stopped"

        def gap_old_rules(tag_prefix, no_grace=False):
            """old pool's E2/E3 for a gap that is not restored (transfer > 3 or stop)"""
            for p in gap:
                count_ok[p] = False
            if old_kind == "employer":
                if g < prof[old_pool]["arrears_break_months"]:
                    for p in gap:
                        cov_force.add(p)
                        tags[p] = (tag_prefix + " employer no break", "E2nb")
                else:
                    for p in gap:
                        unc.add(p)
                        tags[p] = (tag_prefix + " employer break, not paid up", "E2s")
            else:
                for p in gap:
                    unc.add(p)
                    tags[p] = (tag_prefix + " flexible missed", "E3g")
                gm = max(S, wait_end)
                if gm <= E and not no_grace:
                    unc.discard(gm)
                    cov_force.add(gm)
                    tags[gm] = (tag_prefix + " flexible first missed month (grace)", "E3g")

        if tr is not None:
            new_kind = tr["kind"] or kind_of(R)
            if g <= prof[tr["pool"]]["transfer_window_months"]:
                if made_up:
                    for p in gap:
                        cov_force.add(p)
                        tags[p] = ("E4 transfer gap<=3 made up", "E4b")
                else:
                    for p in gap:
                        unc.add(p)
                        count_ok[p] = False
                        tags[p] = ("E4 transfer gap<=3 not made up", "E4b")
            else:
                gap_old_rules("E4 transfer gap>3:")
                rm = month_of(r)
                newC = rm + 1 if new_kind == "employer" else rm + 3
                for p in range(R, min(newC, H)):
                    unc.add(p)
                    tags[p] = ("E4 transfer>3 %s before cover" % new_kind, "E4l")
                if newC < H:
                    tags[newC] = ("E4 transfer>3 %s first covered month" % new_kind, "E4l")
                if new_kind == "flexible":
                    wait_end = max(wait_end, newC)
                C = max(C, newC)
            continue
        if R is None:
            gap_old_rules("stopped:")
            continue
        if old_kind == "employer":
            pr = prof[old_pool]
            if S < C0:
                gstr += " (from the first payment's month, before first cover)"
            if g < pr["arrears_break_months"]:
                for p in gap:
                    cov_force.add(p)
                    tags[p] = ("E2 employer %s no break" % gstr, "E2nb")
                    if p not in by_p:
                        count_ok[p] = False
            elif made_up and month_of(u) - S <= pr["arrears_backdate_months"]:
                for p in gap:
                    cov_force.add(p)
                    tags[p] = ("E2 employer %s paid up within 6: restored" % gstr, "E2r")
            elif g <= pr["arrears_backdate_months"]:
                for p in gap:
                    unc.add(p)
                    count_ok[p] = False
                    tags[p] = ("E2 employer %s not paid up in 6: gap%s" % (
                        gstr, ", this month paid late" if p in by_p else ""), "E2l")
                tags[R] = ("E2 employer resumed within 6, not paid up: resumed month R", "E2l")
            else:
                for p in gap:
                    unc.add(p)
                    count_ok[p] = False
                    tags[p] = ("E2 employer %s (>6): gap%s" % (
                        gstr, ", this month paid late" if p in by_p else ""), "E2l")
                rp = by_p[R]["pool"]
                rm = month_of(r)
                newC = rm if prof[rp]["employer_cover_same_month"] else rm + 1
                for p in range(R, min(newC, H)):
                    unc.add(p)
                    tags[p] = ("E2/E1 employer resumption after >6: before cover", "E1r")
                if newC < H:
                    tags[newC] = ("E2/E1 employer resumption after >6: first covered month", "E1r")
                C = max(C, newC)
        else:
            pr = prof[old_pool]
            if E < wait_end:
                # entirely inside a wait: the wait ends only with time
                continue
            gm = max(S, wait_end)  # first missed month after the wait
            ge = E - gm + 1  # missed months after the wait
            gstr = "gap %d" % ge
            made_up_after = all(p in by_p for p in range(gm, E + 1))
            if ge <= pr["flexible_backdate_months"] and made_up_after:
                for p in range(gm, E + 1):
                    cov_force.add(p)
                    late = max(month_of(by_p[q]["d"]) for q in range(gm, E + 1)) - gm
                    tags[p] = ("E3 flexible %s made up %s: backdated" % (
                        gstr, "> 6 months after its start" if late > 6 else "within 6 months"),
                        "E3b")
                continue
            for p in gap:
                count_ok[p] = False
                if p >= wait_end:
                    unc.add(p)
                    tags[p] = ("E3 flexible %s%s missed" % (gstr, " made up" if made_up_after
                                                            else ""),
                               "E3b" if ge <= 3 else ("E3m" if ge <= 6 else "E3f"))
            unc.discard(gm)
            cov_force.add(gm)
            tags[gm] = ("E3 flexible %s first missed month (grace)" % gstr, "E3g")
            if ge <= pr["flexible_backdate_months"]:
                tags[R] = ("E3 flexible gap<=3 not made up: resumed month R", "E3b")
            elif ge <= pr["arrears_backdate_months"]:
                rm = month_of(r)
                for p in range(R, min(rm + 1, H)):
                    unc.add(p)
                    tags[p] = ("E3 flexible resumed after gap 4-6: before month after payment",
                               "E3m")
                if rm + 1 < H:
                    tags[rm + 1] = ("E3 flexible resumed after gap 4-6: first covered month",
                                    "E3m")
            else:
                rp = by_p[R]["pool"]
                rm = month_of(r)
                newC = rm + prof[rp]["flexible_waiting_months"]
                for p in range(R, min(newC, H)):
                    unc.add(p)
                    tags[p] = ("E3 flexible resumed after gap>6: new wait", "E3f")
                if newC < H:
                    tags[newC] = ("E3 flexible resumed after gap>6: first covered month", "E3f")
                wait_end = max(wait_end, newC)
                C = max(C, newC)

    for m in range(H):
        if m < min(by_p) or m < P:
            covered[m] = False
            if m >= min(by_p):
                tags[m] = (pre, prekey)
        elif m < C0:
            covered[m] = False
        elif m in unc:
            covered[m] = False
        elif m in cov_force:
            covered[m] = True
        elif ontime(m):
            covered[m] = True
            tags.setdefault(m, ("paid on time, cover running", "E1c"))
        else:
            covered[m] = False
        label[m] = tags.get(m, ("-", "-"))[0] + "|" + tags.get(m, ("-", "-"))[1]
    # E5
    c = 0
    for m in range(H):
        k = prof[pool_of(m)]["maternity_months"]
        mat[m] = covered[m] and c >= k and m >= min(by_p)
        if count_ok.get(m, False):
            c += 1
        else:
            c = 0
    return covered, label, mat


# ------------------------------------------------------------------------------------------
# the ledger
# ------------------------------------------------------------------------------------------

def ledger_year(enrol, data_dir, idn, y):
    out = subprocess.run(["nice", "-n", "10", enrol, "query", "--data-dir", data_dir,
                          "--id", idn, "--year", str(y)], capture_output=True, text=True)
    if out.returncode != 0:
        return None, "exit %d: %s %s" % (out.returncode, out.stdout.strip(), out.stderr.strip())
    j = json.loads(out.stdout)
    return j.get("employee"), None


def ledger_months(emp, y):
    """covered months (indices) of year y from benefits_from and suspended"""
    cov = set()
    odd = []
    if not emp or not emp.get("benefits_from"):
        return cov, odd
    bf = date.fromisoformat(emp["benefits_from"])
    if bf.day != 1:
        odd.append("benefits_from %s" % bf)
    for m in range(mi(y, 1), mi(y, 12) + 1):
        if mdate(m, 1) >= bf.replace(day=1):
            cov.add(m)
    for iv in emp.get("suspended") or []:
        a = date.fromisoformat(iv["from"])
        b = date.fromisoformat(iv["to"])
        if a.day != 1 or b != last_day(month_of(b)):
            odd.append("suspended %s..%s" % (a, b))
        for m in range(mi(y, 1), mi(y, 12) + 1):
            if a <= mdate(m, 1) <= b:
                cov.discard(m)
    return cov, odd


# ------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------

def compress(tax):
    rows = sorted(tax, key=lambda r: r["period"])
    out = []
    i = 0
    while i < len(rows):
        r = rows[i]
        y, m = map(int, r["period"].split("-"))
        p = mi(y, m)
        d = date.fromisoformat(r["paid_at"][:10])
        key = (r["payer"], r["purpose"], r["region"])
        off = month_of(d) - p
        j = i
        same_date = True
        same_pat = True
        while j + 1 < len(rows):
            n = rows[j + 1]
            ny, nm = map(int, n["period"].split("-"))
            nd = date.fromisoformat(n["paid_at"][:10])
            if mi(ny, nm) != p + (j + 1 - i) or (n["payer"], n["purpose"], n["region"]) != key:
                break
            sd = same_date and nd == d
            sp = same_pat and (month_of(nd) - mi(ny, nm) == off and nd.day == d.day)
            if not (sd or sp):
                break
            same_date, same_pat = sd, sp
            j += 1
        span = r["period"] if i == j else "%s..%s" % (r["period"], rows[j]["period"])
        if i == j or same_date:
            when = "paid %s" % d
        else:
            when = "each paid day %d of %s" % (d.day, "the same month" if off == 0
                                                else "month+%d" % off)
        out.append("%s %s (%s %s %s)" % (span, when, key[0], key[1], key[2]))
        i = j + 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--persons", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--enrol", default=os.path.join(REPO, "build", "enrol"))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the data dir and feeds")
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--json", default=None, help="write every disagreement here (JSON Lines)")
    a = ap.parse_args()

    prof = load_profiles()
    gen = Gen(a.seed)
    persons = [gen.person(n) for n in range(a.persons)]
    work = a.data_dir or tempfile.mkdtemp(prefix="employee_model_")
    if a.data_dir:
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    tax_f = os.path.join(work, "tax.jsonl")
    reg_f = os.path.join(work, "registry.jsonl")
    with open(tax_f, "w") as f:
        for _, tax, _ in persons:
            for r in tax:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(reg_f, "w") as f:
        for _, _, reg in persons:
            for r in reg:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    ddir = os.path.join(work, "data")
    for src, fn in (("tax", tax_f), ("registry", reg_f)):
        if os.path.getsize(fn) == 0:
            continue
        out = subprocess.run(["nice", "-n", "10", a.enrol, "ingest", "--data-dir", ddir,
                              "--source", src, fn], capture_output=True, text=True)
        print("ingest %s: %s %s" % (src, out.stdout.strip(), out.stderr.strip()[:300]))
        if '"rejected":0' not in out.stdout.replace(" ", ""):
            rj = subprocess.run([a.enrol, "rejects", "--data-dir", ddir, "--source", src],
                                capture_output=True, text=True)
            print("  rejects:", rj.stdout[:2000])

    total = agree = 0
    total_active = agree_active = 0
    mat_total = mat_agree = 0
    mat_total_e = mat_agree_e = 0
    classes = collections.defaultdict(list)
    mclasses = collections.defaultdict(list)
    oddities = []
    errors = []
    dumps = []
    for n, (idn, tax, reg) in enumerate(persons):
        cov, lab, mat = model(tax, reg, prof)
        first_p = min(mi(*map(int, r["period"].split("-"))) for r in tax)
        for y in YEARS:
            emp, err = ledger_year(a.enrol, ddir, idn, y)
            if err:
                errors.append((idn, y, err))
                continue
            lcov, odd = ledger_months(emp, y)
            if odd:
                oddities.append((idn, y, odd))
            dis = []
            for m in range(mi(y, 1), mi(y, 12) + 1):
                total += 1
                ok = (m in lcov) == cov[m]
                agree += ok
                if m >= first_p:
                    total_active += 1
                    agree_active += ok
                if not ok:
                    dis.append(m)
            for m in dis:
                name, key = lab[m].split("|")
                pl = pool(next((r["region"] for r in sorted(tax, key=lambda r: r["period"],
                                                            reverse=True)
                                if mi(*map(int, r["period"].split("-"))) <= m), tax[0]["region"]))
                cname = re.sub(r"gap \d+", "gap N", name)
                cls = (cname, key, "model covered" if cov[m] else "model NOT covered")
                classes[cls].append((n, y, m, pl, name))
            # maternity
            mm = next((m for m in range(mi(y, 1), mi(y, 12) + 1) if mat[m]), None)
            model_mf = mdate(mm, 1).isoformat() if mm is not None else None
            led_mf = emp.get("maternity_from")
            mat_total += 1
            if emp.get("kind") != "flexible":
                mat_total_e += 1
                mat_agree_e += model_mf == led_mf
            if model_mf == led_mf:
                mat_agree += 1
            else:
                if model_mf is None:
                    how = "model null, ledger date"
                elif led_mf is None:
                    how = "model date, ledger null"
                elif led_mf < model_mf:
                    how = "ledger earlier"
                else:
                    how = "ledger later"
                ref = mm if mm is not None else month_of(date.fromisoformat(led_mf))
                sex = "man" if int(idn[16]) % 2 else "woman"
                name, key = lab[ref].split("|")
                kd = next((r["payer"] for r in sorted(tax, key=lambda r: r["period"],
                                                      reverse=True)
                           if mi(*map(int, r["period"].split("-"))) <= ref), tax[0]["payer"])
                pl = pool(next((r["region"] for r in sorted(tax, key=lambda r: r["period"],
                                                            reverse=True)
                                if mi(*map(int, r["period"].split("-"))) <= ref),
                               tax[0]["region"]))
                mclasses[(how, pl, kd)].append((n, y, model_mf, led_mf, sex, name))
            dumps.append({"id": idn, "year": y, "ledger": emp,
                          "model_covered": [mname(m) for m in range(mi(y, 1), mi(y, 12) + 1)
                                            if cov[m]],
                          "model_maternity_from": model_mf,
                          "disagree": [mname(m) for m in dis]})
        if (n + 1) % 50 == 0:
            print("... %d persons" % (n + 1), file=sys.stderr)

    print()
    print("persons %d, seed %d, data dir %s" % (a.persons, a.seed, ddir))
    print("month-level agreement: %d / %d = %.2f%%" % (agree, total, 100.0 * agree / max(total, 1)))
    print("  (months from the person's first period on: %d / %d = %.2f%%)"
          % (agree_active, total_active, 100.0 * agree_active / max(total_active, 1)))
    print("maternity_from per year: %d / %d = %.2f%%" % (mat_agree, mat_total,
                                                        100.0 * mat_agree / max(mat_total, 1)))
    print("  (person-years whose ledger kind is not flexible: %d / %d = %.2f%%)"
          % (mat_agree_e, mat_total_e, 100.0 * mat_agree_e / max(mat_total_e, 1)))
    if errors:
        print("query errors: %d, e.g. %s" % (len(errors), errors[:3]))
    if oddities:
        print("non month-aligned ledger dates: %d, e.g. %s" % (len(oddities), oddities[:3]))

    def show_person(n, y, extra):
        idn, tax, reg = persons[n]
        cov, lab, mat = model(tax, reg, prof)
        emp, err = ledger_year(a.enrol, ddir, idn, y)
        if emp is None:
            print("    person %s, year %d: ledger error %s" % (idn, y, err))
            return
        lcov, _ = ledger_months(emp, y)
        print("    person %s (%s), year %d" % (idn, "man" if int(idn[16]) % 2 else "woman", y))
        for line in compress(tax):
            print("      tax " + line)
        for r in reg:
            print("      registry transfer_in %s kind %s effective %s" % (r["region"], r["kind"],
                                                                        r["effective"]))
        yr = range(mi(y, 1), mi(y, 12) + 1)
        print("      model covered: %s" % ranges([m for m in yr if cov[m]]))
        print("      ledger covered: %s  (benefits_from %s, suspended %s)" % (
            ranges(sorted(lcov)), emp.get("benefits_from"),
            [(s["from"], s["to"]) for s in emp.get("suspended") or []]))
        mm = next((m for m in yr if mat[m]), None)
        print("      maternity_from: model %s, ledger %s" % (
            mdate(mm, 1) if mm is not None else None, emp.get("maternity_from")))
        if extra:
            print("      " + extra)

    print()
    print("COVER DISAGREEMENT CLASSES (model label | rule | model answer | pool of the month)")
    for cls, items in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        name, key, ans = cls
        persons_in = sorted({(n, y) for n, y, *_ in items},
                            key=lambda ny: (len(compress(persons[ny[0]][1])), ny))
        print()
        print("* %s [%s] %s: %d months, %d person-years; pools %s; labels %s"
              % (name, key, ans, len(items), len(persons_in),
                 dict(collections.Counter(it[3] for it in items)),
                 dict(collections.Counter(it[4] for it in items))))
        print("  follows " + DOMAIN_QUOTES.get(key, key))
        seen = set()
        shown = 0
        for n, y in persons_in:
            if n in seen:
                continue
            seen.add(n)
            ms = [m for nn, yy, m, *_ in items if nn == n and yy == y]
            show_person(n, y, "disagreeing months: %s" % ranges(ms))
            shown += 1
            if shown >= a.examples:
                break

    print()
    print("MATERNITY DISAGREEMENT CLASSES")
    for cls, items in sorted(mclasses.items(), key=lambda kv: -len(kv[1])):
        how, pl, kd = cls
        print()
        sexes = collections.Counter(it[4] for it in items)
        print("* %s (pool %s, %s payer in the month): %d person-years %s; model labels %s"
              % (how, pl, kd, len(items), dict(sexes),
                 dict(collections.Counter(it[5] for it in items))))
        items = sorted(items, key=lambda it: (len(compress(persons[it[0]][1])), it[1]))
        seen = set()
        shown = 0
        for n, y, mf, lf, *_ in items:
            if n in seen:
                continue
            seen.add(n)
            show_person(n, y, "")
            shown += 1
            if shown >= a.examples:
                break

    print()
    print("READINGS (DOMAIN.md silent):")
    for r in READINGS:
        print("  - " + r)
    if a.json:
        with open(a.json, "w") as f:
            for d in dumps:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    if not a.keep and not a.data_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
