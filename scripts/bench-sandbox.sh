#!/usr/bin/env bash
# The sandbox's overhead for one run of a trivial program (/usr/bin/true), side by side in one
# hyperfine run: a bare fork and exec, bubblewrap on its own (the same kind of root: read-only
# /usr, own /proc, /dev and /tmp, every namespace), and our helper with each backend (the helper
# is a process of its own: its start, the spec on stdin and the outcome on stdout are counted).
# Usage: scripts/bench-sandbox.sh [runs]   (builds the release helper first)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-300}"
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
command -v bwrap >/dev/null || { echo "bwrap is missing (apt-get install bubblewrap)" >&2; exit 2; }
cargo build --release -q -p clearinghouse-sandbox
HELPER=target/release/clearinghouse-sandbox
WORK=$(mktemp -d)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
for backend in namespaces insecure; do
    printf '{"argv":["/usr/bin/true"],"workdir":"%s","backend":{"kind":"%s"}}' "$WORK" "$backend" > "$WORK/$backend.json"
done
printf '{"argv":["/usr/bin/true"],"workdir":"%s","backend":{"kind":"bubblewrap","program":"%s"}}' "$WORK" "$(command -v bwrap)" > "$WORK/bwrap.json"
# Each helper run must end in exit 0 of `true`, not in a setup failure: check once before timing.
for spec in namespaces insecure bwrap; do
    "$HELPER" < "$WORK/$spec.json" | grep -q '"termination":{"kind":"exited","code":0}' || { echo "the $spec backend does not work here" >&2; exit 1; }
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r), $(bwrap --version)"
hyperfine -N --warmup 20 --runs "$RUNS" --export-markdown "$WORK/result.md" \
    -n "bare fork+exec" "/usr/bin/true" \
    -n "bwrap alone" "bwrap --unshare-all --die-with-parent --new-session --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin --proc /proc --dev /dev --tmpfs /tmp --bind $WORK /work --chdir /work -- /usr/bin/true" \
    -n "helper, insecure (rlimits only)" "$HELPER $WORK/insecure.json" \
    -n "helper, namespaces (ours)" "$HELPER $WORK/namespaces.json" \
    -n "helper, bubblewrap backend" "$HELPER $WORK/bwrap.json"
cat "$WORK/result.md"
