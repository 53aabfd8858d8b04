#!/usr/bin/env bash
# Tests of the Kubernetes API server harness against the real clients (the `kubernetes` Python client, kubectl)
# and, for kaniko Jobs, a real build (buildah) pushed to a real docker-registry and checked with skopeo.
# Creates its own venv (Tests/KubernetesHarness/.venv) with pinned PyPI packages.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
for pkg in python3-venv openssl buildah skopeo docker-registry apache2-utils; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v kubectl >/dev/null 2>&1 || echo "==> note: no kubectl on PATH; the kubectl test will be skipped"

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "==> python3 -m venv Tests/KubernetesHarness/.venv"
    "$PY" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
echo "==> pytest Tests/KubernetesHarness"
export PATH="$PWD/.venv/bin:$PATH"  # moto_server from the venv
exec .venv/bin/python -m pytest -q test_harness.py "$@"
