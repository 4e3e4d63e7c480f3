#!/usr/bin/env python3
"""Generates a synthetic case import CSV (docs/import.md layout) with fictional names.

Usage: generate.py ROWS OUT.csv [--seed N] [--bad-every N]
Every --bad-every'th row carries one deliberate fault (bad UPN, impossible date, unknown
placement) so the importer's error path is exercised at the same time.
"""
import argparse
import csv
import datetime as dt
import random

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
GIVEN = ["Amara", "Ben", "Chloe", "Dev", "Ellis", "Freya", "Gus", "Hana", "Isla", "Jonah",
         "Kai", "Leah", "Milo", "Nia", "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tess",
         "Umar", "Vida", "Wren", "Yusuf", "Zara"]
FAMILY = ["Ashdown", "Brightwater", "Coleridge-Mbeki", "Dunmore", "Elsworth", "Fairbairn",
          "Greystone", "Holloway", "Ingleby", "Jessop", "Kettleby", "Larkspur", "Marchbank",
          "Northcote", "Oakridge", "Penhallow", "Quarrington", "Rushworth", "Stanwick",
          "Thornbury", "Underhill", "Vexley", "Whitlow", "Yardley"]
NEEDS = ["ASD", "SLCN", "SEMH", "MLD", "SPLD", "SLD", "PMLD", "PD", "HI", "VI", "MSI", "DS", "OTH"]
SOURCES = ["PAR", "EDU", "HLT", "SOC", "YPE", "OTH"]
COLUMNS = ["external_reference", "given_name", "family_name", "date_of_birth", "upn", "uln",
           "nhs_number", "postcode", "request_received", "request_source",
           "assessment_decision", "assessment_decision_date", "issue_decision",
           "issue_decision_date", "final_plan_issued", "placement_urn",
           "placement_setting_code", "placement_type", "sen_needs", "caseworker", "closed_on",
           "closure_reason"]


def upn(rng, la="202"):
    body = la + f"{rng.randrange(2000, 7999):04d}" + f"{rng.randrange(10, 25):02d}" + f"{rng.randrange(0, 999):03d}"
    total = sum(int(c) * (i + 2) for i, c in enumerate(body))
    return LETTERS[total % 23] + body


def nhs(rng):
    while True:
        first = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(first)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, first)) + str(check)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bad-every", type=int, default=500)
    ap.add_argument("--settings", help="also write the register of the 400 schools used")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    if a.settings:
        with open(a.settings, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["urn", "name", "placement_type", "phase", "la_code"])
            for n in range(400):
                w.writerow([100000 + n, f"{rng.choice(FAMILY)} {rng.choice(['Primary School', 'Academy', 'School', 'College'])}",
                            rng.choice(["MS", "MS", "RP", "SS"]), rng.choice(["Primary", "Secondary", "All-through"]), "202"])
    today = dt.date(2026, 11, 23)
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for n in range(1, a.rows + 1):
            received = today - dt.timedelta(days=rng.randrange(30, 2500))
            dob = received - dt.timedelta(days=rng.randrange(365 * 2, 365 * 18))
            row = dict.fromkeys(COLUMNS, "")
            row.update(external_reference=f"OLD-{n:07d}", given_name=rng.choice(GIVEN),
                       family_name=rng.choice(FAMILY), date_of_birth=dob.isoformat(),
                       upn=upn(rng) if rng.random() < 0.9 else "",
                       nhs_number=nhs(rng) if rng.random() < 0.7 else "",
                       postcode=f"ZZ{rng.randrange(1, 99)} {rng.randrange(1, 9)}AA",
                       request_received=received.isoformat(), request_source=rng.choice(SOURCES),
                       caseworker=f"cw-{rng.randrange(1, 26)}")
            stage = rng.random()
            # a later step happens only if its date has come
            if stage > 0.1 and received + dt.timedelta(days=60) < today:
                decided = received + dt.timedelta(days=rng.randrange(20, 60))
                yes = rng.random() < 0.8
                row.update(assessment_decision="yes" if yes else "no",
                           assessment_decision_date=decided.isoformat())
                if yes and stage > 0.25 and decided + dt.timedelta(days=90) < today:
                    issue_on = decided + dt.timedelta(days=rng.randrange(40, 90))
                    issue = rng.random() < 0.9
                    row.update(issue_decision="yes" if issue else "no",
                               issue_decision_date=issue_on.isoformat())
                    if issue and stage > 0.35 and issue_on + dt.timedelta(days=80) < today:
                        final = issue_on + dt.timedelta(days=rng.randrange(20, 80))
                        row.update(final_plan_issued=final.isoformat(),
                                   placement_urn=str(100000 + rng.randrange(0, 400)),
                                   placement_type=rng.choice(["MS", "MS", "MS", "RP", "SS", "IND"]),
                                   sen_needs=";".join(rng.sample(NEEDS, rng.randrange(1, 3))))
            if a.bad_every and n % a.bad_every == 0:
                fault = rng.randrange(3)
                if fault == 0:
                    row["upn"] = "A80120010000X"
                elif fault == 1:
                    row["date_of_birth"] = f"{dob.year}-02-30"
                else:
                    row.update(final_plan_issued=row["final_plan_issued"] or "", placement_urn="999999")
                    if not row["final_plan_issued"]:
                        row["date_of_birth"] = "not a date"
            w.writerow([row[c] for c in COLUMNS])


if __name__ == "__main__":
    main()
