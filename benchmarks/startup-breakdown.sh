#!/usr/bin/env bash
# Where our startup goes: `agent plugins list` next to baselines built on the
# spot (a C hello, a C program that links libcurl but never calls it, a Swift
# hello, a Swift hello that imports FoundationEssentials), the agent with no
# plugins, with every plugin, and with 8 copies of the largest plugin (a
# projection for when all plugin libraries exist). Same measurement method as
# startup.sh (hyperfine -N, /usr/bin/time -f %M), then the dynamic linker's
# own statistics (LD_DEBUG=statistics) and the syscall summary (strace -c).
#
#   bash benchmarks/startup-breakdown.sh
#
# Needs what startup.sh needs, minus the peer venv; builds .build-bench too.
# Knobs: BENCH_MIN_RUNS (default 30), BENCH_WARMUP (5), BENCH_RSS_RUNS (7),
# BENCH_SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MIN_RUNS=${BENCH_MIN_RUNS:-30}
WARMUP=${BENCH_WARMUP:-5}
RSS_RUNS=${BENCH_RSS_RUNS:-7}
SCRATCH=$ROOT/.build-bench

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

step "tools"
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
for pkg in libyaml-dev libcurl4-openssl-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "    apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -d "$SCRATCH" ]; then
    step "ours: reusing the release build in .build-bench"
else
    step "ours: swift build -c release --scratch-path .build-bench"
    swift build -c release --scratch-path "$SCRATCH" || die "the release build failed"
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
AGENT=$BIN/agent
unset LAUNCH_AGENT_PLUGINS_DIR
shopt -s nullglob
plugins=("$BIN"/*.so)
shopt -u nullglob
[ ${#plugins[@]} -gt 0 ] || die "no plugin library (*.so) in $BIN"
largest=$(du -b "${plugins[@]}" | sort -rn | head -1 | cut -f2)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/empty" "$work/copies"
for i in 1 2 3 4 5 6 7 8; do cp "$largest" "$work/copies/libcopy-$i.so"; done

step "baselines (built in $work)"
cat >"$work/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hi"); return 0; }
EOF
cat >"$work/hello.swift" <<'EOF'
print("hi")
EOF
cat >"$work/foundation.swift" <<'EOF'
import FoundationEssentials
print("hi \(Date().timeIntervalSince1970 > 0)")
EOF
gcc -O2 "$work/hello.c" -o "$work/c-hello"
gcc -O2 "$work/hello.c" -Wl,--no-as-needed -lcurl -o "$work/c-libcurl"
swiftc -O "$work/hello.swift" -o "$work/swift-hello"
swiftc -O "$work/foundation.swift" -o "$work/swift-foundation"
echo "    C hello; C hello linked to libcurl ($(ldd "$work/c-libcurl" | wc -l) objects), Swift hello; Swift + FoundationEssentials ($(ldd "$work/swift-foundation" | wc -l) objects); agent: $(ldd "$AGENT" | wc -l) objects"
echo "    largest plugin: $(basename "$largest") ($(du -k "$largest" | cut -f1) KiB)"

names=(
    "C hello"
    "C hello + libcurl linked, unused"
    "Swift hello"
    "Swift hello + FoundationEssentials"
    "agent --version"
    "agent plugins list (no plugins)"
    "agent plugins list (${#plugins[@]} plugin lib(s))"
    "agent plugins list (8 × $(basename "$largest"))"
)
cmds=(
    "$work/c-hello"
    "$work/c-libcurl"
    "$work/swift-hello"
    "$work/swift-foundation"
    "$AGENT --version"
    "$AGENT --plugins-dir $work/empty plugins list"
    "$AGENT --plugins-dir $BIN plugins list"
    "$AGENT --plugins-dir $work/copies plugins list"
)

step "wall time: hyperfine -N --warmup $WARMUP --min-runs $MIN_RUNS"
hf_args=(-N --warmup "$WARMUP" --min-runs "$MIN_RUNS" --export-json "$work/hyperfine.json")
for i in "${!cmds[@]}"; do hf_args+=(--command-name "${names[$i]}" "${cmds[$i]}"); done
hyperfine "${hf_args[@]}" >/dev/null || die "hyperfine failed"

step "peak RSS: /usr/bin/time -f %M, median of $RSS_RUNS"
: >"$work/rss.tsv"
for i in "${!cmds[@]}"; do
    samples=()
    for _ in $(seq "$RSS_RUNS"); do
        # shellcheck disable=SC2086 # the commands are plain words
        /usr/bin/time -f %M -o "$work/time.out" ${cmds[$i]} >/dev/null 2>&1 || die "${names[$i]} failed"
        samples+=("$(tail -1 "$work/time.out")")
    done
    printf '%s\t%s\n' "${names[$i]}" "${samples[*]}" >>"$work/rss.tsv"
done

step "results (load average $(cut -d' ' -f1-3 /proc/loadavg))"
python3 "$ROOT/benchmarks/lib/startup_report.py" "$work/hyperfine.json" "$work/rss.tsv"

step "LD_DEBUG=statistics: agent plugins list (every plugin)"
LD_DEBUG=statistics "$AGENT" --plugins-dir "$BIN" plugins list 2>&1 >/dev/null | sed 's/^ *[0-9]*:\s*/    /' | grep -v '^\s*$'

step "strace -c -f: agent plugins list (every plugin), top syscalls"
strace -f -c -o "$work/strace.txt" "$AGENT" --plugins-dir "$BIN" plugins list >/dev/null
head -12 "$work/strace.txt" | sed 's/^/    /'
echo "    files opened: $(strace -f -e trace=openat "$AGENT" --plugins-dir "$BIN" plugins list 2>&1 >/dev/null | grep -c '= [0-9]') (+ $(strace -f -e trace=openat "$AGENT" --plugins-dir "$BIN" plugins list 2>&1 >/dev/null | grep -c ENOENT) failed library-path probes)"

if command -v perf >/dev/null 2>&1 && perf stat -e task-clock true >/dev/null 2>&1; then
    step "perf stat -r 30: task-clock and page faults"
    for i in 3 5 6 7; do
        # shellcheck disable=SC2086
        perf stat -r 30 -e task-clock,page-faults ${cmds[$i]} 2>&1 >/dev/null |
            awk -v n="${names[$i]}" '/task-clock/ {t=$1} /page-faults/ {p=$1} END {printf "    %-50s %8s ms CPU  %6s page faults\n", n, t, p}'
    done
fi
