#!/usr/bin/env bash
# Times the agent's manifest existence check against `skopeo inspect --raw`
# (the same question: one authenticated manifest request) on a local
# docker-registry holding one image, side by side in one hyperfine run.
#
#   bash benchmarks/exists-check.sh            # uses .build/release/agent
#   AGENT=.build/debug/agent RUNS=50 bash benchmarks/exists-check.sh
#
# Needs: docker-registry, skopeo, hyperfine, htpasswd (apache2-utils), python3.
# Binds 127.0.0.1 only; stops the registry it started (by PID) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT=${AGENT:-.build/release/agent}
RUNS=${RUNS:-30}

for tool in docker-registry skopeo hyperfine htpasswd python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found (apt-get install docker-registry skopeo hyperfine apache2-utils python3)" >&2; exit 2; }
done
if [ ! -x "$AGENT" ]; then
    echo "error: no agent at $AGENT: run 'swift build -c release' first, or set AGENT=path/to/agent" >&2
    exit 2
fi
# ArgumentParser prints the top-level help for an unknown subcommand, so look
# for the subcommand's own usage line.
if ! "$AGENT" help registry exists 2>&1 | grep -q "USAGE: agent registry exists"; then
    echo "error: '$AGENT registry exists IMAGE' is not available in this build." >&2
    echo "       The CLI command (calling RegistryClient.manifestExists) has not been added yet; this benchmark needs it." >&2
    exit 2
fi

tmp=$(mktemp -d /tmp/la-bench-exists-XXXXXX)
registry_pid=""
cleanup() {
    if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

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
docker-registry serve "$tmp/config.yml" > "$tmp/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done

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
skopeo copy --quiet --preserve-digests --dest-tls-verify=false --dest-creds "$user:$password" "oci:$tmp/layout:v1" "docker://$image"

# Both sides read the same docker config (the agent via DOCKER_CONFIG, skopeo via --authfile).
mkdir -p "$tmp/docker"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$port" "$(printf '%s:%s' "$user" "$password" | base64 -w0)" > "$tmp/docker/config.json"
export DOCKER_CONFIG="$tmp/docker"

echo "==> sanity check: $AGENT registry exists $image"
"$AGENT" registry exists "$image"
echo "==> hyperfine ($RUNS runs each)"
hyperfine --warmup 3 --runs "$RUNS" --shell=none \
    -n "agent registry exists" "$AGENT registry exists $image" \
    -n "skopeo inspect --raw" "skopeo inspect --raw --tls-verify=false --authfile $tmp/docker/config.json docker://$image"
