"""The harness: TLS server, tokens, kubeconfig, and the write path (validate, default, store, cascade)."""
import copy
import json
import os
import secrets
import ssl
import subprocess
import threading
import uuid
from http.server import ThreadingHTTPServer

from .api import (RESOURCES, Handler, already_exists, api_version, apply_defaults, bad_request, conflict,
                  invalid_error, json_patch, merge_patch, not_found, qualified, strategic_merge_patch)
from .store import ApiError, Store, now_rfc3339
from . import validation as V


def make_tls(state_dir):
    """A test CA and a server certificate for 127.0.0.1/localhost (openssl CLI)."""
    ca_key, ca_crt = os.path.join(state_dir, "ca.key"), os.path.join(state_dir, "ca.crt")
    key, csr, crt = (os.path.join(state_dir, n) for n in ("server.key", "server.csr", "server.crt"))
    ext = os.path.join(state_dir, "server.ext")

    def run(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "2",
        "-subj", "/CN=kubernetes-harness-ca")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=kube-apiserver")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n"
                "extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n")
    run("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt, "-days", "2",
        "-extfile", ext)
    # A client certificate signed by the same CA, as kube-apiserver's --client-ca-file accepts: CN is the user.
    ckey, ccsr, ccrt = (os.path.join(state_dir, n) for n in ("client.key", "client.csr", "client.crt"))
    cext = os.path.join(state_dir, "client.ext")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", ckey, "-out", ccsr, "-subj", "/O=system:masters/CN=harness-admin")
    with open(cext, "w") as f:
        f.write("extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n")
    run("x509", "-req", "-in", ccsr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", ccrt, "-days", "2",
        "-extfile", cext)
    return ca_crt, crt, key


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Harness:
    def __init__(self, state_dir, port=0, token=None, user="system:serviceaccount:default:launch-agent",
                 allow_images=(), pod_start_delay=0.2, pod_run_seconds=0.5, retained_events=1000,
                 watch_timeout=1800, buildah_root=None, registries_conf=None, context_fetcher=None,
                 backoff_seconds=0.2):
        self.state_dir = os.path.abspath(state_dir)
        os.makedirs(self.state_dir, exist_ok=True)
        self.port = port
        self.token = token or secrets.token_hex(16)
        self.user = user
        self.tokens = {self.token: user}
        self.store = Store(retained_events)
        self.forbidden = []
        self.behaviours = []
        self.requests = []
        self.logs = {}
        self.allow_images = list(allow_images)
        self.pod_start_delay = pod_start_delay
        self.pod_run_seconds = pod_run_seconds
        self.backoff_seconds = backoff_seconds
        self.watch_timeout = watch_timeout
        self.buildah_root = buildah_root
        self.registries_conf = registries_conf
        self.context_fetcher = context_fetcher  # callable(url, dest_path, pod_env) or None
        self.schemas = V.SchemaValidator()
        self.stopping = False
        self._audit = 0
        from .controller import Controller
        self.controller = Controller(self)

    # ---- lifecycle
    def start(self):
        ca, crt, key = make_tls(self.state_dir)
        self.ca_file = ca
        handler = type("BoundHandler", (Handler,), {"harness": self})
        self.httpd = _Server(("127.0.0.1", self.port), handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        # Client certificates are optional and, when sent, must chain to the harness CA (x509 authentication).
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(ca)
        ctx.set_alpn_protocols(["http/1.1"])
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = "https://127.0.0.1:%d" % self.port
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.create("namespaces", None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}, {})
        self.kubeconfig = os.path.join(self.state_dir, "kubeconfig")
        self.write_kubeconfig(self.kubeconfig)
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.stopping = True
        self.controller.stop()
        with self.store.cond:
            self.store.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def info(self):
        return {"url": self.url, "port": self.port, "kubeconfig": self.kubeconfig, "token": self.token,
                "ca": self.ca_file, "user": self.user, "stateDir": self.state_dir, "pid": os.getpid(),
                "clientCert": os.path.join(self.state_dir, "client.crt"),
                "clientKey": os.path.join(self.state_dir, "client.key")}

    def write_kubeconfig(self, path, namespace="default"):
        # JSON is YAML: kubectl and the Python client read it.
        cfg = {"apiVersion": "v1", "kind": "Config", "current-context": "harness",
               "clusters": [{"name": "harness", "cluster": {"server": self.url, "certificate-authority": self.ca_file}}],
               "users": [{"name": "harness-user", "user": {"token": self.token}}],
               "contexts": [{"name": "harness", "context": {"cluster": "harness", "user": "harness-user",
                                                             "namespace": namespace}}]}
        with open(path, "w") as f:
            json.dump(cfg, f, indent=2)

    def audit_id(self):
        self._audit += 1
        return str(uuid.UUID(int=self._audit))

    def record_request(self, method, path, headers):
        if len(self.requests) < 5000:
            self.requests.append({"method": method, "path": path,
                                  "userAgent": headers.get("User-Agent", ""),
                                  "contentType": headers.get("Content-Type", "")})

    # ---- scripting for tests
    def add_token(self, token, user):
        self.tokens[token] = user

    def forbid(self, verb="*", resource="*", namespace=None):
        self.forbidden.append((verb, resource, namespace))

    def add_behaviour(self, rule):
        """rule: {"image": substring, "exitCode": int, "log": str, "seconds": float}"""
        self.behaviours.append(rule)

    def check_forbidden(self, user, verb, resource, ns, name, sub):
        for v, r, n in self.forbidden:
            if v in ("*", verb) and r in ("*", resource, "%s/%s" % (resource, sub)) and (n is None or n == ns):
                g = RESOURCES[resource]["group"]
                res = resource + ("/" + sub if sub else "")
                target = qualified(resource) + (' "%s"' % name if name else "")
                where = ' in the namespace "%s"' % ns if ns else " at the cluster scope"
                msg = '%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s"%s' % (
                    target, user, verb, res, g, where)
                d = {"kind": resource}
                if name:
                    d = {"name": name, "kind": resource}
                if g:
                    d = dict(d, group=g)
                    d = {k: d[k] for k in ("name", "group", "kind") if k in d}
                raise ApiError(403, "Forbidden", msg, d)

    # ---- write path
    def _prepare(self, resource, ns, body, q, old=None):
        if not isinstance(body, dict):
            raise bad_request("the object provided is unrecognized")
        info = RESOURCES[resource]
        obj = copy.deepcopy(body)
        kind, av = obj.get("kind"), obj.get("apiVersion")
        if kind and kind != info["kind"] or av and av != api_version(resource):
            raise bad_request('the API version in the data (%s) does not match the expected API version (%s)'
                              % (av, api_version(resource)) if av != api_version(resource) else
                              '%s in version "%s" cannot be handled as a %s: no kind "%s" is registered'
                              % (info["kind"], info["version"], info["kind"], kind))
        obj["kind"], obj["apiVersion"] = info["kind"], api_version(resource)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if info["namespaced"]:
            if meta.get("namespace") and meta["namespace"] != ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                                  "request")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        # schema validation of what the client sent
        causes, unknown = self.schemas.errors(obj)
        warnings = []
        if unknown:
            fields = ["%s" % V.field_path(p + [k]) for p, k in unknown]
            mode = q.get("fieldValidation") or "Warn"
            if mode == "Strict":
                raise bad_request('%s in version "%s" cannot be handled as a %s: strict decoding error: %s' % (
                    info["kind"], info["version"], info["kind"],
                    ", ".join('unknown field "%s"' % f for f in fields)))
            if mode == "Warn":
                warnings = ['unknown field "%s"' % f for f in fields]
            V.prune_unknown(obj, unknown)
        name = meta.get("name") or meta.get("generateName") or ""
        if causes:
            raise invalid_error(resource, name, causes)
        return obj, warnings

    def create(self, resource, ns, body, q):
        obj, warnings = self._prepare(resource, ns, body, q)
        info = RESOURCES[resource]
        if info["namespaced"]:
            nso = self.store.get("namespaces", "", ns)
            if nso is None:
                raise not_found("namespaces", ns)
            if (nso.get("status") or {}).get("phase") == "Terminating":
                raise ApiError(403, "Forbidden", 'unable to create new content in namespace %s because it is being '
                               'terminated' % ns, {"name": obj["metadata"].get("name", ""), "kind": resource})
        meta = obj["metadata"]
        for k in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "selfLink", "managedFields"):
            meta.pop(k, None)
        meta.pop("generation", None)
        apply_defaults(resource, obj, create=True)
        if resource == "jobs":
            self.controller.default_job(obj)
        errs = V.validate_semantic(resource, obj)
        if errs:
            raise invalid_error(resource, meta.get("name") or meta.get("generateName") or "", errs)
        if _truthy_dry_run(q):
            return obj, warnings
        with self.store.cond:
            out = self.store.create(resource, obj)
        if out is None:
            raise already_exists(resource, meta["name"])
        return out, warnings

    def update(self, resource, ns, name, body, q, sub=None):
        info = RESOURCES[resource]
        nsk = ns if info["namespaced"] else ""
        with self.store.cond:
            old = self.store.get(resource, nsk, name)
            if old is None:
                raise not_found(resource, name)
            obj, warnings = self._prepare(resource, ns, body, q, old)
            meta = obj["metadata"]
            if meta.get("name") != name:
                raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                  % (meta.get("name"), name))
            rv = meta.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise conflict(resource, name)
            if not rv and resource not in ("namespaces",):
                pass  # unconditional update is allowed for these kinds
            for k in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "ownerReferences"):
                if k in old["metadata"] and k != "ownerReferences":
                    meta[k] = old["metadata"][k]
            if sub == "status":
                new = copy.deepcopy(old)
                new["status"] = obj.get("status") or {}
                obj = new
            else:
                if resource in ("jobs", "pods", "namespaces"):
                    obj["status"] = old.get("status") or {}
                apply_defaults(resource, obj, create=False)
                if resource == "jobs":
                    self.controller.default_job(obj, old)
                errs = V.validate_semantic(resource, obj, old)
                if errs:
                    raise invalid_error(resource, name, errs)
                if obj.get("spec") != old.get("spec") and "generation" in old["metadata"]:
                    obj["metadata"]["generation"] = old["metadata"]["generation"] + 1
            if _truthy_dry_run(q):
                return obj, warnings
            return self.store.replace(resource, obj), warnings

    def patch(self, resource, ns, name, ctype, body, q, sub=None):
        info = RESOURCES[resource]
        with self.store.cond:
            old = self.store.get(resource, ns if info["namespaced"] else "", name)
            if old is None:
                raise not_found(resource, name)
            if ctype == "application/merge-patch+json":
                new = merge_patch(old, body)
            elif ctype == "application/strategic-merge-patch+json":
                new = strategic_merge_patch(old, body)
            elif ctype == "application/json-patch+json":
                new = json_patch(old, body)
            elif ctype == "application/apply-patch+yaml":
                raise ApiError(415, "UnsupportedMediaType", "server-side apply is not supported by this harness")
            else:
                raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                               "accepted media types include: application/json-patch+json, "
                               "application/merge-patch+json, application/apply-patch+yaml, "
                               "application/strategic-merge-patch+json")
            if not isinstance(new, dict):
                raise bad_request("patch did not produce an object")
            if "resourceVersion" not in ((body if isinstance(body, dict) else {}).get("metadata") or {}):
                new.setdefault("metadata", {})["resourceVersion"] = old["metadata"]["resourceVersion"]
            return self.update(resource, ns, name, new, q, sub)

    def delete(self, resource, ns, name, policy=None, preconditions=None):
        """-> (http code, body). Jobs default to Orphan (batch/v1's legacy default), as the real server."""
        with self.store.cond:
            obj = self.store.get(resource, ns, name)
            if obj is None:
                raise not_found(resource, name)
            if preconditions:
                if preconditions.get("uid") and preconditions["uid"] != obj["metadata"]["uid"]:
                    raise conflict(resource, name)
                if preconditions.get("resourceVersion") and \
                        preconditions["resourceVersion"] != obj["metadata"]["resourceVersion"]:
                    raise conflict(resource, name)
            if policy not in (None, "Orphan", "Background", "Foreground"):
                raise invalid_error(resource, name, [V.not_supported("propagationPolicy", policy,
                                                                     ["Foreground", "Background", "Orphan", "nil"])])
            if resource == "jobs" and policy is None:
                policy = "Orphan"
            if resource == "namespaces":
                if (obj.get("status") or {}).get("phase") != "Terminating":
                    obj["status"] = {"phase": "Terminating"}
                    obj["metadata"]["deletionTimestamp"] = now_rfc3339()
                    obj = self.store.replace(resource, obj)
                    threading.Thread(target=self._finish_namespace, args=(name,), daemon=True).start()
                return 200, obj
            dependents = self.controller.dependents(resource, ns, obj)
            if policy == "Foreground" and dependents:
                if obj["metadata"].get("deletionTimestamp"):
                    return 202, obj
                obj["metadata"]["deletionTimestamp"] = now_rfc3339()
                obj["metadata"]["deletionGracePeriodSeconds"] = 0
                obj["metadata"].setdefault("finalizers", []).append("foregroundDeletion")
                obj = self.store.replace(resource, obj)
                threading.Thread(target=self._finish_foreground, args=(resource, ns, name, dependents),
                                 daemon=True).start()
                return 202, obj
            self.controller.on_delete(resource, ns, obj)
            gone = self.store.delete(resource, ns, name)
            for dres, dname in dependents:
                d = self.store.get(dres, ns, dname)
                if d is None:
                    continue
                if policy == "Orphan":
                    d["metadata"]["ownerReferences"] = [r for r in d["metadata"].get("ownerReferences") or []
                                                        if r.get("uid") != obj["metadata"]["uid"]]
                    if not d["metadata"]["ownerReferences"]:
                        del d["metadata"]["ownerReferences"]
                    self.store.replace(dres, d)
                else:
                    self.controller.on_delete(dres, ns, d)
                    self.store.delete(dres, ns, dname)
        if resource == "pods":
            gone["metadata"]["deletionTimestamp"] = now_rfc3339()
            gone["metadata"]["deletionGracePeriodSeconds"] = 0
            return 200, gone
        g = RESOURCES[resource]["group"]
        details = {"name": name, "group": g, "kind": resource, "uid": obj["metadata"]["uid"]} if g else \
            {"name": name, "kind": resource, "uid": obj["metadata"]["uid"]}
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

    def _finish_foreground(self, resource, ns, name, dependents):
        for dres, dname in dependents:
            with self.store.cond:
                d = self.store.get(dres, ns, dname)
                if d is not None:
                    self.controller.on_delete(dres, ns, d)
                    self.store.delete(dres, ns, dname)
        with self.store.cond:
            obj = self.store.get(resource, ns, name)
            if obj is not None:
                obj["metadata"]["finalizers"] = [f for f in obj["metadata"].get("finalizers", [])
                                                 if f != "foregroundDeletion"]
                if not obj["metadata"]["finalizers"]:
                    del obj["metadata"]["finalizers"]
                self.controller.on_delete(resource, ns, obj)
                self.store.delete(resource, ns, name)

    def _finish_namespace(self, name):
        with self.store.cond:
            for res in RESOURCES:
                if not RESOURCES[res]["namespaced"]:
                    continue
                items, _ = self.store.list(res, name)
                for o in items:
                    self.controller.on_delete(res, name, o)
                    self.store.delete(res, name, o["metadata"]["name"])
            self.store.delete("namespaces", "", name)


def _truthy_dry_run(q):
    return q.get("dryRun") == "All"
