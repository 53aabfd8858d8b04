#!/usr/bin/env python3
"""An HTTP/1.1 proxy in front of moto_server that logs every request and can break UploadPart requests.

    fault_proxy.py UPSTREAM_URL PORT_FILE LOG_FILE [--cut-part N] [--cut-times K] [--delay-parts SECONDS]

Clients reach it through AWS_ENDPOINT_URL_S3 (path-style, so the path names bucket and key). Requests are
forwarded byte for byte with their own Host header, so moto still checks the client's SigV4 signature.

--cut-part N     the first K (--cut-times, default 1) UploadPart requests for part N are cut: the proxy reads
                 half the body, then closes the connection without answering (a dropped connection mid-body).
--delay-parts S  every UploadPart but part 1 waits S seconds before the proxy reads its body (gives a test
                 time to cancel while parts are in flight).

Writes "PORT PID" to PORT_FILE once listening. LOG_FILE gets one line per request: "METHOD PATH?QUERY",
and "CUT METHOD PATH?QUERY" for a cut one.
"""
import http.client
import http.server
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse

signal.pthread_sigmask(signal.SIG_UNBLOCK, range(1, signal.NSIG))

upstream = urllib.parse.urlsplit(sys.argv[1])
port_file, log_file = sys.argv[2], sys.argv[3]
args = sys.argv[4:]


def option(name, default):
    return args[args.index(name) + 1] if name in args else default


cut_part = option("--cut-part", None)
cuts_left = [int(option("--cut-times", "1"))]
delay_parts = float(option("--delay-parts", "0"))
lock = threading.Lock()


def log(line):
    with lock:
        with open(log_file, "a") as f:
            f.write(line + "\n")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive and 100-continue, as S3 does

    def log_message(self, *a):
        pass

    def forward(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        part = query.get("partNumber", [None])[0] if self.command == "PUT" and "uploadId" in query else None
        if part is not None and part != "1" and delay_parts > 0:
            time.sleep(delay_parts)
        if part is not None and part == cut_part:
            with lock:
                cut = cuts_left[0] > 0
                if cut:
                    cuts_left[0] -= 1
            if cut:
                log(f"CUT {self.command} {self.path}")
                self.rfile.read(length // 2)
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
        log(f"{self.command} {self.path}")
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=300)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in ("connection", "keep-alive", "expect", "proxy-connection"):
                conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", response.getheader("Content-Length") or "0")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(f"{server.server_address[1]} {os.getpid()}\n")
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
