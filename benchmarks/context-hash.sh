#!/usr/bin/env bash
# Context-hash benchmark: how fast the agent turns a build context into its
# deterministic tar digest (`agent context hash DIR`, which streams the tar
# through SHA-256 without writing it), side by side in one run with the shell
# pipelines a user would otherwise reach for:
#
#   tar -cf - -C DIR . | sha256sum                      (plain GNU tar, not reproducible)
#   tar --sort=name --owner=0 ... -cf - -C DIR . | sha256sum   (reproducible-tar recipe)
#
#   bash benchmarks/context-hash.sh
#
# Generates a reproducible tree under /tmp: 30,000 small files (64 B .. 32 KiB,
# log-uniform) in nested directories plus 4 × 64 MiB files, about 400 MiB, and
# removes it on exit (BENCH_KEEP_TREE=1 keeps it; a kept tree with the same
# parameters is reused, and left in place). Everything is measured with a warm
# page cache. Prints wall
# time (hyperfine), throughput (MiB of file content per second), the ratio to
# each peer, and our peak RSS (GNU time), which stays flat because the tar is
# streamed, never held in memory.
#
# Knobs (environment): BENCH_TREE (tree dir, default /tmp/launch-agent-context-bench),
# BENCH_SMALL (30000), BENCH_LARGE (4), BENCH_LARGE_MIB (64), BENCH_MIN_RUNS (10),
# BENCH_WARMUP (2), BENCH_KEEP_TREE=1, BENCH_SCRATCH (build dir, .build-bench),
# BENCH_SKIP_BUILD=1 (reuse the build in BENCH_SCRATCH), AGENT (use this binary).
# Exits non-zero only when something could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TREE=${BENCH_TREE:-/tmp/launch-agent-context-bench}
SMALL=${BENCH_SMALL:-30000}
LARGE=${BENCH_LARGE:-4}
LARGE_MIB=${BENCH_LARGE_MIB:-64}
MIN_RUNS=${BENCH_MIN_RUNS:-10}
WARMUP=${BENCH_WARMUP:-2}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
case $SCRATCH in /*) ;; *) SCRATCH=$ROOT/$SCRATCH ;; esac

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------
step "tools: hyperfine, GNU time, GNU tar, sha256sum, python3"
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "    apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in tar sha256sum python3; do command -v "$tool" >/dev/null 2>&1 || die "$tool is required"; done
tar --version | head -1 | grep -q 'GNU tar' || die "GNU tar is required (the peer rows use --sort=name)"
echo "    $(hyperfine --version), $(tar --version | head -1), $(sha256sum --version | head -1)"

# --- agent -------------------------------------------------------------------
if [ -n "${AGENT:-}" ]; then
    step "agent: $AGENT (from AGENT)"
else
    AGENT=$SCRATCH/release/agent
    if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -x "$AGENT" ]; then
        step "agent: reusing $AGENT"
    else
        step "agent: swift build -c release --scratch-path ${SCRATCH#"$ROOT"/} --product agent"
        command -v swift >/dev/null 2>&1 || die "swift is not on PATH"
        swift build -c release --scratch-path "$SCRATCH" --product agent
    fi
fi
[ -x "$AGENT" ] || die "no agent binary at $AGENT"
# Everything this run creates goes in `created`, removed on exit.
created=()
cleanup() { [ ${#created[@]} -eq 0 ] || rm -rf "${created[@]}"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
probe=$(mktemp -d)
created+=("$probe")
echo probe > "$probe/f"
if ! out=$("$AGENT" context hash "$probe" 2>&1); then
    die "\`agent context hash DIR\` does not run in this build (it is the CLI entry over
       BuildContext.hash(directory:); see docs/benchmarks-context.md). Output was:
$(printf '%s\n' "$out" | sed 's/^/       /')"
fi

# --- tree --------------------------------------------------------------------
step "tree: $TREE ($SMALL small files, $LARGE × $LARGE_MIB MiB)"
stamp="$TREE/.bench-params"
params="small=$SMALL large=$LARGE large_mib=$LARGE_MIB seed=20260821 v1"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$params" ]; then
    echo "    reusing (same parameters; left in place)"
else
    rm -rf "$TREE"
    [ "${BENCH_KEEP_TREE:-0}" = 1 ] || created+=("$TREE")
    python3 - "$TREE" "$SMALL" "$LARGE" "$LARGE_MIB" <<'PY'
import os, random, sys
root, small, large, large_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(20260821)
for i in range(small):
    d = os.path.join(root, "src", f"pkg{i // 10000:02d}", f"mod{(i // 100) % 100:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i % 100:02d}.py"), "wb") as f:
        f.write(rng.randbytes(int(64 * 512 ** rng.random())))  # log-uniform 64 B .. 32 KiB
os.makedirs(os.path.join(root, "data"), exist_ok=True)
for i in range(large):
    with open(os.path.join(root, "data", f"shard{i}.bin"), "wb") as f:
        for _ in range(large_mib):
            f.write(rng.randbytes(1 << 20))
with open(os.path.join(root, "Dockerfile"), "w") as f:
    f.write("FROM python:3.11-slim\nCOPY . /app\n")
PY
    echo "$params" > "$stamp"   # a dotfile: part of every row's input alike
fi
BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
FILES=$(find "$TREE" -type f | wc -l)
echo "    $FILES files, $((BYTES / 1048576)) MiB of content; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- run ---------------------------------------------------------------------
REPRO="tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@315532800 --format=posix"
REPRO+=" --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime"
step "hyperfine: $WARMUP warmup, ≥ $MIN_RUNS runs each (warm page cache)"
json=$(mktemp)
created+=("$json")
hyperfine --warmup "$WARMUP" --min-runs "$MIN_RUNS" --export-json "$json" --style basic \
    -n "ours: agent context hash" "'$AGENT' context hash '$TREE'" \
    -n "ours, portable SHA-256" "LAUNCH_AGENT_SHA256=portable '$AGENT' context hash '$TREE'" \
    -n "tar | sha256sum" "tar -cf - -C '$TREE' . | sha256sum" \
    -n "tar --sort=name (reproducible) | sha256sum" "$REPRO -cf - -C '$TREE' . | sha256sum" >/dev/null

rss=$(/usr/bin/time -f %M "$AGENT" context hash "$TREE" 2>&1 >/dev/null | tail -1)
ours_line=$("$AGENT" context hash "$TREE")

step "results ($((BYTES / 1048576)) MiB in $FILES files)"
echo "ours printed: $ours_line"
read -r _ ours_files _ ours_bytes _ <<<"$ours_line"
[ "$ours_files" = "$FILES" ] && [ "$ours_bytes" = "$BYTES" ] \
    || echo "warning: find counts $FILES files, $BYTES bytes; the agent hashed $ours_files files, $ours_bytes bytes"
python3 - "$json" "$BYTES" "$rss" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
mib = int(sys.argv[2]) / (1 << 20)
ours = runs[0]["mean"]
print(f"{'command':44} {'mean ± σ (s)':>16} {'min … max (s)':>16} {'MiB/s':>7} {'÷ ours':>7}")
for r in runs:
    print(f"{r['command']:44} {r['mean']:7.3f} ± {r['stddev']:6.3f} "
          f"{r['min']:7.3f} … {r['max']:6.3f} {mib / r['mean']:7.0f} {r['mean'] / ours:7.2f}")
print(f"\nours: peak RSS {int(sys.argv[3]) / 1024:.1f} MiB while hashing {mib:.0f} MiB (streamed)")
PY
