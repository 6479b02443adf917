#!/usr/bin/env python3
"""Feeds for the enrolment ledger: the curated sample and synthetic benchmark populations.

Two modes (Python 3 standard library only):

  gen_population.py --sample --out data/sample [--expectations FILE]
      The shipped sample: about 300 people whose records show every rule of
      DOMAIN.md R1-R9 (named scenario persons) plus ordinary people in the three
      regions, and a handful of deliberately bad records of every kind. Writes
      tax.jsonl, civil.jsonl, registry.csv (CSV with a header row), claims.jsonl
      and README.md (scenario table with the figures DOMAIN.md gives, list of the
      bad records). Deterministic: the same files on every run. --expectations
      also writes one JSON object per (person, year) with the figures a reference
      model of DOMAIN.md expects from `enrol query` (for tests).

  gen_population.py --people N --years 5 --seed S --out DIR [--first-year 2025]
      A synthetic Honghe-like population for benchmarks (N up to 1,000,000; about
      5 records per person per year), streamed to DIR/{tax,civil,registry,claims}.jsonl.
      Prints the record count of each feed.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import json
import os
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone

# --------------------------------------------------------------------------------------------
# Common: ID numbers, dates, money
# --------------------------------------------------------------------------------------------

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
CST = timezone(timedelta(hours=8))


def check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return CHECK[sum((ord(c) - 48) * w for c, w in zip(first17, WEIGHTS)) % 11]


def make_id(area: str, birth: date, seq: int) -> str:
    s = "%s%04d%02d%02d%03d" % (area, birth.year, birth.month, birth.day, seq)
    return s + check_char(s)


def last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def add_months(d: date, n: int) -> date:
    """DOMAIN.md AddMonths: keeps the day of month, clamped to the month's last day."""
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, last_day(y, m)))


def D(s: str) -> date:
    return date.fromisoformat(s)


def fen_of(x) -> int:
    """Whole yuan (int) or a decimal string ("85.50") to fen."""
    if isinstance(x, int):
        return x * 100
    whole, _, frac = x.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def money(fen: int) -> str:
    return "%d.%02d" % divmod(fen, 100)


# Individual resident contribution by year (yuan); repairs pay the current year's rate (R4).
RATE = {2020: 280, 2021: 320, 2022: 350, 2023: 380, 2024: 380, 2025: 400, 2026: 420, 2027: 440,
        2028: 460, 2029: 480, 2030: 500, 2031: 520, 2032: 540, 2033: 560, 2034: 580, 2035: 600}

HONGHE_AREAS = ["532501", "532502", "532503", "532504", "532523", "532524", "532525", "532527",
                "532528", "532529", "532530", "532531", "532532"]
SUIZHOU_AREAS = ["421302", "421303", "421321", "421381"]
PANZHIHUA_AREAS = ["510402", "510403", "510411", "510421", "510422"]

# What DOMAIN.md fixes per pool, for the reference model of the sample's expectations.
# Panzhihua: DOMAIN.md gives no resident CI base cap, so its cap figures are not expected.
# R11 (Suizhou): migrant workers pay until the end of February ("extension"), severe mental
# illness exempts, exempt assistance recipients are covered from the day after payment
# ("day_after"), and a fee-free newborn's next year paid late covers from the payment ("newborn_next").
POLICY = {
    "532500": {"name": "Honghe", "base": 400000, "win_end": lambda y: date(y, 2, last_day(y, 2)),
               "newborn_days": 90, "newborn_months": None, "unlimited": (),
               "extension": None, "day_after": 0, "severe_mental": False, "newborn_next": False},
    "421300": {"name": "Suizhou", "base": 350000, "win_end": lambda y: date(y - 1, 12, 31),
               "newborn_days": None, "newborn_months": 12,
               "unlimited": ("special_hardship", "orphan", "minimum_living", "low_income_monitored"),
               "extension": lambda y: date(y, 2, last_day(y, 2)), "day_after": 1, "severe_mental": True,
               "newborn_next": True},
    "510400": {"name": "Panzhihua", "base": None, "win_end": lambda y: date(y, 2, last_day(y, 2)),
               "newborn_days": 90, "newborn_months": None, "unlimited": (),
               "extension": None, "day_after": 0, "severe_mental": False, "newborn_next": False},
}
SOURCE_ORDER = {"tax": 1, "civil": 2, "registry": 3, "claims": 4}
MECHANISM_START = 2025


def cst_day(ts: str) -> date:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(CST).date()


# --------------------------------------------------------------------------------------------
# Reference model of DOMAIN.md R1-R8 (resident scheme), used for the sample's expectations
# --------------------------------------------------------------------------------------------

def model_resident(recs, pool: str, birth_of_id: date, years):
    """Figures DOMAIN.md gives for each year in `years`, from one person's accepted records.

    recs: list of (feed, dict). Returns {year: {field: value}} with the field names of
    FIELD_PATHS. Interpretations where DOMAIN.md is silent are documented in README.md.
    """
    pool_of_rec = lambda r: r["region"][:4] + "00"
    pays = [r for f, r in recs if f == "tax" and r.get("op", "pay") == "pay"]
    refunded = {r["refund_of"] for f, r in recs if f == "tax" and r.get("op") == "refund"}
    standing = [p for p in pays if p["record_id"] not in refunded]
    paid_on = {id(p): cst_day(p["paid_at"]) for p in pays}
    po = lambda p: paid_on[id(p)]
    statuses = [(r["status"], D(r["effective_from"]), D(r["effective_to"]) if r.get("effective_to") else None)
                for f, r in recs if f == "civil"]
    registry = [r for f, r in recs if f == "registry"]
    reversed_ = {r["reverse_of"] for f, r in recs if f == "claims" and r.get("op") == "reverse"}
    claims = [r for f, r in recs if f == "claims" and r.get("op", "settle") == "settle"
              and r["record_id"] not in reversed_]
    birth = None
    death = None
    for st, frm, _ in statuses:
        if st == "birth":
            birth = frm
        if st == "death" and (death is None or frm < death):
            death = frm

    # R10: each fact's pool by business date, in the canonical order (date, source, record_id).
    def business_date(feed, r):
        if feed == "tax":
            return cst_day(r["paid_at"])
        return D(r["effective_from"] if feed == "civil" else r["effective"] if feed == "registry"
                 else r["service_date"])
    placed = sorted((business_date(f, r), SOURCE_ORDER[f], r["record_id"], pool_of_rec(r)) for f, r in recs)

    def pool_on(day):
        at = [x for x in placed if x[0] <= day]
        return (at[-1] if at else placed[0])[3]

    def resident_regular(p):
        return p["scheme"] == "resident" and p.get("purpose", "regular") in ("regular", "makeup")

    enrol = {}  # year -> (date, fee_waived, pool)
    for p in sorted(standing, key=lambda p: (po(p), p["paid_at"], p["record_id"])):
        if resident_regular(p):
            y = int(p["period"])
            if y not in enrol and po(p) <= date(y, 12, 31):
                enrol[y] = (po(p), False, pool_of_rec(p))
    for r in sorted(registry, key=lambda r: (D(r["effective"]), r["record_id"])):
        if r["action"] == "enrol" and r["scheme"] == "resident" and r.get("fee_waived") in (True, "true"):
            eff = D(r["effective"])
            if eff.year not in enrol or eff < enrol[eff.year][0]:
                enrol[eff.year] = (eff, True, pool_of_rec(r))

    def pool_of_year(y):
        return enrol[y][2] if y in enrol else pool_on(date(y, 12, 31))

    def province(y):
        return pool_of_year(y)[:2]
    # R2 counts employee *coverage*: paid months less the first-enrolment wait (E1: employer staff
    # from the month after the first paid month, same month in Panzhihua; E3: flexible workers wait
    # 3 months, 6 in Panzhihua). Later gaps (E2/E3 arrears) are not modelled: no scenario needs them.
    paid_months = sorted({tuple(map(int, p["period"].split("-"))) for p in standing if p["scheme"] == "employee"})
    emp_months = set()
    if paid_months:
        kinds = [r.get("kind") for r in registry if r["scheme"] == "employee" and r.get("kind")]
        flexible = any(p["payer"] == "flexible" for p in standing if p["scheme"] == "employee") or "flexible" in kinds
        first_pool = pool_of_rec(min((p for p in standing if p["scheme"] == "employee"),
                                     key=lambda p: p["period"]))
        wait = (6 if first_pool == "510400" else 3) if flexible else (0 if first_pool == "510400" else 1)
        fy, fm = paid_months[0]
        first_covered = (fy + (fm - 1 + wait) // 12, (fm - 1 + wait) % 12 + 1)
        emp_months = {ym for ym in paid_months if ym >= first_covered}
    emp_years = {y for y, _ in emp_months}
    first = []
    if birth:
        first.append(birth.year)
    first += [frm.year for st, frm, _ in statuses if st == "registered"]
    first += [D(r["effective"]).year for r in registry]
    first += [int(p["period"][:4]) for p in pays]
    obligation = max(min(first), MECHANISM_START) if first else None

    def enrolled(y):
        return y in enrol

    def insured(y):
        return enrolled(y) or y in emp_years

    def break_run(y):
        if obligation is None:
            return 0
        n, x = 0, y - 1
        while x >= obligation and not insured(x) and not (death and x > death.year):
            n += 1
            x -= 1
        return n

    def fund_paid(y):
        return any(D(c["service_date"]).year == y and (fen_of(c["basic_fund_paid"]) > 0 or
                                                        fen_of(c["critical_illness_paid"]) > 0) for c in claims)

    def ci_paid(y):
        return sum(fen_of(c["critical_illness_paid"]) for c in claims if D(c["service_date"]).year == y)

    def exemption(y, paid, pol):
        """The exemption and the days after payment its cover starts (outside the window)."""
        we = pol["win_end"](y)
        within = lambda frm: frm <= paid <= add_months(frm, 3)
        for st, frm, _ in statuses:
            if st == "medical_assistance" and frm > we and within(frm):
                return "medical_assistance", pol["day_after"]
        if pol["severe_mental"]:
            for st, frm, to in statuses:
                if st == "severe_mental_illness" and frm <= paid and (to is None or to >= paid):
                    return "severe_mental_illness", 1
        for name in ("veteran", "military_dependent", "released_prisoner"):
            for st, frm, _ in statuses:
                if st == name and within(frm):
                    return name, 0
        before = [(yy, mm) for yy, mm in emp_months if (yy, mm) < (paid.year, paid.month)]
        if before:
            yy, mm = max(before)
            end = date(yy, mm, last_day(yy, mm))
            if paid <= add_months(end, 3):
                return "scheme_transfer", 0
        return "", 0

    def in_window_of(y, paid, waived, pol):
        if waived or paid <= pol["win_end"](y):
            return True
        # R11 (a): a migrant worker on the payment date, by the extended end.
        return bool(pol["extension"]) and paid <= pol["extension"](y) and any(
            st == "migrant_worker" and frm <= paid and (to is None or to >= paid) for st, frm, to in statuses)

    out = {}
    cb = zb = pen = 0
    reset_next = False
    prev_wait = None
    for y in range(MECHANISM_START, max(years) + 1):
        pol = POLICY[pool_of_year(y)]
        base = pol["base"]
        jan1 = date(y, 1, 1)
        f = {}
        n = break_run(y)
        f["N"] = n
        if y > MECHANISM_START and province(y) != province(y - 1):  # R10: another province
            cb = zb = pen = 0
            reset_next = False
        if reset_next:
            zb = 0
        reset_next = False
        if enrolled(y):
            paid, waived, _ = enrol[y]
            in_window = in_window_of(y, paid, waived, pol)
            f.update(enrolled=True, paid_on=paid.isoformat(), in_window=in_window)
            exempt, fixed, var, rep, total, own = "", 0, 0, 0, 0, jan1
            first_enrolled = min(enrol)
            if birth and first_enrolled == y and y in (birth.year, birth.year + 1):
                exempt = "newborn"
                if pol["newborn_days"] is not None:
                    within = (paid - birth).days <= pol["newborn_days"]
                else:
                    within = paid <= add_months(birth, pol["newborn_months"])
                nxt = add_months(date(paid.year, paid.month, 1), 1)
                own = max(birth, jan1) if within else max(nxt, jan1)
            elif (pol["newborn_next"] and birth and y == birth.year + 1 and not in_window
                  and birth.year in enrol and enrol[birth.year][1]):
                exempt, own = "newborn", max(paid, jan1)  # R11 (c)
            elif n >= 1 or not in_window:
                exempt, days = exemption(y, paid, pol)
                if exempt:
                    own = jan1 if in_window else paid + timedelta(days=days)
            if not exempt and (n >= 1 or not in_window):
                fixed = 3
                var = n - 1 if n >= 1 else 0
                floor = 6 if n >= 4 else 0
                start = jan1 if in_window else paid
                unrep_total = max(fixed + var, floor)
                unrep_end = add_months(start, unrep_total)
                firsts = {}
                for p in sorted(standing, key=lambda p: po(p)):
                    if p["scheme"] == "resident" and p.get("purpose") == "repair":
                        x = int(p["period"])
                        if y - n <= x <= y - 1 and po(p) < unrep_end:
                            firsts.setdefault(x, po(p))
                dates = sorted(firsts.values())
                rep = min(len(dates), var)
                total = max(fixed + var - rep, floor)
                own = add_months(start, total)
                cur, last_eff = unrep_total, None
                for i in range(rep):
                    nxt_total = max(fixed + var - (i + 1), floor)
                    if nxt_total < cur:
                        cur, last_eff = nxt_total, dates[i]
                if last_eff is not None:
                    own = max(own, last_eff + timedelta(days=1))
            bf = max(own, prev_wait) if prev_wait else own
            prev_wait = max(prev_wait, bf) if prev_wait else bf
            f.update(exempt=exempt, fixed=fixed, variable=var, repaired=rep, total=total,
                     benefits_from=bf.isoformat())
            if n >= 1 and not exempt:
                pen += 3000 * n
            k = 0
            for x in range(y, MECHANISM_START - 1, -1):
                if province(x) != province(y):
                    break
                if enrolled(x):
                    k += 1
                elif x in emp_years:
                    continue
                else:
                    break
            f["K"] = k
            if k >= 5:
                cb += 4000
            if (y - 1 >= MECHANISM_START and enrolled(y - 1) and province(y - 1) == province(y)
                    and not fund_paid(y - 1) and in_window):
                zb += 4000
        else:
            f["enrolled"] = False
        f.update(CB=cb, ZB=zb, P=pen)
        if base is not None:
            applied = min(pen, base // 5)
            f["base"] = base
            f["effective"] = base + min(cb + zb, base // 5) - applied
            if ci_paid(y) > (base - applied) * 100:
                reset_next = True
        f["unlimited"] = any(st in pol["unlimited"] and frm <= date(y, 12, 31) and (to is None or to >= jan1)
                             for st, frm, to in statuses)
        if y in years:
            out[y] = f
    return out


# Where each figure is in `enrol query` output.
FIELD_PATHS = {
    "enrolled": "resident.enrolled", "paid_on": "resident.paid_on", "in_window": "resident.in_window",
    "N": "resident.break_years", "K": "resident.continuous_years",
    "exempt": "resident.waiting.exempt", "fixed": "resident.waiting.fixed_months",
    "variable": "resident.waiting.variable_months", "repaired": "resident.waiting.repaired_months",
    "total": "resident.waiting.total_months", "benefits_from": "resident.waiting.benefits_from",
    "base": "resident.critical_illness_cap.base", "CB": "resident.critical_illness_cap.continuity_bonus",
    "ZB": "resident.critical_illness_cap.zero_claim_bonus", "P": "resident.critical_illness_cap.break_penalty",
    "effective": "resident.critical_illness_cap.effective", "unlimited": "resident.critical_illness_cap.unlimited",
    "e_enrolled": "employee.enrolled", "e_kind": "employee.kind", "e_months": "employee.months_paid",
    "e_benefits_from": "employee.benefits_from", "e_maternity_from": "employee.maternity_from",
    "e_contribution_years": "employee.contribution_years", "e_actual_years": "employee.actual_years",
    "e_deemed_years": "employee.deemed_years", "e_required_years": "employee.required_years",
    "e_retirement_eligible": "employee.retirement_eligible", "e_suspended": "employee.suspended",
}
ENROLLED_ONLY = ("paid_on", "in_window", "K", "exempt", "fixed", "variable", "repaired", "total",
                 "benefits_from")


# --------------------------------------------------------------------------------------------
# Sample mode
# --------------------------------------------------------------------------------------------

TAX_FIELDS = ["record_id", "id_number", "region", "scheme", "payer", "purpose", "period", "amount",
              "paid_at", "op", "refund_of"]
CIVIL_FIELDS = ["record_id", "id_number", "region", "status", "effective_from", "effective_to"]
REGISTRY_FIELDS = ["record_id", "id_number", "region", "action", "scheme", "kind", "effective",
                   "fee_waived", "deemed_years", "sex"]
CLAIM_FIELDS = ["record_id", "id_number", "region", "scheme", "kind", "service_date", "settled_at",
                "total_cost", "basic_fund_paid", "critical_illness_paid", "op", "reverse_of"]


class Person:
    def __init__(self, sb: "SampleBuilder", pid: str, area: str, birth: date, label: str, rule: str,
                 scenario: bool):
        self.sb, self.id, self.area, self.birth = sb, pid, area, birth
        self.pool = area[:4] + "00"
        self.label, self.rule, self.scenario = label, rule, scenario
        self.recs = []      # (feed, dict) of accepted records
        self.expect = {}    # year -> {field: value} fixed by hand from DOMAIN.md
        self.unsure = {}    # year -> {field: note}: DOMAIN.md leaves the figure open
        self.notes = []

    # -- records
    def _ts(self, d: date, ts: str | None = None) -> str:
        return ts or "%sT%s+08:00" % (d.isoformat(), self.sb.clock())

    def _add(self, feed: str, rec: dict) -> str:
        self.recs.append((feed, rec))
        self.sb.feeds[feed].append(rec)
        return rec["record_id"]

    def pay(self, year: int, d: str, payer="individual", amount=None, purpose="regular", ts=None,
            explicit=True, region=None) -> str:
        day = D(d)
        rec = {"record_id": self.sb.rid("tax"), "id_number": self.id, "region": region or self.area,
               "scheme": "resident", "payer": payer}
        if explicit or purpose != "regular":
            rec["purpose"] = purpose
        rec["period"] = str(year)
        rate = RATE[day.year] if purpose == "repair" else RATE[year]
        rec["amount"] = money(fen_of(amount) if amount is not None else rate * 100)
        rec["paid_at"] = self._ts(day, ts)
        if explicit:
            rec["op"] = "pay"
        return self._add("tax", rec)

    def repair(self, year: int, d: str) -> str:
        return self.pay(year, d, purpose="repair")

    def refund(self, rid: str, d: str) -> str:
        target = next(r for f, r in self.recs if r["record_id"] == rid)
        rec = {"record_id": self.sb.rid("tax"), "id_number": self.id, "region": self.area,
               "scheme": target["scheme"], "amount": target["amount"], "paid_at": self._ts(D(d)),
               "op": "refund", "refund_of": rid}
        return self._add("tax", rec)

    def emp(self, ym: str, d: str, amount, payer="employer", purpose="regular") -> str:
        rec = {"record_id": self.sb.rid("tax"), "id_number": self.id, "region": self.area,
               "scheme": "employee", "payer": payer, "purpose": purpose, "period": ym,
               "amount": money(fen_of(amount)), "paid_at": self._ts(D(d)), "op": "pay"}
        return self._add("tax", rec)

    def emp_months(self, first: str, last: str, amount, payer="employer", day=15, skip=()):
        y, m = map(int, first.split("-"))
        ly, lm = map(int, last.split("-"))
        while (y, m) <= (ly, lm):
            ym = "%04d-%02d" % (y, m)
            if ym not in skip:
                self.emp(ym, "%s-%02d" % (ym, min(day, last_day(y, m))), amount, payer)
            m += 1
            if m == 13:
                y, m = y + 1, 1

    def status(self, st: str, frm: str, to: str | None = None) -> str:
        rec = {"record_id": self.sb.rid("civil"), "id_number": self.id, "region": self.area,
               "status": st, "effective_from": frm}
        if to:
            rec["effective_to"] = to
        return self._add("civil", rec)

    def reg(self, action: str, scheme: str, eff: str, kind=None, fee_waived=None, deemed=None,
            sex=None) -> str:
        rec = {"record_id": self.sb.rid("registry"), "id_number": self.id, "region": self.area,
               "action": action, "scheme": scheme, "kind": kind, "effective": eff,
               "fee_waived": fee_waived, "deemed_years": deemed, "sex": sex}
        return self._add("registry", rec)

    def claim(self, service: str, total, basic, ci, kind="outpatient", scheme="resident",
              settle_days=0) -> str:
        sday = D(service) + timedelta(days=settle_days)
        rec = {"record_id": self.sb.rid("claims"), "id_number": self.id, "region": self.area,
               "scheme": scheme, "kind": kind, "service_date": service, "settled_at": self._ts(sday),
               "total_cost": money(fen_of(total)), "basic_fund_paid": money(fen_of(basic)),
               "critical_illness_paid": money(fen_of(ci)), "op": "settle"}
        return self._add("claims", rec)

    def reverse(self, rid: str, d: str) -> str:
        target = next(r for f, r in self.recs if r["record_id"] == rid)
        rec = {"record_id": self.sb.rid("claims"), "id_number": self.id, "region": self.area,
               "scheme": target["scheme"], "kind": target["kind"], "service_date": target["service_date"],
               "settled_at": self._ts(D(d)), "op": "reverse", "reverse_of": rid}
        return self._add("claims", rec)

    # -- expectations
    def exp(self, year: int, **fields):
        self.expect.setdefault(year, {}).update(fields)
        return self

    def open_(self, year: int, field: str, note: str):
        self.unsure.setdefault(year, {})[field] = note
        return self

    def note(self, text: str):
        self.notes.append(text)
        return self


class SampleBuilder:
    def __init__(self):
        self.rng = random.Random(20250901)
        self.feeds = {"tax": [], "civil": [], "registry": [], "claims": []}
        self.counters = {"tax": 0, "civil": 0, "registry": 0, "claims": 0}
        self.prefix = {"tax": "T", "civil": "C", "registry": "R", "claims": "M"}
        self.persons: list[Person] = []
        self.used_ids = set()
        self.bad = []  # (feed, line_text, field, what, placement)

    def rid(self, feed: str) -> str:
        self.counters[feed] += 1
        return "%s%05d" % (self.prefix[feed], self.counters[feed])

    def clock(self) -> str:
        r = self.rng
        return "%02d:%02d:%02d" % (r.randint(8, 17), r.randint(0, 59), r.randint(0, 59))

    def new_id(self, area: str, birth: date, male: bool) -> str:
        seq = 11 + self.rng.randrange(0, 440) * 2 + (1 if male else 0)
        while True:
            pid = make_id(area, birth, seq)
            if pid not in self.used_ids:
                self.used_ids.add(pid)
                return pid
            seq = (seq + 2) % 1000 or (2 if not male else 1)

    def person(self, region: str, label: str, rule: str, birth: str | None = None, male=None,
               area=None, scenario=True, pid=None) -> Person:
        r = self.rng
        if pid:  # a fixed ID number (the CONTRACT.md example)
            self.used_ids.add(pid)
            area = pid[:6]
            birth = "%s-%s-%s" % (pid[6:10], pid[10:12], pid[12:14])
        areas = {"H": HONGHE_AREAS, "S": SUIZHOU_AREAS, "P": PANZHIHUA_AREAS}[region]
        area = area or r.choice(areas)
        b = D(birth) if birth else date(r.randint(1955, 2000), r.randint(1, 12), r.randint(1, 28))
        if male is None:
            male = r.random() < 0.5
        p = Person(self, pid or self.new_id(area, b, male), area, b, label, rule, scenario)
        self.persons.append(p)
        return p


def build_scenarios(sb: SampleBuilder):
    P = sb.person

    # ---------------- R1: enrolled year, window, period closed ----------------
    p = P("H", "contract-example", "CONTRACT.md's `enrol query` example: paid in the window 2025-2027, no claims",
          pid="532501199001011239")
    p.pay(2025, "2024-10-08")
    p.pay(2026, "2025-10-09")
    p.pay(2027, "2026-10-12", ts="2026-10-12T09:30:00+08:00")
    p.exp(2027, enrolled=True, paid_on="2026-10-12", in_window=True, N=0, K=3, exempt="", fixed=0, variable=0,
          repaired=0, total=0, benefits_from="2027-01-01", base=400000, CB=0, ZB=8000, P=0, effective=408000,
          unlimited=False)

    p = P("H", "R1-on-time", "R1/R6: paid in the window 2025 and 2026")
    p.pay(2025, "2024-10-15")
    p.pay(2026, "2025-11-20")
    p.exp(2025, enrolled=True, paid_on="2024-10-15", in_window=True, N=0, K=1, exempt="", total=0,
          benefits_from="2025-01-01", CB=0, ZB=0, P=0, effective=400000)
    p.exp(2026, enrolled=True, in_window=True, K=2, total=0, benefits_from="2026-01-01", ZB=4000, effective=404000)

    p = P("H", "R1-before-window", "R1: a payment before the window (2025-06-10 for 2026) counts as in the window")
    p.pay(2025, "2024-11-03")
    p.pay(2026, "2025-06-10")
    p.exp(2026, enrolled=True, paid_on="2025-06-10", in_window=True, N=0, total=0, benefits_from="2026-01-01",
          ZB=4000, effective=404000)

    p = P("H", "R1-late-2025-11-06", "R1/R3: late payer, 2025 paid 2025-11-06: fixed 3 months, waits until 2026-02-05")
    p.pay(2025, "2025-11-06")
    p.exp(2025, enrolled=True, paid_on="2025-11-06", in_window=False, N=0, exempt="", fixed=3, variable=0,
          total=3, benefits_from="2026-02-06", P=0, effective=400000)

    p = P("H", "R3-wait-into-next-year", "R3: 2025 paid late (2025-11-06), 2026 paid in the window: the 2025 wait blocks 2026 until 2026-02-06")
    p.pay(2025, "2025-11-06")
    p.pay(2026, "2025-12-15")
    p.exp(2025, benefits_from="2026-02-06", total=3)
    p.exp(2026, enrolled=True, in_window=True, N=0, total=0, benefits_from="2026-02-06", ZB=4000, effective=404000)

    p = P("H", "R1-leap-window-end", "R1: paid on the window's last day 2028-02-29 (leap year): in the window")
    p.pay(2027, "2026-10-01")
    p.pay(2028, "2028-02-29")
    p.exp(2028, enrolled=True, paid_on="2028-02-29", in_window=True, N=0, K=2, total=0,
          benefits_from="2028-01-01", ZB=4000, effective=404000)

    p = P("H", "R1-paid-1-march", "R1/R3/R6: 2027 paid 2027-03-01, the day after the Honghe window: fixed 3 months, no zero-claim bonus")
    p.pay(2026, "2025-10-10")
    p.pay(2027, "2027-03-01")
    p.exp(2027, enrolled=True, in_window=False, N=0, K=2, fixed=3, total=3, benefits_from="2027-06-01",
          ZB=0, effective=400000)

    p = P("S", "R1-suizhou-window", "R1 (Suizhou): window ends 31 Dec of Y-1; 2027 paid 2027-01-05 is late")
    p.pay(2026, "2025-12-31")
    p.pay(2027, "2027-01-05")
    p.exp(2026, enrolled=True, in_window=True, total=0, benefits_from="2026-01-01", base=350000, effective=350000)
    p.exp(2027, enrolled=True, in_window=False, N=0, K=2, fixed=3, total=3, benefits_from="2027-04-05",
          ZB=0, effective=350000)

    p = P("S", "R1-utc-offset", "R1 (Suizhou): paid_at 2025-12-31T17:30:00Z is 2026-01-01 in China: after the window")
    p.pay(2026, "2026-01-01", ts="2025-12-31T17:30:00Z")
    p.exp(2026, enrolled=True, paid_on="2026-01-01", in_window=False, N=0, fixed=3, total=3,
          benefits_from="2026-04-01", effective=350000)
    period_closed_person = P("H", "R1-paid-31-dec", "R1: 2027 paid on 2027-12-31 (last accepted day); a 2027 payment dated 2028-01-02 is rejected (bad records)")
    p = period_closed_person
    p.pay(2026, "2025-10-01")
    p.pay(2027, "2027-12-31")
    p.exp(2027, enrolled=True, paid_on="2027-12-31", in_window=False, N=0, K=2, fixed=3, total=3,
          benefits_from="2028-03-31")
    p.exp(2028, enrolled=False, N=0)

    # ---------------- R2/R3/R4/R7: breaks, waiting, repairs, penalty ----------------
    p = P("H", "R2-break-1", "R2/R3/R7: break of 1 year (2025), paid 2026 in the window: 3 months, penalty 3,000")
    p.pay(2024, "2023-10-20")
    p.pay(2026, "2025-11-10")
    p.exp(2025, enrolled=False, N=0)
    p.exp(2026, enrolled=True, in_window=True, N=1, K=1, exempt="", fixed=3, variable=0, repaired=0, total=3,
          benefits_from="2026-04-01", P=3000, effective=397000)

    p = P("H", "R4-break-1-repair", "R4: break of 1 year with a repair of 2025: v = 0, the repair takes nothing off")
    p.pay(2024, "2023-10-20")
    p.pay(2026, "2025-12-01")
    p.repair(2025, "2026-01-20")
    p.exp(2026, enrolled=True, N=1, fixed=3, variable=0, repaired=0, total=3, benefits_from="2026-04-01",
          P=3000, effective=397000)

    p = P("H", "R2-break-2", "R2/R3/R7: break of 2 years (2025-2026): 3+1 months, penalty 6,000")
    p.pay(2024, "2023-11-01")
    p.pay(2027, "2026-10-15")
    p.exp(2027, enrolled=True, in_window=True, N=2, K=1, fixed=3, variable=1, repaired=0, total=4,
          benefits_from="2027-05-01", P=6000, effective=394000)

    p = P("H", "R4-break-2-repair-early", "R4: break of 2, repair of 2025 paid 2026-11-02 (before the wait ended): 3 months; penalty stays")
    p.pay(2024, "2023-11-01")
    p.pay(2027, "2026-10-15")
    p.repair(2025, "2026-11-02")
    p.exp(2027, enrolled=True, N=2, fixed=3, variable=1, repaired=1, total=3, benefits_from="2027-04-01",
          P=6000, effective=394000)

    p = P("H", "R4-repair-no-backdate", "R4: break of 2, repair paid 2027-04-15, after the shortened end (04-01) but before the unrepaired end (05-01): cover not backdated before the repair")
    p.pay(2024, "2023-11-01")
    p.pay(2027, "2026-10-15")
    p.repair(2026, "2027-04-15")
    p.exp(2027, enrolled=True, N=2, fixed=3, variable=1, repaired=1, total=3, benefits_from="2027-04-16", P=6000)
    p.note("benefits_from 2027-04-16 reads 'the shortened wait ends no earlier than the repair's payment date' "
           "as 'waits until' (the R3 example: a wait ending 2026-02-05 gives benefits from 2026-02-06); "
           "the other reading gives 2027-04-15.")

    p = P("H", "R4-repair-after-wait", "R4: break of 2, repair paid 2027-06-01, after the wait ended (2027-05-01): changes nothing")
    p.pay(2024, "2023-11-01")
    p.pay(2027, "2026-10-15")
    p.repair(2025, "2027-06-01")
    p.exp(2027, enrolled=True, N=2, fixed=3, variable=1, repaired=0, total=4, benefits_from="2027-05-01", P=6000)

    p = P("H", "R3-break-2-late", "R3: break of 2, 2027 paid after the window (2027-03-10): the 4-month wait starts on the payment date")
    p.pay(2024, "2023-10-20")
    p.pay(2027, "2027-03-10")
    p.exp(2027, enrolled=True, in_window=False, N=2, fixed=3, variable=1, total=4, benefits_from="2027-07-10",
          P=6000, effective=394000)

    p = P("H", "R4-break-3-two-repairs", "R4: break of 3 (2025-2027), both variable months repaired: 3 months; penalty 9,000")
    p.pay(2024, "2023-10-20")
    p.pay(2028, "2027-11-01")
    p.repair(2025, "2027-11-01")
    p.repair(2026, "2027-11-05")
    p.exp(2028, enrolled=True, N=3, fixed=3, variable=2, repaired=2, total=3, benefits_from="2028-04-01",
          P=9000, effective=391000)

    p = P("H", "R3-break-4", "R3/R7: break of 4 (2025-2028): 3+3 = 6 months (the minimum after 4 years), penalty 12,000")
    p.pay(2024, "2023-10-01")
    p.pay(2029, "2028-10-08")
    p.exp(2029, enrolled=True, in_window=True, N=4, K=1, fixed=3, variable=3, repaired=0, total=6,
          benefits_from="2029-07-01", P=12000, effective=388000)

    p = P("H", "R4-break-4-repair", "R4: break of 4 with a repair of 2025: the 6-month minimum holds")
    p.pay(2024, "2023-10-01")
    p.pay(2029, "2028-10-08")
    p.repair(2025, "2028-10-08")
    p.exp(2029, enrolled=True, N=4, fixed=3, variable=3, total=6, benefits_from="2029-07-01", P=12000)
    p.open_(2029, "repaired", "1 (the repair takes a month off v) or 0 (it takes no month off the 6-month total)")

    p = P("H", "R3-break-5", "R3/R7: break of 5 (2025-2029): 3+4 = 7 months, penalty 15,000")
    p.pay(2024, "2023-10-01")
    p.pay(2030, "2029-10-10")
    p.exp(2030, enrolled=True, in_window=True, N=5, K=1, fixed=3, variable=4, repaired=0, total=7,
          benefits_from="2030-08-01", P=15000, effective=385000)

    p = P("H", "R4-break-5-one-repair", "R4: break of 5 with a repair of 2026 paid with the 2030 payment: 6 months")
    p.pay(2024, "2023-10-01")
    p.pay(2030, "2029-10-10")
    p.repair(2026, "2029-10-10")
    p.exp(2030, enrolled=True, N=5, fixed=3, variable=4, repaired=1, total=6, benefits_from="2030-07-01", P=15000)

    p = P("H", "R4-break-5-three-repairs", "R4: break of 5, three years repaired on 2030-03-01: the 6-month minimum holds")
    p.pay(2024, "2023-10-01")
    p.pay(2030, "2029-10-10")
    for x in (2025, 2026, 2027):
        p.repair(x, "2030-03-01")
    p.exp(2030, enrolled=True, N=5, fixed=3, variable=4, total=6, benefits_from="2030-07-01", P=15000)
    p.open_(2030, "repaired", "3 (each repaired year takes a month off v) or 1 (only the first changes the total)")

    p = P("H", "R4-same-year-twice", "R4: break of 2, 2025 repaired twice: one distinct year, one month off")
    p.pay(2024, "2023-10-20")
    p.pay(2027, "2026-10-15")
    p.repair(2025, "2026-11-01")
    p.repair(2025, "2026-11-03")
    p.exp(2027, enrolled=True, N=2, variable=1, repaired=1, total=3, benefits_from="2027-04-01")

    p = P("H", "R2-never-before-2025", "R2: first contribution 2022, next 2027: only 2025-2026 are break years")
    p.pay(2022, "2021-10-01")
    p.pay(2027, "2026-11-01")
    p.exp(2027, enrolled=True, N=2, fixed=3, variable=1, total=4, benefits_from="2027-05-01", P=6000,
          effective=394000)

    p = P("H", "R2-obligation-first-payment", "R2: first known fact is the 2027 payment: no break before it")
    p.pay(2027, "2026-10-20")
    p.exp(2026, enrolled=False, N=0)
    p.exp(2027, enrolled=True, N=0, K=1, total=0, benefits_from="2027-01-01", P=0, effective=400000)

    p = P("H", "R2-obligation-registry", "R2: a registry action in 2025 starts the obligation; paid first for 2027: break of 2")
    p.reg("enrol", "resident", "2025-03-01")
    p.pay(2027, "2026-11-05")
    p.exp(2025, enrolled=False, N=0)
    p.exp(2027, enrolled=True, N=2, fixed=3, variable=1, total=4, benefits_from="2027-05-01", P=6000)

    p = P("H", "R7-two-episodes", "R7: penalty accumulates over two break episodes (2025, 2028): 3,000 + 3,000")
    p.pay(2024, "2023-10-01")
    p.pay(2026, "2025-10-01")
    p.pay(2027, "2026-10-01")
    p.pay(2029, "2028-10-01")
    p.exp(2026, enrolled=True, N=1, total=3, benefits_from="2026-04-01", P=3000, effective=397000)
    p.exp(2027, enrolled=True, N=0, K=2, total=0, ZB=4000, P=3000, effective=401000)
    p.exp(2028, enrolled=False, N=0, ZB=4000, P=3000)
    p.exp(2029, enrolled=True, N=1, K=1, total=3, benefits_from="2029-04-01", ZB=4000, P=6000, effective=398000)

    p = P("H", "R2-employee-bridge", "R2/R5: employee cover in 2026 is insured (no break) but neither counts nor breaks K")
    p.pay(2025, "2024-10-01")
    p.reg("enrol", "employee", "2026-01-01", kind="employer")
    p.emp_months("2026-01", "2026-06", "560.00")
    p.reg("terminate", "employee", "2026-06-30")
    p.pay(2027, "2026-10-20")
    p.exp(2026, enrolled=False, N=0, e_enrolled=True, e_months=6)
    p.exp(2027, enrolled=True, in_window=True, N=0, K=2, exempt="", total=0, benefits_from="2027-01-01",
          ZB=0, P=0, effective=400000)

    p = P("S", "R2-employee-paid-not-covered", "R2/E3 (Suizhou): flexible worker paid Oct-Dec 2025 but waited those 3 months (E3): no covered month in 2025, so 2025 is a break year for the 2026 resident payment")
    p.pay(2024, "2023-10-15")
    p.reg("enrol", "employee", "2025-10-01", kind="flexible")
    p.emp_months("2025-10", "2025-12", "486.00", payer="flexible", day=20)
    p.pay(2026, "2026-01-20")
    p.exp(2025, enrolled=False, N=0, e_enrolled=True, e_months=3, e_benefits_from=None)
    p.exp(2026, enrolled=True, in_window=False, N=1, exempt="", fixed=3, variable=0, total=3,
          benefits_from="2026-04-20", P=3000, effective=347000)
    p.note("R2 counts a year as insured by 'employee coverage in at least one month'; E3 makes Oct-Dec 2025 "
           "waiting months, so 2025 has none. Counting paid months instead gives N=0 and, for a payment "
           "within 3 months of the last employee month, exempt scheme_transfer from 2026-01-20.")

    # ---------------- R3 exemptions ----------------
    p = P("H", "R3-newborn-day-90", "R3 newborn (Honghe): born 2026-03-10, paid 2026-06-08 (90 days): covered from birth",
          birth="2026-03-10")
    p.status("birth", "2026-03-10")
    p.pay(2026, "2026-06-08")
    p.pay(2027, "2026-11-15")
    p.exp(2026, enrolled=True, in_window=False, N=0, K=1, exempt="newborn", total=0, benefits_from="2026-03-10",
          P=0, effective=400000)
    p.exp(2027, enrolled=True, in_window=True, K=2, total=0, benefits_from="2027-01-01", ZB=4000, effective=404000)
    p.note("'day 90' = 90 days after the birth date (2026-06-08 - 2026-03-10 = 90 days).")

    p = P("H", "R3-newborn-day-91", "R3 newborn (Honghe): born 2026-03-10, paid 2026-06-09 (91 days): from the 1st of the next month",
          birth="2026-03-10")
    p.status("birth", "2026-03-10")
    p.pay(2026, "2026-06-09")
    p.exp(2026, enrolled=True, N=0, exempt="newborn", total=0, benefits_from="2026-07-01", P=0)

    p = P("H", "R3-newborn-claim", "R3/R6: newborn 2027-01-20 paid in the window, inpatient claim 2027-01-25 (covered); no zero-claim bonus for 2028",
          birth="2027-01-20")
    p.status("birth", "2027-01-20")
    p.pay(2027, "2027-02-15")
    p.claim("2027-01-25", "4200.00", "2800.00", "0.00", kind="inpatient", settle_days=6)
    p.pay(2028, "2027-10-01")
    p.exp(2027, enrolled=True, in_window=True, exempt="newborn", benefits_from="2027-01-20")
    p.exp(2028, enrolled=True, K=2, total=0, benefits_from="2028-01-01", ZB=0, effective=400000)

    p = P("S", "R1-suizhou-fee-waived-newborn", "R1/R3 (Suizhou): newborn 2026-05-10, registry enrol fee_waived 2026-07-01 (within 12 months): covered from birth, no payment",
          birth="2026-05-10")
    p.status("birth", "2026-05-10")
    p.reg("enrol", "resident", "2026-07-01", fee_waived=True)
    p.pay(2027, "2026-11-20")
    p.exp(2026, enrolled=True, N=0, K=1, exempt="newborn", total=0, benefits_from="2026-05-10", P=0,
          base=350000, effective=350000)
    p.open_(2026, "paid_on", "no payment (fee waived); the enrolment's effective date is the natural value")
    p.open_(2026, "in_window", "DOMAIN.md does not say for a fee-waived enrolment")
    p.exp(2027, enrolled=True, in_window=True, N=0, K=2, total=0, benefits_from="2027-01-01", ZB=4000,
          effective=354000)

    p = P("S", "R3-suizhou-newborn-10-months", "R3 (Suizhou): newborn 2026-02-10 paying 2026-12-01 (within 12 months): covered from birth",
          birth="2026-02-10")
    p.status("birth", "2026-02-10")
    p.pay(2026, "2026-12-01")
    p.exp(2026, enrolled=True, in_window=False, N=0, exempt="newborn", total=0, benefits_from="2026-02-10")

    p = P("S", "R1-suizhou-fee-waived-december", "R1/R6 (Suizhou): newborn 2026-11-20, fee-waived enrol 2026-12-10, 2027 paid in the window: zero-claim bonus 2027",
          birth="2026-11-20")
    p.status("birth", "2026-11-20")
    p.reg("enrol", "resident", "2026-12-10", fee_waived=True)
    p.pay(2027, "2026-12-20")
    p.exp(2026, enrolled=True, exempt="newborn", benefits_from="2026-11-20")
    p.open_(2026, "paid_on", "no payment (fee waived)")
    p.open_(2026, "in_window", "DOMAIN.md does not say for a fee-waived enrolment")
    p.exp(2027, enrolled=True, in_window=True, K=2, benefits_from="2027-01-01", ZB=4000, effective=354000)

    p = P("H", "R3-medical-assistance", "R3: medical_assistance from 2026-04-10 (after the window), paid 2026-06-15: covered from the payment date")
    p.pay(2025, "2024-11-01")
    p.status("medical_assistance", "2026-04-10")
    p.pay(2026, "2026-06-15")
    p.exp(2026, enrolled=True, in_window=False, N=0, K=2, exempt="medical_assistance", fixed=0, total=0,
          benefits_from="2026-06-15", ZB=0, P=0, effective=400000)

    p = P("H", "R3-ma-status-in-window", "R3: medical_assistance from 2026-01-15 (inside the window) is not 'dynamically added': paid late, 3 months")
    p.pay(2025, "2024-11-01")
    p.status("medical_assistance", "2026-01-15")
    p.pay(2026, "2026-05-01")
    p.exp(2026, enrolled=True, in_window=False, N=0, exempt="", fixed=3, total=3, benefits_from="2026-08-01")

    p = P("H", "R3-ma-too-late", "R3: medical_assistance from 2026-04-10 but paid 2026-08-20 (over 3 months): 3 months")
    p.pay(2025, "2024-11-01")
    p.status("medical_assistance", "2026-04-10")
    p.pay(2026, "2026-08-20")
    p.exp(2026, enrolled=True, exempt="", fixed=3, total=3, benefits_from="2026-11-20")

    p = P("H", "R3-ma-after-break", "R3/R7: medical_assistance from 2027-05-05 after a break of 2, paid 2027-07-01: no wait, no penalty")
    p.pay(2024, "2023-10-01")
    p.status("medical_assistance", "2027-05-05")
    p.pay(2027, "2027-07-01")
    p.exp(2027, enrolled=True, in_window=False, N=2, exempt="medical_assistance", total=0,
          benefits_from="2027-07-01", P=0, effective=400000)

    p = P("H", "R3-ma-exactly-3-months", "R3: medical_assistance from 2026-03-31, paid 2026-06-30 (AddMonths = 2026-06-30): exempt")
    p.pay(2025, "2024-11-01")
    p.status("medical_assistance", "2026-03-31")
    p.pay(2026, "2026-06-30")
    p.exp(2026, enrolled=True, exempt="medical_assistance", total=0, benefits_from="2026-06-30")

    p = P("H", "R3-veteran", "R3/R7: veteran from 2026-06-01 after a break of 1, paid 2026-07-15: no wait, no penalty", male=True)
    p.pay(2024, "2023-10-01")
    p.status("veteran", "2026-06-01")
    p.pay(2026, "2026-07-15")
    p.exp(2026, enrolled=True, in_window=False, N=1, exempt="veteran", total=0, benefits_from="2026-07-15",
          P=0, effective=400000)

    p = P("H", "R3-veteran-too-late", "R3: veteran from 2026-06-01 paying 2026-10-05 (over 3 months): 3 months into 2027, penalty", male=True)
    p.pay(2024, "2023-10-01")
    p.status("veteran", "2026-06-01")
    p.pay(2026, "2026-10-05")
    p.pay(2027, "2026-11-20")
    p.exp(2026, enrolled=True, N=1, exempt="", fixed=3, variable=0, total=3, benefits_from="2027-01-05",
          P=3000, effective=397000)
    p.exp(2027, enrolled=True, in_window=True, N=0, K=2, total=0, benefits_from="2027-01-05", ZB=4000,
          P=3000, effective=401000)

    p = P("H", "R3-veteran-in-window", "R3: veteran from 2025-11-01, break of 1, paid in the window 2025-12-15: covered from 1 Jan, no penalty", male=True)
    p.pay(2024, "2023-10-01")
    p.status("veteran", "2025-11-01")
    p.pay(2026, "2025-12-15")
    p.exp(2026, enrolled=True, in_window=True, N=1, exempt="veteran", total=0, benefits_from="2026-01-01", P=0)

    p = P("H", "R3-military-dependent", "R3: military_dependent from 2027-03-15, break of 2, paid 2027-04-02: covered from the payment date")
    p.pay(2024, "2023-10-01")
    p.status("military_dependent", "2027-03-15")
    p.pay(2027, "2027-04-02")
    p.exp(2027, enrolled=True, in_window=False, N=2, exempt="military_dependent", total=0,
          benefits_from="2027-04-02", P=0, effective=400000)

    p = P("S", "R3-released-prisoner", "R3 (Suizhou): released_prisoner 2026-07-20, break of 1, paid 2026-09-05: no wait, no penalty", male=True)
    p.pay(2024, "2023-10-10")
    p.status("released_prisoner", "2026-07-20")
    p.pay(2026, "2026-09-05")
    p.exp(2026, enrolled=True, in_window=False, N=1, exempt="released_prisoner", total=0,
          benefits_from="2026-09-05", P=0, effective=350000)

    p = P("H", "R3-released-prisoner-late", "R3/R7: released_prisoner 2026-02-01 paying 2026-06-10 (over 3 months): break wait from payment, penalty", male=True)
    p.pay(2024, "2023-10-01")
    p.status("released_prisoner", "2026-02-01")
    p.pay(2026, "2026-06-10")
    p.exp(2026, enrolled=True, in_window=False, N=1, exempt="", fixed=3, total=3, benefits_from="2026-09-10",
          P=3000, effective=397000)

    p = P("H", "R3-scheme-transfer", "R3: employee cover ended 2026-03, resident 2026 paid 2026-05-20 (within 3 months): covered from the payment date")
    p.reg("enrol", "employee", "2025-07-01", kind="employer")
    p.emp_months("2025-07", "2026-03", "612.40")
    p.reg("terminate", "employee", "2026-03-31")
    p.pay(2026, "2026-05-20")
    p.exp(2025, enrolled=False, N=0, e_enrolled=True, e_months=6)
    p.exp(2026, enrolled=True, in_window=False, N=0, K=1, exempt="scheme_transfer", total=0,
          benefits_from="2026-05-20", P=0, e_months=3)

    p = P("H", "R3-scheme-transfer-late", "R3: employee cover ended 2026-03, resident paid 2026-09-15 (over 3 months): 3 months")
    p.reg("enrol", "employee", "2025-07-01", kind="employer")
    p.emp_months("2025-07", "2026-03", "612.40")
    p.reg("terminate", "employee", "2026-03-31")
    p.pay(2026, "2026-09-15")
    p.exp(2026, enrolled=True, in_window=False, N=0, exempt="", fixed=3, total=3, benefits_from="2026-12-15")

    # ---------------- refunds ----------------
    p = P("H", "R1-refund-break", "R1/R2: the 2026 payment is refunded: 2026 not enrolled, 2027 follows a break of 1")
    p.pay(2025, "2024-10-01")
    t = p.pay(2026, "2025-10-15")
    p.refund(t, "2025-12-01")
    p.pay(2027, "2026-10-10")
    p.exp(2026, enrolled=False, N=0)
    p.exp(2027, enrolled=True, N=1, K=1, fixed=3, total=3, benefits_from="2027-04-01", ZB=0, P=3000,
          effective=397000)

    p = P("H", "R1-refund-repaid-late", "R1/R3: 2026 paid, refunded, paid again 2026-04-10: the standing payment is late")
    p.pay(2025, "2024-10-01")
    t = p.pay(2026, "2025-10-15")
    p.refund(t, "2025-11-01")
    p.pay(2026, "2026-04-10")
    p.exp(2026, enrolled=True, paid_on="2026-04-10", in_window=False, N=0, K=2, fixed=3, total=3,
          benefits_from="2026-07-10", ZB=0)

    p = P("H", "R1-double-payment-refund", "R1: 2026 paid twice, the first refunded: the second payment stands")
    p.pay(2025, "2024-10-05")
    t = p.pay(2026, "2025-10-15")
    p.pay(2026, "2025-10-16")
    p.refund(t, "2025-11-20")
    p.exp(2026, enrolled=True, paid_on="2025-10-16", in_window=True, total=0, benefits_from="2026-01-01",
          ZB=4000, effective=404000)

    # ---------------- claims: R6, R9 ----------------
    p = P("H", "R6-zero-fund-claim", "R6: a 2025 claim with no fund payment keeps the zero-claim bonus")
    p.pay(2025, "2024-10-01")
    p.pay(2026, "2025-10-01")
    p.claim("2025-06-10", "150.00", "0.00", "0.00")
    p.exp(2026, enrolled=True, ZB=4000, effective=404000)

    p = P("H", "R6-fund-paid-claim", "R6: a 2025 claim with a basic fund payment: no bonus for 2026; none in 2026: bonus for 2027")
    p.pay(2025, "2024-10-01")
    p.pay(2026, "2025-10-01")
    p.pay(2027, "2026-10-01")
    p.claim("2025-06-10", "230.00", "85.50", "0.00")
    p.exp(2026, enrolled=True, ZB=0, effective=400000)
    p.exp(2027, enrolled=True, K=3, ZB=4000, effective=404000)

    p = P("H", "R9-reversed-claim", "R9/R6: the only 2025 claim is reversed: zero-claim bonus for 2026")
    p.pay(2025, "2024-10-01")
    p.pay(2026, "2025-10-01")
    c = p.claim("2025-08-01", "5200.00", "3100.00", "0.00", kind="inpatient", settle_days=4)
    p.reverse(c, "2025-08-20")
    p.exp(2026, enrolled=True, ZB=4000, effective=404000)

    p = P("H", "R6-ci-reset", "R6: critical-illness payments of 405,000 in 2027 exceed the base 400,000: zero-claim bonus reset from 2028")
    for y, d in ((2025, "2024-10-01"), (2026, "2025-10-08"), (2027, "2026-10-03"), (2028, "2027-10-09"),
                 (2029, "2028-10-02")):
        p.pay(y, d)
    p.claim("2027-05-10", "980000.00", "150000.00", "405000.00", kind="inpatient", settle_days=23)
    p.exp(2026, ZB=4000, effective=404000)
    p.exp(2027, enrolled=True, K=3, ZB=8000, effective=408000)
    p.exp(2028, enrolled=True, K=4, ZB=0, effective=400000)
    p.exp(2029, enrolled=True, K=5, CB=4000, ZB=4000, effective=408000)

    p = P("H", "R6-ci-below-base", "R6: critical-illness payments of 350,000 in 2027 (below the base): no reset, but no bonus for 2028")
    for y, d in ((2025, "2024-10-01"), (2026, "2025-10-08"), (2027, "2026-10-03"), (2028, "2027-10-09"),
                 (2029, "2028-10-02")):
        p.pay(y, d)
    p.claim("2027-05-10", "800000.00", "150000.00", "350000.00", kind="inpatient", settle_days=20)
    p.exp(2027, ZB=8000, effective=408000)
    p.exp(2028, enrolled=True, ZB=8000, effective=408000)
    p.exp(2029, enrolled=True, K=5, CB=4000, ZB=12000, effective=416000)

    p = P("H", "R9-claim-in-waiting", "R9: claim on 2025-12-01 with a fund payment during the wait (late 2025 payment): an audit finding, stored")
    p.pay(2025, "2025-11-06")
    p.claim("2025-12-01", "420.00", "300.00", "0.00")
    p.pay(2026, "2025-12-20")
    p.exp(2025, enrolled=True, in_window=False, total=3, benefits_from="2026-02-06")
    p.exp(2026, enrolled=True, in_window=True, benefits_from="2026-02-06", ZB=0)

    p = P("H", "R9-claim-not-enrolled", "R9: claim in 2025 while not enrolled (audit finding); first payment for 2026")
    p.claim("2025-04-03", "3000.00", "1800.00", "0.00", kind="inpatient", settle_days=5)
    p.pay(2026, "2025-10-20")
    p.exp(2025, enrolled=False, N=0)
    p.exp(2026, enrolled=True, N=0, K=1, ZB=0, effective=400000)

    p = P("H", "R9-suspended-claim", "R9: registry suspends resident cover 2026-07-01; claim on 2026-08-10 is an audit finding")
    p.pay(2025, "2024-10-10")
    p.pay(2026, "2025-10-10")
    p.reg("suspend", "resident", "2026-07-01")
    p.claim("2026-08-10", "800.00", "500.00", "0.00")
    p.exp(2026, enrolled=True, K=2, ZB=4000, effective=404000)

    p = P("H", "R9-unknown-targets", "R9: a refund and a claim reversal naming records that do not exist: accepted, change nothing")
    p.pay(2025, "2024-10-30")
    p.pay(2026, "2025-10-30")
    refund = {"record_id": sb.rid("tax"), "id_number": p.id, "region": p.area, "scheme": "resident",
              "amount": "420.00", "paid_at": p._ts(D("2025-12-02")), "op": "refund", "refund_of": "T99990"}
    p._add("tax", refund)
    c = p.claim("2025-09-09", "640.00", "0.00", "0.00")
    rev = {"record_id": sb.rid("claims"), "id_number": p.id, "region": p.area, "scheme": "resident",
           "kind": "outpatient", "service_date": "2025-09-09", "settled_at": p._ts(D("2025-09-30")),
           "op": "reverse", "reverse_of": "M99990"}
    p._add("claims", rev)
    p.exp(2026, enrolled=True, paid_on="2025-10-30", K=2, ZB=4000, effective=404000)

    p = P("S", "R8-special-hardship", "R8/R6 (Suizhou): special_hardship: unlimited cap; CI 420,000 in 2026 resets the bonus from 2027")
    p.status("special_hardship", "2024-03-01")
    p.pay(2025, "2024-10-20", payer="subsidy")
    p.pay(2026, "2025-10-20", payer="subsidy")
    p.pay(2027, "2026-10-20", payer="subsidy")
    p.claim("2026-07-01", "900000.00", "200000.00", "420000.00", kind="inpatient", settle_days=30)
    p.exp(2026, enrolled=True, unlimited=True, ZB=4000, effective=354000)
    p.exp(2027, enrolled=True, unlimited=True, ZB=0, effective=350000)

    p = P("S", "R8-minimum-living-ends", "R8 (Suizhou): minimum_living until 2026-06-30: unlimited in 2026, not in 2027")
    p.status("minimum_living", "2025-01-01", "2026-06-30")
    p.pay(2026, "2025-10-12", payer="subsidy")
    p.pay(2027, "2026-10-12")
    p.exp(2026, enrolled=True, unlimited=True)
    p.exp(2027, enrolled=True, unlimited=False, ZB=4000, effective=354000)

    p = P("S", "R8-orphan", "R8 (Suizhou): orphan: unlimited cap", birth="2012-04-18")
    p.status("orphan", "2020-01-01")
    p.pay(2026, "2025-10-18", payer="subsidy")
    p.exp(2026, enrolled=True, unlimited=True, effective=350000)

    p = P("H", "R8-honghe-special-hardship", "R8: special_hardship in Honghe: no unlimited cap (Suizhou rule only)")
    p.status("special_hardship", "2024-05-01")
    p.pay(2026, "2025-10-12", payer="subsidy")
    p.exp(2026, enrolled=True, unlimited=False, effective=400000)

    p = P("H", "R6-ci-reset-after-penalty", "R6/R7: with a 3,000 penalty, CI payments of 398,000 in 2027 exceed base - penalty (397,000): bonus reset from 2028")
    p.pay(2024, "2023-10-01")
    for y in (2026, 2027, 2028):
        p.pay(y, "%d-10-05" % (y - 1))
    p.claim("2027-03-10", "900000.00", "120000.00", "398000.00", kind="inpatient", settle_days=18)
    p.exp(2026, enrolled=True, N=1, ZB=0, P=3000, effective=397000)
    p.exp(2027, enrolled=True, N=0, ZB=4000, P=3000, effective=401000)
    p.exp(2028, enrolled=True, ZB=0, P=3000, effective=397000)

    p = P("H", "R6-ci-claim-reversed", "R6/R9: the 405,000 CI claim of 2027 is reversed: no reset, bonus continues")
    for y in (2025, 2026, 2027, 2028):
        p.pay(y, "%d-11-11" % (y - 1))
    c = p.claim("2027-05-10", "980000.00", "150000.00", "405000.00", kind="inpatient", settle_days=23)
    p.reverse(c, "2027-07-01")
    p.exp(2028, enrolled=True, K=4, ZB=12000, effective=412000)

    p = P("H", "R4-repair-old-episode", "R4: repair of 2025 (a break of an earlier episode) does not shorten the wait after the 2028-2029 break")
    p.pay(2024, "2023-10-01")
    p.pay(2026, "2025-10-01")
    p.pay(2027, "2026-10-01")
    p.pay(2030, "2029-10-20")
    p.repair(2025, "2029-11-05")
    p.exp(2030, enrolled=True, N=2, K=1, fixed=3, variable=1, repaired=0, total=4, benefits_from="2030-05-01",
          ZB=4000, P=9000, effective=395000)

    p = P("H", "R4-refunded-repair", "R4: break of 2, the repair of 2025 is refunded: no month off")
    p.pay(2024, "2023-11-01")
    p.pay(2027, "2026-10-15")
    t = p.repair(2025, "2026-11-02")
    p.refund(t, "2026-12-01")
    p.exp(2027, enrolled=True, N=2, variable=1, repaired=0, total=4, benefits_from="2027-05-01", P=6000)

    p = P("H", "R2-status-not-obligation", "R2: a 2025 civil status (not a birth) does not start the obligation; first paid 2027: no break")
    p.status("severe_disability", "2025-05-01")
    p.pay(2027, "2026-10-20")
    p.exp(2027, enrolled=True, N=0, K=1, total=0, benefits_from="2027-01-01", P=0, effective=400000)

    p = P("H", "R3-newborn-november", "R3 newborn (Honghe): born 2026-07-15, paid 2026-11-20 (128 days): from 2026-12-01",
          birth="2026-07-15")
    p.status("birth", "2026-07-15")
    p.pay(2026, "2026-11-20")
    p.exp(2026, enrolled=True, exempt="newborn", total=0, benefits_from="2026-12-01", P=0)

    # ---------------- R5: continuity ----------------
    p = P("H", "R5-continuous-2025-2030", "R5/R6: paid in the window 2025-2030, no claims: continuity bonus from 2029")
    for y in range(2025, 2031):
        p.pay(y, "%d-%02d-%02d" % (y - 1, 9 + (y % 4), 3 + y % 20))
    p.exp(2025, enrolled=True, K=1, CB=0, ZB=0, effective=400000)
    p.exp(2028, enrolled=True, K=4, CB=0, ZB=12000, effective=412000)
    p.exp(2029, enrolled=True, K=5, CB=4000, ZB=16000, effective=420000)
    p.exp(2030, enrolled=True, K=6, CB=8000, ZB=20000, effective=428000)

    p = P("H", "R5-2024-not-counted", "R5/R6: paid 2024-2029: 2024 counts neither for K nor for the 2025 bonus")
    for y in range(2024, 2030):
        p.pay(y, "%d-12-%02d" % (y - 1, 1 + y % 27))
    p.exp(2025, enrolled=True, K=1, ZB=0, effective=400000)
    p.exp(2028, enrolled=True, K=4, CB=0, ZB=12000, effective=412000)
    p.exp(2029, enrolled=True, K=5, CB=4000, ZB=16000, effective=420000)

    p = P("S", "R5-suizhou-continuous", "R5/R6 (Suizhou): paid in the window 2025-2030: base 350,000")
    for y in range(2025, 2031):
        p.pay(y, "%d-%02d-%02d" % (y - 1, 9 + (y % 3), 5 + y % 17))
    p.exp(2029, enrolled=True, K=5, CB=4000, ZB=16000, effective=370000)
    p.exp(2030, enrolled=True, K=6, CB=8000, ZB=20000, effective=378000)

    p = P("H", "R5-late-year", "R5/R6: 2027 paid late (2027-04-20): continuity kept, no bonus for 2027")
    for y in range(2025, 2031):
        p.pay(y, "2027-04-20" if y == 2027 else "%d-11-%02d" % (y - 1, 2 + y % 25))
    p.exp(2027, enrolled=True, in_window=False, K=3, fixed=3, total=3, benefits_from="2027-07-20", ZB=4000)
    p.exp(2030, enrolled=True, K=6, CB=8000, ZB=16000, effective=424000)

    p = P("H", "R5-break-keeps-bonus", "R5/R7: continuous 2025-2029, break 2030, paid 2031: K restarts, CB and ZB kept")
    for y in range(2025, 2030):
        p.pay(y, "%d-10-%02d" % (y - 1, 10 + y % 15))
    p.pay(2031, "2030-10-10")
    p.exp(2029, enrolled=True, K=5, CB=4000, ZB=16000, effective=420000)
    p.exp(2030, enrolled=False, N=0, CB=4000, ZB=16000)
    p.exp(2031, enrolled=True, N=1, K=1, total=3, benefits_from="2031-04-01", CB=4000, ZB=16000, P=3000,
          effective=417000)

    p = P("H", "R5-employee-year", "R5: resident 2025-2026, employee 2027, resident 2028-2030: K(2030) = 5")
    p.pay(2025, "2024-10-11")
    p.pay(2026, "2025-10-11")
    p.reg("enrol", "employee", "2027-01-01", kind="employer")
    p.emp_months("2027-01", "2027-06", "598.00")
    p.reg("terminate", "employee", "2027-06-30")
    for y in (2028, 2029, 2030):
        p.pay(y, "%d-10-15" % (y - 1))
    p.exp(2027, enrolled=False, N=0, e_enrolled=True, e_months=6)
    p.exp(2028, enrolled=True, N=0, K=3, total=0, ZB=4000)
    p.exp(2030, enrolled=True, K=5, CB=4000, ZB=12000, effective=416000)

    p = P("H", "mover-honghe-to-suizhou", "R10: paid 2025-2026 in Honghe (2026 on 2026-01-15, inside the Honghe window), then 2027 in Suizhou (421302): 2026 stays judged in Honghe; Hubei's incentives start from 0")
    p.pay(2025, "2024-10-10")
    p.pay(2026, "2026-01-15")
    p.pay(2027, "2026-11-10", region="421302")
    p.exp(2026, enrolled=True, in_window=True, N=0, K=2, total=0, benefits_from="2026-01-01",
          base=400000, ZB=4000, effective=404000)
    p.exp(2027, enrolled=True, in_window=True, N=0, K=1, total=0, benefits_from="2027-01-01",
          base=350000, CB=0, ZB=0, P=0, effective=350000)

    # ---------------- 2026-11-30: register, own pools, Suizhou specifics ----------------
    p = P("H", "R2-registered-2010", "R2: in the population register since 2010-05-01, first pays for 2027 in the window: break years 2025-2026")
    p.status("registered", "2010-05-01")
    p.pay(2027, "2026-10-12")
    p.exp(2027, enrolled=True, in_window=True, N=2, K=1, fixed=3, variable=1, total=4, benefits_from="2027-05-01",
          P=6000, effective=394000)

    p = P("S", "R10-suizhou-then-honghe", "R10: Suizhou 2026 paid 2026-02-10 (after Suizhou's window), then 2027 paid in Honghe: 2026 stays a Suizhou year")
    p.pay(2026, "2026-02-10")
    p.pay(2027, "2026-10-15", region="532501")
    p.exp(2026, enrolled=True, in_window=False, N=0, total=3, benefits_from="2026-05-10", base=350000,
          effective=350000)
    p.exp(2027, enrolled=True, in_window=True, N=0, K=1, total=0, benefits_from="2027-01-01", base=400000,
          ZB=0, effective=400000)  # Yunnan after Hubei: its incentives start from 0

    p = P("S", "R11-migrant-worker-february", "R11 (a) (Suizhou): migrant worker since 2025-06-01, 2027 paid on 2027-02-26: counts as in the window")
    p.status("migrant_worker", "2025-06-01")
    p.pay(2026, "2025-11-05")
    p.pay(2027, "2027-02-26")
    p.exp(2027, enrolled=True, in_window=True, N=0, K=2, total=0, benefits_from="2027-01-01", ZB=4000,
          effective=354000)

    p = P("S", "R11-severe-mental-illness", "R11 (b) (Suizhou): severe mental illness from 2026-05-01, break 2026, 2027 paid 2027-03-15: covered from the day after")
    p.pay(2025, "2024-10-12")
    p.status("severe_mental_illness", "2026-05-01")
    p.pay(2027, "2027-03-15")
    p.exp(2027, enrolled=True, in_window=False, N=1, exempt="severe_mental_illness", total=0,
          benefits_from="2027-03-16", P=0)

    p = P("S", "R11-assistance-day-after", "R11 (b) (Suizhou): medical assistance from 2027-02-01 (after the window), 2027 paid 2027-03-01: covered from 2027-03-02")
    p.pay(2026, "2025-10-12")
    p.status("medical_assistance", "2027-02-01")
    p.pay(2027, "2027-03-01")
    p.exp(2027, enrolled=True, in_window=False, N=0, exempt="medical_assistance", total=0,
          benefits_from="2027-03-02", P=0)

    p = P("S", "R11-newborn-second-year-late", "R11 (c) (Suizhou): newborn 2026-03-10 enrolled fee-free, 2027 paid 2027-05-20: covered from the payment, no penalty",
          birth="2026-03-10")
    p.status("birth", "2026-03-10")
    p.reg("enrol", "resident", "2026-03-10", fee_waived=True)
    p.pay(2027, "2027-05-20")
    p.exp(2027, enrolled=True, in_window=False, N=0, exempt="newborn", total=0, benefits_from="2027-05-20", P=0)

    p = P("H", "R12-two-pools", "R12: 2026 paid in Honghe and again in Suizhou: a duplicate enrolment finding")
    p.pay(2026, "2025-10-12")
    p.pay(2026, "2025-11-20", region="421302")
    p.note("`enrol audit` reports `duplicate_enrolment` for the Suizhou payment.")

    p = P("H", "R12-refund-after-cover", "R12: 2026 paid in the window, refunded 2026-04-01 after cover began: a refund_after_benefits finding")
    t = p.pay(2026, "2025-10-12")
    p.refund(t, "2026-04-01")
    p.exp(2026, enrolled=False)
    p.note("`enrol audit` reports `refund_after_benefits` for the refund.")

    # ---------------- deaths, duplicates ----------------
    p = P("H", "death", "civil death 2026-08-15 after paying 2025-2026 (DOMAIN.md: no rule changes the year's figures)")
    p.pay(2025, "2024-10-21")
    p.pay(2026, "2025-10-21")
    p.status("death", "2026-08-15")
    p.exp(2026, enrolled=True, K=2, total=0, benefits_from="2026-01-01", ZB=4000)
    p.note("`enrol covered --date 2026-09-01` should say not covered (deceased); DOMAIN.md does not state it.")

    p = P("S", "death-special-hardship", "R8 (Suizhou): special_hardship person who died 2026-03-02: unlimited in 2026")
    p.status("special_hardship", "2023-01-01")
    p.pay(2026, "2025-11-02", payer="subsidy")
    p.status("death", "2026-03-02")
    p.exp(2026, enrolled=True, unlimited=True)

    dup = P("H", "duplicate-original", "idempotency: this person's 2026 payment line appears again verbatim (a duplicate) and with different content (rejected)")
    dup.pay(2026, "2025-10-20")
    dup.exp(2026, enrolled=True, paid_on="2025-10-20", in_window=True, total=0, benefits_from="2026-01-01")

    # ---------------- employee scheme (E rules; figures from CONTRACT.md's employee object) ----------------
    p = P("H", "E1-honghe-employer", "E1/E5: Honghe employer staff from 2025-03: cover from the month after the first paid month")
    p.reg("enrol", "employee", "2025-03-01", kind="employer")
    p.emp_months("2025-03", "2025-12", "612.40")
    p.exp(2025, enrolled=False, e_enrolled=True, e_kind="employer", e_months=10, e_benefits_from="2025-04-01",
          e_maternity_from="2025-09-01")

    p = P("P", "E1-panzhihua-employer", "E1 (Panzhihua art. 17): employer staff covered from the paid month itself; maternity from the paid month too (art. 31)")
    p.reg("enrol", "employee", "2025-03-01", kind="employer")
    p.emp_months("2025-03", "2025-12", "540.00")
    p.exp(2025, e_enrolled=True, e_kind="employer", e_months=10, e_benefits_from="2025-03-01",
          e_maternity_from="2025-03-01")

    p = P("P", "E3-panzhihua-flexible", "E3 (Panzhihua): new flexible worker waits 6 months")
    p.reg("enrol", "employee", "2025-03-01", kind="flexible")
    p.emp_months("2025-03", "2025-12", "486.00", payer="flexible", day=20)
    p.exp(2025, e_enrolled=True, e_kind="flexible", e_months=10, e_benefits_from="2025-09-01")

    p = P("S", "E3-suizhou-flexible", "E3 (Suizhou): new flexible worker waits 3 months (March-May), covered from June")
    p.reg("enrol", "employee", "2025-03-01", kind="flexible")
    p.emp_months("2025-03", "2025-12", "486.00", payer="flexible", day=20)
    p.exp(2025, e_enrolled=True, e_kind="flexible", e_months=10, e_benefits_from="2025-06-01")

    p = P("S", "E2-suizhou-arrears-repaid", "E2 (Suizhou): employer 3 months in arrears (May-July), paid up 2025-10-20 (within 6 months): backdated")
    p.reg("enrol", "employee", "2025-01-01", kind="employer")
    p.emp_months("2025-01", "2025-12", "575.00", skip=("2025-05", "2025-06", "2025-07"))
    for ym in ("2025-05", "2025-06", "2025-07"):
        p.emp(ym, "2025-10-20", "575.00", purpose="makeup")
    p.exp(2025, e_enrolled=True, e_kind="employer", e_months=12, e_benefits_from="2025-02-01", e_suspended=[])

    p = P("H", "E6-retire-man", "E6 (Honghe): man retiring 2026-06-30 with 20 deemed + 1 actual year: 21 < 30, not eligible",
          birth="1966-06-12", male=True)
    p.reg("enrol", "employee", "2025-07-01", kind="employer")
    p.emp_months("2025-07", "2026-06", "702.00")
    p.reg("retire", "employee", "2026-06-30", deemed="20", sex="male")
    p.exp(2026, e_enrolled=True, e_months=6, e_deemed_years=20, e_contribution_years=21, e_required_years=30,
          e_retirement_eligible=False)

    p = P("H", "E6-retire-woman", "E6 (Honghe): woman retiring 2026-06-30 with 24.5 deemed + 1 actual year: 25.5 >= 25, eligible",
          birth="1976-06-20", male=False)
    p.reg("enrol", "employee", "2025-07-01", kind="employer")
    p.emp_months("2025-07", "2026-06", "655.00")
    p.reg("retire", "employee", "2026-06-30", deemed="24.5", sex="female")
    p.exp(2026, e_enrolled=True, e_months=6, e_deemed_years=24.5, e_contribution_years=25.5,
          e_required_years=25, e_retirement_eligible=True)

    p = P("S", "E6-suizhou-retire-2027", "E6 (Suizhou): man retiring in 2027 needs 27 years (25 to 2025, +1 a year) and 10 actual local years",
          birth="1967-05-03", male=True)
    p.reg("enrol", "employee", "2026-07-01", kind="employer")
    p.emp_months("2026-07", "2027-06", "590.00")
    p.reg("retire", "employee", "2027-06-30", deemed="28", sex="male")
    p.exp(2027, e_enrolled=True, e_months=6, e_deemed_years=28, e_contribution_years=29, e_required_years=27,
          e_retirement_eligible=False)

    p = P("S", "E4-transfer-in", "E4/E6 (Suizhou): employee transfer_in 2025-05-01 with 8.5 deemed years")
    p.reg("transfer_in", "employee", "2025-05-01", kind="employer", deemed="8.5")
    p.emp_months("2025-05", "2025-12", "575.00")
    p.exp(2025, e_enrolled=True, e_kind="employer", e_months=8, e_deemed_years=8.5)

    return period_closed_person, dup


def build_ordinary(sb: SampleBuilder, count: int):
    r = sb.rng
    made = 0
    while made < count:
        made += 1
        u = r.random()
        region = "H" if u < 0.62 else ("S" if u < 0.86 else "P")
        if region == "P" and r.random() < 0.6:
            p = sb.person("P", "ordinary-employee", "ordinary employer staff (Panzhihua)", scenario=False)
            start = r.choice(["2025-01", "2025-07", "2026-01"])
            y, m = map(int, start.split("-"))
            p.reg("enrol", "employee", "%04d-%02d-01" % (y, m), kind="employer")
            amount = "%d.%02d" % (r.randint(380, 900), r.choice([0, 20, 40, 50, 60, 80]))
            end_m = m + 5
            p.emp_months(start, "%04d-%02d" % (y, end_m), amount, day=r.randint(5, 25))
            p.exp(y, e_enrolled=True, e_months=6)
            continue
        p = sb.person(region, "ordinary", "ordinary resident", scenario=False)
        start = r.choice([2024, 2025, 2025, 2025, 2026, 2026, 2027])
        end = min(2030, start + r.randint(1, 4))
        pool = p.pool
        subsidy = r.random() < 0.06
        for y in range(start, end + 1):
            x = r.random()
            if y > start and x < 0.05:
                continue  # a break
            wend = POLICY[pool]["win_end"](y)
            if x < 0.93 or y == 2024:
                lo = date(y - 1, 9, 1)
                d = lo + timedelta(days=r.randint(0, (wend - lo).days))
            else:
                lo = wend + timedelta(days=1)
                d = lo + timedelta(days=r.randint(0, (date(y, 11, 30) - lo).days))
            p.pay(y, d.isoformat(), payer="subsidy" if subsidy else "individual", explicit=r.random() < 0.5)
            if y >= 2025 and r.random() < 0.3:
                sd = date(y, r.randint(1, 12), r.randint(1, 28))
                z = r.random()
                if z < 0.12:
                    total = r.randint(40, 300) * 100
                    p.claim(sd.isoformat(), money(total), "0.00", "0.00", settle_days=0)
                elif z < 0.9:
                    total = r.randint(3000, 90000)
                    basic = total * r.randint(30, 70) // 100
                    p.claim(sd.isoformat(), money(total), money(basic), "0.00",
                            kind=r.choice(["outpatient", "outpatient", "chronic"]))
                else:
                    total = r.randint(800000, 8000000)
                    basic = total * r.randint(50, 65) // 100
                    ci = total * r.randint(5, 15) // 100
                    p.claim(sd.isoformat(), money(total), money(basic), money(ci), kind="inpatient",
                            settle_days=r.randint(3, 20))
        for y in range(max(start, 2025), end + 2):
            p.exp(y)  # model figures only


def build_bad(sb: SampleBuilder, closed: Person, dup: Person):
    """Deliberately bad records: (feed, text, field, what). Placed among the good lines."""
    good_id = make_id("532501", date(1980, 1, 1), 901)
    bad_check = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    sz_id = make_id("421321", date(1975, 7, 7), 902)
    bj_id = make_id("110101", date(1985, 3, 3), 903)
    born = make_id("532503", date(2026, 4, 1), 904)
    emp_id = make_id("510402", date(1990, 2, 2), 905)

    def tax(rid, **kw):
        rec = {"record_id": rid, "id_number": good_id, "region": "532501", "scheme": "resident",
               "payer": "individual", "purpose": "regular", "period": "2026", "amount": "420.00",
               "paid_at": "2025-10-12T09:30:00+08:00", "op": "pay"}
        for k, v in kw.items():
            if v is None:
                rec.pop(k, None)
            else:
                rec[k] = v
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

    bad = []
    B = lambda feed, text, field, what: bad.append((feed, text, field, what))
    B("tax", tax("TX01", id_number=bad_check), "id_number", "check character wrong (GB 11643)")
    B("tax", tax("TX02", id_number=good_id[:17]), "id_number", "17 characters")
    B("tax", tax("TX03", id_number=bj_id, region="110101"), "region", "110101 pools to 110100, no policy profile")
    B("tax", tax("TX04", paid_at="2025-10-12 09:30:00"), "paid_at", "not RFC 3339 (no T, no offset)")
    B("tax", tax("TX05", amount="420.005"), "amount", "3 decimals")
    B("tax", tax("TX06", amount=420), "amount", "a JSON number, not a decimal string")
    B("tax", tax("TX07", id_number=emp_id, region="510402", scheme="employee", payer="employer", period="2026"),
      "period", "YYYY for the employee scheme (needs YYYY-MM)")
    B("tax", tax("TX08", id_number=emp_id, region="510402", scheme="employee", payer="employer", period="2026-13"),
      "period", "month 13")
    B("tax", tax("TX09", id_number=closed.id, region=closed.area, period="2027", amount="440.00",
                 paid_at="2028-01-02T10:00:00+08:00"),
      "period", "resident regular payment for 2027 dated 2028-01-02, after 31 Dec of its period")
    B("tax", tax("TX10", period="2025", amount="400.00", paid_at="2025-12-31T17:30:00Z"),
      "period", "resident 2025 payment at 2025-12-31T17:30Z = 2026-01-01 in China: period closed")
    B("tax", tax("TX11", purpose="repair", period="2026", paid_at="2026-03-01T10:00:00+08:00"),
      "period", "repair period not before the payment's year")
    B("tax", tax("TX12", payer="cash"), "payer", "unknown enum value")
    B("tax", tax("TX13", scheme=None), "scheme", "required field missing")
    B("tax", tax("TX14", channel="wechat"), "channel", "unknown field")
    B("tax", tax("TX15", op="refund", refund_of=None), "refund_of", "refund without refund_of")
    B("tax", tax("TX16", scheme="resident", payer="employer"), "payer", "employer pays only the employee scheme")
    B("tax", '{"record_id":"TX17","id_number":"%s","region":"532501","scheme":"resident",' % good_id,
      "record", "malformed JSON (truncated line)")

    def civ(rid, **kw):
        rec = {"record_id": rid, "id_number": good_id, "region": "532501", "status": "veteran",
               "effective_from": "2026-05-01"}
        for k, v in kw.items():
            if v is None:
                rec.pop(k, None)
            else:
                rec[k] = v
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

    B("civil", civ("CX01", id_number=born, region="532503", status="birth", effective_from="2026-04-02"),
      "effective_from", "birth date differs from the ID's (2026-04-01)")
    B("civil", civ("CX02", status="retired"), "status", "unknown enum value")
    B("civil", civ("CX03", effective_from="2026-02-30"), "effective_from", "not a date (30 Feb)")
    B("civil", civ("CX04", effective_from="2026-05-01", effective_to="2026-04-30"), "effective_to",
      "before effective_from")
    B("civil", civ("CX05", note="from the township office"), "note", "unknown field")
    B("civil", civ("CX06", effective_from=None), "effective_from", "required field missing")
    B("civil", civ("CX07", id_number=sz_id, region="4213"), "region", "not a 6-digit area code")
    B("civil", '{"record_id":"CX08","id_number":"%s","region":"532501","status":"veteran" "effective_from":"2026-05-01"}' % good_id,
      "record", "malformed JSON (missing comma)")

    def regl(rid, **kw):
        rec = {"record_id": rid, "id_number": emp_id, "region": "510402", "action": "enrol",
               "scheme": "employee", "kind": "employer", "effective": "2026-03-01", "fee_waived": None,
               "deemed_years": None, "sex": None}
        rec.update(kw)
        return rec

    B("registry", regl("RX01", fee_waived="true"), "fee_waived", "fee_waived on an employee enrol")
    B("registry", regl("RX02", kind=None), "kind", "employee enrol without kind")
    B("registry", regl("RX03", action="cancel"), "action", "unknown enum value")
    B("registry", regl("RX04", effective="2026/03/01"), "effective", "not a YYYY-MM-DD date")
    B("registry", regl("RX05", scheme="resident", kind="flexible"), "kind", "kind on a resident action")
    B("registry", regl("RX06", action="retire", kind=None, sex="M", deemed_years="12"), "sex", "unknown enum value (male|female)")
    B("registry", regl("RX07", deemed_years="5"), "deemed_years", "deemed_years on an enrol")
    B("registry", regl("RX08", id_number=bad_check, region="532501"), "id_number", "check character wrong")
    B("registry", regl("RX09", fee_waived="yes", scheme="resident", kind=None), "fee_waived", "not true/false")
    B("registry", "RX10,%s,510402,enrol,employee,employer,2026-03-01,,,," % emp_id, "record",
      "malformed CSV: 11 columns, the header has 10")

    def clm(rid, **kw):
        rec = {"record_id": rid, "id_number": good_id, "region": "532501", "scheme": "resident",
               "kind": "outpatient", "service_date": "2026-05-10", "settled_at": "2026-05-10T15:20:00+08:00",
               "total_cost": "300.00", "basic_fund_paid": "150.00", "critical_illness_paid": "0.00", "op": "settle"}
        for k, v in kw.items():
            if v is None:
                rec.pop(k, None)
            else:
                rec[k] = v
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

    B("claims", clm("MX01", basic_fund_paid="250.00", critical_illness_paid="80.00"), "basic_fund_paid",
      "basic_fund_paid + critical_illness_paid (330.00) > total_cost (300.00)")
    B("claims", clm("MX02", settled_at="2026-05-09T15:20:00+08:00"), "settled_at", "settled before the service date")
    B("claims", clm("MX03", service_date="2026-13-01"), "service_date", "not a date (month 13)")
    B("claims", clm("MX04", kind="dental"), "kind", "unknown enum value")
    B("claims", clm("MX05", op="reverse", reverse_of=None), "reverse_of", "reverse without reverse_of")
    B("claims", clm("MX06", total_cost=300), "total_cost", "a JSON number, not a decimal string")
    B("claims", clm("MX07", critical_illness_paid="12.345"), "critical_illness_paid", "3 decimals")
    B("claims", clm("MX08", hospital="Honghe First People's Hospital"), "hospital", "unknown field")
    B("claims", clm("MX09", id_number=None), "id_number", "required field missing")
    B("claims", clm("MX10", total_cost="-300.00"), "total_cost", "negative amount")
    B("claims", '{"record_id":"MX11","id_number":"%s","region":"532501","scheme":"resident",}' % good_id,
      "record", "malformed JSON (trailing comma)")
    return bad


def write_sample(out: str, expectations: str | None):
    sb = SampleBuilder()
    closed, dup = build_scenarios(sb)
    n_scen = len(sb.persons)
    build_ordinary(sb, 300 - n_scen)
    bad = build_bad(sb, closed, dup)

    # Conflicting duplicates (same record_id, different content) and one exact duplicate go last,
    # after their originals. One extra original per JSON feed.
    orig_tax = dict(next(r for f, r in dup.recs if f == "tax"))
    conflict_tax = dict(orig_tax, paid_at="2026-05-20T10:00:00+08:00", amount="4200.00")
    civ_person = next(p for p in sb.persons if p.label == "R3-veteran")
    orig_civ = next(r for f, r in civ_person.recs if f == "civil")
    conflict_civ = dict(orig_civ, effective_from="2025-06-01")
    reg_person = next(p for p in sb.persons if p.label == "E1-honghe-employer")
    orig_reg = next(r for f, r in reg_person.recs if f == "registry")
    conflict_reg = dict(orig_reg, effective="2025-01-01")
    clm_person = next(p for p in sb.persons if p.label == "R6-fund-paid-claim")
    orig_clm = next(r for f, r in clm_person.recs if f == "claims")
    conflict_clm = dict(orig_clm, basic_fund_paid="0.00")

    def js(rec):
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

    sort_key = {"tax": "paid_at", "civil": "effective_from", "registry": "effective", "claims": "settled_at"}
    os.makedirs(out, exist_ok=True)
    bad_rows = []
    counts = {}
    for feed in ("tax", "civil", "registry", "claims"):
        good = sorted(sb.feeds[feed], key=lambda r: (cst_day(r[sort_key[feed]]).isoformat()
                                                     if feed in ("tax", "claims") else r[sort_key[feed]],
                                                     r["record_id"]))
        csv_mode = feed == "registry"

        def render(rec):
            if isinstance(rec, str):
                return rec
            if csv_mode:
                buf = io.StringIO()
                w = csv.writer(buf, lineterminator="")
                row = []
                for k in REGISTRY_FIELDS:
                    v = rec.get(k)
                    row.append("" if v is None else ("true" if v is True else "false" if v is False else str(v)))
                w.writerow(row)
                return buf.getvalue()
            return js(rec)

        lines = [("good", render(r), None, None) for r in good]
        feed_bad = [b for b in bad if b[0] == feed]
        for i, (_, text, field, what) in enumerate(feed_bad):
            pos = (i + 1) * len(lines) // (len(feed_bad) + 1)
            lines.insert(pos, ("bad", render(text), field, what))
        tail = {"tax": [("dup", js(orig_tax), None, "exact duplicate of an earlier line: counted as a duplicate, not rejected"),
                        ("bad", js(conflict_tax), "record_id", "conflicting duplicate: same record_id %s, different paid_at and amount" % orig_tax["record_id"])],
                "civil": [("bad", js(conflict_civ), "record_id", "conflicting duplicate: same record_id %s, different effective_from" % orig_civ["record_id"])],
                "registry": [("bad", render(conflict_reg), "record_id", "conflicting duplicate: same record_id %s, different effective" % orig_reg["record_id"])],
                "claims": [("bad", js(conflict_clm), "record_id", "conflicting duplicate: same record_id %s, different basic_fund_paid" % orig_clm["record_id"])]}[feed]
        lines += tail
        name = feed + (".csv" if csv_mode else ".jsonl")
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as fh:
            first_line = 1
            if csv_mode:
                fh.write(",".join(REGISTRY_FIELDS) + "\n")
                first_line = 2
            for i, (kind, text, field, what) in enumerate(lines):
                fh.write(text + "\n")
                if kind in ("bad", "dup"):
                    try:
                        rid = json.loads(text).get("record_id") if not csv_mode else text.split(",")[0]
                    except ValueError:
                        rid = text.split('"record_id":"')[1].split('"')[0]
                    bad_rows.append((name, i + first_line, rid, field, what, kind))
        counts[name] = (len(lines), sum(1 for l in lines if l[0] == "good"),
                        sum(1 for l in lines if l[0] == "bad"), sum(1 for l in lines if l[0] == "dup"))

    # Expectations: the reference model, checked against the hand-fixed figures.
    all_exp = []
    for p in sb.persons:
        years = sorted(set(p.expect) | set(p.unsure))
        if not years:
            continue
        model = model_resident(p.recs, p.pool, p.birth, years)
        for y in years:
            m = model[y]
            for k, v in p.expect.get(y, {}).items():
                if k.startswith("e_"):
                    continue
                if k in m and m[k] != v:
                    raise SystemExit("scenario %s %s %d: hand figure %s=%r, model %r" % (p.label, p.id, y, k, v, m[k]))
            fig = dict(m)
            if not fig.get("enrolled"):
                for k in ENROLLED_ONLY:
                    fig.pop(k, None)
            for k in p.unsure.get(y, {}):
                fig.pop(k, None)
            for k, v in p.expect.get(y, {}).items():
                if k.startswith("e_"):
                    fig[k] = v
            all_exp.append({"id_number": p.id, "year": y, "scenario": p.label, "region": p.pool,
                            "expect": {FIELD_PATHS[k]: v for k, v in fig.items()},
                            "keys": sorted(p.expect.get(y, {})), "open": p.unsure.get(y, {})})
    if expectations:
        with open(expectations, "w", encoding="utf-8") as fh:
            for e in all_exp:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")

    write_readme(out, sb, all_exp, bad_rows, counts)
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print("sample: %d persons (%d scenario, %d ordinary) in %s, %d bytes" %
          (len(sb.persons), n_scen, len(sb.persons) - n_scen, out, total))
    for name, (n, g, b, d) in counts.items():
        print("  %-13s %4d lines: %4d good, %2d bad, %d exact duplicate" % (name, n, g, b, d))


def figures_text(fig: dict, keys) -> str:
    """Key figures of one (person, year) for the README table."""
    f = fig
    g = lambda k: f.get(FIELD_PATHS[k], "?")
    parts = []
    if g("enrolled") is not None:
        if not g("enrolled"):
            parts.append("not enrolled; N=%s" % g("N"))
        else:
            s = "enrolled"
            if g("paid_on") != "?":
                s += ", paid %s" % g("paid_on")
            if g("in_window") != "?":
                s += " (%s)" % ("in window" if g("in_window") else "after window")
            parts.append(s)
            parts.append("N=%s K=%s" % (g("N"), g("K")))
            if g("exempt") and g("exempt") != "?":
                parts.append("exempt %s" % g("exempt"))
            if g("total") == "?":
                parts.append("wait ?")
            elif g("total"):
                rep = g("repaired")
                parts.append("wait %s+%s-%s=%s mo" % (g("fixed"), g("variable"), "?" if rep is None else rep, g("total")))
            elif not g("exempt"):
                parts.append("no wait")
            parts.append("benefits from %s" % g("benefits_from"))
        if g("effective") != "?":
            parts.append("cap %s (CB %s, ZB %s, P %s)%s" % (g("effective"), g("CB"), g("ZB"), g("P"),
                                                           ", unlimited" if g("unlimited") is True else ""))
        elif g("CB") != "?":
            parts.append("CB %s, ZB %s, P %s%s" % (g("CB"), g("ZB"), g("P"), ", unlimited" if g("unlimited") else ""))
    emp = {k: v for k, v in fig.items() if k.startswith("employee.")}
    if emp:
        parts.append("employee: " + ", ".join("%s=%s" % (k.split(".", 1)[1], json.dumps(v)) for k, v in emp.items()))
    return "; ".join(parts)


def expected_findings(p: Person):
    """R9: standing claims with a fund payment on a day the person was not entitled (resident claims)."""
    reversed_ = {r["reverse_of"] for f, r in p.recs if f == "claims" and r.get("op") == "reverse"}
    claims = [r for f, r in p.recs if f == "claims" and r.get("op", "settle") == "settle"
              and r["record_id"] not in reversed_ and r["scheme"] == "resident"
              and fen_of(r["basic_fund_paid"]) + fen_of(r["critical_illness_paid"]) > 0]
    if not claims:
        return []
    years = sorted({D(c["service_date"]).year for c in claims if D(c["service_date"]).year >= MECHANISM_START})
    model = model_resident(p.recs, p.pool, p.birth, years) if years else {}
    suspends = [D(r["effective"]) for f, r in p.recs if f == "registry" and r["action"] in ("suspend", "terminate")
                and r["scheme"] == "resident"]
    out = []
    for c in claims:
        day = D(c["service_date"])
        f = model.get(day.year)
        if f is None:
            continue
        if not f.get("enrolled"):
            why = "not enrolled for %d" % day.year
        elif day < D(f["benefits_from"]):
            why = "in waiting (benefits from %s)" % f["benefits_from"]
        elif any(s <= day for s in suspends):
            why = "resident cover suspended"
        else:
            continue
        out.append((c["record_id"], c["service_date"], why))
    return out


def write_readme(out, sb, all_exp, bad_rows, counts):
    by_person = {}
    for e in all_exp:
        by_person.setdefault(e["id_number"], []).append(e)
    L = []
    w = L.append
    w("# Sample data set")
    w("")
    w("Generated by `tests/bench/gen_population.py --sample --out data/sample` (deterministic: rerunning")
    w("it gives the same files). %d persons: %d named scenario persons showing DOMAIN.md R1-R9 (and"
      % (len(sb.persons), sum(1 for p in sb.persons if p.scenario)))
    w("the employee rules E1-E6), the rest ordinary residents and employees in the three regions")
    w("(532500 Honghe, 421300 Suizhou, 510400 Panzhihua). Both feed formats ship: JSON Lines for")
    w("tax, civil and claims, CSV with a header row for registry.")
    w("")
    w("| file | lines | accepted | deliberately bad | exact duplicates |")
    w("|---|---|---|---|---|")
    for name, (n, g, b, d) in counts.items():
        w("| `%s` | %d%s | %d | %d | %d |" % (name, n, " + header" if name.endswith(".csv") else "", g, b, d))
    w("")
    w("```sh")
    w("enrol ingest --data-dir /tmp/sample --source tax      data/sample/tax.jsonl")
    w("enrol ingest --data-dir /tmp/sample --source civil    data/sample/civil.jsonl")
    w("enrol ingest --data-dir /tmp/sample --source registry data/sample/registry.csv")
    w("enrol ingest --data-dir /tmp/sample --source claims   data/sample/claims.jsonl")
    w("enrol rejects --data-dir /tmp/sample      # exactly the bad records listed below")
    w("enrol query --data-dir /tmp/sample --id ID --year Y")
    w("```")
    w("")
    w("## Scenario persons")
    w("")
    w("What `enrol query --id ID --year Y` should show according to DOMAIN.md (resident object unless")
    w("marked `employee:`). Legend: N = `break_years`, K = `continuous_years`, wait f+v-r=t =")
    w("`fixed_months`+`variable_months`-`repaired_months`=`total_months`, cap = `effective` with")
    w("`continuity_bonus`, `zero_claim_bonus`, `break_penalty`. `?` = DOMAIN.md leaves the figure open")
    w("(see the notes). All dates are the day of the record in China Standard Time.")
    w("")
    w("| id_number | region | scenario (rule) | year | expected |")
    w("|---|---|---|---|---|")
    for p in sb.persons:
        if not p.scenario:
            continue
        for e in by_person.get(p.id, []):
            w("| `%s` | %s | **%s**: %s | %d | %s |" % (p.id, p.area, p.label, p.rule.replace("|", "/"), e["year"],
                                                     figures_text(e["expect"], e["keys"])))
    w("")
    w("Notes on open readings (not fixed by DOMAIN.md; the expected figure above follows the first):")
    w("")
    for p in sb.persons:
        for y, d in sorted(p.unsure.items()):
            by_note = {}
            for field, note in d.items():
                by_note.setdefault(note, []).append(field)
            for note, fields in by_note.items():
                w("- `%s` (%s) %d %s: %s" % (p.id, p.label, y, ", ".join("`%s`" % x for x in fields), note))
        for n in p.notes:
            w("- `%s` (%s): %s" % (p.id, p.label, n))
    w("- Window of Panzhihua residents: DOMAIN.md gives none; the ordinary Panzhihua residents use the")
    w("  Honghe window, and their cap figures are not fixed (DOMAIN.md gives no Panzhihua resident base cap).")
    w("- Exemptions (R3 other than newborns) are only looked for when the person would otherwise wait")
    w("  (a break, or a payment after the window); no scenario depends on the other reading.")
    w("- The employee figures other than `enrolled` and `months_paid` come from DOMAIN.md E1-E6 and the")
    w("  CONTRACT.md employee object (\"from the employee-scheme issue on\").")
    w("")
    w("Ordinary persons (%d) are not listed; `gen_population.py --sample --out DIR --expectations FILE`"
      % sum(1 for p in sb.persons if not p.scenario))
    w("writes the reference model's figures for every person and year as JSON Lines.")
    w("")
    w("## Expected audit findings (R9)")
    w("")
    w("Accepted claims with a fund payment on a day the person was not entitled (not enrolled, in")
    w("waiting, suspended): stored, and reported as findings, not rejected. Plus records that name")
    w("unknown targets (person `R9-unknown-targets`: `refund_of` T99990, `reverse_of` M99990).")
    w("")
    w("| id_number | person | claim | service_date | why |")
    w("|---|---|---|---|---|")
    for p in sb.persons:
        for rid, sd, why in expected_findings(p):
            w("| `%s` | %s | `%s` | %s | %s |" % (p.id, p.label, rid, sd, why))
    w("")
    w("## Deliberately bad records")
    w("")
    w("Each must be in `enrol rejects` with a reason naming the field (line = physical line of the file;")
    w("in `registry.csv` line 1 is the header). The exact duplicate is not rejected: `ingest` counts it")
    w("under `duplicates`.")
    w("")
    w("| file | line | record_id | field | what is wrong |")
    w("|---|---|---|---|---|")
    for name, line, rid, field, what, kind in bad_rows:
        w("| `%s` | %d | `%s` | %s | %s |" % (name, line, rid, "`%s`" % field if field else "(none)",
                                             what.replace("|", " or ")))
    w("")
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(L))


# --------------------------------------------------------------------------------------------
# Benchmark mode: streamed synthetic population
# --------------------------------------------------------------------------------------------

def bench(people: int, years: int, seed: int, out: str, first_year: int):
    t0 = time.time()
    rng = random.Random(seed)
    rnd = rng.random
    Y0, Y1 = first_year, first_year + years - 1
    os.makedirs(out, exist_ok=True)
    fh = {f: open(os.path.join(out, f + ".jsonl"), "w", encoding="ascii", buffering=1 << 20)
          for f in ("tax", "civil", "registry", "claims")}
    cnt = {"tax": 0, "civil": 0, "registry": 0, "claims": 0}

    # Day strings for the generated range.
    base = date(Y0 - 2, 1, 1).toordinal()
    top = date(Y1 + 2, 12, 31).toordinal()
    DAY = [date.fromordinal(o).isoformat() for o in range(base, top + 1)]
    O = lambda y, m, d: date(y, m, d).toordinal()
    TIMES = ["T%02d:%02d:%02d+08:00" % (8 + rng.randrange(10), rng.randrange(60), rng.randrange(60))
             for _ in range(997)]
    NT = len(TIMES)

    areas_h = HONGHE_AREAS
    areas_s = SUIZHOU_AREAS
    areas_p = PANZHIHUA_AREAS

    # Unique IDs without a set: a bijection slot -> (birth day, sequence).
    old_lo = date(1935, 1, 1).toordinal()
    old_days = date(Y0 - 1, 12, 31).toordinal() - old_lo + 1
    M_old = old_days * 999
    nb_lo = date(Y0, 1, 1).toordinal()
    nb_days = date(Y1, 11, 30).toordinal() - nb_lo + 1
    M_nb = nb_days * 999

    def coprime_mult(m, start):
        import math
        a = start
        while math.gcd(a, m) != 1:
            a += 1
        return a

    A_old = coprime_mult(M_old, 2654435761 % M_old)
    A_nb = coprime_mult(M_nb, 40503 * 7919 % M_nb)
    DAYCODE = {}

    def daycode(o):
        s = DAYCODE.get(o)
        if s is None:
            d = date.fromordinal(o)
            s = "%04d%02d%02d" % (d.year, d.month, d.day)
            if len(DAYCODE) < 40000:
                DAYCODE[o] = s
        return s

    W = WEIGHTS

    def mkid(area, bord, seq):
        s = "%s%s%03d" % (area, daycode(bord), seq)
        return s + CHECK[sum((ord(c) - 48) * w for c, w in zip(s, W)) % 11]

    win = {}
    for y in range(Y0 - 1, Y1 + 2):
        win[("532500", y)] = (O(y - 1, 9, 1), O(y, 2, last_day(y, 2)))
        win[("510400", y)] = win[("532500", y)]
        win[("421300", y)] = (O(y - 1, 9, 1), O(y - 1, 12, 31))

    tax_pay = ('{"record_id":"T%d","id_number":"%s","region":"%s","scheme":"%s","payer":"%s",'
               '"purpose":"%s","period":"%s","amount":"%s","paid_at":"%s%s","op":"pay"}\n')
    tax_refund = ('{"record_id":"T%d","id_number":"%s","region":"%s","scheme":"%s","amount":"%s",'
                  '"paid_at":"%s%s","op":"refund","refund_of":"T%d"}\n')
    civil_t = '{"record_id":"C%d","id_number":"%s","region":"%s","status":"%s","effective_from":"%s"}\n'
    civil_to = ('{"record_id":"C%d","id_number":"%s","region":"%s","status":"%s","effective_from":"%s",'
                '"effective_to":"%s"}\n')
    reg_t = '{"record_id":"R%d","id_number":"%s","region":"%s","action":"%s","scheme":"%s","effective":"%s"%s}\n'
    claim_t = ('{"record_id":"M%d","id_number":"%s","region":"%s","scheme":"%s","kind":"%s",'
               '"service_date":"%s","settled_at":"%s%s","total_cost":"%s","basic_fund_paid":"%s",'
               '"critical_illness_paid":"%s","op":"settle"}\n')
    rev_t = ('{"record_id":"M%d","id_number":"%s","region":"%s","scheme":"%s","kind":"%s",'
             '"service_date":"%s","settled_at":"%s%s","op":"reverse","reverse_of":"M%d"}\n')
    RATEF = {y: money(RATE.get(y, 400 + 20 * (y - 2025)) * 100) for y in range(Y0 - 3, Y1 + 3)}
    PERIOD_M = {(y, m): "%04d-%02d" % (y, m) for y in range(Y0 - 1, Y1 + 2) for m in range(1, 13)}
    MONTH_START = {(y, m): O(y, m, 1) for y in range(Y0 - 1, Y1 + 3) for m in range(1, 13)}
    YEARS = list(range(Y0, Y1 + 1))
    T, C, R, M = 0, 0, 0, 0
    n_old = n_nb = 0

    def claims_for(pid, area, scheme, y, lo, hi, buf):
        """1-3 claims with service dates in year y, within [lo, hi] (ordinals)."""
        nonlocal M
        k = 1 + int(rnd() * 3)
        y_lo = max(O(y, 1, 1), lo)
        y_hi = min(O(y, 12, 31), hi)
        if y_hi < y_lo:
            return
        for _ in range(k):
            so = y_lo + int(rnd() * (y_hi - y_lo + 1))
            z = rnd()
            if z < 0.75:
                kind = "outpatient"
                total = 3000 + int(rnd() * rnd() * 60000)
                basic = total * (30 + int(rnd() * 40)) // 100
                ci = 0
                if rnd() < 0.06:
                    basic = 0
            elif z < 0.87:
                kind = "chronic"
                total = 10000 + int(rnd() * 190000)
                basic = total * (50 + int(rnd() * 30)) // 100
                ci = 0
            else:
                kind = "inpatient"
                if rnd() < 0.06:
                    total = 8000000 + int(rnd() * rnd() * 62000000)
                    basic = total * (20 + int(rnd() * 15)) // 100
                    ci = total * (30 + int(rnd() * 30)) // 100
                else:
                    total = 200000 + int(rnd() * rnd() * 6000000)
                    basic = total * (50 + int(rnd() * 25)) // 100
                    ci = 0
            st = so + (0 if kind != "inpatient" else 2 + int(rnd() * 20))
            M += 1
            mine = M
            buf.append(claim_t % (M, pid, area, scheme, kind, DAY[so - base], DAY[st - base],
                                  TIMES[int(rnd() * NT)], money(total), money(basic), money(ci)))
            if rnd() < 0.02:
                M += 1
                buf.append(rev_t % (M, pid, area, scheme, kind, DAY[so - base],
                                    DAY[st + 3 + int(rnd() * 40) - base], TIMES[int(rnd() * NT)], mine))

    for i in range(people):
        u = rnd()
        if u < 0.85:
            pool, area = "532500", areas_h[int(rnd() * len(areas_h))]
        elif u < 0.93:
            pool, area = "421300", areas_s[int(rnd() * len(areas_s))]
        else:
            pool, area = "510400", areas_p[int(rnd() * len(areas_p))]
        newborn = rnd() < 0.012
        if newborn:
            slot = (n_nb * A_nb + 12345) % M_nb
            n_nb += 1
            bord = nb_lo + slot // 999
        else:
            slot = (n_old * A_old + 777) % M_old
            n_old += 1
            bord = old_lo + slot // 999
        seq = slot % 999 + 1
        pid = mkid(area, bord, seq)
        tax, civ, reg, clm = [], [], [], []
        employee = (not newborn) and rnd() < 0.36
        if newborn:
            by = date.fromordinal(bord).year
            C += 1
            civ.append(civil_t % (C, pid, area, "birth", DAY[bord - base]))
            start = by
            if pool == "421300" and rnd() < 0.8:
                eff = min(bord + int(rnd() * 60), O(by, 12, 31))
                R += 1
                reg.append(reg_t % (R, pid, area, "enrol", "resident", DAY[eff - base], ',"fee_waived":true'))
                start = by + 1
            else:
                po = bord + int(rnd() * rnd() * 150)
                if po <= O(by, 12, 31):
                    T += 1
                    tax.append(tax_pay % (T, pid, area, "resident", "individual", "regular", by, RATEF[by],
                                          DAY[po - base], TIMES[int(rnd() * NT)]))
                start = by + 1
            res_years = [y for y in YEARS if y >= start]
        elif employee:
            res_years = []
        else:
            res_years = YEARS
        # Occasional statuses.
        z = rnd()
        ma_year = None
        if not newborn and z < 0.006:
            ma_year = YEARS[int(rnd() * len(YEARS))]
            so = O(ma_year, 3, 1) + int(rnd() * 200)
            C += 1
            civ.append(civil_t % (C, pid, area, "medical_assistance", DAY[so - base]))
            ma_from = so
        elif z < 0.009:
            so = O(Y0, 1, 1) + int(rnd() * 365 * years)
            C += 1
            civ.append(civil_t % (C, pid, area, "veteran", DAY[so - base]))
        elif z < 0.014:
            st = "special_hardship" if rnd() < 0.5 else "minimum_living"
            so = O(Y0 - 1, 1, 1) + int(rnd() * 365 * years)
            C += 1
            if rnd() < 0.3:
                civ.append(civil_to % (C, pid, area, st, DAY[so - base], DAY[so + 180 + int(rnd() * 500) - base]))
            else:
                civ.append(civil_t % (C, pid, area, st, DAY[so - base]))
        death = None
        if not newborn and rnd() < 0.004:
            death = O(Y0, 1, 1) + int(rnd() * 365 * years)
            C += 1
            civ.append(civil_t % (C, pid, area, "death", DAY[death - base]))
        # Resident payments.
        skipped = []
        subsidy = "subsidy" if z < 0.014 or rnd() < 0.02 else "individual"
        for y in res_years:
            wlo, whi = win[(pool, y)]
            if death is not None and wlo > death:
                break
            if y > res_years[0] and not skipped and rnd() < 0.05:
                skipped.append(y)
                continue
            if skipped and rnd() < 0.3 and y < Y1:
                skipped.append(y)
                continue
            if ma_year == y:
                po = min(ma_from + int(rnd() * 80), O(y, 12, 31))
            elif rnd() < 0.08:
                po = whi + 1 + int(rnd() * (O(y, 12, 31) - whi - 1))
            else:
                po = wlo + int(rnd() * (whi - wlo + 1) * (0.55 + 0.45 * rnd()))
            T += 1
            mine = T
            tm = TIMES[int(rnd() * NT)]
            tax.append(tax_pay % (T, pid, area, "resident", subsidy, "regular", y, RATEF[y], DAY[po - base], tm))
            if rnd() < 0.01:
                ro = po + 3 + int(rnd() * 40)
                T += 1
                tax.append(tax_refund % (T, pid, area, "resident", RATEF[y], DAY[ro - base], tm, mine))
                if rnd() < 0.5:
                    ro2 = ro + 5 + int(rnd() * 30)
                    if ro2 <= O(y, 12, 31):
                        T += 1
                        tax.append(tax_pay % (T, pid, area, "resident", subsidy, "regular", y, RATEF[y],
                                              DAY[ro2 - base], TIMES[int(rnd() * NT)]))
            if skipped:
                if rnd() < 0.4:
                    for x in skipped:
                        ro = max(po, O(x + 1, 1, 1)) + int(rnd() * 45)
                        ry = date.fromordinal(ro).year
                        T += 1
                        tax.append(tax_pay % (T, pid, area, "resident", "individual", "repair", x, RATEF[ry],
                                              DAY[ro - base], TIMES[int(rnd() * NT)]))
                skipped = []
        # Employee scheme.
        if employee:
            flexible = rnd() < 0.2
            payer = "flexible" if flexible else "employer"
            kind = payer
            amt = money(38000 + int(rnd() * 90000))
            sy = Y0 if rnd() < 0.8 else YEARS[int(rnd() * len(YEARS))]
            sm = 1 if sy == Y0 and rnd() < 0.7 else 1 + int(rnd() * 12)
            R += 1
            if rnd() < 0.05:
                reg.append(reg_t % (R, pid, area, "transfer_in", "employee", DAY[MONTH_START[(sy, sm)] - base],
                                    ',"kind":"%s","deemed_years":"%d.%d"' % (kind, 1 + int(rnd() * 15), int(rnd() * 10))))
            else:
                reg.append(reg_t % (R, pid, area, "enrol", "employee", DAY[MONTH_START[(sy, sm)] - base],
                                    ',"kind":"%s"' % kind))
            leave = None
            if rnd() < 0.05:
                leave = (YEARS[int(rnd() * len(YEARS))], 1 + int(rnd() * 12))
            gap_from = None
            if rnd() < 0.03:
                gap_from = (YEARS[int(rnd() * len(YEARS))], 1 + int(rnd() * 9))
            arrears = []
            y, m = sy, sm
            while y <= Y1:
                if death is not None and MONTH_START[(y, m)] > death:
                    break
                if leave and (y, m) > leave:
                    break
                if gap_from and gap_from <= (y, m) < (gap_from[0], gap_from[1] + 3):
                    arrears.append((y, m))
                else:
                    ms = MONTH_START[(y, m)]
                    po = ms + (14 + int(rnd() * 10) if flexible else 5 + int(rnd() * 12))
                    T += 1
                    tax.append(tax_pay % (T, pid, area, "employee", payer, "regular", PERIOD_M[(y, m)], amt,
                                          DAY[po - base], TIMES[int(rnd() * NT)]))
                    if arrears and (y, m) >= (gap_from[0], gap_from[1] + 4):
                        for (ay, am) in arrears:
                            T += 1
                            tax.append(tax_pay % (T, pid, area, "employee", payer, "makeup", PERIOD_M[(ay, am)],
                                                  amt, DAY[po - base], TIMES[int(rnd() * NT)]))
                        arrears = []
                m += 1
                if m == 13:
                    y, m = y + 1, 1
            if leave and leave[0] <= Y1:
                ly, lm = leave
                end = MONTH_START[(ly, lm)] + 27
                R += 1
                reg.append(reg_t % (R, pid, area, "terminate", "employee", DAY[end - base], ""))
                po = end + 5 + int(rnd() * 70)  # resident payment after the employee cover ended
                if po <= O(ly, 12, 31):
                    T += 1
                    tax.append(tax_pay % (T, pid, area, "resident", "individual", "regular", ly, RATEF[ly],
                                          DAY[po - base], TIMES[int(rnd() * NT)]))
            elif rnd() < 0.01:
                ry = YEARS[int(rnd() * len(YEARS))]
                R += 1
                male = seq % 2 == 1
                reg.append(reg_t % (R, pid, area, "retire", "employee", DAY[O(ry, 6, 30) - base],
                                    ',"deemed_years":"%d","sex":"%s"' % (int(rnd() * 20), "male" if male else "female")))
        # Claims: about 20% of persons each year.
        scheme = "employee" if employee else "resident"
        lo = bord if newborn else 0
        hi = death if death is not None else 10 ** 9
        for y in YEARS:
            if rnd() < 0.2:
                claims_for(pid, area, scheme, y, lo, hi, clm)
        if tax:
            fh["tax"].write("".join(tax))
            cnt["tax"] += len(tax)
        if civ:
            fh["civil"].write("".join(civ))
            cnt["civil"] += len(civ)
        if reg:
            fh["registry"].write("".join(reg))
            cnt["registry"] += len(reg)
        if clm:
            fh["claims"].write("".join(clm))
            cnt["claims"] += len(clm)
        if people >= 200000 and (i + 1) % 100000 == 0:
            print("  %d persons, %.0f s" % (i + 1, time.time() - t0), file=sys.stderr, flush=True)
    for f in fh.values():
        f.close()
    total = sum(cnt.values())
    print(json.dumps({"people": people, "years": years, "first_year": Y0, "seed": seed, "out": out,
                      "records": cnt, "total": total,
                      "records_per_person_year": round(total / max(1, people * years), 2),
                      "seconds": round(time.time() - t0, 1)}))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", action="store_true", help="write the curated sample data set")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--expectations", help="(--sample) also write the expected figures as JSON Lines")
    ap.add_argument("--people", type=int, help="benchmark population size")
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first-year", type=int, default=2025)
    a = ap.parse_args(argv)
    if a.sample:
        write_sample(a.out, a.expectations)
    elif a.people:
        if a.people < 1 or a.years < 1 or a.years > 20:
            ap.error("--people must be positive and --years 1..20")
        bench(a.people, a.years, a.seed, a.out, a.first_year)
    else:
        ap.error("give --sample or --people N")


if __name__ == "__main__":
    main()
