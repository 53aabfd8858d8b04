#!/usr/bin/env bash
# Builds the agent and every plugin (release), then runs a sample job end to
# end on the embedded default: local queue, default builder choice, the
# local-process runner. No network needed. State goes to a fresh temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/install-deps.sh
. scripts/lib/install-deps.sh
install_build_deps

echo "==> swift build -c release"
swift build -c release
bin="$(swift build -c release --show-bin-path)"
agent="$bin/agent"
state="$(mktemp -d /tmp/launch-agent-example.XXXXXX)"

echo
echo "==> agent plugins list"
"$agent" plugins list
echo
echo "==> agent --config examples/launch-config.yaml config validate"
"$agent" --config examples/launch-config.yaml config validate
echo
echo "==> agent submit examples/hello/job.yaml"
id="$("$agent" --state-dir "$state" submit examples/hello/job.yaml)"
echo "$id"
echo
echo "==> agent run --once"
"$agent" --state-dir "$state" --config examples/launch-config.yaml run --once
echo
echo "==> agent jobs show $id"
"$agent" --state-dir "$state" jobs show "$id"
echo
echo "==> the job's log"
cat "$state/logs/$id.log"
echo
echo "status and log are under $state (agent --state-dir $state jobs list)"
