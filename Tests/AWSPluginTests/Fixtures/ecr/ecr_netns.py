#!/usr/bin/env python3
"""An "ECR" reachable through its real hostname, for the ECR end-to-end test (TESTBED.md, "Redirecting cloud
hostnames"). Needs root and `ip netns`.

    ecr_netns.py up DIR OWNER_PID      prints one JSON line, then exits (servers keep running)
    ecr_netns.py down DIR              stops the servers (by PID) and removes the namespace and /etc/netns files

`up` creates:
  - a network namespace NS (lo only) with /etc/netns/NS/hosts mapping the registry host to 127.0.0.1, so
    inside `ip netns exec NS` everything (agent, libcurl, podman, skopeo) resolves the real ECR hostname;
  - a throwaway CA and a server certificate for that hostname (openssl);
  - moto_server inside NS with signature checking (moto_harness.py: an IAM user + access key), on a loopback
    port only reachable inside NS: the agent finds it through AWS_ENDPOINT_URL_ECR; ECR repository team/app;
  - docker-registry inside NS on 127.0.0.1:443 with TLS and htpasswd user AWS, whose password is the one
    moto's GetAuthorizationToken hands out (asked from moto with boto3, not assumed).

Output: {"ns", "host", "ca", "cert_dir", "moto": {...moto_harness output...}, "password", "registry_pid"}.
State for `down` is kept in DIR/state.json. A watcher also tears everything down when OWNER_PID exits, so a
crashed test run leaves no namespace behind.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time

signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())

ACCOUNT = "123456789012"
REGION = "us-east-1"
HOST = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args, **kw):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({r.returncode}): {r.stdout.decode(errors='replace')[-2000:]}")
    return r.stdout.decode()


def alive(pid):
    """True while `pid` runs; a zombie (exited, not yet reaped by whoever inherited it) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def kill(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, TypeError):
        return
    for _ in range(100):
        if not alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def down(d):
    try:
        state = json.load(open(os.path.join(d, "state.json")))
    except (OSError, ValueError):
        return
    for pid in state.get("pids", []):
        kill(pid)
    ns = state["ns"]
    subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)
    try:
        os.rmdir("/etc/netns")   # only when empty: another namespace may use it
    except OSError:
        pass
    os.unlink(os.path.join(d, "state.json"))


def make_certs(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=launch-agent ECR test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    run("openssl", "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={HOST}", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write(f"subjectAltName=DNS:{HOST}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    # skopeo/podman --cert-dir layout: <dir>/ca.crt
    os.makedirs(os.path.join(d, "certs"), exist_ok=True)
    shutil.copy(os.path.join(d, "ca.pem"), os.path.join(d, "certs", "ca.crt"))


def up(d, owner):
    ns = f"la-ecr-{owner}"
    state = {"ns": ns, "pids": []}
    save = lambda: json.dump(state, open(os.path.join(d, "state.json"), "w"))
    save()
    run("ip", "netns", "add", ns)
    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
    os.makedirs(f"/etc/netns/{ns}", exist_ok=True)
    with open(f"/etc/netns/{ns}/hosts", "w") as f:
        f.write(f"127.0.0.1 localhost\n::1 localhost\n127.0.0.1 {HOST}\n")
    make_certs(d)

    # moto inside the namespace (its harness prints a JSON line and leaves moto running).
    out = run("ip", "netns", "exec", ns, sys.executable, os.path.join(HERE, "..", "moto_harness.py"), str(owner))
    moto = json.loads(out.strip().splitlines()[-1])
    state["pids"].append(moto["pid"])
    save()

    # The password moto's GetAuthorizationToken hands out, asked inside the namespace with boto3.
    probe = ("import boto3, json, sys; m = json.loads(sys.argv[1]); "
             "c = boto3.client('ecr', endpoint_url=m['endpoint'], region_name='us-east-1', "
             "aws_access_key_id=m['access_key'], aws_secret_access_key=m['secret_key']); "
             "c.create_repository(repositoryName='team/app'); "
             "print(c.get_authorization_token()['authorizationData'][0]['authorizationToken'])")
    token = run("ip", "netns", "exec", ns, sys.executable, "-c", probe, json.dumps(moto)).strip().splitlines()[-1]
    user, password = base64.b64decode(token).decode().split(":", 1)
    assert user == "AWS", user

    htpasswd = run("htpasswd", "-Bbn", user, password)
    with open(os.path.join(d, "htpasswd"), "w") as f:
        f.write(htpasswd)
    os.makedirs(os.path.join(d, "storage"), exist_ok=True)
    with open(os.path.join(d, "registry.yml"), "w") as f:
        f.write(f"""version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {d}/storage
http:
  addr: 127.0.0.1:443
  tls:
    certificate: {d}/server.pem
    key: {d}/server.key
auth:
  htpasswd:
    realm: ecr-test
    path: {d}/htpasswd
""")
    log = open(os.path.join(d, "registry.log"), "w")
    registry = subprocess.Popen(["ip", "netns", "exec", ns, "docker-registry", "serve", os.path.join(d, "registry.yml")],
                                stdout=log, stderr=log, start_new_session=True)
    state["pids"].append(registry.pid)
    save()
    # Ready when it answers 401 over TLS verified with the test CA, by name, from inside the namespace.
    ping = ("import ssl, sys, urllib.error, urllib.request\n"
            "ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
            "try:\n    urllib.request.urlopen(sys.argv[2], context=ctx, timeout=2)\n"
            "except urllib.error.HTTPError as e:\n    print(e.code)\n"
            "except Exception as e:\n    print(e)\n")
    for _ in range(200):
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", ping, os.path.join(d, "ca.pem"), f"https://{HOST}/v2/"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.stdout.strip() == b"401":
            break
        time.sleep(0.1)
    else:
        raise SystemExit("docker-registry did not answer over TLS: " + open(os.path.join(d, "registry.log")).read()[-2000:])

    if os.fork() == 0:
        # The watcher: tear down when the owner (the test process) is gone, unless `down` did it already.
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        while os.path.exists(os.path.join(d, "state.json")):
            if not alive(owner):
                down(d)
                break
            time.sleep(0.5)
        os._exit(0)

    print(json.dumps({"ns": ns, "host": HOST, "ca": os.path.join(d, "ca.pem"), "cert_dir": os.path.join(d, "certs"),
                      "moto": moto, "password": password, "registry_pid": registry.pid}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "up":
        try:
            up(sys.argv[2], int(sys.argv[3]))
        except BaseException:
            down(sys.argv[2])
            raise
    else:
        down(sys.argv[2])
