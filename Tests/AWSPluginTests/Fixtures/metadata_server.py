#!/usr/bin/env python3
"""Strict local stand-ins for the credential endpoints AWS runs on its hosts.

    metadata_server.py container PORTFILE LOG EXPECTED_AUTH   # ECS / EKS Pod Identity container credentials
    metadata_server.py imds PORTFILE LOG                      # EC2 instance metadata, IMDSv2 only

container: GET /creds with `Authorization: EXPECTED_AUTH` (when given) answers the credentials JSON; a missing
or wrong token gets 401. imds: PUT /latest/api/token (with X-aws-ec2-metadata-token-ttl-seconds) returns a
session token; GET of /latest/meta-data/iam/security-credentials/ and .../<role> need that token in
X-aws-ec2-metadata-token (else 401, as IMDSv2 does); IMDSv1 requests (no token) are refused.
Writes "PORT PID" to PORTFILE and one line per request to LOG.
"""
import json
import signal
# The test process blocks some signals in its threads and children inherit the mask: unblock them, or
# SIGTERM by PID would not stop this server (or moto, which inherits the mask from here).
signal.pthread_sigmask(signal.SIG_UNBLOCK, range(1, signal.NSIG))
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode, portfile, logpath = sys.argv[1], sys.argv[2], sys.argv[3]
expected_auth = sys.argv[4] if len(sys.argv) > 4 else None
TOKEN = "imds-session-token-0123456789"
ROLE = "launch-agent-node"
CREDS = {"AccessKeyId": "ASIAMETADATAEXAMPLE", "SecretAccessKey": "metadata/secret/key/EXAMPLE",
         "Token": "metadata-session-token-EXAMPLE", "Expiration": "2099-01-01T00:00:00Z"}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self):
        with open(logpath, "a") as f:
            hdrs = " ".join(f"{k.lower()}={v}" for k, v in self.headers.items() if k.lower() != "host")
            f.write(f"{self.command} {self.path} {hdrs}\n")

    def answer(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        self.record()
        if mode == "imds" and self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(200, TOKEN, "text/plain")
        self.answer(400, "bad request", "text/plain")

    def do_GET(self):
        self.record()
        if mode == "container":
            if expected_auth is not None and self.headers.get("Authorization") != expected_auth:
                return self.answer(401, json.dumps({"code": "Unauthorized"}))
            if self.path == "/creds":
                return self.answer(200, json.dumps(CREDS))
            return self.answer(404, "{}")
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            return self.answer(401, "", "text/plain")
        if self.path == "/latest/meta-data/iam/security-credentials/":
            return self.answer(200, ROLE, "text/plain")
        if self.path == "/latest/meta-data/iam/security-credentials/" + ROLE:
            return self.answer(200, json.dumps(dict(CREDS, Code="Success", Type="AWS-HMAC", LastUpdated="2026-01-01T00:00:00Z")))
        self.answer(404, "", "text/plain")


import os  # noqa: E402
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(f"{server.server_address[1]} {os.getpid()}\n")
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
