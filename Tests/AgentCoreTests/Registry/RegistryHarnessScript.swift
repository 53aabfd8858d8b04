/// The python harness the registry tests start (see its docstring): written
/// to a temp file at first use, so the test target needs no resource rules.
enum RegistryHarnessScript {
    static let source = #"""
"""Test harness for the registry tests (written out by RegistryHarness.swift).

  harness.py registry DIR [--user U --password P] [--tls] [--push REPO:TAG=ARCH[,ARCH]]...
      A real docker-registry (CNCF distribution) on 127.0.0.1:<free port>,
      filesystem storage under DIR, htpasswd auth, optional TLS from a
      throwaway openssl CA; images pushed with `skopeo copy` from OCI layouts
      written here by hand.
  harness.py fake DIR --mode flaky|always|bearer [--failures N] [--status S]
                  [--retry-after X] [--user U --password P] [--refresh T] [--realm URL]
      A python stand-in for the cases docker-registry cannot produce: 5xx,
      429 with Retry-After, and Bearer token auth with a token service.

Prints one JSON line ({"port", "ca", "pid", "digests"}), then runs until its
stdin closes or it gets SIGTERM, and stops what it started.
"""
import gzip, hashlib, io, json, os, secrets, shutil, signal, socket, subprocess, sys, tarfile, threading, time, base64
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

CHILDREN = []


def stop(*_):
    for p in CHILDREN:
        try:
            p.terminate(); p.wait(5)
        except Exception:
            try: p.kill()
            except Exception: pass
    os._exit(0)


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def run(*args, cwd=None):
    r = subprocess.run(list(args), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.stdout.write(json.dumps({"error": "%s failed: %s" % (args[0], r.stdout.decode(errors="replace")[-2000:])}) + "\n")
        sys.stdout.flush(); stop()
    return r.stdout


def make_ca(d):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=launch-agent registry test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    run("openssl", "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    return os.path.join(d, "ca.pem")


# ---- OCI layouts, by hand ----

def blob(root, data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "blobs", "sha256", digest), "wb") as f: f.write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}


def image(root, arch, variant):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        data = ("hello from %s\n" % arch).encode()
        info = tarfile.TarInfo("hello.txt"); info.size = len(data); info.mtime = 0
        t.addfile(info, io.BytesIO(data))
    tar = buf.getvalue()
    # gzip with mtime 0: stable bytes, and skopeo has no reason to recompress.
    layer = blob(root, gzip.compress(tar, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    config = {"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id]}, "config": {}}
    if variant: config["variant"] = variant
    cfg = blob(root, json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cfg, "layers": [layer]}
    desc = blob(root, json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
    desc["platform"] = {"architecture": arch, "os": "linux"}
    if variant: desc["platform"]["variant"] = variant
    return desc


def oci_layout(root, tag, platforms):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f: f.write('{"imageLayoutVersion":"1.0.0"}')
    descs = [image(root, p.split("/")[1], (p.split("/") + [None, None])[2]) for p in platforms]
    if len(descs) == 1:
        top = descs[0]; top.pop("platform")
    else:
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descs}
        top = blob(root, json.dumps(index).encode(), "application/vnd.oci.image.index.v1+json")
    top["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with open(os.path.join(root, "index.json"), "w") as f: json.dump({"schemaVersion": 2, "manifests": [top]}, f)
    return top["digest"]


def registry(d, args):
    for tool, package in [("docker-registry", "docker-registry"), ("skopeo", "skopeo"), ("htpasswd", "apache2-utils"), ("openssl", "openssl")]:
        if shutil.which(tool) is None:
            sys.stdout.write(json.dumps({"error": "%s not found: apt-get install %s" % (tool, package)}) + "\n")
            sys.stdout.flush(); stop()
    port = free_port()
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    lines = ["version: 0.1", "log: {level: error, accesslog: {disabled: true}}",
             "storage: {filesystem: {rootdirectory: %s/data}, delete: {enabled: true}}" % d]
    http = "http: {addr: 127.0.0.1:%d" % port
    ca = ""
    if args.get("tls"):
        ca = make_ca(d)
        http += ", tls: {certificate: %s/server.pem, key: %s/server.key}" % (d, d)
    lines.append(http + "}")
    if args.get("user"):
        with open(os.path.join(d, "htpasswd"), "wb") as f:
            f.write(run("htpasswd", "-Bbn", args["user"], args["password"]))
        lines.append("auth: {htpasswd: {realm: launch-agent-test, path: %s/htpasswd}}" % d)
    with open(os.path.join(d, "config.yml"), "w") as f: f.write("\n".join(lines) + "\n")
    proc = subprocess.Popen(["docker-registry", "serve", os.path.join(d, "config.yml")],
                            stdout=open(os.path.join(d, "registry.log"), "w"), stderr=subprocess.STDOUT)
    CHILDREN.append(proc)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); break
        except OSError:
            if proc.poll() is not None: break
            time.sleep(0.05)
    digests = {}
    for n, spec in enumerate(args.get("push", [])):
        ref, platforms = spec.split("=")
        repo, tag = ref.rsplit(":", 1)
        layout = os.path.join(d, "oci-%d" % n)
        digests[ref] = oci_layout(layout, tag, platforms.split(","))
        cmd = ["skopeo", "copy", "--quiet", "--preserve-digests"]
        if "," in platforms: cmd.append("--all")
        if args.get("user"): cmd += ["--dest-creds", "%s:%s" % (args["user"], args["password"])]
        if args.get("tls"):
            certs = os.path.join(d, "certs"); os.makedirs(certs, exist_ok=True)
            with open(os.path.join(certs, "ca.crt"), "w") as f: f.write(open(ca).read())
            cmd += ["--dest-cert-dir", certs]
        else:
            cmd.append("--dest-tls-verify=false")
        run(*cmd, "oci:%s:%s" % (layout, tag), "docker://127.0.0.1:%d/%s" % (port, ref))
    return {"port": port, "ca": ca, "pid": proc.pid, "digests": digests}


# ---- python fakes ----

FAKE_DIGEST = "sha256:" + "ab" * 32


class Fake(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    opts = {}
    lock = threading.Lock()
    stats = {"manifest_requests": 0, "token_requests": 0, "token_queries": [], "authorizations": []}
    tokens = set()

    def log_message(self, *a): pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self): self.route()
    def do_HEAD(self): self.route()
    def do_POST(self): self.route()

    def route(self):
        o = self.opts
        url = urlparse(self.path)
        if url.path == "/_stats":
            with self.lock: return self.reply(200, json.dumps(self.stats).encode())
        if url.path == "/token":
            return self.token(url)
        if not url.path.startswith("/v2/"):
            return self.reply(404)
        if o["mode"] == "bearer":
            auth = self.headers.get("Authorization", "")
            with self.lock: self.stats["authorizations"].append(auth.split(" ")[0])
            if not (auth.startswith("Bearer ") and auth[7:] in self.tokens):
                realm = o.get("realm") or "http://127.0.0.1:%d/token" % self.server.server_address[1]
                repo = url.path[4:].split("/manifests/")[0]
                return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', [
                    ("WWW-Authenticate", 'Bearer realm="%s",service="fake-registry",scope="repository:%s:pull"' % (realm, repo)),
                    ("Content-Type", "application/json")])
        with self.lock:
            self.stats["manifest_requests"] += 1
            n = self.stats["manifest_requests"]
        if o["mode"] == "always" or (o["mode"] == "flaky" and n <= o["failures"]):
            headers = [("Content-Type", "application/json")]
            if o.get("retry_after") is not None: headers.append(("Retry-After", o["retry_after"]))
            return self.reply(o["status"], b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}', headers)
        if url.path.endswith("/manifests/v1"):
            body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + "cd" * 32, "size": 2},
                               "layers": []}).encode()
            return self.reply(200, body, [("Content-Type", "application/vnd.oci.image.manifest.v1+json"), ("Docker-Content-Digest", FAKE_DIGEST)])
        return self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', [("Content-Type", "application/json")])

    def token(self, url):
        o = self.opts
        if self.command == "POST":
            form = parse_qs(self.body().decode())
            ok = form.get("grant_type") == ["refresh_token"] and form.get("refresh_token") == [o.get("refresh", "")]
            query = {k: v for k, v in form.items() if k != "refresh_token"}
        else:
            query = parse_qs(url.query)
            expected = "Basic " + base64.b64encode(("%s:%s" % (o.get("user"), o.get("password"))).encode()).decode()
            ok = self.headers.get("Authorization") == expected
        with self.lock:
            self.stats["token_requests"] += 1
            self.stats["token_queries"].append({"method": self.command, "query": query})
        if not ok or query.get("service") != ["fake-registry"] or not any(s.startswith("repository:") and s.endswith(":pull") for s in query.get("scope", [])):
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}', [("Content-Type", "application/json")])
        token = secrets.token_hex(16)
        with self.lock: self.tokens.add(token)
        key = "access_token" if self.command == "POST" else "token"
        return self.reply(200, json.dumps({key: token, "expires_in": 300}).encode(), [("Content-Type", "application/json")])


def fake(d, args):
    Fake.opts = {"mode": args["mode"], "failures": int(args.get("failures", 0)), "status": int(args.get("status", 500)),
                 "retry_after": args.get("retry_after"), "user": args.get("user"), "password": args.get("password"),
                 "refresh": args.get("refresh"), "realm": args.get("realm")}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return {"port": server.server_address[1], "ca": "", "pid": os.getpid(), "digests": {}}


def main():
    signal.signal(signal.SIGTERM, stop)
    kind, d = sys.argv[1], sys.argv[2]
    args, rest = {}, sys.argv[3:]
    i = 0
    while i < len(rest):
        key = rest[i][2:].replace("-", "_")
        if key == "tls":
            args["tls"] = True; i += 1; continue
        if key == "push":
            args.setdefault("push", []).append(rest[i + 1])
        else:
            args[key] = rest[i + 1]
        i += 2
    info = registry(d, args) if kind == "registry" else fake(d, args)
    sys.stdout.write(json.dumps(info) + "\n"); sys.stdout.flush()
    while sys.stdin.buffer.read(1024):
        pass
    stop()


main()
"""#
}
