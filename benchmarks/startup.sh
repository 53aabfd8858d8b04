#!/usr/bin/env bash
# Startup benchmark: `agent plugins list` with every plugin loaded, side by side
# in one run with importing W&B's launch agent and the cloud modules it needs
# to serve every cloud (the peer). Prints wall time (hyperfine) and peak RSS
# (GNU time) for both, the ratios, and whether our goals are met.
#
#   bash benchmarks/startup.sh
#
# Works from a fresh clone: installs hyperfine/time (Debian) and the build
# dependencies when missing, creates or reuses the venv .venv-bench/ with the
# pinned peer (benchmarks/peer-requirements.txt), builds the agent and all
# plugins in release into .build-bench/. Exits non-zero only when something
# could not run; a missed goal is reported, not an error.
#
# Knobs (environment): BENCH_MIN_RUNS (hyperfine runs per command, default 20),
# BENCH_WARMUP (default 3), BENCH_RSS_RUNS (peak-RSS samples, default 7),
# BENCH_VENV (venv path, default .venv-bench), PYTHON (to create the venv),
# BENCH_SKIP_BUILD=1 (reuse .build-bench as it is).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MIN_RUNS=${BENCH_MIN_RUNS:-20}
WARMUP=${BENCH_WARMUP:-3}
RSS_RUNS=${BENCH_RSS_RUNS:-7}
VENV=${BENCH_VENV:-$ROOT/.venv-bench}
PYTHON=${PYTHON:-python3}
SCRATCH=$ROOT/.build-bench
REQS=$ROOT/benchmarks/peer-requirements.txt

# Goals (issue 2).
GOAL_MS=30
GOAL_MIB=25
GOAL_RATIO=70

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "    apt-get install $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- tools -------------------------------------------------------------------
step "tools: hyperfine, GNU time, build dependencies"
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
for pkg in libyaml-dev libcurl4-openssl-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
command -v swift >/dev/null 2>&1 || die "swift is not on PATH (the agent is built with the Swift toolchain)"
echo "    $(hyperfine --version), GNU time $(dpkg-query -W -f '${Version}' time 2>/dev/null || echo '?')"

# --- peer venv ---------------------------------------------------------------
step "peer: venv $VENV with $(grep -v '^#' "$REQS" | xargs)"
stamp=$VENV/.bench-requirements
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$REQS"; then
    echo "    reusing (requirements unchanged)"
else
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    echo "    pip install -r benchmarks/peer-requirements.txt (takes a few minutes the first time)"
    "$VENV/bin/pip" install -q -r "$REQS" || die "pip install of the peer failed"
    cp "$REQS" "$stamp"
fi
PY=$VENV/bin/python
WANDB=$VENV/bin/wandb
# Pip compiled the bytecode at install; let the warmup runs write any missing
# .pyc so the peer is measured the way a deployed agent starts.
unset PYTHONDONTWRITEBYTECODE

# What the W&B agent process imports to be able to serve every cloud: the
# agent and its loader, every builder, environment, registry and runner
# module, plus the cloud SDKs that those modules only load lazily
# (wandb.util.get_module) and would pull in on first use.
PEER_MODULES=(
    wandb.sdk.launch.agent.agent
    wandb.sdk.launch.loader
    wandb.sdk.launch.builder.docker_builder
    wandb.sdk.launch.builder.kaniko_builder
    wandb.sdk.launch.builder.noop
    wandb.sdk.launch.environment.aws_environment
    wandb.sdk.launch.environment.gcp_environment
    wandb.sdk.launch.environment.azure_environment
    wandb.sdk.launch.registry.elastic_container_registry
    wandb.sdk.launch.registry.google_artifact_registry
    wandb.sdk.launch.registry.azure_container_registry
    wandb.sdk.launch.registry.local_registry
    wandb.sdk.launch.runner.kubernetes_runner
    wandb.sdk.launch.runner.local_container
    wandb.sdk.launch.runner.local_process
    wandb.sdk.launch.runner.sagemaker_runner
    wandb.sdk.launch.runner.vertex_runner
    boto3
    google.cloud.storage
    azure.identity
    azure.storage.blob
    kubernetes
)
imports=$(IFS=,; echo "${PEER_MODULES[*]}")
PEER_IMPORT="import ${imports//,/, }"
echo "    checking the imports: $PY -c \"$PEER_IMPORT\""
"$PY" -c "$PEER_IMPORT" || die "the peer import failed (see above)"
versions=$("$PY" -c 'import sys, importlib.metadata as m
print("python " + sys.version.split()[0] + ", " + ", ".join(p + " " + m.version(p) for p in
      ["wandb", "boto3", "google-cloud-storage", "azure-identity", "azure-storage-blob", "kubernetes", "kubernetes_asyncio"]))')
echo "    $versions"

# --- agent + plugins -----------------------------------------------------------
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -d "$SCRATCH" ]; then
    step "ours: reusing the release build in .build-bench (BENCH_SKIP_BUILD=1)"
else
    step "ours: swift build -c release --scratch-path .build-bench (agent + every plugin)"
    swift build -c release --scratch-path "$SCRATCH" || die "the release build failed"
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
AGENT=$BIN/agent
[ -x "$AGENT" ] || die "no agent executable at $AGENT"
unset LAUNCH_AGENT_PLUGINS_DIR
shopt -s nullglob
plugins=("$BIN"/*.so)
shopt -u nullglob
[ ${#plugins[@]} -gt 0 ] || die "the release build produced no plugin library (*.so) in $BIN"
echo "    agent: $AGENT ($(du -k "$AGENT" | cut -f1) KiB)"
echo "    plugins dir: $BIN"
for p in "${plugins[@]}"; do echo "      $(basename "$p") ($(du -k "$p" | cut -f1) KiB)"; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/empty-plugins"

# Labels and commands, in table order. The peer rows come last.
names=(
    "agent plugins list"
    "agent plugins list -o json"
    "agent plugins list (no plugins)"
    "python -c \"import <W&B launch agent + clouds>\""
    "wandb launch-agent --help"
)
cmds=(
    "$AGENT --plugins-dir $BIN plugins list"
    "$AGENT --plugins-dir $BIN plugins list -o json"
    "$AGENT --plugins-dir $work/empty-plugins plugins list"
    "$PY -c \"$PEER_IMPORT\""
    "$WANDB launch-agent --help"
)

step "ours: what 'agent plugins list' prints"
set +e
"$AGENT" --plugins-dir "$BIN" plugins list
list_rc=$?
"$AGENT" --plugins-dir "$BIN" plugins list -o json >"$work/list.json"
json_rc=$?
set -e
if [ $list_rc -ne 0 ] || [ $json_rc -ne 0 ]; then
    die "agent plugins list exited $list_rc (text) / $json_rc (json)"
fi
"$PYTHON" - "$work/list.json" "${#plugins[@]}" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit(f"error: 'agent plugins list -o json' did not print JSON: {e}")
libs = doc.get("libraries", [])
ok = [l for l in libs if l.get("status") == "ok"]
print(f"    -o json: {len(libs)} libraries ({len(ok)} ok, {len(doc.get('components', []))} components)"
      f"; {sys.argv[2]} *.so files in the plugins dir")
for l in libs:
    if l.get("status") != "ok":
        print(f"    warning: {l.get('library')}: {l.get('status')}: {l.get('reason')}")
EOF

# `wandb launch-agent --help` needs no login; measure it only if it runs.
with_help=1
if ! "$WANDB" launch-agent --help >/dev/null 2>"$work/help.err"; then
    echo "    note: 'wandb launch-agent --help' failed, left out: $(tail -1 "$work/help.err")"
    with_help=0
    unset 'names[4]' 'cmds[4]'
fi

# --- wall time -----------------------------------------------------------------
step "wall time: hyperfine -N --warmup $WARMUP --min-runs $MIN_RUNS (all commands in one run)"
load_before=$(cut -d' ' -f1 /proc/loadavg)
echo "    load average now: $load_before on $(nproc) cores"
if awk -v l="$load_before" -v n="$(nproc)" 'BEGIN { exit !(l >= n) }'; then
    echo "    warning: the machine is busy; milliseconds will be noisy (the ratios less so). Re-run when it is idle."
fi
hf_args=(-N --warmup "$WARMUP" --min-runs "$MIN_RUNS" --export-json "$work/hyperfine.json")
for i in "${!cmds[@]}"; do hf_args+=(--command-name "${names[$i]}" "${cmds[$i]}"); done
hyperfine "${hf_args[@]}" || die "hyperfine failed"

# --- peak RSS --------------------------------------------------------------------
step "peak RSS: /usr/bin/time -f %M, median of $RSS_RUNS runs each"
: >"$work/rss.tsv"
rss() { # label, then the command as words
    local label=$1; shift
    local samples=()
    for _ in $(seq "$RSS_RUNS"); do
        /usr/bin/time -f %M -o "$work/time.out" "$@" >/dev/null 2>&1 || die "$label failed while measuring RSS"
        samples+=("$(tail -1 "$work/time.out")")
    done
    printf '%s\t%s\n' "$label" "${samples[*]}" >>"$work/rss.tsv"
    echo "    $label: ${samples[*]} KiB"
}
rss "${names[0]}" "$AGENT" --plugins-dir "$BIN" plugins list
rss "${names[1]}" "$AGENT" --plugins-dir "$BIN" plugins list -o json
rss "${names[2]}" "$AGENT" --plugins-dir "$work/empty-plugins" plugins list
rss "${names[3]}" "$PY" -c "$PEER_IMPORT"
[ $with_help = 0 ] || rss "${names[4]}" "$WANDB" launch-agent --help

# --- report ----------------------------------------------------------------------
step "results"
echo "    machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
     "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, load average $load_before before timing, $(cut -d' ' -f1 /proc/loadavg) now"
echo "    $(swift --version 2>&1 | head -1); $versions"
echo "    ${#plugins[@]} plugin libraries loaded: $(for p in "${plugins[@]}"; do basename "$p"; done | xargs)"
echo
"$PYTHON" "$ROOT/benchmarks/lib/startup_report.py" "$work/hyperfine.json" "$work/rss.tsv" \
    "$GOAL_MS" "$GOAL_MIB" "$GOAL_RATIO"

# Keep the raw figures (gitignored) so the table can be re-rendered.
raw=$SCRATCH/bench-results/startup-$(date +%Y%m%dT%H%M%S)
mkdir -p "$raw"
cp "$work/hyperfine.json" "$work/rss.tsv" "$raw/"
echo
echo "raw results: $raw (re-render: python3 benchmarks/lib/startup_report.py $raw/hyperfine.json $raw/rss.tsv $GOAL_MS $GOAL_MIB $GOAL_RATIO)"
