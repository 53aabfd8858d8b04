#!/usr/bin/env python3
"""HTTP(S) server for the Services tests (HTTPClient and la_http_v1).

Binds 127.0.0.1 on a free port and prints "PORT" (or "PORT CA_PATH" with
--tls) as its first line. With --tls it first makes a throwaway CA and a
server certificate for 127.0.0.1/localhost with openssl in a temp dir.
With --mtls as well it requires a client certificate signed by that CA; one
is written beside the CA as client.pem and client.key.
It exits when its stdin reaches EOF (the test process is gone) or on SIGTERM.

Routes:
  /echo                 JSON: method, path, query, headers (in order), body, body_len, body_sha256
  /status/N             status N, body "boom"
  /slow?seconds=S       sleeps S seconds, then 200 "slow done"
  /drip?chunks=N&interval=S  headers at once, then N chunks of 1 KiB, S seconds apart
  /large?bytes=N        N bytes of the pattern i % 251, in 64 KiB writes
  /upload-check?path=P&offset=O&length=L
                        200 "match" when the request body equals that slice of P
                        byte for byte, else 409 with what differed
  /redirect             302 to /echo
  /hop?n=N              N > 0: 302 to /hop?n=N-1 with "X-Hop: N" and body "hop N";
                        N = 0: 200 "landed" with "X-Final: yes"
  /continue             for a request with "Expect: 100-continue": a "100 Continue" carrying
                        "X-Interim: continue", then (body read) a "103 Early Hints" carrying
                        "Link" and "X-Interim: hints", then 201 with "X-Final: yes" and JSON
                        {"expect_seen": bool, "body_len": N}
  /dup-headers          two Set-Cookie headers and a mixed-case header
"""
import hashlib
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def pattern(start, count):
    return bytes((i % 251) for i in range(start, start + count))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_expect_100(self):
        # /continue answers the expectation itself, with a header on the
        # interim response; every other route gets the stock "100 Continue".
        if urlparse(self.path).path == "/continue":
            return True
        return super().handle_expect_100()

    def interim_then_final(self):
        expected = self.headers.get("Expect", "").lower() == "100-continue"
        if expected:
            self.wfile.write(b"HTTP/1.1 100 Continue\r\nX-Interim: continue\r\n\r\n")
            self.wfile.flush()
        body = self.read_body()
        self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n"
                         b"X-Interim: hints\r\n\r\n")
        self.wfile.flush()
        doc = {"expect_seen": expected, "body_len": len(body)}
        self.reply(201, json.dumps(doc).encode(), [("X-Final", "yes")])

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/continue":
            return self.interim_then_final()  # reads the body only after the 100
        body = self.read_body()
        if path == "/echo":
            doc = {
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
                "body_len": len(body),
                "body_sha256": hashlib.sha256(body).hexdigest(),
            }
            self.reply(200, json.dumps(doc).encode(), [("Content-Type", "application/json")])
        elif path.startswith("/status/"):
            self.reply(int(path.split("/")[2]), b"boom")
        elif path == "/slow":
            time.sleep(float(query.get("seconds", "5")))
            self.reply(200, b"slow done")
        elif path == "/drip":
            chunks, interval = int(query.get("chunks", "10")), float(query.get("interval", "0.5"))
            self.send_response(200)
            self.send_header("Content-Length", str(chunks * 1024))
            self.end_headers()
            if self.command == "HEAD":
                return
            try:
                for _ in range(chunks):
                    self.wfile.write(b"d" * 1024)
                    self.wfile.flush()
                    time.sleep(interval)
            except OSError:
                pass
        elif path == "/large":
            total = int(query.get("bytes", "0"))
            self.send_response(200)
            self.send_header("Content-Length", str(total))
            self.end_headers()
            if self.command == "HEAD":
                return
            sent = 0
            while sent < total:
                n = min(65536, total - sent)
                self.wfile.write(pattern(sent, n))
                sent += n
        elif path == "/upload-check":
            offset, length = int(query["offset"]), int(query["length"])
            with open(query["path"], "rb") as f:
                f.seek(offset)
                expected = f.read(length)
            if body == expected:
                self.reply(200, b"match")
            else:
                first = next((i for i in range(min(len(body), len(expected))) if body[i] != expected[i]), None)
                msg = "mismatch: got %d bytes, expected %d; first differing byte: %s" % (len(body), len(expected), first)
                self.reply(409, msg.encode())
        elif path == "/redirect":
            self.reply(302, b"moved", [("Location", "/echo")])
        elif path == "/hop":
            n = int(query.get("n", "0"))
            if n > 0:
                self.reply(302, b"hop %d" % n, [("Location", "/hop?n=%d" % (n - 1)), ("X-Hop", str(n))])
            else:
                self.reply(200, b"landed", [("X-Final", "yes")])
        elif path == "/dup-headers":
            self.reply(200, b"ok", [("Set-Cookie", "a=1"), ("X-Mixed-Case", "Yes"), ("Set-Cookie", "b=2")])
        else:
            self.reply(404, b"no such route")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that time out or cancel hang up mid-reply; that is the test.
        pass


def make_certificates(directory):
    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=launch-agent services test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    run("req", *ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=launch-agent test client")
    with open(os.path.join(directory, "client.cnf"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n")
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "client.pem", "-days", "2", "-extfile", "client.cnf")
    return os.path.join(directory, "ca.pem")


def main():
    tls = "--tls" in sys.argv[1:]
    mutual = "--mtls" in sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix="la-services-tls-") if tls else None

    def finish(*_):
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, finish)
    server = QuietServer(("127.0.0.1", 0), Handler)
    first_line = str(server.server_address[1])
    if tls:
        ca = make_certificates(tmp)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(tmp, "server.pem"), os.path.join(tmp, "server.key"))
        if mutual:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(ca)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        first_line += " " + ca

    def watch_stdin():
        sys.stdin.buffer.read()
        finish()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(first_line, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
