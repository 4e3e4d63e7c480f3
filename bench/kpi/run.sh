#!/usr/bin/env bash
# KPI figures at national scale (153 LAs, about 1.5 million requests over ten years):
#
# 1. the national roll-up of the 20-week measure: `waymark report twenty-weeks --la all` (a
#    whole process, from the flows counted per LA and month) against DuckDB computing the same
#    figures from the same rows exported to Parquet, side by side, for the last whole calendar
#    year and the last 120 whole months; the figures must be identical (compare.py);
# 2. the KPI dashboard (`/reports`) for the largest LA, as its manager: server time (the
#    `latency_ms` the server logs) for the default period (the last 12 whole months) and for
#    the last 120 whole months; on SQLite, and with WAYMARK_BENCH_POSTGRES=1 on PostgreSQL 15.
#
# Usage: bench/kpi/run.sh [RUNS] [REQUESTS]
#   RUNS      runs of each roll-up (default 20, after one warm-up)
#   REQUESTS  dashboard requests per page (default 100, after 10 warm-up)
# Environment:
#   WAYMARK_BENCH_SQLITE=/path.db  use this national SQLite database (never removed; the
#                                  benchmark adds a manager account and the server writes audit
#                                  rows); without it one is generated in a temporary directory
#                                  (about 10 minutes, 15 GB) and removed afterwards
#   WAYMARK_BENCH_SQLITE=none      skip SQLite (only the PostgreSQL dashboard)
#   WAYMARK_BENCH_POSTGRES=1       also a throwaway PostgreSQL 15 cluster in a temporary
#                                  directory: generate the national demo into it and measure
#                                  the dashboard; the cluster is stopped and removed at the end.
#                                  A generated SQLite file is removed first (both do not fit on
#                                  a 25 GB disk)
#   WAYMARK_BENCH_BIN=PATH         use this waymark binary instead of building one
#   WAYMARK_BENCH_SCALE=la         generate one LA (8,000 cases) instead of the nation: a
#                                  minute's check that the script works, not a benchmark
#   WAYMARK_BENCH_PORT             the port to serve on (default 18182)
#   WAYMARK_BENCH_TMP              where temporary directories go (default /tmp)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
requests=${2:-100}
warmup=10
tmp=${WAYMARK_BENCH_TMP:-/tmp}
work=$(mktemp -d "$tmp/waymark-kpi-bench.XXXXXX")
port=${WAYMARK_BENCH_PORT:-18182}
base="http://127.0.0.1:$port"
pg_bin=${WAYMARK_PG_BIN:-/usr/lib/postgresql/15/bin}
scale=${WAYMARK_BENCH_SCALE:-national}
server_pid=""
pg_dir=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_dir" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" stop --pgdata "$pg_dir/data" -m immediate \
      >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${WAYMARK_BENCH_BIN:-}" ]; then
  waymark=$WAYMARK_BENCH_BIN
else
  cargo build --release --quiet -p waymark-cli
  waymark=$PWD/target/release/waymark
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet duckdb
python="$work/venv/bin/python"
compare="$PWD/bench/kpi/compare.py"

# Periods: the last whole calendar year, and the last 120 whole months (the most a period may
# cover), as the dashboard's form would ask for them.
read -r year_from year_to ten_from ten_to < <(python3 - <<'EOF'
import datetime
today = datetime.date.today()
first_this_month = today.replace(day=1)
last = first_this_month - datetime.timedelta(days=1)
months = first_this_month.year * 12 + first_this_month.month - 1 - 120
ten_from = datetime.date(months // 12, months % 12 + 1, 1)
print(f"{today.year - 1}-01-01 {today.year - 1}-12-31 {ten_from} {last}")
EOF
)

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), \
$(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"

# dashboard URL LA LABEL: a manager account in LA, `waymark serve` on URL, sign in through
# the real form, then /reports (default period and 120 months) REQUESTS times each.
dashboard() {
  local url=$1 la=$2 label=$3 email password token
  email="kpi-bench-$(date +%s)-$RANDOM@example.gov.uk"
  password="kpi-bench-$RANDOM-$RANDOM-$RANDOM"
  printf '%s\n' "$password" | "$waymark" user add --email "$email" --name "KPI benchmark" \
    --role manager --la "$la" --password-stdin --database "$url" >/dev/null
  RUST_LOG=info NO_COLOR=1 "$waymark" serve --database "$url" --bind "127.0.0.1:$port" \
    2>"$work/server.log" >/dev/null &
  server_pid=$!
  for _ in $(seq 300); do
    curl -sf -o /dev/null "$base/health" && break
    sleep 0.2
  done
  token=$(curl -s -c "$work/jar" -b "$work/jar" "$base/sign-in" |
    grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -o /dev/null -c "$work/jar" -b "$work/jar" --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=$email" --data-urlencode "password=$password" "$base/sign-in"

  local ten="/reports?from-day=${ten_from:8:2}&from-month=${ten_from:5:2}&from-year=${ten_from:0:4}"
  ten="$ten&to-day=${ten_to:8:2}&to-month=${ten_to:5:2}&to-year=${ten_to:0:4}"
  echo
  echo "### Dashboard on $label: LA $la, $requests requests after $warmup warm-up"
  echo
  echo "| page | server ms p50 / p95 / max | curl ms p50 / p95 / max |"
  echo "|---|---|---|"
  measure "KPI dashboard, last 12 months (default)" "/reports"
  measure "KPI dashboard, $ten_from to $ten_to" "$ten"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# measure LABEL PATH: warm-up, then REQUESTS requests; a Markdown table row.
measure() {
  local label=$1 path=$2 status offset
  status=$(curl -s -o "$work/page.html" -w '%{http_code}' -b "$work/jar" "$base$path")
  if [ "$status" != 200 ] || ! grep -q '20 weeks' "$work/page.html"; then
    echo "| $label | \`$path\` answered $status without the 20-week figures |"
    return 1
  fi
  for _ in $(seq "$warmup"); do curl -s -o /dev/null -b "$work/jar" "$base$path"; done
  sleep 0.2
  offset=$(wc -c <"$work/server.log")
  for _ in $(seq "$requests"); do
    curl -s -o /dev/null -w '%{time_total}\n' -b "$work/jar" "$base$path"
  done | awk '{ print $1 * 1000 }' >"$work/client.txt"
  sleep 0.2
  tail -c +"$((offset + 1))" "$work/server.log" | sed 's/\x1b\[[0-9;]*m//g' |
    grep 'request finished' | grep -o 'latency_ms=[0-9.]*' | cut -d= -f2 >"$work/server.txt"
  echo "| $label | $("$python" "$compare" stats "$work/server.txt") | \
$("$python" "$compare" stats "$work/client.txt") |"
}

generated_sqlite=""
if [ "${WAYMARK_BENCH_SQLITE:-}" != none ]; then
  if [ -n "${WAYMARK_BENCH_SQLITE:-}" ]; then
    db=$WAYMARK_BENCH_SQLITE
  else
    db="$work/national.db"
    generated_sqlite=$db
    echo "generating the $scale demo into $db (national: about 10 minutes)" >&2
    "$waymark" demo --no-serve --scale "$scale" --database "sqlite://$db" >/dev/null
  fi
  url="sqlite://$db"
  declare -A size
  while IFS='=' read -r key value; do size[$key]=$value; done < <("$python" "$compare" sizes "$db")
  echo "data (SQLite): ${size[cases]} cases, ${size[events]} events, ${size[las]} LAs; largest LA \
${size[largest_la]} ${size[largest_la_name]} (${size[largest_la_cases]} cases); database \
$((size[file_bytes] / 1000000)) MB"
  "$python" "$compare" export "$db" "$work"
  echo
  echo "### 20-week roll-up, SQLite"
  echo
  "$python" "$compare" compare "$work" "$waymark" "$url" "$runs" \
    "$year_from" "$year_to" "$ten_from" "$ten_to"
  dashboard "$url" "${size[largest_la]}" "SQLite"
fi

if [ "${WAYMARK_BENCH_POSTGRES:-}" = 1 ]; then
  if [ -n "$generated_sqlite" ]; then
    rm -f "$generated_sqlite" "$generated_sqlite-wal" "$generated_sqlite-shm"
  fi
  rm -f "$work/cases.csv" "$work/cases.parquet"
  # PostgreSQL refuses to run as root: its directory belongs to the postgres user.
  pg_dir=$(mktemp -d "$tmp/waymark-kpi-pg.XXXXXX")
  chown postgres:postgres "$pg_dir"
  as_pg() { (cd "$pg_dir" && runuser -u postgres -- "$@"); }
  as_pg "$pg_bin/initdb" --pgdata "$pg_dir/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C --no-sync --no-instructions >/dev/null
  # Loading without fsync; measuring with it (and a shared_buffers a server would have).
  cat >>"$pg_dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg_dir'
shared_buffers = 2GB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  pg_port=$((port + 1))
  as_pg "$pg_bin/pg_ctl" start --pgdata "$pg_dir/data" --log "$pg_dir/server.log" --wait \
    -o "-p $pg_port" >/dev/null
  pg_url="postgres://postgres@127.0.0.1:$pg_port/waymark"
  as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres waymark
  echo "generating the $scale demo into PostgreSQL (national: this takes a while)" >&2
  started=$(date +%s)
  "$waymark" demo --no-serve --scale "$scale" --database "$pg_url" >/dev/null
  echo "generated in $(($(date +%s) - started)) s" >&2
  psql_q() { psql -X -A -t -q -h 127.0.0.1 -p "$pg_port" -U postgres -d waymark -c "$1"; }
  psql_q "ANALYZE"
  for setting in fsync synchronous_commit full_page_writes; do
    psql_q "ALTER SYSTEM SET $setting = on"
  done
  as_pg "$pg_bin/pg_ctl" restart --pgdata "$pg_dir/data" --log "$pg_dir/server.log" --wait \
    -o "-p $pg_port" >/dev/null
  read -r pg_la pg_la_cases < <(psql_q "SELECT la_code, count(*) FROM cases GROUP BY la_code
    ORDER BY count(*) DESC LIMIT 1" | tr '|' ' ')
  echo
  echo "data (PostgreSQL 15): $(psql_q "SELECT count(*) FROM cases") cases, \
$(psql_q "SELECT count(*) FROM case_events") events, \
$(psql_q "SELECT count(DISTINCT la_code) FROM cases") LAs; largest LA $pg_la ($pg_la_cases cases); \
database $(psql_q "SELECT pg_database_size('waymark') / 1000000") MB"
  dashboard "$pg_url" "$pg_la" "PostgreSQL 15"
fi
