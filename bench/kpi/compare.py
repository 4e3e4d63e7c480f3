"""The national 20-week roll-up: Waymark's `report twenty-weeks` against DuckDB over the same rows.

Subcommands (bench/kpi/run.sh calls them in this order):

  sizes DB                  cases, events, LAs, the largest LA and the file size of a SQLite
                            database, one `key=value` a line (the script reads them)
  export DB DIR             every case's la_code, request_received, final_issued_on and
                            final_excused to DIR/cases.csv (Python's sqlite3), then DuckDB
                            converts it to DIR/cases.parquet (untimed)
  compare DIR WAYMARK URL RUNS FROM TO [FROM TO ...]
                            for each period: DuckDB's per-LA and national figures from the
                            Parquet file (query only; connect + query; a whole new Python
                            process that imports duckdb, connects and queries) and the CSV,
                            and `waymark report twenty-weeks --la all` as a process; checks
                            the figures are identical and prints a Markdown table with the
                            ratio Waymark / DuckDB
  stats FILE                p50 / p95 / max of the numbers in FILE (one a line)

The 20-week measure (reg 13(2), 13(3)), written again here for DuckDB on purpose, as an
independent check of Waymark's flow counts: a plan counts in the period when it was issued in
it; it is within 20 weeks when issued no more than 140 days after the request; "excluding
exceptions" leaves out cases where an exception applied (final_excused).
"""

import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import time

COLUMNS = [
    "la",
    "issued",
    "within",
    "percent",
    "issued_excluding_exceptions",
    "within_excluding_exceptions",
    "percent_excluding_exceptions",
]

QUERY = """
SELECT la_code,
       count(*) AS issued,
       count(*) FILTER (WHERE final_issued_on <= request_received + 140) AS within,
       count(*) FILTER (WHERE NOT final_excused) AS issued_ex,
       count(*) FILTER (WHERE NOT final_excused
                          AND final_issued_on <= request_received + 140) AS within_ex
FROM {source}
WHERE final_issued_on BETWEEN DATE '{first}' AND DATE '{last}'
  AND request_received IS NOT NULL
GROUP BY ROLLUP (la_code)
"""

CSV_SOURCE = (
    "read_csv('{path}', header = true, columns = {{'la_code': 'VARCHAR', "
    "'request_received': 'DATE', 'final_issued_on': 'DATE', 'final_excused': 'BOOLEAN'}})"
)

# A whole process, as `waymark report` is one: start Python, import duckdb, connect, query.
PROCESS = """
import sys, duckdb
con = duckdb.connect()
rows = con.execute(sys.argv[1]).fetchall()
print(len(rows))
"""


def sizes(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    one = lambda sql: con.execute(sql).fetchone()
    cases = one("SELECT count(*) FROM cases")[0]
    events = one("SELECT count(*) FROM case_events")[0]
    las = one("SELECT count(DISTINCT la_code) FROM cases")[0]
    largest, largest_cases = one(
        "SELECT la_code, count(*) FROM cases GROUP BY la_code ORDER BY count(*) DESC LIMIT 1"
    )
    name = one(f"SELECT name FROM local_authorities WHERE code = '{largest}'")
    size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    print(f"cases={cases}")
    print(f"events={events}")
    print(f"las={las}")
    print(f"largest_la={largest}")
    print(f"largest_la_name={(name or [''])[0]}")
    print(f"largest_la_cases={largest_cases}")
    print(f"file_bytes={size}")


def export(db, out):
    import duckdb

    started = time.perf_counter()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    path = os.path.join(out, "cases.csv")
    rows = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["la_code", "request_received", "final_issued_on", "final_excused"])
        cur = con.execute(
            "SELECT la_code, request_received, final_issued_on, final_excused FROM cases"
        )
        while batch := cur.fetchmany(50_000):
            w.writerows(batch)
            rows += len(batch)
    exported = time.perf_counter()
    parquet = os.path.join(out, "cases.parquet")
    duckdb.connect().execute(
        f"COPY (SELECT * FROM {CSV_SOURCE.format(path=path)}) TO '{parquet}' (FORMAT parquet)"
    )
    print(
        f"exported {rows} rows to {path} ({os.path.getsize(path) / 1e6:.0f} MB) in "
        f"{exported - started:.0f} s; Parquet {os.path.getsize(parquet) / 1e6:.0f} MB in "
        f"{time.perf_counter() - exported:.0f} s (untimed)",
        file=sys.stderr,
    )


def percent(part, whole):
    # As Waymark works it out (f64, part * 100 / whole) and writes it (one decimal place).
    return "" if whole == 0 else f"{part * 100.0 / whole:.1f}"


def lines_of_duckdb(rows):
    out = {}
    for la, issued, within, issued_ex, within_ex in rows:
        key = "all" if la is None else la
        out[key] = [
            str(issued),
            str(within),
            percent(within, issued),
            str(issued_ex),
            str(within_ex),
            percent(within_ex, issued_ex),
        ]
    out.setdefault("all", ["0", "0", "", "0", "0", ""])
    return out


def lines_of_waymark(text):
    reader = csv.reader(text.splitlines())
    header = next(reader)
    if header != COLUMNS:
        sys.exit(f"waymark's CSV header is {header}, expected {COLUMNS}")
    out = {}
    for row in reader:
        # An LA with flows in the period but no plans issued is a line of zeros; DuckDB's
        # GROUP BY has no line for it.
        if row[1] != "0":
            out[row[0]] = row[1:]
    return out


def timed(runs, work):
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def summary(times):
    xs = sorted(times)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return statistics.median(xs), p95


def compare(out, waymark, url, runs, periods):
    import duckdb

    parquet = os.path.join(out, "cases.parquet")
    source_csv = CSV_SOURCE.format(path=os.path.join(out, "cases.csv"))
    source_parquet = f"read_parquet('{parquet}')"
    threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"DuckDB {duckdb.__version__} ({threads} threads); "
          f"{runs} runs of each after one warm-up; wall time in ms, median / p95")
    print()
    print("| period | what | plans issued | DuckDB query only (Parquet) | DuckDB connect + query | "
          "DuckDB process (Python start, import, connect, query) | DuckDB query only (CSV) | "
          "`waymark report twenty-weeks` process | Waymark in the process (read + add up) | "
          "Waymark in the process / DuckDB query | "
          "Waymark process / DuckDB connect + query | Waymark process / DuckDB process |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for first, last in periods:
        sql = QUERY.format(source=source_parquet, first=first, last=last)
        con = duckdb.connect()
        con.execute(sql).fetchall()
        query_only, rows = timed(runs, lambda: con.execute(sql).fetchall())
        con.close()

        def connect_and_query():
            c = duckdb.connect()
            r = c.execute(sql).fetchall()
            c.close()
            return r

        connect_query, rows2 = timed(runs, connect_and_query)
        process = [sys.executable, "-c", PROCESS, sql]
        subprocess.run(process, check=True, capture_output=True)
        whole_process, _ = timed(
            runs, lambda: subprocess.run(process, check=True, capture_output=True)
        )
        sql_csv = QUERY.format(source=source_csv, first=first, last=last)
        con = duckdb.connect()
        con.execute(sql_csv).fetchall()
        from_csv, rows3 = timed(runs, lambda: con.execute(sql_csv).fetchall())
        con.close()

        command = [waymark, "report", "twenty-weeks", "--from", first, "--to", last,
                   "--la", "all", "--timing", "--database", url]
        env = {k: v for k, v in os.environ.items() if k != "WAYMARK_DATABASE_URL"}
        run = lambda: subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        run()
        inside = []

        def run_and_note():
            r = run()
            inside.append(float(r.stderr.split("read and added up in ")[1].split(" ms")[0]))
            return r

        waymark_times, result = timed(runs, run_and_note)

        expected = lines_of_duckdb(rows)
        if lines_of_duckdb(rows2) != expected or lines_of_duckdb(rows3) != expected:
            sys.exit(f"{first}..{last}: DuckDB's answers from Parquet and CSV differ")
        got = lines_of_waymark(result.stdout)
        if got != expected:
            failed = True
            print(f"\nFIGURES DIFFER for {first}..{last}:", file=sys.stderr)
            for la in sorted(set(got) | set(expected)):
                if got.get(la) != expected.get(la):
                    print(f"  {la}: waymark {got.get(la)} duckdb {expected.get(la)}",
                          file=sys.stderr)
            continue
        national = expected["all"]
        w = summary(waymark_times)
        wi = summary(inside)
        cells = [summary(t) for t in (query_only, connect_query, whole_process, from_csv)]
        fmt = lambda s: f"{s[0]:.1f} / {s[1]:.1f}"
        ratio = lambda d: f"{w[0] / d[0]:.2f}"
        print(f"| {first} to {last} | {len(expected) - 1} LAs + all | {national[0]} "
              f"({national[2]}% within 20 weeks; {national[5]}% excluding exceptions) | "
              + " | ".join(fmt(c) for c in cells)
              + f" | {fmt(w)} | {fmt(wi)} | **{wi[0] / cells[0][0]:.2f}** | {ratio(cells[1])} "
              f"| {ratio(cells[2])} |")
    if failed:
        sys.exit("Waymark's figures are not DuckDB's: see above")
    print()
    print("Figures identical: every LA's and the national issued, within, percentages, with and "
          "without exceptions.")


def stats(path):
    xs = sorted(float(x) for x in open(path) if x.strip())
    if not xs:
        print("no data")
        return
    pick = lambda p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
    print(f"{pick(0.5):.1f} / {pick(0.95):.1f} / {xs[-1]:.1f} (n={len(xs)})")


def main(argv):
    match argv:
        case ["sizes", db]:
            sizes(db)
        case ["export", db, out]:
            export(db, out)
        case ["compare", out, waymark, url, runs, *periods] if periods and len(periods) % 2 == 0:
            compare(out, waymark, url, int(runs), list(zip(periods[::2], periods[1::2])))
        case ["stats", path]:
            stats(path)
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
