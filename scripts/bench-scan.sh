#!/usr/bin/env bash
# The scanning benchmarks (docs/BENCHMARKS.md, "Scanning"). A benchmark, never a test: nothing here is
# timed by CI.
#
#   scripts/bench-scan.sh
#
# 1. Against cargo-audit: the same Cargo.lock files against the same RustSec data, end to end (process
#    start to exit), with hyperfine:
#      cargo-audit          `cargo-audit audit --no-fetch --stale --no-yanked --db $SHARED/rustsec-db -f LOCK --json`
#                           (offline: no fetch, a stale database allowed, no yanked check, which needs crates.io)
#      prepared index       `clearinghouse scan LOCK --db rustsec.clhidx --format json` (`clearinghouse db build`)
#      folder, cached       `clearinghouse scan LOCK --db $SHARED/rustsec --format json`, the cache built before
#      folder, no cache     `clearinghouse scan LOCK --db $SHARED/rustsec --no-cache --format json`
#    on a small lockfile, this project's Cargo.lock and the real lockfiles in scripts/bench-scan-data; then
#    both tools' advisory ids compared per lockfile: vulnerabilities, and informational advisories
#    (unmaintained, unsound, notice) listed apart.
# 2. A synthetic CycloneDX SBOM of $COMPONENTS components drawn from the packages and versions of
#    $SHARED/rustsec and $SHARED/go (crates/matcher/examples/synthetic_sbom.rs), scanned against all of
#    those advisories (a folder holding both, no cache; and a prepared index of both), against parsing
#    it alone (`scan --parse-only`, a hidden flag): wall time and peak RSS from /usr/bin/time, $RUNS_BIG runs
#    each, medians.
#
# Settings (environment):
#   SHARED=../shared/data/advisories   the advisory data (rustsec/, rustsec-db/, go/)
#   RUNS=30 WARMUP=3                   hyperfine runs per command (part 1)
#   COMPONENTS=1000000 RUNS_BIG=3      part 2
#   PARTS="audit big"                  which parts to run
#   SKIP_BUILD=1                       reuse target/release binaries
#   OUT=target/bench-scan/<UTC time>   where results.md and the raw outputs are kept
#   WAIT_QUIET=0                       seconds to wait, at most, for the 1-minute load average to fall below 0.5
#
# Needs: hyperfine, jq, GNU time (/usr/bin/time), cargo-audit (`cargo install cargo-audit --locked`).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

SHARED=$(cd "${SHARED:-../shared/data/advisories}" && pwd)
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
COMPONENTS=${COMPONENTS:-1000000}
RUNS_BIG=${RUNS_BIG:-3}
PARTS=${PARTS:-audit big}
OUT=${OUT:-$ROOT/target/bench-scan/$(date -u +%Y%m%dT%H%M%SZ)}
BIN=$ROOT/target/release/clearinghouse
GEN=$ROOT/target/release/examples/synthetic_sbom

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

for tool in hyperfine jq; do command -v "$tool" >/dev/null || die "$tool is needed (apt-get install $tool)"; done
[[ -x /usr/bin/time ]] || die "GNU time is needed (apt-get install time)"
AUDIT=$(command -v cargo-audit || true)
[[ -n "$AUDIT" || " $PARTS " != *" audit "* ]] || die "cargo-audit is needed (cargo install cargo-audit --locked)"
for d in rustsec rustsec-db go; do [[ -d "$SHARED/$d" ]] || die "$SHARED/$d is missing"; done

if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building (release)"
    cargo build --release -p clearinghouse >&2
    cargo build --release -p clearinghouse-matcher --example synthetic_sbom >&2
fi

mkdir -p "$OUT"
RESULTS=$OUT/results.md
: >"$RESULTS"
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

wait_quiet=${WAIT_QUIET:-0}
while (( wait_quiet > 0 )) && awk '{exit !($1 >= 0.5)}' /proc/loadavg; do sleep 5; wait_quiet=$((wait_quiet - 5)); done

say "# Scanning benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
say ""
say "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/{print $2}') GiB; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
say "- ${AUDIT:+$("$AUDIT" --version), }$("$BIN" --version), $(hyperfine --version)"
say ""

# ---------------------------------------------------------------------------------------------------
if [[ " $PARTS " == *" audit "* ]]; then
    INDEX=$OUT/rustsec.clhidx
    "$BIN" db build "$SHARED/rustsec" --output "$INDEX" >&2
    export CLEARINGHOUSE_CACHE_DIR=$OUT/cache
    # Build the cache of the folder once, outside the timings.
    "$BIN" scan "$ROOT/crates/cli/tests/fixtures/scan/smallvec.Cargo.lock" --db "$SHARED/rustsec" >/dev/null 2>&1 || true

    LOCKS=(
        "small (2 packages)|$ROOT/crates/cli/tests/fixtures/scan/smallvec.Cargo.lock"
        "this project's Cargo.lock|$ROOT/Cargo.lock"
        "cargo-audit 0.22.2|$ROOT/scripts/bench-scan-data/cargo-audit-0.22.2.Cargo.lock"
        "gix 0.84.0|$ROOT/scripts/bench-scan-data/gix-0.84.0.Cargo.lock"
        "old pins|$ROOT/scripts/bench-scan-data/old-pins.Cargo.lock"
    )
    say "## cargo-audit against clearinghouse scan (RustSec, end to end, mean ± σ of $RUNS runs)"
    say ""
    say "| lockfile | packages | cargo-audit | prepared index | speed-up | folder, cached | folder, no cache |"
    say "|---|---:|---:|---:|---:|---:|---:|"
    COMPARE=$OUT/compare.md
    : >"$COMPARE"
    for entry in "${LOCKS[@]}"; do
        name=${entry%%|*}
        lock=${entry#*|}
        slug=$(basename "$lock" .lock)
        packages=$(grep -c '^\[\[package\]\]' "$lock")
        log "hyperfine: $name"
        hyperfine -N -i --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/$slug.hyperfine.json" \
            -n cargo-audit "$AUDIT audit --no-fetch --stale --no-yanked --db $SHARED/rustsec-db -f $lock --json" \
            -n prepared "$BIN scan $lock --db $INDEX --format json" \
            -n cached "$BIN scan $lock --db $SHARED/rustsec --format json" \
            -n folder "$BIN scan $lock --db $SHARED/rustsec --no-cache --format json" >"$OUT/$slug.hyperfine.txt" 2>&1
        ms() { jq -r --arg c "$1" '.results[] | select(.command == $c) | "\(.mean * 1000 | . * 10 | round / 10) ± \(.stddev * 1000 | . * 10 | round / 10) ms"' "$OUT/$slug.hyperfine.json"; }
        mean() { jq -r --arg c "$1" '.results[] | select(.command == $c) | .mean' "$OUT/$slug.hyperfine.json"; }
        speedup=$(awk -v a="$(mean cargo-audit)" -v b="$(mean prepared)" 'BEGIN{printf "%.1f×", a/b}')
        say "| $name | $packages | $(ms cargo-audit) | $(ms prepared) | $speedup | $(ms cached) | $(ms folder) |"

        # The advisory ids each tool reports.
        "$AUDIT" audit --no-fetch --stale --no-yanked --db "$SHARED/rustsec-db" -f "$lock" --json >"$OUT/$slug.cargo-audit.json" 2>/dev/null || true
        "$BIN" scan "$lock" --db "$INDEX" --format json >"$OUT/$slug.clearinghouse.json" 2>/dev/null || true
        jq -r '.vulnerabilities.list[].advisory.id' "$OUT/$slug.cargo-audit.json" | sort -u >"$OUT/$slug.audit.vulns"
        jq -r '[.warnings // {} | to_entries[] | .value[] | select(.advisory != null) | "\(.advisory.id) \(.kind)"] | .[]' "$OUT/$slug.cargo-audit.json" | sort -u >"$OUT/$slug.audit.info"
        : >"$OUT/$slug.ours.vulns"
        : >"$OUT/$slug.ours.info"
        for id in $(jq -r '.results[].findings[].advisory' "$OUT/$slug.clearinghouse.json" | sort -u); do
            kind=$(jq -r '[.affected[]?.database_specific.informational // empty] | first // empty' "$SHARED/rustsec/$id.json" 2>/dev/null || true)
            if [[ -n "$kind" ]]; then echo "$id $kind" >>"$OUT/$slug.ours.info"; else echo "$id" >>"$OUT/$slug.ours.vulns"; fi
        done
        sort -u -o "$OUT/$slug.ours.vulns" "$OUT/$slug.ours.vulns"
        sort -u -o "$OUT/$slug.ours.info" "$OUT/$slug.ours.info"
        {
            echo "### $name"
            echo ""
            echo "- vulnerabilities: cargo-audit $(wc -l <"$OUT/$slug.audit.vulns"), clearinghouse $(wc -l <"$OUT/$slug.ours.vulns"); both: $(comm -12 "$OUT/$slug.audit.vulns" "$OUT/$slug.ours.vulns" | tr '\n' ' ')"
            echo "  - only cargo-audit: $(comm -23 "$OUT/$slug.audit.vulns" "$OUT/$slug.ours.vulns" | tr '\n' ' ')"
            echo "  - only clearinghouse: $(comm -13 "$OUT/$slug.audit.vulns" "$OUT/$slug.ours.vulns" | tr '\n' ' ')"
            echo "- informational: cargo-audit $(wc -l <"$OUT/$slug.audit.info"), clearinghouse $(wc -l <"$OUT/$slug.ours.info"); both: $(comm -12 "$OUT/$slug.audit.info" "$OUT/$slug.ours.info" | tr '\n' ' ')"
            echo "  - only cargo-audit: $(comm -23 "$OUT/$slug.audit.info" "$OUT/$slug.ours.info" | tr '\n' ' ')"
            echo "  - only clearinghouse: $(comm -13 "$OUT/$slug.audit.info" "$OUT/$slug.ours.info" | tr '\n' ' ')"
            echo ""
        } >>"$COMPARE"
    done
    say ""
    say "## Advisory ids found, per lockfile"
    say ""
    cat "$COMPARE" | tee -a "$RESULTS" >/dev/null
    cat "$COMPARE"
    unset CLEARINGHOUSE_CACHE_DIR
fi

# ---------------------------------------------------------------------------------------------------
if [[ " $PARTS " == *" big "* ]]; then
    SBOM=$OUT/synthetic.cdx.json
    ALL=$OUT/advisories
    log "generating $COMPONENTS components"
    "$GEN" "$COMPONENTS" "$SBOM" "$SHARED/rustsec" "$SHARED/go"
    rm -rf "$ALL"
    mkdir -p "$ALL"
    cp -r "$SHARED/rustsec" "$SHARED/go" "$ALL/"
    "$BIN" db build "$ALL" --output "$OUT/all.clhidx" >&2
    sbom_bytes=$(stat -c %s "$SBOM")

    # Median wall seconds and peak RSS (KiB) of $RUNS_BIG runs of a command; stdout to /dev/null.
    measure() {
        local label=$1; shift
        local times=() rss=()
        for _ in $(seq "$RUNS_BIG"); do
            /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/$label.stderr" || true
            # GNU time puts "Command exited with non-zero status 1" before its line when the scan finds something.
            read -r t m < <(tail -n 1 "$OUT/time.txt")
            times+=("$t"); rss+=("$m")
        done
        local tm rm
        tm=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS_BIG + 1) / 2 ))p")
        rm=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (RUNS_BIG + 1) / 2 ))p")
        echo "$tm $rm"
        log "$label: runs ${times[*]} s, peak RSS ${rss[*]} KiB"
    }
    read -r parse_t parse_m < <(measure parse "$BIN" scan "$SBOM" --parse-only --verbose)
    read -r folder_t folder_m < <(measure folder "$BIN" scan "$SBOM" --db "$ALL" --no-cache --format json --verbose)
    read -r prep_t prep_m < <(measure prepared "$BIN" scan "$SBOM" --db "$OUT/all.clhidx" --format json --verbose)
    findings=$(sed -n 's/.*: \([0-9]*\) finding(s).*/\1/p' "$OUT/prepared.stderr" | head -1)
    records=$(jq -r '.advisories_loaded' < <("$BIN" scan "$ROOT/crates/cli/tests/fixtures/scan/smallvec.Cargo.lock" --db "$OUT/all.clhidx" --format json 2>/dev/null) || echo '?')
    mib() { awk -v k="$1" 'BEGIN{printf "%.0f MiB", k/1024}'; }
    say ""
    say "## $COMPONENTS-component SBOM against every RustSec and Go advisory ($records records)"
    say ""
    say "SBOM: $(awk -v b="$sbom_bytes" 'BEGIN{printf "%.1f MiB", b/1048576}') CycloneDX JSON; findings: $findings. Medians of $RUNS_BIG runs."
    say ""
    say "| run | wall | ÷ parse only | peak RSS | ÷ SBOM size |"
    say "|---|---:|---:|---:|---:|"
    row() { say "| $1 | $2 s | $(awk -v a="$2" -v b="$parse_t" 'BEGIN{printf "%.2f", a/b}') | $(mib "$3") | $(awk -v m="$3" -v s="$sbom_bytes" 'BEGIN{printf "%.2f", m*1024/s}') |"; }
    row "parse only (\`scan --parse-only\`)" "$parse_t" "$parse_m"
    row "scan, folder of records, no cache" "$folder_t" "$folder_m"
    row "scan, prepared index" "$prep_t" "$prep_m"
    say ""
    say "Phases of the last run of each (\`--verbose\`):"
    say ""
    for label in parse folder prepared; do
        say "- $label: $(grep -E ' in [0-9.]+ s$' "$OUT/$label.stderr" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
    done
fi

log "results in $RESULTS"
