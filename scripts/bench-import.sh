#!/usr/bin/env bash
# Import throughput (issue 4): records per second into SQLite and PostgreSQL for the Go and RustSec
# OSV corpora, the CSAF examples and the CVE records, and the ratio to the time spent only parsing
# the same files (`--parse-only`: the same reader and parser, no database). End to end, as a user
# runs it: process start, reading the folder, parsing, the transactions with their audit events,
# and for OSV the vulnerability model fed in the same transactions. Each database starts empty.
#
# Needs: a release build (cargo build --release), hyperfine, jq, psql, and PostgreSQL at $PG_URL
# (the database `clearinghouse_bench_import` is dropped and created for each run).
# Usage: scripts/bench-import.sh            (RUNS=10 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/clearinghouse}
DATA=${DATA:-../shared/data}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
RUNS=${RUNS:-10}
DB=clearinghouse_bench_import
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for tool in hyperfine jq psql; do
    command -v "$tool" >/dev/null || { echo "bench-import: $tool is needed" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "bench-import: build first (cargo build --release)" >&2; exit 2; }
[ -d "$DATA" ] || { echo "bench-import: $DATA is missing" >&2; exit 2; }
export CLEARINGHOUSE_KEY_DIR="$WORK/keys"

# format  label  path
CORPORA=(
    "osv Go-OSV $DATA/advisories/go"
    "osv RustSec-OSV $DATA/advisories/rustsec"
    "csaf CSAF-examples $DATA/csaf/examples/csaf"
    "cve5 CVE-Go-CNA $DATA/cve5/go-cna"
    "cve5 CVE-examples $DATA/cve5/examples"
)

mean() { jq -r '.results[0].mean' "$1"; }

echo "| corpus | records | parse only | SQLite | records/s | × parse | PostgreSQL | records/s | × parse |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for entry in "${CORPORA[@]}"; do
    read -r format label path <<<"$entry"
    records=$("$BIN" import "$format" "$path" --parse-only --json 2>/dev/null | jq -r '.records')
    hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/parse.json" \
        "$BIN import $format $path --parse-only" >/dev/null 2>&1
    hyperfine -N --runs "$RUNS" --prepare "rm -rf $WORK/sqlite" --export-json "$WORK/sqlite.json" \
        "$BIN import $format $path --data-dir $WORK/sqlite" >/dev/null 2>&1
    hyperfine --runs "$RUNS" --export-json "$WORK/pg.json" \
        --prepare "psql -q $PG_URL/postgres -c 'DROP DATABASE IF EXISTS $DB' -c 'CREATE DATABASE $DB' >/dev/null 2>&1" \
        "$BIN import $format $path --database-url $PG_URL/$DB" >/dev/null 2>&1
    p=$(mean "$WORK/parse.json"); s=$(mean "$WORK/sqlite.json"); g=$(mean "$WORK/pg.json")
    awk -v l="$label" -v n="$records" -v p="$p" -v s="$s" -v g="$g" 'BEGIN {
        printf "| %s | %d | %.3f s | %.3f s | %.0f | %.1f | %.3f s | %.0f | %.1f |\n", l, n, p, s, n / s, s / p, g, n / g, g / p }'
done
psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
