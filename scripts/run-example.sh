#!/usr/bin/env bash
# Builds the agent and every plugin (release) and runs it on the embedded
# default: lists the plugins it finds and validates the example config.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/install-deps.sh
. scripts/lib/install-deps.sh
install_build_deps

echo "==> swift build -c release"
swift build -c release
bin="$(swift build -c release --show-bin-path)"

echo
echo "==> $bin/agent plugins list"
"$bin/agent" plugins list
echo
echo "==> $bin/agent --config examples/launch-config.yaml config validate"
"$bin/agent" --config examples/launch-config.yaml config validate
