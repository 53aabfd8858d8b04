#!/usr/bin/env bash
# Times the agent's manifest existence check (`agent registry exists IMAGE`)
# against `skopeo inspect --raw` (the same question: one authenticated
# manifest request) on a local docker-registry with htpasswd auth holding one
# image, side by side in one hyperfine run: an image that exists (exit 0) and
# a tag that does not (agent exit 1, skopeo exit 1). Before timing, it checks
# the agent's three exit codes: 0 exists, 1 missing, 3 registry error (a wrong
# password). Also prints each side's peak RSS (GNU time, median of 5), and
# `agent --version` as a breakdown row: how much of ours is process start-up.
#
#   bash benchmarks/exists-check.sh
#   RUNS=50 BENCH_SKIP_BUILD=1 bash benchmarks/exists-check.sh
#
# Needs: docker-registry, skopeo, hyperfine, htpasswd (apache2-utils), GNU time,
# python3; missing Debian packages are installed (as root or with sudo).
# Builds the agent: swift build -c release --scratch-path $BENCH_SCRATCH
# (.build-bench) --product agent, unless BENCH_SKIP_BUILD=1 or AGENT=path.
# Binds 127.0.0.1 only; stops the registry it started (by PID) and removes its
# temp dir on exit. Exits non-zero only when something could not run or an
# exit code is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=${RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
case $SCRATCH in /*) ;; *) SCRATCH=$ROOT/$SCRATCH ;; esac

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# --- tools ---------------------------------------------------------------------
step "tools: docker-registry, skopeo, hyperfine, htpasswd, GNU time"
missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "    apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null 2>&1 || die "python3 is required"
echo "    $(hyperfine --version), $(skopeo --version), docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}')"

# --- agent ---------------------------------------------------------------------
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
case $AGENT in /*) ;; *) AGENT=$ROOT/$AGENT ;; esac
# ArgumentParser prints the top-level help for an unknown subcommand, so look
# for the subcommand's own usage line.
"$AGENT" help registry exists 2>&1 | grep -q "USAGE: agent registry exists" \
    || die "'agent registry exists IMAGE' is not available in $AGENT"

# --- registry ------------------------------------------------------------------
tmp=$(mktemp -d /tmp/la-bench-exists-XXXXXX)
registry_pid=""
cleanup() {
    if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=bench
password=bench-$RANDOM$RANDOM
htpasswd -Bbn "$user" "$password" > "$tmp/htpasswd"
cat > "$tmp/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $tmp/data}}
http: {addr: 127.0.0.1:$port}
auth: {htpasswd: {realm: bench, path: $tmp/htpasswd}}
YAML
step "registry: docker-registry on 127.0.0.1:$port (htpasswd auth, plain http)"
docker-registry serve "$tmp/config.yml" > "$tmp/registry.log" 2>&1 &
registry_pid=$!
up=0
for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    kill -0 "$registry_pid" 2>/dev/null || break
    sleep 0.05
done
[ $up = 1 ] || die "docker-registry did not start:
$(cat "$tmp/registry.log")"

# One tiny single-layer image, written as an OCI layout and pushed with skopeo.
python3 - "$tmp/layout" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
root = sys.argv[1]
os.makedirs(root + "/blobs/sha256")
def blob(data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    open(root + "/blobs/sha256/" + digest, "wb").write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    info = tarfile.TarInfo("hello.txt"); info.size = 6; t.addfile(info, io.BytesIO(b"hello\n"))
tar = buf.getvalue()
layer = blob(gzip.compress(tar, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
config = blob(json.dumps({"architecture": "amd64", "os": "linux",
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}}).encode(),
    "application/vnd.oci.image.config.v1+json")
manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": config, "layers": [layer]}).encode(), "application/vnd.oci.image.manifest.v1+json")
manifest["annotations"] = {"org.opencontainers.image.ref.name": "v1"}
json.dump({"schemaVersion": 2, "manifests": [manifest]}, open(root + "/index.json", "w"))
open(root + "/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
PY
image="127.0.0.1:$port/bench/app:v1"
absent="127.0.0.1:$port/bench/app:absent"
skopeo copy --quiet --preserve-digests --dest-tls-verify=false --dest-creds "$user:$password" "oci:$tmp/layout:v1" "docker://$image"

# Both sides read the same docker config (the agent via DOCKER_CONFIG, skopeo via --authfile).
mkdir -p "$tmp/docker" "$tmp/docker-bad"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$port" "$(printf '%s:%s' "$user" "$password" | base64 -w0)" > "$tmp/docker/config.json"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$port" "$(printf '%s:wrong' "$user" | base64 -w0)" > "$tmp/docker-bad/config.json"
export DOCKER_CONFIG="$tmp/docker"

# --- exit codes ----------------------------------------------------------------
step "exit codes (0 exists, 1 missing, 3 registry error)"
check() { # expected-code label command...
    local want=$1 label=$2; shift 2
    local got=0 out
    out=$("$@" 2>&1) || got=$?
    printf '    %-34s exit %s (want %s)  %s\n' "$label" "$got" "$want" "$(head -1 <<<"$out")"
    [ "$got" = "$want" ] || die "$label: exit $got, expected $want"
}
check 0 "exists" "$AGENT" registry exists "$image"
check 1 "missing tag" "$AGENT" registry exists "$absent"
check 3 "wrong password" env DOCKER_CONFIG="$tmp/docker-bad" "$AGENT" registry exists "$image"
check 1 "skopeo, missing tag" skopeo inspect --raw --tls-verify=false --authfile "$tmp/docker/config.json" "docker://$absent"

# --- timing --------------------------------------------------------------------
SKOPEO="skopeo inspect --raw --tls-verify=false --authfile $tmp/docker/config.json"
step "hyperfine: $WARMUP warmup, $RUNS runs each, no shell"
hyperfine --warmup "$WARMUP" --runs "$RUNS" -N -i --style basic --export-json "$tmp/hyperfine.json" \
    -n "ours: agent registry exists (exists)" "$AGENT registry exists $image" \
    -n "peer: skopeo inspect --raw (exists)" "$SKOPEO docker://$image" \
    -n "ours: agent registry exists (missing)" "$AGENT registry exists $absent" \
    -n "peer: skopeo inspect --raw (missing)" "$SKOPEO docker://$absent" \
    -n "breakdown: agent --version (start-up)" "$AGENT --version" >/dev/null

rss() { # median peak RSS (KiB) of 5 runs
    local _
    for _ in 1 2 3 4 5; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p
}
rss_ours=$(rss "$AGENT" registry exists "$image")
# shellcheck disable=SC2086
rss_peer=$(rss $SKOPEO "docker://$image")

step "results ($(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$tmp/hyperfine.json" "$rss_ours" "$rss_peer" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
ms = lambda s: s * 1000
print(f"{'command':40} {'mean ± σ (ms)':>16} {'min … max (ms)':>17} {'peer ÷ ours':>11}")
for i, r in enumerate(runs):
    ratio = f"{r['mean'] / runs[i - 1]['mean']:11.2f}" if i in (1, 3) else f"{'':11}"
    print(f"{r['command']:40} {ms(r['mean']):7.1f} ± {ms(r['stddev']):6.1f} "
          f"{ms(r['min']):7.1f} … {ms(r['max']):7.1f} {ratio}")
ours, peer = int(sys.argv[2]), int(sys.argv[3])
print(f"\npeak RSS (median of 5, exists): ours {ours / 1024:.1f} MiB, skopeo {peer / 1024:.1f} MiB (peer ÷ ours {peer / ours:.2f})")
if len(runs) > 4:
    print(f"of our {ms(runs[0]['mean']):.1f} ms, {ms(runs[4]['mean']):.1f} ms is process start-up (agent --version);"
          f" the check itself, two HTTP requests (401 challenge, then Basic auth), is the other {ms(runs[0]['mean'] - runs[4]['mean']):.1f} ms")
PY
