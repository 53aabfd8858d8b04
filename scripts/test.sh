#!/usr/bin/env bash
# Runs every test of launch-agent from a fresh clone: installs what the tests
# need (Debian packages), builds the agent and all plugins (debug, plus the
# release plugins whose exported symbols the tests check), then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/install-deps.sh
. scripts/lib/install-deps.sh
install_build_deps

echo "==> swift build (debug: agent, plugins, tests)"
swift build --build-tests

echo "==> swift build -c release (plugins, for the exported-symbols test)"
swift build -c release

echo "==> Kubernetes test-cluster harness (pytest against the real kubernetes client and kubectl)"
Tests/KubernetesHarness/run_tests.sh

echo "==> swift test"
swift test --skip-build "$@"
