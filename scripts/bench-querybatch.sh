#!/usr/bin/env bash
# The OSV query benchmark (docs/BENCHMARKS.md): POST /v1/querybatch with 1,000 queries over HTTP,
# against a server holding the RustSec and Go advisories of ../shared/data/advisories. A benchmark,
# never a test.
#
#   scripts/bench-querybatch.sh
#
# It builds the release binaries, starts `clearinghouse serve` on a fresh SQLite data folder,
# imports both advisory folders with `clearinghouse import osv` (timed: the import throughput is
# reported too), writes one batch of 1,000 queries drawn from the packages and versions those
# advisories name (about half affected, half at a fixed version), checks the answer once, then
# drives the route with `clearinghouse-loadgen` at concurrency 1 (latency of one client) and 4.
#
# Settings (environment): DURATION=15 WARMUP=3 SKIP_BUILD=1 OUT=target/bench-querybatch/<UTC time>
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
OUT=${OUT:-$ROOT/target/bench-querybatch/$(date -u +%Y%m%dT%H%M%SZ)}
DATA=$ROOT/../shared/data/advisories
BIN=$ROOT/target/release/clearinghouse
LOADGEN=$ROOT/target/release/clearinghouse-loadgen
mkdir -p "$OUT"
[ -d "$DATA/rustsec" ] && [ -d "$DATA/go" ] || { echo "the advisories are not in $DATA" >&2; exit 2; }
if [ -z "${SKIP_BUILD:-}" ]; then
    cargo build --release -p clearinghouse -p clearinghouse-loadgen >&2
fi

DIR=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DIR"' EXIT
for src in rustsec go; do
    start=$(date +%s.%N)
    "$BIN" import osv "$DATA/$src" --data-dir "$DIR" --json > "$OUT/import-$src.json"
    end=$(date +%s.%N)
    echo "import $src: $(python3 -c "import json,sys; d=json.load(open('$OUT/import-$src.json')); print(d['read'], 'records in', round($end-$start,2), 's:', round(d['read']/($end-$start)), 'records/s end to end')")"
done | tee "$OUT/import.txt"

RUST_LOG=warn "$BIN" serve --listen 127.0.0.1:0 --data-dir "$DIR" > "$OUT/serve.out" 2> "$OUT/serve.err" &
SERVER=$!
for _ in $(seq 1 100); do grep -q "listening on" "$OUT/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$OUT/serve.out" | head -1)
[ -n "$URL" ] || { echo "the server did not start" >&2; cat "$OUT/serve.err" >&2; exit 2; }

python3 - "$DATA" "$OUT/queries.json" <<'PY'
import json, os, random, sys
root, out = sys.argv[1], sys.argv[2]
pool = []
for sub in ("rustsec", "go"):
    for name in sorted(os.listdir(os.path.join(root, sub))):
        if not name.endswith(".json"):
            continue
        rec = json.load(open(os.path.join(root, sub, name)))
        for a in rec.get("affected", []):
            pkg = a.get("package") or {}
            if "name" not in pkg or "ecosystem" not in pkg:
                continue
            for r in a.get("ranges", []):
                if r.get("type") == "GIT":
                    continue
                for e in r.get("events", []):
                    for kind in ("introduced", "fixed", "last_affected"):
                        v = e.get(kind)
                        if v and v != "0":
                            pool.append({"package": {"name": pkg["name"], "ecosystem": pkg["ecosystem"]}, "version": v})
random.seed(14409)
queries = random.sample(pool, 1000) if len(pool) >= 1000 else pool
json.dump({"queries": queries}, open(out, "w"))
print(f"{len(queries)} queries drawn from {len(pool)} (package, version) pairs", file=sys.stderr)
PY
TOKEN_FILE=$DIR/admin.token
curl -sS -X POST -H 'content-type: application/json' --data-binary @"$OUT/queries.json" "$URL/v1/querybatch" > "$OUT/answer.json"
python3 - "$OUT/answer.json" <<'PY' | tee "$OUT/answer.txt"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
hit = sum(1 for x in r if x.get("vulns"))
print(f"{len(r)} results, {hit} with at least one advisory, {sum(len(x.get('vulns', [])) for x in r)} advisory ids in all")
PY
for c in 1 4; do
    "$LOADGEN" --url "$URL" --token-file "$TOKEN_FILE" --path /v1/querybatch --body-file "$OUT/queries.json" \
        --concurrency "$c" --duration "$DURATION" --warmup "$WARMUP" --server-pid "$SERVER" --label "querybatch c=$c" | tee "$OUT/loadgen-c$c.txt"
done
echo "results in $OUT"
