#!/usr/bin/env bash
# Validations per minute on the Juliet set (../shared/data/juliet): all 41 cases as bundles with their
# fixed variants (a validation = build + 3 runs, and for the 34 that reproduce, the fixed build + 3 runs),
# with 1 and 2 `clearinghouse validate` processes at once.
# Usage: scripts/bench-validate.sh   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
JULIET="${JULIET:-../shared/data/juliet}"
[ -f "$JULIET/expected.tsv" ] || { echo "SKIPPED: $JULIET not found"; exit 0; }
cargo build --release -q -p clearinghouse
BIN=$PWD/target/release/clearinghouse
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FLAGS="gcc -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -DINCLUDEMAIN"
tail -n +2 "$JULIET/expected.tsv" | while IFS=$'\t' read -r case vexit vkind fexit fkind; do
    d="$WORK/bundles/${case%.c}"
    mkdir -p "$d/src/testcasesupport"
    cp "$JULIET/testcases/$case" "$d/src/"
    cp "$JULIET"/testcasesupport/{io.c,std_testcase.h,std_testcase_io.h} "$d/src/testcasesupport/"
    if [ "$vkind" = "-" ]; then oracle='type = "crash"'; else oracle=$(printf 'type = "sanitizer"\nkind = "%s"' "$vkind"); fi
    cat > "$d/bundle.toml" <<TOML
format = 1
[build]
commands = ["$FLAGS -DOMITGOOD -Itestcasesupport $case testcasesupport/io.c -lpthread -o poc"]
[run]
command = ["./poc"]
[oracle]
$oracle
[fixed]
dir = "src"
commands = ["$FLAGS -DOMITBAD -Itestcasesupport $case testcasesupport/io.c -lpthread -o poc"]
TOML
done
n=$(ls "$WORK/bundles" | wc -l)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $n bundles"
for procs in 1 2; do
    start=$(date +%s.%N)
    rm -rf "$WORK/out" && mkdir "$WORK/out"
    find "$WORK/bundles" -mindepth 1 -maxdepth 1 -type d | xargs -P "$procs" -I{} sh -c "$BIN validate --json {} > $WORK/out/\$(basename {}).json"
    end=$(date +%s.%N)
    reproduced=$(cat "$WORK"/out/*.json | grep -c '"verdict": "reproduced"' || true)
    verified=$(cat "$WORK"/out/*.json | grep -c '"verdict": "fix_verified"' || true)
    awk -v n="$n" -v s="$start" -v e="$end" -v p="$procs" -v r="$reproduced" -v f="$verified" \
        'BEGIN { t = e - s; printf "%d at once: %d validations in %.1f s = %.1f per minute (%d reproduced, %d fixes verified)\n", p, n, t, n * 60 / t, r, f }'
done
