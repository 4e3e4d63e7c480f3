#!/usr/bin/env bash
# Import benchmark: `waymark import cases` on a generated CSV, against SQLite's own `.import`
# of the same file into a bare table (no checks, no events) as the comparator, in one run.
# Usage: bench/import/run.sh [ROWS]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet -p waymark-cli
waymark=$PWD/target/release/waymark
python3 bench/import/generate.py "$rows" "$work/cases.csv" --settings "$work/settings.csv" --bad-every 1000
export WAYMARK_DATABASE_URL="sqlite://$work/waymark.db"
"$waymark" la add 202 "Bench Council" >/dev/null
"$waymark" import settings "$work/settings.csv" >/dev/null

seconds() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
time_it() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N); python3 -c "print($end - $start)"; }

t_import=$(time_it "$waymark" import cases "$work/cases.csv" --la 202)
t_rerun=$(time_it "$waymark" import cases "$work/cases.csv" --la 202)
t_sqlite=$(time_it sqlite3 "$work/raw.db" ".import --csv $work/cases.csv raw")
imported=$(sqlite3 "$work/waymark.db" "select count(*) from cases")
events=$(sqlite3 "$work/waymark.db" "select count(*) from case_events")
size=$(du -h "$work/waymark.db" | cut -f1)
per_min() { python3 -c "import sys; print(f'{int(float(sys.argv[1]) * 60 / float(sys.argv[2])):,}')" "$rows" "$1"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m); $(date -u +%F)"
echo "rows: $rows ($imported imported, $events events; database $size)"
echo "waymark import (checked, events, state):  $(seconds "$t_import") s = $(per_min "$t_import") rows/min"
echo "waymark import again (all already here):  $(seconds "$t_rerun") s = $(per_min "$t_rerun") rows/min"
echo "comparator sqlite3 .import (raw table):   $(seconds "$t_sqlite") s = $(per_min "$t_sqlite") rows/min"
