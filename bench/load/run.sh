#!/usr/bin/env bash
# Load test: the case page and the caseload API at 64 concurrent keep-alive connections, against
# an axum hello-world measured in the same run with the same load generator (bench/load: its own
# Cargo package, never built by the main workspace).
#
# Builds `waymark` (release) and this package (release); creates the demo database (Northby,
# LA 990, 8,000 cases) in a temporary directory, or uses an existing one; adds a caseworker
# with `waymark user add`; starts `waymark serve`; signs in through the real form (cookie, for
# the case page) and makes an API token on /account/tokens (for the caseload API); takes a few
# hundred case ids from the API, spread over the whole LA; then, one after another:
#   1. hello-world       GET /                       (bench/load/src/bin/hello.rs)
#   2. case page         GET /cases/{id}             rotating through the case ids, signed in
#   3. caseload API      GET /api/v1/cases?page=N    rotating through every page of the LA
# Each run is a warm-up and then DURATION seconds measured. The server's peak resident memory
# (VmHWM in /proc/PID/status, reset before each run through /proc/PID/clear_refs) is read after
# each. The load generator runs on the same machine and shares its CPUs with the server.
#
# Prints a table and the ratios to the hello-world, and writes them to $OUT.md and $OUT.json.
# Fails if any request failed or answered other than 2xx.
#
# Usage: bench/load/run.sh
#   WAYMARK_BENCH_CONNECTIONS (64), WAYMARK_BENCH_DURATION (20 s), WAYMARK_BENCH_WARMUP (5 s),
#   WAYMARK_BENCH_THREADS (load generator threads, 2), WAYMARK_BENCH_CASES (300),
#   WAYMARK_BENCH_PORT (18300; the hello-world gets PORT+1),
#   WAYMARK_BENCH_OUT (bench/load/results/latest, without extension),
#   WAYMARK_BENCH_BREAKDOWN=1: also time a static asset, /health, /api/v1/me, the API tokens
#     page (a page with no audit write), the API's case (an audit write), and the case page at
#     1, 4 and 16 connections, to show where the time goes,
#   WAYMARK_BENCH_BINARY=path/to/waymark: use that build instead of building target/release,
#   WAYMARK_BENCH_DATABASE=sqlite://...|postgres://... an existing database instead of the demo
#     (it gains a user, an API token and audit entries) with WAYMARK_BENCH_LA=the LA's 3-digit
#     code (or its name, looked up with sqlite3 or psql).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
connections=${WAYMARK_BENCH_CONNECTIONS:-64}
duration=${WAYMARK_BENCH_DURATION:-20}
warmup=${WAYMARK_BENCH_WARMUP:-5}
threads=${WAYMARK_BENCH_THREADS:-2}
want_cases=${WAYMARK_BENCH_CASES:-300}
port=${WAYMARK_BENCH_PORT:-18300}
hello_port=$((port + 1))
out=${WAYMARK_BENCH_OUT:-$root/bench/load/results/latest}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
server_pid=""
hello_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  if [ -n "$hello_pid" ]; then kill "$hello_pid" 2>/dev/null || true; fi
  if [ -n "${WAYMARK_BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [ -n "${WAYMARK_BENCH_BINARY:-}" ]; then
  waymark=$WAYMARK_BENCH_BINARY
else
  cargo build --release --quiet -p waymark-cli
  waymark=$root/target/release/waymark
fi
cargo build --release --quiet --manifest-path bench/load/Cargo.toml
load=$root/bench/load/target/release/load
hello=$root/bench/load/target/release/hello

if [ -n "${WAYMARK_BENCH_DATABASE:-}" ]; then
  db=$WAYMARK_BENCH_DATABASE
  la=${WAYMARK_BENCH_LA:?WAYMARK_BENCH_LA: the LA to sign in to (code or name)}
  data_note="existing database"
else
  db="sqlite://$work/waymark.db"
  "$waymark" demo --no-serve --database "$db" >/dev/null
  la=${WAYMARK_BENCH_LA:-990}
  data_note="demo database"
fi
if ! [[ $la =~ ^[0-9]{3}$ ]]; then
  name=${la//\'/\'\'}
  case $db in
    sqlite://*) la=$(sqlite3 "${db#sqlite://}" "SELECT code FROM local_authorities WHERE name = '$name'") ;;
    postgres*) la=$(psql -XAtq "$db" -c "SELECT code FROM local_authorities WHERE name = '$name'") ;;
  esac
  [[ $la =~ ^[0-9]{3}$ ]] || { echo "no local authority named '$name'" >&2; exit 1; }
fi

# A caseworker of that LA (demo accounts exist in the first LA only), with a password we know.
email="load-test-$(date +%s)-$$@example.invalid"
password="load-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$password" | "$waymark" user add --email "$email" --name "Load test" --role caseworker \
  --la "$la" --password-stdin --database "$db" >/dev/null

"$waymark" serve --database "$db" --bind "127.0.0.1:$port" 2>"$work/server.log" >/dev/null &
server_pid=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "$base/health" && break
  sleep 0.2
done

# Sign in through the real form, with its CSRF token.
jar=$work/jar
csrf() { grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
token=$(curl -sf -c "$jar" -b "$jar" "$base/sign-in" | csrf)
curl -sf -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
  --data-urlencode "email=$email" --data-urlencode "password=$password" "$base/sign-in"
# The jar's cookies as one Cookie header (HttpOnly ones are written as "#HttpOnly_host").
cookie=$(awk -F'\t' 'NF == 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$jar")
# An API token, made on /account/tokens as a person would (shown once on the answer page).
token=$(curl -sf -b "$jar" "$base/account/tokens" | csrf)
api_token=$(curl -sf -b "$jar" --data-urlencode "csrf_token=$token" --data-urlencode "name=load test" \
  "$base/account/tokens" | grep -o 'wmk_[0-9a-f]\{64\}' | head -1)
[ -n "$api_token" ] || { echo "could not make an API token" >&2; exit 1; }
bearer="Authorization: Bearer $api_token"

# Case ids spread over the whole LA (the API lists oldest request first, 50 a page), and every
# page of the caseload API.
total=$(curl -sf -H "$bearer" "$base/api/v1/cases" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
pages=$(((total + 49) / 50))
want_pages=$(((want_cases + 49) / 50))
for n in $(seq 0 $((want_pages - 1))); do
  curl -sf -H "$bearer" "$base/api/v1/cases?page=$((1 + n * pages / want_pages))"
done | python3 -c '
import json, sys
dec = json.JSONDecoder(); text = sys.stdin.read(); at = 0
while at < len(text):
    page, at = dec.raw_decode(text, at)
    for case in page["cases"]:
        print("/cases/" + str(case["id"]))
    while at < len(text) and text[at].isspace(): at += 1
' | head -n "$want_cases" >"$work/case-paths"
for n in $(seq 1 "$pages"); do echo "/api/v1/cases?page=$n"; done >"$work/api-paths"
cases=$(wc -l <"$work/case-paths")
# Every address must answer 200 before it is timed.
for path in $(head -1 "$work/case-paths") $(tail -1 "$work/case-paths"); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$path")" = 200 ] ||
    { echo "$path does not answer 200 when signed in" >&2; exit 1; }
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$bearer" "$base/api/v1/cases?page=$pages")" = 200 ] ||
  { echo "the caseload API does not answer 200" >&2; exit 1; }

machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), \
$(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m), Linux $(uname -r)"
build="waymark $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.lock || echo ' with uncommitted changes')"
[ -n "${WAYMARK_BENCH_BINARY:-}" ] && build="$WAYMARK_BENCH_BINARY"
echo "machine: $machine"
echo "build: $build"
echo "data: $data_note, LA $la: $total cases; case page rotates through $cases of them, \
the caseload API through its $pages pages"
echo "load: $connections connections, $warmup s warm-up + $duration s measured each, \
generator on $threads threads of the same machine"
echo

# bench NAME PID URL ARGS...: one run; its JSON (with the server's peak RSS and the load
# average) on a line of $work/results.
bench() {
  local name=$1 pid=$2 url=$3 loadavg log_from
  shift 3
  echo 5 >"/proc/$pid/clear_refs" # resets VmHWM, the peak resident set size
  loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
  log_from=$(wc -c <"$work/server.log")
  "$load" --url "$url" --connections "$connections" --duration "$duration" --warmup "$warmup" \
    --threads "$threads" --label "$name" "$@" >"$work/run.json"
  sleep 0.2
  # The server's own time for this run's requests (warm-up included): the `latency_ms` it logs.
  tail -c +"$((log_from + 1))" "$work/server.log" | sed 's/\x1b\[[0-9;]*m//g' |
    grep 'request finished' | grep -o 'latency_ms=[0-9.]*' | cut -d= -f2 >"$work/server-ms" || true
  python3 - "$work/run.json" "$pid" "$loadavg" "$work/server-ms" "$pid" "$server_pid" \
    >>"$work/results" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
status = dict(l.split(":", 1) for l in open(f"/proc/{sys.argv[2]}/status") if ":" in l)
run["server_peak_rss_mb"] = int(status["VmHWM"].split()[0]) / 1024
run["server_rss_mb"] = int(status["VmRSS"].split()[0]) / 1024
run["load_average_before"] = sys.argv[3]
xs = sorted(float(x) for x in open(sys.argv[4]) if x.strip())
if xs and sys.argv[5] == sys.argv[6]:
    pick = lambda p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]
    run["server_latency_ms"] = {"n": len(xs), "p50": pick(0.5), "p99": pick(0.99), "max": xs[-1]}
print(json.dumps(run))
EOF
}

"$hello" "127.0.0.1:$hello_port" &
hello_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$hello_port/" && break; sleep 0.1; done
bench "hello-world" "$hello_pid" "http://127.0.0.1:$hello_port" --path /
kill "$hello_pid"
wait "$hello_pid" 2>/dev/null || true
hello_pid=""
bench "case page" "$server_pid" "$base" --paths-file "$work/case-paths" -H "Cookie: $cookie"
bench "caseload API" "$server_pid" "$base" --paths-file "$work/api-paths" -H "$bearer"
if [ "${WAYMARK_BENCH_BREAKDOWN:-0}" = 1 ]; then
  # Where the time goes, from no database work to a page with an audit write.
  asset=$(curl -sf "$base/sign-in" | grep -o '/assets/favicon-[0-9a-f]*\.ico' | head -1)
  sed 's|^/cases/|/api/v1/cases/|' "$work/case-paths" >"$work/api-case-paths"
  bench "Waymark static asset" "$server_pid" "$base" --path "$asset"
  bench "Waymark /health" "$server_pid" "$base" --path /health
  bench "API /me" "$server_pid" "$base" --path /api/v1/me -H "$bearer"
  bench "tokens page" "$server_pid" "$base" --path /account/tokens -H "Cookie: $cookie"
  bench "API case" "$server_pid" "$base" --paths-file "$work/api-case-paths" -H "$bearer"
  for c in 1 4 16; do
    connections=$c bench "case page, $c conn." "$server_pid" "$base" \
      --paths-file "$work/case-paths" -H "Cookie: $cookie"
  done
fi

mkdir -p "$(dirname "$out")"
python3 - "$work/results" "$out" "$machine" "$data_note" "$la" "$total" "$cases" "$pages" \
  "$build" <<'EOF'
import datetime, json, sys
results, out, machine, data_note, la, total, cases, pages, build = sys.argv[1:10]
runs = [json.loads(l) for l in open(results)]
hello = runs[0]
for run in runs:
    run["throughput_ratio"] = run["throughput_rps"] / hello["throughput_rps"]
    run["p99_ratio"] = run["p99_ms"] / hello["p99_ms"]
doc = {
    "date": datetime.date.today().isoformat(),
    "machine": machine,
    "build": build,
    "data": f"{data_note}, LA {la}: {total} cases; case page over {cases} of them, caseload API over its {pages} pages",
    "note": "the load generator runs on the same machine and shares its CPUs with the server",
    "targets": {"throughput_ratio": ">= 0.5", "p99_ratio": "<= 2", "peak_rss_mb": "< 300"},
    "runs": runs,
}
json.dump(doc, open(out + ".json", "w"), indent=2)
lines = [
    f"Load test, {doc['date']}: {machine}; {build}. {doc['data'][0].upper() + doc['data'][1:]}.",
    f"{hello['connections']} connections, {hello['warmup_s']:g} s warm-up then {hello['duration_s']:.0f} s measured each, "
    f"one after another in the same run; the load generator ({hello['threads']} threads) runs on the same "
    f"machine and shares its CPUs with the server.",
    "",
    "| run | conn. | requests | req/s | ratio to hello | p50 ms | p90 ms | p99 ms | p99 ratio to hello | max ms | server peak RSS | non-2xx / errors | load avg before |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]
for r in runs:
    lines.append(
        f"| {r['label']} | {r['connections']} | {r['requests']:,} | {r['throughput_rps']:,.0f} | {r['throughput_ratio']:.3f} | "
        f"{r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['p99_ratio']:.1f} | {r['max_ms']:.1f} | "
        f"{r['server_peak_rss_mb']:.0f} MB | {r['non_2xx']} / {r['errors']} | {r['load_average_before']} |")
lines.append("")
lines.append("Targets: throughput ratio >= 0.5, p99 ratio <= 2, server peak RSS < 300 MB.")
for r in (r for r in runs if r["label"] in ("case page", "caseload API")):
    ok = lambda b: "met" if b else "MISSED"
    s = r.get("server_latency_ms")
    server_note = (f"; server's own latency_ms p50 {s['p50']:.1f} / p99 {s['p99']:.1f} / max {s['max']:.1f} "
                   f"over {s['n']:,} logged requests (warm-up included)") if s else ""
    lines.append(
        f"- {r['label']}: throughput ratio {r['throughput_ratio']:.3f} ({ok(r['throughput_ratio'] >= 0.5)}), "
        f"p99 ratio {r['p99_ratio']:.1f} ({ok(r['p99_ratio'] <= 2)}), "
        f"peak RSS {r['server_peak_rss_mb']:.0f} MB ({ok(r['server_peak_rss_mb'] < 300)}){server_note}")
open(out + ".md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
failed = [r["label"] for r in runs if r["non_2xx"] or r["errors"] or r["warmup_failures"]]
if failed:
    for r in runs:
        if r["label"] in failed:
            print(f"FAILED: {r['label']}: {r['non_2xx']} non-2xx {r['statuses']}, {r['errors']} errors, "
                  f"{r['warmup_failures']} in the warm-up; first error: {r['first_error']}", file=sys.stderr)
    sys.exit(1)
EOF
echo
echo "written to ${out#"$root"/}.md and .json"
