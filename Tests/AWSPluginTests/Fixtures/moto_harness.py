#!/usr/bin/env python3
"""Starts moto_server with signature checking and prints one JSON line describing it.

    moto_harness.py OWNER_PID [--no-auth]

moto checks SigV4 once INITIAL_NO_AUTH_ACTION_COUNT calls have been made: the first 3 calls (made here with
boto3) create an IAM user, an inline policy allowing everything, and an access key; every later request must
be signed with that key. Also creates nothing else. A watcher stops moto (by PID) when OWNER_PID exits.

Output: {"endpoint", "pid", "access_key", "secret_key", "account", "user_arn"}

--no-auth starts a moto without signature checking and creates nothing (access_key etc. are empty): for
STS AssumeRoleWithWebIdentity, which the SDKs send unsigned and which moto's signature checking cannot
handle (it fails with a 500 on any request without an Authorization header).
"""
import json
import signal
# The test process blocks some signals in its threads and children inherit the mask: unblock them, or
# SIGTERM by PID would not stop this server (or moto, which inherits the mask from here).
signal.pthread_sigmask(signal.SIG_UNBLOCK, range(1, signal.NSIG))
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

owner = int(sys.argv[1])
no_auth = "--no-auth" in sys.argv[2:]
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
endpoint = f"http://127.0.0.1:{port}"
env = dict(os.environ)
if not no_auth:
    env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"moto-{port}.log"), "w")
proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=log, stderr=log,
                        start_new_session=True)
for _ in range(200):
    try:
        urllib.request.urlopen(endpoint + "/moto-api/", timeout=0.5)
        break
    except Exception:
        time.sleep(0.05)
else:
    proc.kill()
    sys.exit(f"moto_server did not start on {endpoint}")

import boto3  # noqa: E402

if no_auth:
    user = {"Arn": "arn:aws:iam::123456789012:user/none"}
    key = {"AccessKeyId": "", "SecretAccessKey": ""}
else:
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    user = iam.create_user(UserName="launch-agent")["User"]
    iam.put_user_policy(UserName="launch-agent", PolicyName="all",
                        PolicyDocument=json.dumps({"Version": "2012-10-17",
                                                   "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="launch-agent")["AccessKey"]

if os.fork() == 0:
    # The watcher: stop moto when the owner (the test process) is gone.
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    while True:
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            break
        try:
            os.kill(proc.pid, 0)   # (not proc.poll(): this fork is not moto's parent)
        except ProcessLookupError:
            os._exit(0)
        time.sleep(0.5)
    os.kill(proc.pid, signal.SIGTERM)
    os._exit(0)

print(json.dumps({"endpoint": endpoint, "pid": proc.pid, "access_key": key["AccessKeyId"],
                  "secret_key": key["SecretAccessKey"], "account": user["Arn"].split(":")[4], "user_arn": user["Arn"]}))
sys.stdout.flush()
os._exit(0)
