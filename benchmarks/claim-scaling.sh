#!/usr/bin/env bash
# Does taking a job cost more when the queue keeps many finished records?
#
# For each KEPT in BENCH_KEPT (default "0 5000"): a fresh state directory gets
# KEPT finished job records (copies of one real record under new ids, as
# `jobs list` keeps them), then BENCH_JOBS (100) trivial jobs are submitted
# and drained with `agent run --once` (builder noop, runner local-process,
# max_jobs 4). Prints wall time, jobs/s and peak RSS per row. The start of
# each run reads every record once (recovery); the claims then read only the
# queued/ index, so jobs/s should not fall as KEPT grows.
#
#   bash benchmarks/claim-scaling.sh     # BENCH_SKIP_BUILD=1 reuses .build-bench
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=${BENCH_SCRATCH:-.build-bench}
case $SCRATCH in /*) ;; *) SCRATCH=$ROOT/$SCRATCH ;; esac
AGENT=$SCRATCH/release/agent
JOBS=${BENCH_JOBS:-100}
KEPT_LIST=${BENCH_KEPT:-"0 5000"}

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -x "$AGENT" ]; then
    swift build -c release --scratch-path "$SCRATCH" >/dev/null
fi
tmp=$(mktemp -d /tmp/la-bench-claim-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
printf 'name: t\npath: .\nentry_point: ["true"]\n' > "$tmp/src/job.yaml"
printf 'max_jobs: 4\nbuilder:\n  type: noop\n' > "$tmp/config.yaml"

printf '%-8s %-10s %-8s %-10s %s\n' kept jobs wall jobs/s "peak RSS"
for kept in $KEPT_LIST; do
    state=$tmp/state-$kept
    export LAUNCH_AGENT_STATE_DIR=$state
    id=$("$AGENT" submit "$tmp/src/job.yaml")
    "$AGENT" --config "$tmp/config.yaml" run --once >/dev/null 2>&1
    python3 - "$state/jobs" "$id" "$kept" <<'PY'
import sys, random
jobs, seed, kept = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(f"{jobs}/{seed}.json").read()
for i in range(max(kept - 1, 0)):
    new = "j-20200101%06d-%06x" % (i, random.randrange(1 << 24))
    open(f"{jobs}/{new}.json", "w").write(text.replace(seed, new))
PY
    for _ in $(seq "$JOBS"); do "$AGENT" submit "$tmp/src/job.yaml" >/dev/null; done
    /usr/bin/time -o "$tmp/time" -f '%e %M' "$AGENT" --config "$tmp/config.yaml" run --once >/dev/null 2>&1
    out=$(tail -1 "$tmp/time")
    wall=${out% *}; rss=${out#* }
    printf '%-8s %-10s %-8s %-10s %s MiB\n' "$kept" "$JOBS" "${wall}s" "$(python3 -c "print(round($JOBS/$wall,1))")" "$(python3 -c "print(round($rss/1024,1))")"
done
printf '\nload average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
