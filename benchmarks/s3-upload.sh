#!/usr/bin/env bash
# Uploads one file (default 256 MiB of random bytes) to one moto_server (signature
# checking on), with our context store `s3` and with `aws s3 cp`, side by side in
# one run: wall time, MiB/s and peak RSS of each process, ROUNDS times each
# (alternating, a fresh bucket per upload), medians printed. Every upload is
# checked: boto3 downloads the first one of each side and compares the sha256.
#
#   bash benchmarks/s3-upload.sh
#   SIZE_MIB=64 ROUNDS=5 BENCH_SKIP_BUILD=1 bash benchmarks/s3-upload.sh
#
# Ours: context-store.upload of liblaunch-agent-aws.so (release), called through
# AgentCore's plugin loader and host services (HTTP = libcurl) by the release test
# binary's S3PluginProbe (Tests/AWSPluginTests/S3TestSupport.swift): the agent has
# no command that uploads a context on its own yet. The process measured is that
# test binary (Swift runtime, swift-testing, AgentCore, the plugin), start to exit.
# Peer: `aws s3 cp FILE s3://… --endpoint-url …` (awscli v1 in the venv
# .venv-bench-s3/, its defaults: 8 MiB parts, 10 threads).
#
# Needs: swift, python3 (venv), GNU time. Builds with
# `swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path $BENCH_SCRATCH` (.build-bench)
# unless BENCH_SKIP_BUILD=1. Binds 127.0.0.1 only; stops moto (by PID) and removes
# its temp dir on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SIZE_MIB=${SIZE_MIB:-256}
ROUNDS=${ROUNDS:-3}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
case $SCRATCH in /*) ;; *) SCRATCH=$ROOT/$SCRATCH ;; esac
VENV=${BENCH_VENV:-$ROOT/.venv-bench-s3}

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is required: apt-get install time"
command -v python3 >/dev/null 2>&1 || die "python3 is required"

step "venv ${VENV#"$ROOT"/}: awscli, moto[server], boto3"
[ -x "$VENV/bin/python3" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q 'awscli' 'moto[server]>=5.1,<6' 'boto3'
echo "    $("$VENV/bin/aws" --version 2>&1), moto $("$VENV/bin/python3" -c 'import moto; print(moto.__version__)')"

if [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && [ -d "$SCRATCH/release" ]; then
    step "build: reusing $SCRATCH/release"
else
    # -enable-testing: AgentCoreTests (in the same test binary) use @testable imports. A plain build
    # first: --build-tests alone does not relink plugin libraries whose sources changed.
    step "build: swift build -c release [--build-tests] -Xswiftc -enable-testing --scratch-path ${SCRATCH#"$ROOT"/}"
    swift build -c release -Xswiftc -enable-testing --scratch-path "$SCRATCH"
    swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path "$SCRATCH"
fi
TESTS=$(ls -d "$SCRATCH"/release/*PackageTests.xctest 2>/dev/null | head -1)
[ -x "$TESTS" ] || die "no test binary in $SCRATCH/release"
[ -f "$SCRATCH/release/liblaunch-agent-aws.so" ] || die "no liblaunch-agent-aws.so in $SCRATCH/release"

WORK=$(mktemp -d /tmp/la-s3-bench-XXXXXX)
MOTO_PID=""
cleanup() {
    [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "moto_server with signature checking (Tests/AWSPluginTests/Fixtures/moto_harness.py)"
export PATH="$VENV/bin:$PATH"
MOTO=$(python3 Tests/AWSPluginTests/Fixtures/moto_harness.py $$ | tail -1)
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$MOTO" "$1"; }
ENDPOINT=$(field endpoint); MOTO_PID=$(field pid)
export AWS_ACCESS_KEY_ID=$(field access_key) AWS_SECRET_ACCESS_KEY=$(field secret_key)
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
echo "    $ENDPOINT (pid $MOTO_PID)"
TOOL="python3 Tests/AWSPluginTests/Fixtures/s3/s3_tool.py $ENDPOINT"

step "file: $SIZE_MIB MiB of random bytes"
FILE=$WORK/context.tar.gz
head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$FILE"
HEX=$(sha256sum "$FILE" | cut -c1-64)
echo "    sha256:$HEX"

# ours ROUND: uploads through the plugin into bucket ours-ROUND; prints "wall_s peak_kib"
ours() {
    local bucket=la-bench-ours-$1 dir=$WORK/ours-$1
    mkdir -p "$dir"
    $TOOL create-bucket "$bucket"
    printf '{"store":"s3://%s/ctx","ops":[{"op":"upload","request":{"path":"%s","digest":"sha256:%s","size":%d}}],"cancel_at_progress":null}' \
        "$bucket" "$FILE" "$HEX" $((SIZE_MIB * 1048576)) > "$dir/in.json"
    LA_S3_PROBE_IN=$dir/in.json LA_S3_PROBE_OUT=$dir/out.json LA_S3_PROBE_PLUGIN_DIR=$SCRATCH/release \
    AWS_ENDPOINT_URL_S3=$ENDPOINT HOME=$dir \
        /usr/bin/time -f '%e %M' -o "$dir/time" "$TESTS" --testing-library swift-testing --filter S3PluginProbe >/dev/null 2>&1
    grep -q '"ok"' "$dir/out.json" || die "our upload failed: $(cat "$dir/out.json")"
    cat "$dir/time"
}

# peer ROUND: aws s3 cp into bucket aws-ROUND; prints "wall_s peak_kib"
peer() {
    local bucket=la-bench-aws-$1
    $TOOL create-bucket "$bucket"
    /usr/bin/time -f '%e %M' -o "$WORK/aws-$1.time" \
        aws s3 cp "$FILE" "s3://$bucket/ctx/$HEX.tar.gz" --endpoint-url "$ENDPOINT" --only-show-errors >/dev/null
    cat "$WORK/aws-$1.time"
}

step "$ROUNDS rounds, alternating"
: > "$WORK/ours.txt"; : > "$WORK/aws.txt"
for r in $(seq 1 "$ROUNDS"); do
    o=$(ours "$r"); p=$(peer "$r")
    echo "$o" >> "$WORK/ours.txt"; echo "$p" >> "$WORK/aws.txt"
    echo "    round $r: ours $o | aws s3 cp $p   (wall s, peak RSS KiB)"
    if [ "$r" = 1 ]; then
        [ "$($TOOL sha256 la-bench-ours-1 "ctx/$HEX.tar.gz")" = "$HEX" ] || die "our object does not match the file"
        [ "$($TOOL sha256 la-bench-aws-1 "ctx/$HEX.tar.gz")" = "$HEX" ] || die "the aws s3 cp object does not match the file"
        echo "    both objects read back with boto3: sha256 matches"
    fi
done

step "result ($SIZE_MIB MiB, median of $ROUNDS; wall time of the whole process, start to exit)"
python3 - "$WORK/ours.txt" "$WORK/aws.txt" "$SIZE_MIB" <<'EOF'
import statistics, sys
rows = []
for label, path in (("ours (context-store s3, release plugin)", sys.argv[1]), ("aws s3 cp (awscli v1)", sys.argv[2])):
    runs = [tuple(map(float, l.split())) for l in open(path) if l.strip()]
    wall = statistics.median(r[0] for r in runs)
    rss = statistics.median(r[1] for r in runs) / 1024
    rows.append((label, wall, float(sys.argv[3]) / wall, rss))
print(f"{'':42} {'wall s':>8} {'MiB/s':>8} {'peak RSS MiB':>13}")
for label, wall, rate, rss in rows:
    print(f"{label:42} {wall:8.2f} {rate:8.1f} {rss:13.1f}")
print(f"{'peer / ours':42} {rows[1][1] / rows[0][1]:7.2f}x {'':8} {rows[1][3] / rows[0][3]:12.2f}x")
EOF
