#!/usr/bin/env bash
# Page benchmark: server time of the caseload, allocation and case pages on the demo's local
# authority (8,000 cases) in SQLite, as a signed-in caseworker and manager would ask for them.
#
# Builds the release binary, creates the demo database in a temporary directory, starts
# `waymark serve`, signs in through the real form with curl, then asks for each page N times
# in a row after a warm-up. Server time is the `latency_ms` the server logs for each request
# (the same clock as the /metrics histograms, whose buckets are too coarse for percentiles);
# curl's time_total (client side, loopback) is shown beside it.
#
# Usage: bench/pages/run.sh [REQUESTS]   (default 200; 20 more as warm-up)
#        WAYMARK_BENCH_SQL="CREATE INDEX ...; ANALYZE;" bench/pages/run.sh   (try an index)
set -euo pipefail
cd "$(dirname "$0")/../.."
requests=${1:-200}
warmup=20
work=$(mktemp -d)
port=${WAYMARK_BENCH_PORT:-18181}
base="http://127.0.0.1:$port"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet -p waymark-cli
waymark=$PWD/target/release/waymark
db="sqlite://$work/waymark.db"
"$waymark" demo --no-serve --database "$db" >/dev/null
password=northby-demo-walkthrough
# Every demo case has a caseworker; a backlog of 300 new requests nobody holds yet gives the
# allocation page something to list (imported, as a council moving to Waymark would).
python3 - "$work/backlog.csv" <<'EOF'
import csv, datetime, sys
today = datetime.date.today()
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["external_reference", "given_name", "family_name", "date_of_birth",
                "request_received", "request_source"])
    for n in range(300):
        w.writerow([f"NEW-{n:04d}", "Backlog", f"Request{n:03d}",
                    (today - datetime.timedelta(days=2000 + 7 * n)).isoformat(),
                    (today - datetime.timedelta(days=n % 60)).isoformat(), "PAR"])
EOF
"$waymark" import cases --la 990 --database "$db" "$work/backlog.csv" >/dev/null
# WAYMARK_BENCH_SQL: statements to run on the database before serving, to try an index
# without a migration (e.g. "CREATE INDEX ...; ANALYZE;").
if [ -n "${WAYMARK_BENCH_SQL:-}" ]; then
  sqlite3 "$work/waymark.db" "$WAYMARK_BENCH_SQL"
fi

# The caseworker with the most open cases, and the case with the most events.
read -r top_cw top_cw_cases < <(sqlite3 -separator ' ' "$work/waymark.db" \
  "SELECT caseworker, count(*) FROM cases WHERE closed = 0 AND caseworker IS NOT NULL
   GROUP BY caseworker ORDER BY count(*) DESC LIMIT 1")
cw_email=$(sqlite3 "$work/waymark.db" "SELECT email FROM users WHERE id = $top_cw")
read -r busy_case busy_events < <(sqlite3 -separator ' ' "$work/waymark.db" \
  "SELECT case_id, count(*) FROM case_events GROUP BY case_id ORDER BY count(*) DESC LIMIT 1")
open_cases=$(sqlite3 "$work/waymark.db" "SELECT count(*) FROM cases WHERE closed = 0")
all_cases=$(sqlite3 "$work/waymark.db" "SELECT count(*) FROM cases")
events=$(sqlite3 "$work/waymark.db" "SELECT count(*) FROM case_events")

RUST_LOG=info NO_COLOR=1 "$waymark" serve --database "$db" --bind "127.0.0.1:$port" \
  2>"$work/server.log" >/dev/null &
server_pid=$!
for _ in $(seq 50); do
  curl -sf -o /dev/null "$base/health" && break
  sleep 0.2
done

# sign_in EMAIL JAR: the real form, with its CSRF token.
sign_in() {
  local token
  token=$(curl -s -c "$2" -b "$2" "$base/sign-in" |
    grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -o /dev/null -c "$2" -b "$2" --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=$1" --data-urlencode "password=$password" "$base/sign-in"
}
sign_in "$cw_email" "$work/cw.jar"
sign_in manager@northby.example "$work/manager.jar"

# measure LABEL JAR PATH: warm-up, then REQUESTS requests; prints a Markdown table row.
measure() {
  local label=$1 jar=$2 path=$3 status offset
  status=$(curl -s -o "$work/page.html" -w '%{http_code}' -b "$jar" "$base$path")
  if [ "$status" != 200 ]; then
    echo "| $label | \`$path\` answered $status |"
    return
  fi
  for _ in $(seq "$warmup"); do curl -s -o /dev/null -b "$jar" "$base$path"; done
  sleep 0.2
  offset=$(wc -c <"$work/server.log")
  for _ in $(seq "$requests"); do
    curl -s -o /dev/null -w '%{time_total}\n' -b "$jar" "$base$path"
  done >"$work/client.txt"
  sleep 0.2
  tail -c +"$((offset + 1))" "$work/server.log" | sed 's/\x1b\[[0-9;]*m//g' |
    grep 'request finished' | grep -o 'latency_ms=[0-9.]*' | cut -d= -f2 >"$work/server.txt"
  python3 - "$label" "$path" "$work/server.txt" "$work/client.txt" \
    "$(grep -o 'Showing [^<]*' "$work/page.html" | head -1)" <<'EOF'
import sys
label, path, server, client, showing = sys.argv[1:6]
def stats(file, scale):
    xs = sorted(float(x) * scale for x in open(file) if x.strip())
    if not xs:
        return "no data"
    pick = lambda p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
    return f"{pick(0.5):.1f} / {pick(0.95):.1f} / {xs[-1]:.1f} (n={len(xs)})"
note = f" ({showing})" if showing else ""
print(f"| {label}{note} | `{path}` | {stats(server, 1)} | {stats(client, 1000)} |")
EOF
}

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), \
$(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
echo "data: $all_cases cases ($open_cases open), $events events; database $(du -h "$work/waymark.db" | cut -f1)"
echo "largest caseload: $cw_email ($top_cw_cases open cases); busiest case: $busy_case ($busy_events events)"
echo
echo "| page | address | server ms p50 / p95 / max | curl ms p50 / p95 / max |"
echo "|---|---|---|---|"
measure "Your caseload, largest (caseworker)" "$work/cw.jar" "/caseload"
measure "Team caseload (manager)" "$work/manager.jar" "/caseload"
measure "Team caseload, last page" "$work/manager.jar" \
  "/caseload?who=team&page=$(((open_cases + 49) / 50))"
measure "Team caseload, overdue at a school" "$work/manager.jar" \
  "/caseload?who=team&overdue=yes&school=primary"
measure "Team caseload, search by name" "$work/manager.jar" "/caseload?who=team&q=thornbury"
measure "Allocation, 300 unallocated (manager)" "$work/manager.jar" "/allocation"
measure "Case page, most events (caseworker)" "$work/cw.jar" "/cases/$busy_case"
