#!/usr/bin/env bash
# Runs every test of launch-agent from a fresh clone: installs what the tests
# need (Debian packages), builds the agent and all plugins (debug, plus the
# release plugins whose exported symbols the tests check), then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/install-deps.sh
. scripts/lib/install-deps.sh
install_build_deps

# moto (AWS), boto3/botocore (the reference signer) for the AWS plugin tests,
# in a venv of the build directory; the tests find python3 and moto_server on PATH.
echo "==> python test deps (moto, boto3) in .build/test-venv"
[ -x .build/test-venv/bin/python3 ] || python3 -m venv .build/test-venv
.build/test-venv/bin/pip install -q 'moto[server]>=5.1,<6' 'boto3>=1.35'
export PATH="$PWD/.build/test-venv/bin:$PATH"

echo "==> swift build (debug: agent, plugins, tests)"
# A plain build first: --build-tests alone does not relink plugin libraries whose sources changed.
swift build
swift build --build-tests

echo "==> swift build -c release (plugins, for the exported-symbols test)"
swift build -c release

echo "==> Kubernetes test-cluster harness (pytest against the real kubernetes client and kubectl)"
Tests/KubernetesHarness/run_tests.sh

echo "==> swift test"
swift test --skip-build "$@"
