#!/usr/bin/env bash
# The agent's own cost, in one run:
#
#   (a) idle: `agent run` (no --once) on an empty local queue, left alone for
#       BENCH_IDLE_SECONDS. CPU time from /proc/<pid>/stat (utime+stime, all
#       threads) and /proc/<pid>/task/*/schedstat (ns), context switches
#       (= wake-ups) from /proc/<pid>/task/*/status, `perf stat` software
#       counters when perf works; then a second window of the same length under
#       `strace -c -f` to count syscalls. Goal: ~0 CPU, no busy polling.
#       Then one job is submitted to the idle agent: the time until it has
#       finished shows that idle means "asleep on inotify", not "slow to react".
#   (b) BENCH_JOBS (1,000) trivial jobs (`entry_point: [true]`, a path source,
#       builder noop, runner local-process, max_jobs 4) submitted with
#       `agent submit`, then `agent run --once` under `/usr/bin/time`, with
#       VmRSS/VmHWM, threads and open fds sampled every second from
#       /proc/<pid>/status. Prints peak RSS, RSS after 100/500/1000 jobs, the
#       growth per job (least squares over the samples after job 100), wall
#       time and jobs/s (overall and per tenth of the run), and the median
#       interval between two claims. Goal: flat RSS.
#   (c) soak: BENCH_SOAK_ROUNDS (20) rounds of BENCH_SOAK_BATCH (100) jobs
#       into a running `agent run`, deleting the finished records after each
#       round, so the queue stays small: RSS, threads, fds and CPU per job
#       after every round. Separates memory per job from memory per record
#       listed (a claim reads every record), and shows threads and fds return
#       to their idle values.
#
#   bash benchmarks/agent-cost.sh
#
# The peer, W&B's launch agent, cannot run without a W&B server (it takes jobs
# from a server-side queue and reports to it), so nothing of it is measured
# here; the report prints what its source says it does when idle.
#
# Knobs (environment): BENCH_IDLE_SECONDS (30), BENCH_JOBS (1000),
# BENCH_MAX_JOBS (4), BENCH_SAMPLE_SECONDS (1, the RSS sampling period),
# BENCH_SOAK_ROUNDS (20; 0 skips the soak), BENCH_SOAK_BATCH (100),
# BENCH_SCRATCH (.build-bench), BENCH_SKIP_BUILD=1 (reuse the scratch build),
# BENCH_KEEP=1 (keep the temp dir with logs and samples).
# Everything the script starts (agents, strace, the sampler) is stopped by PID
# on exit and its temp dir is removed. Exits non-zero only when something
# could not run or a job did not finish; a missed goal is reported, not fatal.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

IDLE_SECONDS=${BENCH_IDLE_SECONDS:-30}
JOBS=${BENCH_JOBS:-1000}
MAX_JOBS=${BENCH_MAX_JOBS:-4}
SAMPLE_SECONDS=${BENCH_SAMPLE_SECONDS:-1}
SOAK_ROUNDS=${BENCH_SOAK_ROUNDS:-20}
SOAK_BATCH=${BENCH_SOAK_BATCH:-100}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
case $SCRATCH in /*) ;; *) SCRATCH=$ROOT/$SCRATCH ;; esac
BIN=$SCRATCH/release
AGENT=$BIN/agent

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- cleanup: only what this script started, by PID ---------------------------
tmp=$(mktemp -d /tmp/la-bench-cost-XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
    done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ---------------------------------------------------------------------
step "tools: GNU time, python3, strace, perf (optional)"
if [ ! -x /usr/bin/time ] || ! command -v strace >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends time strace >/dev/null || true
fi
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is required"
command -v python3 >/dev/null 2>&1 || die "python3 is required (for the report)"
have_strace=0; command -v strace >/dev/null 2>&1 && have_strace=1
have_perf=0
if command -v perf >/dev/null 2>&1 && perf stat -e task-clock -- true >/dev/null 2>&1; then have_perf=1; fi
echo "    strace: $([ $have_strace = 1 ] && strace -V | head -1 || echo 'not available')"
echo "    perf:   $([ $have_perf = 1 ] && perf --version || echo 'not available')"

# --- agent and plugins ---------------------------------------------------------
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -x "$AGENT" ]; then
    step "agent: reusing $AGENT"
else
    step "agent: swift build -c release --scratch-path ${SCRATCH#"$ROOT"/} (agent and every plugin)"
    command -v swift >/dev/null 2>&1 || die "swift is not on PATH"
    swift build -c release --scratch-path "$SCRATCH"
fi
[ -x "$AGENT" ] || die "no agent binary at $AGENT"
plugins=$("$AGENT" --plugins-dir "$BIN" plugins list 2>&1) || true
grep -q noop <<<"$plugins" || die "no noop builder plugin in $BIN:
$plugins"
grep -q local-process <<<"$plugins" || die "no local-process runner plugin in $BIN:
$plugins"

# --- inputs --------------------------------------------------------------------
mkdir -p "$tmp/job"
cat > "$tmp/config.yaml" <<YAML
max_jobs: $MAX_JOBS
builder: {type: noop}
verbosity: 1
YAML
cat > "$tmp/job/job.yaml" <<'YAML'
name: trivial
path: .
entry_point: ["true"]
YAML
"$AGENT" --plugins-dir "$BIN" --config "$tmp/config.yaml" config validate >/dev/null \
    || die "the benchmark config does not validate"

CLK_TCK=$(getconf CLK_TCK)
# utime+stime of every thread, dead or alive (fields 14 and 15, after the comm field).
# shellcheck disable=SC2086  # split the fields on purpose
cpu_ticks() { local s; s=$(cat "/proc/$1/stat"); s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
# Sum of on-CPU nanoseconds of the live threads (first field of schedstat).
cpu_ns() { local f t=0 n; for f in /proc/"$1"/task/*/schedstat; do read -r n _ < "$f" || continue; t=$((t + n)); done; echo $t; }
# Voluntary + involuntary context switches of the live threads.
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s + 0}'; }
field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

run_agent() { # state-dir, then extra arguments
    local state=$1; shift
    LAUNCH_AGENT_STATE_DIR=$state "$AGENT" --plugins-dir "$BIN" --config "$tmp/config.yaml" --state-dir "$state" "$@"
}

# --- (a) idle ------------------------------------------------------------------
step "(a) idle: agent run on an empty queue, ${IDLE_SECONDS} s untraced, then ${IDLE_SECONDS} s under strace -c -f"
idle_state=$tmp/idle-state
mkdir -p "$idle_state"
LAUNCH_AGENT_STATE_DIR=$idle_state "$AGENT" --plugins-dir "$BIN" --config "$tmp/config.yaml" \
    --state-dir "$idle_state" run 2> "$tmp/idle.log" &
idle_pid=$!
pids+=("$idle_pid")
sleep 2   # start-up (plugin loading, recovery scan) is not idle time
kill -0 "$idle_pid" 2>/dev/null || die "agent run exited at start:
$(cat "$tmp/idle.log")"
t0=$(cpu_ticks "$idle_pid"); n0=$(cpu_ns "$idle_pid"); c0=$(ctx_switches "$idle_pid")
threads=$(field "$idle_pid" Threads); idle_rss=$(field "$idle_pid" VmRSS)
if [ $have_perf = 1 ]; then
    perf stat -x, -e task-clock,context-switches,cpu-migrations,page-faults -p "$idle_pid" \
        -o "$tmp/perf.csv" -- sleep "$IDLE_SECONDS" >/dev/null 2>&1 || have_perf=0
else
    sleep "$IDLE_SECONDS"
fi
t1=$(cpu_ticks "$idle_pid"); n1=$(cpu_ns "$idle_pid"); c1=$(ctx_switches "$idle_pid")
: > "$tmp/strace.txt"
if [ $have_strace = 1 ]; then
    # SIGINT makes strace detach and write its summary; the agent goes on untouched.
    timeout -s INT "$IDLE_SECONDS" strace -c -f -p "$idle_pid" -o "$tmp/strace.txt" 2>/dev/null || true
fi
kill -0 "$idle_pid" 2>/dev/null || die "the idle agent died:
$(cat "$tmp/idle.log")"

# Wake-up latency: one job submitted to the idle agent.
wake_start=$(date +%s%N)
run_agent "$idle_state" submit "$tmp/job/job.yaml" > "$tmp/wake-id" 2>/dev/null
wake_ms=""
for _ in $(seq 600); do
    if grep -q ': finished$' "$tmp/idle.log"; then wake_ms=$(( ($(date +%s%N) - wake_start) / 1000000 )); break; fi
    sleep 0.01
done
kill -TERM "$idle_pid"
idle_rc=0; wait "$idle_pid" || idle_rc=$?

# --- (b) many trivial jobs -----------------------------------------------------
step "(b) $JOBS trivial jobs: submit, then agent run --once (max_jobs $MAX_JOBS) under /usr/bin/time"
state=$tmp/state
mkdir -p "$state"
: > "$tmp/submit.csv"
sub_start=$(date +%s%N)
batch_start=$sub_start
for i in $(seq "$JOBS"); do
    run_agent "$state" submit "$tmp/job/job.yaml" > /dev/null
    if [ $((i % 100)) = 0 ] || [ "$i" = "$JOBS" ]; then
        now=$(date +%s%N); echo "$i,$(( now - batch_start ))" >> "$tmp/submit.csv"; batch_start=$now
    fi
done
sub_ns=$(( $(date +%s%N) - sub_start ))

run_start=$(date +%s%N)
LAUNCH_AGENT_STATE_DIR=$state /usr/bin/time -f '%M %e %U %S' -o "$tmp/time.txt" \
    "$AGENT" --plugins-dir "$BIN" --config "$tmp/config.yaml" --state-dir "$state" run --once 2> "$tmp/run.log" &
time_pid=$!
pids+=("$time_pid")
agent_pid=""
for _ in $(seq 500); do
    agent_pid=$(pgrep -P "$time_pid" | head -1 || true)
    [ -n "$agent_pid" ] && break
    sleep 0.01
done
[ -n "$agent_pid" ] || die "could not find the agent started by /usr/bin/time (pid $time_pid)"
pids+=("$agent_pid")

# Sampler: elapsed s, jobs ended (from the agent's own log), VmRSS, VmHWM (KiB), threads, open fds.
echo "t,done,rss_kib,hwm_kib,threads,fds" > "$tmp/samples.csv"
(
    while [ -r "/proc/$agent_pid/status" ]; do
        t=$(( ($(date +%s%N) - run_start) / 1000000 ))
        d=$(grep -c -E '^agent: info: job [^ ]+: (finished|failed|cancelled)$' "$tmp/run.log" || true)
        s=$(awk '$1 == "VmRSS:" {r = $2} $1 == "VmHWM:" {h = $2} $1 == "Threads:" {th = $2} END {print r "," h "," th}' \
            "/proc/$agent_pid/status" 2>/dev/null) || break
        f=$(ls "/proc/$agent_pid/fd" 2>/dev/null | wc -l)
        [ -n "$s" ] && [ "$s" != ",," ] && echo "$((t / 1000)).$(printf '%03d' $((t % 1000))),$d,$s,$f" >> "$tmp/samples.csv"
        sleep "$SAMPLE_SECONDS"
    done
) &
sampler_pid=$!
pids+=("$sampler_pid")
run_rc=0; wait "$time_pid" || run_rc=$?
wait "$sampler_pid" 2>/dev/null || true
[ -s "$tmp/time.txt" ] || die "agent run --once did not finish:
$(tail -20 "$tmp/run.log")"

# --- (c) soak with a bounded queue ---------------------------------------------
# (b) keeps every record, and a claim reads all of them, so its RSS curve mixes
# "memory per job" with "memory per record listed". Here the queue stays small:
# rounds of BENCH_SOAK_BATCH jobs into a running agent (no --once); after each
# round the finished records, logs and runner dirs are deleted (docs/jobs.md:
# finished records are kept until you delete them) and the agent is sampled.
: > "$tmp/soak.csv"
if [ "$SOAK_ROUNDS" -gt 0 ]; then
    step "(c) soak: $SOAK_ROUNDS rounds × $SOAK_BATCH jobs into a running agent, finished records deleted after each round"
    soak_state=$tmp/soak-state
    mkdir -p "$soak_state"
    LAUNCH_AGENT_STATE_DIR=$soak_state "$AGENT" --plugins-dir "$BIN" --config "$tmp/config.yaml" \
        --state-dir "$soak_state" run 2> "$tmp/soak.log" &
    soak_pid=$!
    pids+=("$soak_pid")
    sleep 1
    ended=0
    echo "0,$(field "$soak_pid" VmRSS),$(field "$soak_pid" VmHWM),$(field "$soak_pid" Threads),$(ls "/proc/$soak_pid/fd" | wc -l),$(cpu_ticks "$soak_pid")" >> "$tmp/soak.csv"
    for _ in $(seq "$SOAK_ROUNDS"); do
        for _ in $(seq "$SOAK_BATCH"); do run_agent "$soak_state" submit "$tmp/job/job.yaml" > /dev/null; done
        ended=$((ended + SOAK_BATCH))
        for _ in $(seq 1200); do
            [ "$(grep -c -E '^agent: info: job [^ ]+: (finished|failed|cancelled)$' "$tmp/soak.log" || true)" -ge "$ended" ] && break
            kill -0 "$soak_pid" 2>/dev/null || die "the soak agent died: $(tail -5 "$tmp/soak.log")"
            sleep 0.1
        done
        sleep 1.5   # each job's cancel-request poller sleeps 1 s before it ends
        grep -l -E '"status" ?: ?"(finished|failed|cancelled)"' "$soak_state"/jobs/*.json 2>/dev/null | while read -r f; do
            id=$(basename "$f" .json)
            rm -rf "$f" "$soak_state/logs/$id.log" "$soak_state/local-process/$id"-*
        done
        echo "$ended,$(field "$soak_pid" VmRSS),$(field "$soak_pid" VmHWM),$(field "$soak_pid" Threads),$(ls "/proc/$soak_pid/fd" | wc -l),$(cpu_ticks "$soak_pid")" >> "$tmp/soak.csv"
    done
    kill -TERM "$soak_pid"; wait "$soak_pid" || true
fi

# --- report --------------------------------------------------------------------
step "results ($(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$tmp" "$IDLE_SECONDS" "$CLK_TCK" "$t0" "$t1" "$n0" "$n1" "$c0" "$c1" "$threads" "$idle_rss" \
    "$have_perf" "$have_strace" "${wake_ms:-}" "$idle_rc" "$JOBS" "$MAX_JOBS" "$sub_ns" "$run_rc" "$state" <<'PY'
import csv, glob, json, os, sys
(tmp, idle_s, clk, t0, t1, n0, n1, c0, c1, threads, idle_rss, have_perf, have_strace, wake_ms, idle_rc,
 jobs, max_jobs, sub_ns, run_rc, state) = sys.argv[1:]
idle_s, clk, jobs = float(idle_s), int(clk), int(jobs)
ok = True

print("(a) idle agent (agent run, empty queue)")
ticks = int(t1) - int(t0)
ns = int(n1) - int(n0)
ctx = int(c1) - int(c0)
print(f"  window                     {idle_s:.0f} s, {threads} threads, VmRSS {int(idle_rss) / 1024:.1f} MiB")
print(f"  CPU (utime+stime)          {ticks} ticks = {ticks * 1000 / clk:.0f} ms  (tick = {1000 / clk:.0f} ms)")
print(f"  CPU (schedstat, ns)        {ns / 1e6:.3f} ms = {ns / 1e9 / idle_s * 100:.4f} % of one core")
print(f"  context switches (wakeups) {ctx} = {ctx / idle_s:.2f}/s")
if have_perf == "1" and os.path.exists(f"{tmp}/perf.csv"):
    for line in open(f"{tmp}/perf.csv"):
        parts = line.strip().split(",")
        if len(parts) >= 3 and not line.startswith("#") and parts[2]:
            value = "0 (the process was never scheduled)" if parts[0] == "<not counted>" else f"{parts[0]} {parts[1]}"
            print(f"  perf {parts[2]:22} {value}")
if have_strace == "1":
    rows = []
    for line in open(f"{tmp}/strace.txt"):
        p = line.split()
        if len(p) >= 5 and p[0][0].isdigit() and p[-1] != "total":
            calls = int(p[3]); rows.append((p[-1], calls))
    total = sum(c for _, c in rows)
    detail = ", ".join(f"{n} {c}" for n, c in sorted(rows, key=lambda r: -r[1])) or "none"
    print(f"  syscalls (strace -c -f)    {total} in {idle_s:.0f} s = {total / idle_s:.2f}/s: {detail}")
else:
    print("  syscalls                   strace not available")
goal = ticks <= 1 and ctx / idle_s < 1
print(f"  goal ~0 CPU, no polling    {'goal met' if goal else 'goal missed'}")
print(f"  wake-up                    a job submitted to the idle agent finished after "
      + (f"{wake_ms} ms" if wake_ms else "— (not within 6 s)"))
print(f"  SIGTERM                    agent exited {idle_rc}")
print("  peer (W&B launch-agent)    not measured: it needs a W&B server. Its loop (wandb 0.31.0,")
print("                             sdk/launch/agent/agent.py) sleeps AGENT_POLLING_INTERVAL = 10 s between")
print("                             queue pops, each a request to the server, and sends a status update every")
print("                             second loop: an idle W&B agent wakes and talks to the network every 10 s.")

print(f"\n(b) {jobs} trivial jobs (builder noop, runner local-process, entry_point [true], max_jobs {max_jobs})")
sub = list(csv.reader(open(f"{tmp}/submit.csv")))
first, last = sub[0], sub[-1]
first_n = int(first[0]); last_n = int(last[0]) - (int(sub[-2][0]) if len(sub) > 1 else 0)
print(f"  submit                     {jobs} × agent submit in {int(sub_ns) / 1e9:.1f} s = {jobs / (int(sub_ns) / 1e9):.0f}/s"
      f"  (first {first_n}: {int(first[1]) / 1e6 / first_n:.1f} ms each, last {last_n}: {int(last[1]) / 1e6 / last_n:.1f} ms each)")
peak_kib, wall, user, sys_ = open(f"{tmp}/time.txt").read().split()[-4:]
wall, user, sys_ = float(wall), float(user), float(sys_)
statuses = {}
for path in glob.glob(f"{state}/jobs/*.json"):
    s = json.load(open(path)).get("status", "?"); statuses[s] = statuses.get(s, 0) + 1
print(f"  agent run --once           exit {run_rc}; records: " + ", ".join(f"{v} {k}" for k, v in sorted(statuses.items())))
if statuses.get("finished", 0) != jobs: ok = False
print(f"  wall time                  {wall:.1f} s = {jobs / wall:.1f} jobs/s")
print(f"  agent CPU                  user {user:.1f} s + sys {sys_:.1f} s = {(user + sys_) / jobs * 1000:.1f} ms per job")
print(f"  peak RSS (/usr/bin/time)   {int(peak_kib) / 1024:.1f} MiB")
import datetime as dt
ts = lambda r, k: dt.datetime.fromisoformat(r[k].replace("Z", "+00:00")).timestamp() if r.get(k) else None
records = [json.load(open(p)) for p in glob.glob(f"{state}/jobs/*.json")]
starts = sorted(t for t in (ts(r, "started_at") for r in records) if t is not None)
gaps = sorted(b - a for a, b in zip(starts, starts[1:]))
spans = sorted(ts(r, "finished_at") - ts(r, "started_at") for r in records if r.get("finished_at") and r.get("started_at"))
med = lambda xs: xs[len(xs) // 2] if xs else float("nan")
print(f"  claim → claim              median {med(gaps) * 1000:.0f} ms (claims are serialized under queue.lock);"
      f" claim → finished median {med(spans) * 1000:.0f} ms")

samples = [dict(t=float(r["t"]), done=int(r["done"]), rss=int(r["rss_kib"]), hwm=int(r["hwm_kib"]),
                threads=int(r["threads"]), fds=int(r["fds"])) for r in csv.DictReader(open(f"{tmp}/samples.csv"))]
if not samples:
    print("  no RSS samples (the run ended within a second)"); sys.exit(0 if ok else 1)
def at(n):
    for s in samples:
        if s["done"] >= n: return s
    return None
print("  RSS curve                  jobs ended → VmRSS / VmHWM (MiB), threads, fds, jobs/s since previous row")
marks = sorted(n for n in {0, 100, 500, jobs} | {jobs * k // 10 for k in range(1, 10)} if n <= jobs)
prev = None
for n in marks:
    s = (at(n) or samples[-1]) if n else samples[0]
    if prev is not None and s is prev: continue
    rate = f"{(s['done'] - prev['done']) / (s['t'] - prev['t']):6.1f}" if prev and s["t"] > prev["t"] else "     —"
    star = " *" if n in (100, 500, jobs) else ""
    print(f"    t={s['t']:6.1f}s  {s['done']:5d} ended  {s['rss'] / 1024:6.1f} / {s['hwm'] / 1024:6.1f}"
          f"  {s['threads']:3d} thr  {s['fds']:3d} fds  {rate}{star}")
    prev = s
pts = [s for s in samples if s["done"] >= min(100, jobs // 10)]
if len(pts) >= 3 and pts[-1]["done"] > pts[0]["done"]:
    n = len(pts); mx = sum(p["done"] for p in pts) / n; my = sum(p["rss"] for p in pts) / n
    sxx = sum((p["done"] - mx) ** 2 for p in pts)
    slope = sum((p["done"] - mx) * (p["rss"] - my) for p in pts) / sxx if sxx else 0.0
    grow = samples[-1]["rss"] - pts[0]["rss"]
    print(f"  growth per job             {slope:+.2f} KiB/job (least squares over {n} samples after job {pts[0]['done']});"
          f" {grow / 1024:+.1f} MiB from job {pts[0]['done']} to {samples[-1]['done']}")
    print(f"  goal no growth per job     {'goal met' if abs(slope) < 1.0 else 'goal missed'} (|slope| < 1 KiB/job)")
print(f"  max threads / fds          {max(s['threads'] for s in samples)} / {max(s['fds'] for s in samples)}")
print("  peer                       not run: W&B's agent only takes jobs from a W&B server's queue")

soak = [list(map(int, r)) for r in csv.reader(open(f"{tmp}/soak.csv")) if r]
if soak:
    print(f"\n(c) soak: {len(soak) - 1} rounds into one running agent, finished records deleted after each round")
    print("  jobs ended → VmRSS / VmHWM (MiB), threads, fds (after the round), agent CPU per job in that round")
    show = {0, 1, 2, 5, len(soak) - 1} | set(range(0, len(soak), 5))
    for i, (n, rss, hwm, thr, fds, ticks) in enumerate(soak):
        if i not in show: continue
        per = f"{(ticks - soak[i - 1][5]) * 1000 / clk / (n - soak[i - 1][0]):5.1f} ms/job" if i else "     (idle)"
        print(f"    {n:5d} ended  {rss / 1024:6.1f} / {hwm / 1024:6.1f}  {thr:3d} thr  {fds:3d} fds  {per}")
    tail = [r for r in soak if r[0] >= soak[-1][0] // 4] if len(soak) > 4 else soak[1:]
    if len(tail) >= 3:
        n = len(tail); mx = sum(r[0] for r in tail) / n; my = sum(r[1] for r in tail) / n
        sxx = sum((r[0] - mx) ** 2 for r in tail)
        slope = sum((r[0] - mx) * (r[1] - my) for r in tail) / sxx if sxx else 0.0
        print(f"  growth per job             {slope:+.3f} KiB/job (least squares, jobs {tail[0][0]}–{tail[-1][0]});"
              f" {(tail[-1][1] - tail[0][1]) / 1024:+.2f} MiB over that span")
        if len(soak) > 10:
            print(f"  goal no growth per job     {'goal met' if abs(slope) < 1.0 else 'goal missed'} (|slope| < 1 KiB/job)")
        else:
            print("  goal no growth per job     no verdict: fewer than 10 rounds (warm-up dominates)")
    leak = soak[-1][3] > soak[0][3] or soak[-1][4] > soak[0][4]
    print(f"  threads / fds at the end   {soak[-1][3]} / {soak[-1][4]} (idle: {soak[0][3]} / {soak[0][4]})"
          + ("  ← more than idle" if leak else ""))
sys.exit(0 if ok else 1)
PY
