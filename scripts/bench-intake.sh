#!/usr/bin/env bash
# The intake benchmark (docs/BENCHMARKS.md): report submission against its floor, on SQLite and on
# PostgreSQL, in one run, side by side. A benchmark, never a test: nothing here is timed by CI.
#
#   scripts/bench-intake.sh
#
# For each backend it starts `clearinghouse serve` on a fresh data folder (and, for PostgreSQL, a
# fresh database that is dropped afterwards), with org_defaults raised so the run is not rate
# limited, then drives it with `clearinghouse-loadgen`:
#   floor   POST /v1/reports/validate  same auth, same JSON parsing and validation, stores nothing
#   submit  POST /v1/reports           the real intake: the above plus the transaction and the answer
# first at $CONCURRENCY (the main table), then at each of $CURVE (the curve table).
#
# Settings (environment):
#   CONCURRENCY=32  DURATION=20  WARMUP=5       the main runs
#   CURVE="8 64"    CURVE_DURATION=10           the curve runs (empty CURVE skips them)
#   BACKENDS="sqlite postgres"
#   PG_BASE=postgres://postgres@127.0.0.1:5432  a PostgreSQL that lets this user create databases
#   SKIP_BUILD=1                                reuse target/release binaries
#   OUT=target/bench-intake/<UTC time>          where results.md, results.jsonl and logs are kept
#   WAIT_QUIET=0                                seconds to wait, at most, for the 1-minute load average to fall
#                                               below 0.5 before starting (a shared machine skews every number)
#   RUST_LOG                                    passed to the server as usual (its default logs every request at INFO)
#
# The server, PostgreSQL and the load generator share this machine's cores; nothing is pinned.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

CONCURRENCY=${CONCURRENCY:-32}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
CURVE=${CURVE-8 64}
CURVE_DURATION=${CURVE_DURATION:-10}
BACKENDS=${BACKENDS:-sqlite postgres}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
OUT=${OUT:-$ROOT/target/bench-intake/$(date -u +%Y%m%dT%H%M%SZ)}

BIN=$ROOT/target/release/clearinghouse
LOADGEN=$ROOT/target/release/clearinghouse-loadgen

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

for tool in jq curl; do command -v "$tool" >/dev/null || die "$tool is needed"; done
if [[ " $BACKENDS " == *" postgres "* ]]; then
    for tool in psql createdb dropdb; do command -v "$tool" >/dev/null || die "$tool is needed for the PostgreSQL runs (or set BACKENDS=sqlite)"; done
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
    log "building release binaries"
    cargo build --release -p clearinghouse -p clearinghouse-loadgen >&2
fi
[[ -x $BIN && -x $LOADGEN ]] || die "missing $BIN or $LOADGEN (build them, or unset SKIP_BUILD)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-intake.XXXXXX")
mkdir -p "$OUT"
SERVER_PID=
PG_DB=

stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

drop_db() {
    if [[ -n $PG_DB ]]; then
        dropdb --if-exists --force --maintenance-db="$PG_BASE/postgres" "$PG_DB" 2>/dev/null \
            || psql -q -d "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
            || log "warning: could not drop database $PG_DB"
        PG_DB=
    fi
}

cleanup() {
    local rc=$?
    stop_server
    drop_db
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The limits of organisations created without explicit ones. The bootstrap admin's own org is
# created by the store with the built-in defaults (600 a minute) whatever this file says, so the
# runs submit as a member of an org created through the API, which takes these.
CONFIG=$WORK/bench.toml
cat >"$CONFIG" <<'EOF'
[org_defaults]
reports_per_minute = 10000000
reports_per_day = 100000000
EOF

# start_server NAME [--database-url URL]: sets SERVER_PID, URL and TOKEN_FILE.
start_server() {
    local name=$1; shift
    local dir=$WORK/$name
    mkdir -p "$dir"
    "$BIN" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --config "$CONFIG" "$@" >"$dir/stdout" 2>"$dir/server.log" &
    SERVER_PID=$!
    URL=
    for _ in $(seq 300); do
        URL=$(sed -n 's/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$dir/stdout" | head -n1)
        [[ -n $URL ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$dir/server.log" >&2; die "the $name server exited"; }
        sleep 0.2
    done
    [[ -n $URL ]] || die "the $name server did not print its address"
    [[ -s $dir/data/admin.token ]] || die "no admin token in $dir/data"
    # One org with the raised limits and one member token in it; the token never reaches argv.
    CLEARINGHOUSE_URL=$URL CLEARINGHOUSE_TOKEN=$(head -n1 "$dir/data/admin.token") \
        "$BIN" org create bench-finders --kind researcher >/dev/null
    TOKEN_FILE=$dir/bench.token
    (umask 077; CLEARINGHOUSE_URL=$URL CLEARINGHOUSE_TOKEN=$(head -n1 "$dir/data/admin.token") \
        "$BIN" token create --org bench-finders --role member --name loadgen >"$TOKEN_FILE")
    [[ -s $TOKEN_FILE ]] || die "could not create the benchmark token"
    log "$name server pid $SERVER_PID at $URL"
}

# run_load BACKEND ROUTE CONCURRENCY DURATION TABLE [loadgen args...]: appends one JSON line.
run_load() {
    local backend=$1 route=$2 conc=$3 secs=$4 table=$5; shift 5
    local path
    case $route in
        floor) path=/v1/reports/validate ;;
        submit) path=/v1/reports ;;
        *) die "unknown route $route" ;;
    esac
    local load1 rc=0 line
    load1=$(cut -d' ' -f1 /proc/loadavg)
    log "$backend $route c=$conc ${secs}s (load average before: $load1)"
    line=$("$LOADGEN" --url "$URL" --token-file "$TOKEN_FILE" --path "$path" --concurrency "$conc" \
        --duration "$secs" --warmup "$WARMUP" --server-pid "$SERVER_PID" --label "$backend" --json "$@") || rc=$?
    [[ $rc -le 1 && -n $line ]] || die "the load generator failed (exit $rc)"
    ((rc == 0)) || log "warning: $backend $route c=$conc had errors: $(jq -c '.status' <<<"$line")"
    jq -c --arg backend "$backend" --arg route "$route" --arg table "$table" --argjson load1 "$load1" \
        '. + {backend: $backend, route: $route, table: $table, load1_before: $load1}' <<<"$line" >>"$OUT/results.jsonl"
}

# bench_backend NAME [db-pid args...]
bench_backend() {
    local backend=$1; shift
    # Open the connection pools before measuring (and so that PostgreSQL backends exist to watch).
    "$LOADGEN" --url "$URL" --token-file "$TOKEN_FILE" --path /v1/reports/validate --concurrency 64 --duration 2 --warmup 0 --json >/dev/null
    local dbpids=()
    if [[ $backend == postgres ]]; then
        while read -r p; do [[ -n $p ]] && dbpids+=(--db-pid "$p"); done < <(psql -Atq -d "$PG_BASE/postgres" -c \
            "SELECT pid FROM pg_stat_activity WHERE datname = '$PG_DB' AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        log "watching the CPU of $((${#dbpids[@]} / 2)) PostgreSQL backend processes"
    fi
    run_load "$backend" floor "$CONCURRENCY" "$DURATION" main "${dbpids[@]}"
    run_load "$backend" submit "$CONCURRENCY" "$DURATION" main "${dbpids[@]}"
    for c in $CURVE; do
        run_load "$backend" floor "$c" "$CURVE_DURATION" curve "${dbpids[@]}"
        run_load "$backend" submit "$c" "$CURVE_DURATION" curve "${dbpids[@]}"
    done
}

: >"$OUT/results.jsonl"
if ((${WAIT_QUIET:-0} > 0)); then
    deadline=$((SECONDS + WAIT_QUIET))
    until awk '{exit !($1 < 0.5)}' /proc/loadavg; do
        ((SECONDS < deadline)) || { log "warning: still busy after ${WAIT_QUIET} s: load average $(cut -d' ' -f1-3 /proc/loadavg)"; break; }
        sleep 5
    done
fi
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for backend in $BACKENDS; do
    case $backend in
        sqlite)
            start_server sqlite
            bench_backend sqlite
            stop_server
            cp "$WORK/sqlite/server.log" "$OUT/server-sqlite.log" 2>/dev/null || true
            ;;
        postgres)
            PG_DB=clh_bench_$(date +%s)_$$
            createdb --maintenance-db="$PG_BASE/postgres" "$PG_DB" || die "createdb failed"
            start_server postgres --database-url "$PG_BASE/$PG_DB"
            bench_backend postgres
            stop_server
            cp "$WORK/postgres/server.log" "$OUT/server-postgres.log" 2>/dev/null || true
            drop_db
            ;;
        *) die "unknown backend $backend" ;;
    esac
done

# The report: machine, then the tables.
{
    echo "## Intake benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(free -h | awk '/^Mem:/ {print $2}') RAM, kernel $(uname -r); nothing pinned: server, PostgreSQL and load generator share the cores"
    echo "- $(rustc --version)"
    if [[ " $BACKENDS " == *" postgres "* ]]; then
        echo "- $(psql -Atq -d "$PG_BASE/postgres" -c 'SHOW server_version' 2>/dev/null | sed 's/^/PostgreSQL /')"
    fi
    echo "- main runs: ${DURATION} s measured after ${WARMUP} s warm-up; curve runs: ${CURVE_DURATION} s; load generator: 1 client thread, keep-alive, closed loop"
    echo
    echo "| backend | route | concurrency | req/s | p50 ms | p99 ms | errors | vs floor |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    jq -rs '
        def r(n): (. * pow(10; n) | round) / pow(10; n);
        . as $all
        | map(select(.table == "main"))[]
        | . as $x
        | ($all | map(select(.table == "main" and .backend == $x.backend and .route == "floor" and .concurrency == $x.concurrency)) | first) as $floor
        | "| \(.backend) | \(if .route == "floor" then "floor `POST /v1/reports/validate`" else "submit `POST /v1/reports`" end) | \(.concurrency) | \(.rps | r(0)) | \(.latency_ms.p50 | r(2)) | \(.latency_ms.p99 | r(2)) | \(.errors) | \(if $floor then (.rps / $floor.rps | r(2)) else "-" end) |"
    ' "$OUT/results.jsonl"
    echo
    echo "Curve (same servers and databases, after the main runs):"
    echo
    echo "| backend | route | concurrency | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | vs floor |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    jq -rs --arg order "$BACKENDS" '
        def r(n): (. * pow(10; n) | round) / pow(10; n);
        def rank: . as $b | ($order | split(" ") | map(select(. != "")) | index($b));
        . as $all
        | sort_by((.backend | rank), .concurrency, .route)[]
        | . as $x
        | ($all | map(select(.backend == $x.backend and .route == "floor" and .concurrency == $x.concurrency)) | first) as $floor
        | "| \(.backend) | \(.route) | \(.concurrency) | \(.rps | r(0)) | \(.latency_ms.p50 | r(2)) | \(.latency_ms.p90 | r(2)) | \(.latency_ms.p99 | r(2)) | \(.latency_ms.max | r(1)) | \(.errors) | \(if $floor then (.rps / $floor.rps | r(2)) else "-" end) |"
    ' "$OUT/results.jsonl"
    echo
    echo "CPU during the measured windows, in cores busy (CPU seconds per second; this machine has $(nproc)). \"Everything else\" is the"
    echo "rest of the machine (other users, PostgreSQL's background processes, the kernel's own threads): a large value means a skewed run."
    echo "Per-process and whole-machine counters tick at 10 ms, so values are good to about ±0.1 core."
    echo
    echo "| backend | route | concurrency | server | PostgreSQL backends | load generator | everything else | server µs CPU/request |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    jq -rs --arg order "$BACKENDS" '
        def r(n): (. * pow(10; n) | round) / pow(10; n);
        def rank: . as $b | ($order | split(" ") | map(select(. != "")) | index($b));
        def per(v): if v == null or .elapsed_s == 0 then "-" else ([v / .elapsed_s, 0] | max | r(2)) end;
        sort_by((.backend | rank), .concurrency, .route)[]
        | "| \(.backend) | \(.route) | \(.concurrency) | \(per(.cpu.server_s)) | \(per(.cpu.db_s)) | \(per(.cpu.client_s)) | \(if .cpu.machine_s == null then "-" else per(.cpu.machine_s - (.cpu.server_s // 0) - (.cpu.db_s // 0) - (.cpu.client_s // 0)) end) | \(.cpu.server_us_per_req // "-" | if type == "number" then r(0) else . end) |"
    ' "$OUT/results.jsonl"
} | tee "$OUT/results.md"
log "results kept in $OUT"
