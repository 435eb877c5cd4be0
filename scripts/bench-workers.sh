#!/usr/bin/env bash
# Validations per minute through the store: the 41 Juliet cases of ../shared/data/juliet submitted as
# reports with bundle archives to a server that runs no worker of its own, then N `clearinghouse worker`
# processes (1, then 2) on the same SQLite data folder, timed until every job is done.
# Usage: scripts/bench-workers.sh   (builds the release binary first; needs jq)
set -euo pipefail
cd "$(dirname "$0")/.."
JULIET="${JULIET:-../shared/data/juliet}"
[ -f "$JULIET/expected.tsv" ] || { echo "SKIPPED: $JULIET not found"; exit 0; }
command -v jq >/dev/null || { echo "jq is missing (apt-get install jq)" >&2; exit 2; }
cargo build --release -q -p clearinghouse
BIN=$PWD/target/release/clearinghouse
WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
FLAGS="gcc -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -DINCLUDEMAIN"
mkdir -p "$WORK/archives"
tail -n +2 "$JULIET/expected.tsv" | while IFS=$'\t' read -r case vexit vkind fexit fkind; do
    d="$WORK/bundles/${case%.c}"
    mkdir -p "$d/src/testcasesupport"
    cp "$JULIET/testcases/$case" "$d/src/"
    cp "$JULIET"/testcasesupport/{io.c,std_testcase.h,std_testcase_io.h} "$d/src/testcasesupport/"
    if [ "$vkind" = "-" ]; then oracle='type = "crash"'; else oracle=$(printf 'type = "sanitizer"\nkind = "%s"' "$vkind"); fi
    printf 'format = 1\n[build]\ncommands = ["%s -DOMITGOOD -Itestcasesupport %s testcasesupport/io.c -lpthread -o poc"]\n[run]\ncommand = ["./poc"]\n[oracle]\n%s\n[fixed]\ndir = "src"\ncommands = ["%s -DOMITBAD -Itestcasesupport %s testcasesupport/io.c -lpthread -o poc"]\n' \
        "$FLAGS" "$case" "$oracle" "$FLAGS" "$case" > "$d/bundle.toml"
    tar czf "$WORK/archives/${case%.c}.tar.gz" -C "$d" .
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for workers in 1 2; do
    DATA="$WORK/data-$workers"
    "$BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 --workers 0 > "$WORK/serve.out" 2>/dev/null &
    SERVER=$!
    for _ in $(seq 1 100); do grep -q '^listening on' "$WORK/serve.out" && break; sleep 0.1; done
    export CLEARINGHOUSE_URL=$(sed -n 's/^listening on //p' "$WORK/serve.out")
    export CLEARINGHOUSE_TOKEN=$(cat "$DATA/admin.token")
    "$BIN" org create bench-finder --kind researcher --reports-per-minute 100000 --reports-per-day 1000000 >/dev/null
    for a in "$WORK"/archives/*.tar.gz; do
        printf '{"title":"%s","description":"Juliet case.","finder":{"kind":"tool","name":"bench"}}' "$(basename "$a")" > "$WORK/report.json"
        "$BIN" report submit "$WORK/report.json" --attach "$a" > /dev/null
    done
    start=$(date +%s.%N)
    pids=()
    for i in $(seq 1 "$workers"); do
        "$BIN" worker --data-dir "$DATA" --name "bench-$i" --until-idle > /dev/null 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    end=$(date +%s.%N)
    done_jobs=$(sqlite3 "$DATA/clearinghouse.db" "SELECT count(*) FROM validation_jobs WHERE state = 'done'" 2>/dev/null || echo "?")
    validated=$(sqlite3 "$DATA/clearinghouse.db" "SELECT count(*) FROM reports WHERE status IN ('validated', 'duplicate')" 2>/dev/null || echo "?")
    awk -v n=41 -v s="$start" -v e="$end" -v w="$workers" -v d="$done_jobs" -v v="$validated" \
        'BEGIN { t = e - s; printf "%d worker(s): 41 jobs in %.1f s = %.1f validations per minute (%s done, %s reports validated or duplicate)\n", w, t, n * 60 / t, d, v }'
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
done
