#!/usr/bin/env python3
"""Start the Kubernetes API server harness.

    python3 harness.py --state-dir DIR [--port 0] [--token T] [--allow-image busybox] ...

Prints ONE line of JSON on stdout once it serves:
    {"url": "https://127.0.0.1:PORT", "port": PORT, "kubeconfig": "DIR/kubeconfig", "token": "...",
     "ca": "DIR/ca.crt", ...}
and runs until SIGTERM/SIGINT.
"""
import argparse
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from k8s_harness.server import Harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True, help="TLS files, kubeconfig, pod directories")
    ap.add_argument("--port", type=int, default=0, help="0 = a free port")
    ap.add_argument("--token", default=None, help="bearer token (default: random)")
    ap.add_argument("--user", default="system:serviceaccount:default:launch-agent")
    ap.add_argument("--allow-image", action="append", default=[],
                    help="image (repository) whose command+args run as a local process, e.g. busybox")
    ap.add_argument("--pod-start-delay", type=float, default=0.2)
    ap.add_argument("--pod-run-seconds", type=float, default=0.5)
    ap.add_argument("--backoff-seconds", type=float, default=0.2)
    ap.add_argument("--retained-events", type=int, default=1000)
    ap.add_argument("--buildah-root", default=None, help="private buildah storage (default: the system's, vfs)")
    ap.add_argument("--registries-conf", default=None)
    a = ap.parse_args()
    h = Harness(a.state_dir, port=a.port, token=a.token, user=a.user, allow_images=a.allow_image,
                pod_start_delay=a.pod_start_delay, pod_run_seconds=a.pod_run_seconds,
                backoff_seconds=a.backoff_seconds, retained_events=a.retained_events,
                buildah_root=a.buildah_root, registries_conf=a.registries_conf).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(json.dumps(h.info()), flush=True)
    stop.wait()
    h.stop()


if __name__ == "__main__":
    main()
