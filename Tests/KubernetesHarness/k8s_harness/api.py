"""The REST API: routing, verbs, selectors, patches, watch, discovery, tables, Status errors."""
import base64
import copy
import datetime
import json
import re
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from .store import ApiError, now_rfc3339
from . import validation as V

K8S_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
               "gitTreeState": "clean", "buildDate": "2024-12-11T17:59:15Z", "goVersion": "go1.23.3",
               "compiler": "gc", "platform": "linux/amd64"}

# resource -> facts. group "" is the core group.
RESOURCES = {
    "namespaces": dict(group="", version="v1", kind="Namespace", namespaced=False, short=["ns"], singular="namespace",
                       sub=["status"]),
    "pods": dict(group="", version="v1", kind="Pod", namespaced=True, short=["po"], singular="pod",
                 sub=["status", "log"]),
    "secrets": dict(group="", version="v1", kind="Secret", namespaced=True, short=[], singular="secret", sub=[]),
    "configmaps": dict(group="", version="v1", kind="ConfigMap", namespaced=True, short=["cm"], singular="configmap",
                       sub=[]),
    "events": dict(group="", version="v1", kind="Event", namespaced=True, short=["ev"], singular="event", sub=[]),
    "jobs": dict(group="batch", version="v1", kind="Job", namespaced=True, short=[], singular="job", sub=["status"]),
}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def qualified(resource):
    g = RESOURCES[resource]["group"]
    return resource + ("." + g if g else "")


def api_version(resource):
    r = RESOURCES[resource]
    return (r["group"] + "/" if r["group"] else "") + r["version"]


def not_found(resource, name):
    d = {"name": name, "kind": resource}
    if RESOURCES[resource]["group"]:
        d = {"name": name, "group": RESOURCES[resource]["group"], "kind": resource}
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(resource), name), d)


def already_exists(resource, name):
    d = {"name": name, "kind": resource}
    if RESOURCES[resource]["group"]:
        d = {"name": name, "group": RESOURCES[resource]["group"], "kind": resource}
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qualified(resource), name), d)


def conflict(resource, name):
    d = {"name": name, "kind": resource}
    if RESOURCES[resource]["group"]:
        d = {"name": name, "group": RESOURCES[resource]["group"], "kind": resource}
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                    'please apply your changes to the latest version and try again' % (qualified(resource), name), d)


def invalid_error(resource, name, causes):
    r = RESOURCES[resource]
    gk = r["kind"] + ("." + r["group"] if r["group"] else "")
    parts = ["%s: %s" % (c["field"], c["message"]) for c in causes]
    msg = '%s "%s" is invalid: %s' % (gk, name, parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]")
    d = {"name": name, "kind": r["kind"], "causes": causes}
    if r["group"]:
        d = {"name": name, "group": r["group"], "kind": r["kind"], "causes": causes}
    return ApiError(422, "Invalid", msg, d)


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


# ---------------------------------------------------------------- selectors
class Selector:
    def __init__(self, reqs):
        self.reqs = reqs

    def matches(self, labels):
        labels = labels or {}
        for key, op, vals in self.reqs:
            has = key in labels
            v = labels.get(key)
            if op == "=" and not (has and v == vals):
                return False
            if op == "!=" and has and v == vals:
                return False
            if op == "in" and not (has and v in vals):
                return False
            if op == "notin" and has and v in vals:
                return False
            if op == "exists" and not has:
                return False
            if op == "!" and has:
                return False
        return True


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"


def parse_label_selector(s):
    reqs = []
    if not s.strip():
        return Selector([])
    for part in _split_top(s):
        part = part.strip()
        m = re.match(r"^(%s)\s+(in|notin)\s*\((.*)\)$" % _KEY, part)
        if m:
            vals = set(x.strip() for x in m.group(3).split(",") if x.strip())
            reqs.append((m.group(1), m.group(2), vals))
            continue
        m = re.match(r"^!\s*(%s)$" % _KEY, part)
        if m:
            reqs.append((m.group(1), "!", None))
            continue
        m = re.match(r"^(%s)\s*(==|!=|=)\s*([-A-Za-z0-9_.]*)$" % _KEY, part)
        if m:
            reqs.append((m.group(1), "!=" if m.group(2) == "!=" else "=", m.group(3)))
            continue
        m = re.match(r"^(%s)$" % _KEY, part)
        if m:
            reqs.append((m.group(1), "exists", None))
            continue
        raise bad_request("unable to parse requirement: found '%s', expected: !, identifier, or 'end of string'"
                          % part)
    for key, _, _ in reqs:
        if V.validate_qualified_key(key, "key"):
            raise bad_request("unable to parse requirement: <nil>: Invalid value: %s: %s"
                              % (json.dumps(key), V.QUALIFIED_NAME_MSG))
    return Selector(reqs)


FIELD_LABELS = {
    "pods": {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
             "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"},
    "jobs": {"metadata.name", "metadata.namespace", "status.successful"},
    "secrets": {"metadata.name", "metadata.namespace", "type"},
    "configmaps": {"metadata.name", "metadata.namespace"},
    "namespaces": {"metadata.name", "status.phase"},
    "events": {"metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.name",
               "involvedObject.namespace", "involvedObject.uid", "reason", "type", "source"},
}


def _field_value(obj, path):
    if path == "status.successful":
        return str((obj.get("status") or {}).get("succeeded", 0))
    node = obj
    for p in path.split("."):
        node = (node or {}).get(p) if isinstance(node, dict) else None
    return "" if node is None else str(node)


def parse_field_selector(resource, s):
    reqs = []
    if not s.strip():
        return lambda o: True
    for part in s.split(","):
        m = re.match(r"^([A-Za-z.]+)\s*(==|!=|=)\s*(.*)$", part.strip())
        if not m:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, part))
        if m.group(1) not in FIELD_LABELS.get(resource, set()):
            raise bad_request('field label not supported: %s' % m.group(1))
        reqs.append((m.group(1), m.group(2) != "!=", m.group(3)))
    return lambda o: all((_field_value(o, f) == v) == eq for f, eq, v in reqs)


# ---------------------------------------------------------------- patches
SMP_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
            "volumeMounts": "mountPath", "ports": "containerPort", "imagePullSecrets": "name",
            "conditions": "type", "ownerReferences": "uid", "envFrom": None}


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: v for k, v in patch.items() if not k.startswith("$")}
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict):
            out[k] = strategic_merge_patch(out.get(k), v)
        elif isinstance(v, list) and SMP_KEYS.get(k) and isinstance(out.get(k), list):
            mk = SMP_KEYS[k]
            merged = copy.deepcopy(out[k])
            for item in v:
                if isinstance(item, dict) and mk in item:
                    idx = next((i for i, x in enumerate(merged) if isinstance(x, dict) and x.get(mk) == item[mk]),
                               None)
                    if item.get("$patch") == "delete":
                        if idx is not None:
                            merged.pop(idx)
                    elif idx is None:
                        merged.append({a: b for a, b in item.items() if not a.startswith("$")})
                    else:
                        merged[idx] = strategic_merge_patch(merged[idx], item)
                else:
                    merged.append(item)
            out[k] = merged
        else:
            out[k] = copy.deepcopy(v)
    return out


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request("invalid JSON pointer %s" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json_patch(target, ops):
    doc = copy.deepcopy(target)
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    for op in ops:
        parts = _pointer(op.get("path", ""))
        parent = doc
        try:
            for p in parts[:-1]:
                parent = parent[int(p)] if isinstance(parent, list) else parent[p]
            last = parts[-1] if parts else None
            kind = op.get("op")
            if kind in ("add", "replace"):
                if isinstance(parent, list):
                    if last == "-":
                        parent.append(op["value"])
                    elif kind == "add":
                        parent.insert(int(last), op["value"])
                    else:
                        parent[int(last)] = op["value"]
                else:
                    if kind == "replace" and last not in parent:
                        raise KeyError(last)
                    parent[last] = op["value"]
            elif kind == "remove":
                if isinstance(parent, list):
                    parent.pop(int(last))
                else:
                    del parent[last]
            elif kind == "test":
                cur = parent[int(last)] if isinstance(parent, list) else parent[last]
                if cur != op.get("value"):
                    raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request")
            else:
                raise bad_request("Unexpected kind: %s" % kind)
        except (KeyError, IndexError, ValueError, TypeError):
            raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request")
    return doc


# ---------------------------------------------------------------- defaults
def _image_pull_policy(image):
    tag = image.rsplit("/", 1)[-1]
    if "@" in tag:
        return "IfNotPresent"
    if ":" not in tag or tag.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def default_pod_spec(spec, job=False):
    spec.setdefault("restartPolicy", "Always" if not job else spec.get("restartPolicy"))
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    for group in ("initContainers", "containers"):
        for c in spec.get(group) or []:
            c.setdefault("terminationMessagePath", "/dev/termination-log")
            c.setdefault("terminationMessagePolicy", "File")
            if c.get("image"):
                c.setdefault("imagePullPolicy", _image_pull_policy(c["image"]))
            c.setdefault("resources", {})
    for vol in spec.get("volumes") or []:
        for src in ("secret", "configMap"):
            if src in vol and isinstance(vol[src], dict):
                vol[src].setdefault("defaultMode", 420)


def apply_defaults(resource, obj, create):
    meta = obj["metadata"]
    if resource == "secrets":
        sd = obj.pop("stringData", None) or {}
        if sd:
            obj.setdefault("data", {})
            for k, v in sd.items():
                obj["data"][k] = base64.b64encode(str(v).encode()).decode()
        if not obj.get("type"):
            obj["type"] = "Opaque"
    elif resource == "namespaces":
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj.setdefault("status", {}).setdefault("phase", "Active")
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta.get("name") or ""
    elif resource == "pods":
        spec = obj.setdefault("spec", {})
        default_pod_spec(spec)
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("serviceAccount", spec["serviceAccountName"])
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        spec.setdefault("priority", 0)
        if create:
            obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    elif resource == "jobs":
        spec = obj.setdefault("spec", {})
        spec.setdefault("parallelism", 1)
        spec.setdefault("completions", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
        tmpl = spec.setdefault("template", {})
        default_pod_spec(tmpl.setdefault("spec", {}), job=True)
        if create:
            obj["status"] = {}
    if resource in ("jobs", "pods"):
        meta.setdefault("generation", 1)


# ---------------------------------------------------------------- tables
def _age(ts):
    if not ts:
        return "<unknown>"
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    s = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if s < 120:
        return "%ds" % max(s, 0)
    if s < 3600:
        return "%dm" % (s // 60) if s >= 600 else "%dm%ds" % (s // 60, s % 60)
    return "%dh" % (s // 3600)


def _col(name, typ="string", fmt="", prio=0, desc=""):
    return {"name": name, "type": typ, "format": fmt, "description": desc or name, "priority": prio}


def _pod_row(p):
    st = p.get("status") or {}
    cs = st.get("containerStatuses") or []
    total = len((p.get("spec") or {}).get("containers") or [])
    ready = sum(1 for c in cs if c.get("ready"))
    reason = st.get("reason") or st.get("phase") or "Pending"
    for c in cs:
        state = c.get("state") or {}
        if "waiting" in state and state["waiting"].get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            reason = state["terminated"].get("reason") or reason
    if p["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    restarts = sum(c.get("restartCount", 0) for c in cs)
    return [p["metadata"]["name"], "%d/%d" % (ready, total), reason, restarts,
            _age(p["metadata"].get("creationTimestamp")), st.get("podIP") or "<none>",
            (p.get("spec") or {}).get("nodeName") or "<none>", "<none>", "<none>"]


def _job_row(j):
    st = j.get("status") or {}
    spec = j.get("spec") or {}
    conds = {c["type"]: c for c in st.get("conditions") or [] if c.get("status") == "True"}
    status = "Running"
    if "Complete" in conds:
        status = "Complete"
    elif "Failed" in conds:
        status = "Failed"
    elif "FailureTarget" in conds:
        status = "FailureTarget"
    elif spec.get("suspend"):
        status = "Suspended"
    duration = ""
    if st.get("startTime"):
        end = st.get("completionTime") or now_rfc3339()
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        d = int((datetime.datetime.strptime(end, fmt) - datetime.datetime.strptime(st["startTime"], fmt))
                .total_seconds())
        duration = "%ds" % d if d < 120 else "%dm" % (d // 60)
    containers = (spec.get("template") or {}).get("spec", {}).get("containers") or []
    sel = ",".join("%s=%s" % kv for kv in ((spec.get("selector") or {}).get("matchLabels") or {}).items())
    return [j["metadata"]["name"], status, "%d/%d" % (st.get("succeeded", 0), spec.get("completions", 1)),
            duration, _age(j["metadata"].get("creationTimestamp")), ",".join(c["name"] for c in containers),
            ",".join(c.get("image", "") for c in containers), sel]


TABLE_COLUMNS = {
    "pods": [_col("Name", fmt="name"), _col("Ready"), _col("Status"), _col("Restarts", "string"), _col("Age"),
             _col("IP", prio=1), _col("Node", prio=1), _col("Nominated Node", prio=1),
             _col("Readiness Gates", prio=1)],
    "jobs": [_col("Name", fmt="name"), _col("Status"), _col("Completions"), _col("Duration"), _col("Age"),
             _col("Containers", prio=1), _col("Images", prio=1), _col("Selector", prio=1)],
}


def to_table(resource, items, rv):
    if resource == "pods":
        rowfn = _pod_row
    elif resource == "jobs":
        rowfn = _job_row
    elif resource == "secrets":
        rowfn = lambda o: [o["metadata"]["name"], o.get("type", "Opaque"), len(o.get("data") or {}),  # noqa: E731
                           _age(o["metadata"].get("creationTimestamp"))]
    elif resource == "configmaps":
        rowfn = lambda o: [o["metadata"]["name"], len(o.get("data") or {}) + len(o.get("binaryData") or {}),  # noqa
                           _age(o["metadata"].get("creationTimestamp"))]
    elif resource == "namespaces":
        rowfn = lambda o: [o["metadata"]["name"], (o.get("status") or {}).get("phase", "Active"),  # noqa: E731
                           _age(o["metadata"].get("creationTimestamp"))]
    else:
        rowfn = lambda o: [o["metadata"]["name"], _age(o["metadata"].get("creationTimestamp"))]  # noqa: E731
    cols = TABLE_COLUMNS.get(resource) or {
        "secrets": [_col("Name", fmt="name"), _col("Type"), _col("Data", "integer"), _col("Age")],
        "configmaps": [_col("Name", fmt="name"), _col("Data", "integer"), _col("Age")],
        "namespaces": [_col("Name", fmt="name"), _col("Status"), _col("Age")],
    }.get(resource, [_col("Name", fmt="name"), _col("Age")])
    rows = []
    for o in items:
        m = {k: v for k, v in o["metadata"].items() if k != "managedFields"}
        rows.append({"cells": rowfn(o), "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                   "metadata": m}})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": rv},
            "columnDefinitions": cols, "rows": rows}


# ---------------------------------------------------------------- discovery
def discovery_resources(group):
    out = []
    for name, r in RESOURCES.items():
        if r["group"] != group:
            continue
        out.append({"name": name, "singularName": r["singular"], "namespaced": r["namespaced"], "kind": r["kind"],
                    "verbs": VERBS, **({"shortNames": r["short"]} if r["short"] else {}),
                    **({"categories": ["all"]} if name in ("pods", "jobs") else {}),
                    "storageVersionHash": base64.b64encode(name.encode()).decode()[:11]})
        for sub in r["sub"]:
            if sub == "log":
                out.append({"name": name + "/log", "singularName": "", "namespaced": True, "kind": "Pod",
                            "verbs": ["get"]})
            else:
                out.append({"name": name + "/" + sub, "singularName": "", "namespaced": r["namespaced"],
                            "kind": r["kind"], "verbs": ["get", "patch", "update"]})
    return out


def discovery(path):
    if path == "/version":
        return K8S_VERSION
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}
    if path == "/api/v1":
        return {"kind": "APIResourceList", "groupVersion": "v1", "resources": discovery_resources("")}
    if path == "/apis":
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": "batch", "versions": [{"groupVersion": "batch/v1", "version": "v1"}],
             "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"}}]}
    if path == "/apis/batch":
        return {"kind": "APIGroup", "apiVersion": "v1", "name": "batch",
                "versions": [{"groupVersion": "batch/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"}}
    if path == "/apis/batch/v1":
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "batch/v1",
                "resources": discovery_resources("batch")}
    if path == "/openapi/v3":
        return {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=%s" % _OPENAPI_HASH},
                          "apis/batch/v1": {"serverRelativeURL": "/openapi/v3/apis/batch/v1?hash=%s" % _OPENAPI_HASH}}}
    if path == "/openapi/v3/api/v1":
        return openapi_v3("")
    if path == "/openapi/v3/apis/batch/v1":
        return openapi_v3("batch")
    return None


_OPENAPI_HASH = "4B0A2C4E9F1D3A7B"


def openapi_v3(group):
    """A minimal OpenAPI v3 document: the operations and their parameters, no schemas. Enough for kubectl to
    learn that the server validates fields itself (fieldValidation), so it sends objects as they are."""
    params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
              for n in ("dryRun", "fieldManager", "fieldValidation", "pretty")]
    paths = {}
    for name, r in RESOURCES.items():
        if r["group"] != group:
            continue
        prefix = "/api/v1" if not group else "/apis/%s/%s" % (group, r["version"])
        coll = prefix + ("/namespaces/{namespace}/" if r["namespaced"] else "/") + name
        gvk = {"group": group, "version": r["version"], "kind": r["kind"]}
        op = lambda verb: {"operationId": verb + r["kind"], "parameters": params,  # noqa: E731
                           "responses": {"200": {"description": "OK"}},
                           "x-kubernetes-action": verb, "x-kubernetes-group-version-kind": gvk}
        paths[coll] = {"get": op("list"), "post": op("post")}
        paths[coll + "/{name}"] = {"get": op("get"), "put": op("put"), "patch": op("patch"),
                                   "delete": op("delete")}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": K8S_VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": {}}}


# ---------------------------------------------------------------- HTTP handler
def _truthy(v):
    return v is not None and v.lower() in ("1", "true", "yes")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver-harness"
    harness = None  # set by the server factory

    def log_message(self, fmt, *args):  # quiet; the harness records requests itself
        pass

    # ---- plumbing
    def _send_json(self, code, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Audit-Id", self.harness.audit_id())
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_text(self, code, text, ctype="text/plain"):
        body = text.encode() if isinstance(text, str) else text
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start_chunked(self, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

    def _chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def _end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _body(self):
        if getattr(self, "_raw_body", None) is None:
            self._raw_body = self._read_body()
        return self._raw_body

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        return self.rfile.read(n) if n else b""

    def _json_body(self):
        raw = self._body()
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if ctype == "application/vnd.kubernetes.protobuf":
            from .protobuf import decode_k8s_protobuf
            try:
                return decode_k8s_protobuf(raw)
            except ValueError as e:
                raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                               "accepted media types include: application/json, application/yaml, "
                               "application/vnd.kubernetes.protobuf (this harness decodes protobuf for Namespace, "
                               "Secret and ConfigMap only: %s)" % e)
        if "yaml" in ctype:
            raise ApiError(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - accepted '
                           'media types include: application/json, application/yaml (YAML is not supported by this '
                           'harness)')
        try:
            return json.loads(raw or b"null")
        except ValueError as e:
            raise bad_request("the object provided is unrecognized (%s)" % e)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def client_certificate_user(self):
        """The CN of a client certificate the TLS layer verified against the harness CA, else None."""
        try:
            cert = self.connection.getpeercert()
        except (AttributeError, ValueError):
            return None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def _dispatch(self, method):
        h = self.harness
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        path = u.path.rstrip("/") or "/"
        h.record_request(method, self.path, self.headers)
        self._raw_body = None
        self._body()  # always consume the body: an early error must not leave it on a kept-alive connection
        try:
            auth = self.headers.get("Authorization") or ""
            if path.startswith("/_harness/"):
                if auth != "Bearer " + h.token:
                    raise ApiError(401, "Unauthorized", "Unauthorized")
                return self._admin(method, path, q)
            if auth.startswith("Bearer ") and auth[7:] in h.tokens:
                user = h.tokens[auth[7:]]
            elif not auth and self.client_certificate_user():
                user = self.client_certificate_user()
            else:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            if method == "GET":
                d = discovery(path)
                if d is not None:
                    return self._send_json(200, d)
                if path.startswith("/openapi/"):
                    raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
            self._api(method, path, q, user)
        except ApiError as e:
            try:
                self._send_json(e.code, e.status, e.headers)
            except (BrokenPipeError, ConnectionResetError):
                pass
        except (BrokenPipeError, ConnectionResetError):
            pass

    # ---- test control endpoints (same token as the admin user)
    def _admin(self, method, path, q):
        h = self.harness
        body = self._json_body() if method in ("POST", "PUT") else None
        if path == "/_harness/forbid" and method == "POST":
            h.forbid(body.get("verb", "*"), body.get("resource", "*"), body.get("namespace"))
            return self._send_json(200, {"ok": True})
        if path == "/_harness/forbid" and method == "DELETE":
            h.forbidden.clear()
            return self._send_json(200, {"ok": True})
        if path == "/_harness/behaviours" and method == "POST":
            h.add_behaviour(body)
            return self._send_json(200, {"ok": True})
        if path == "/_harness/compact" and method == "POST":
            h.store.compact()
            return self._send_json(200, {"ok": True, "resourceVersion": str(h.store.rv)})
        if path == "/_harness/requests" and method == "GET":
            return self._send_json(200, {"requests": h.requests})
        raise ApiError(404, "NotFound", "the server could not find the requested resource", {})

    # ---- the resource API
    def _parse(self, path):
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "v1"]:
            group, rest = "", parts[2:]
        elif parts[:3] == ["apis", "batch", "v1"]:
            group, rest = "batch", parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        watch = False
        if rest[:1] == ["watch"]:
            watch, rest = True, rest[1:]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if not rest:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        resource = rest[0]
        if resource not in RESOURCES or RESOURCES[resource]["group"] != group:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        if resource == "namespaces" and ns is not None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if len(rest) > 3 or (sub and sub not in RESOURCES[resource]["sub"]):
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        return resource, ns, name, sub, watch

    def _api(self, method, path, q, user):
        h = self.harness
        resource, ns, name, sub, watch_path = self._parse(path)
        watch = watch_path or _truthy(q.get("watch"))
        verb = {"GET": "watch" if watch else ("get" if name else "list"), "POST": "create", "PUT": "update",
                "PATCH": "patch", "DELETE": "delete" if name else "deletecollection"}[method]
        h.check_forbidden(user, verb, resource, ns, name, sub)
        info = RESOURCES[resource]
        if info["namespaced"] and ns is not None and verb != "delete":
            if h.store.get("namespaces", "", ns) is None and method in ("POST",):
                raise not_found("namespaces", ns)
        if method == "GET" and sub == "log":
            return self._log(ns, name, q)
        if method == "GET" and (watch or not name):
            if watch:
                return self._watch(resource, ns, name, q)
            return self._list(resource, ns, q)
        if method == "GET":
            obj = h.store.get(resource, ns if info["namespaced"] else "", name)
            if obj is None:
                raise not_found(resource, name)
            return self._send_object(200, resource, obj)
        if method == "POST":
            if name:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                               "resource", {})
            body = self._json_body()
            obj, warnings = h.create(resource, ns, body, q)
            return self._send_object(201, resource, obj, warnings)
        if method == "PUT":
            if not name:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                               "resource", {})
            body = self._json_body()
            obj, warnings = h.update(resource, ns, name, body, q, sub)
            return self._send_object(200, resource, obj, warnings)
        if method == "PATCH":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            body = self._json_body()
            obj, warnings = h.patch(resource, ns, name, ctype, body, q, sub)
            return self._send_object(200, resource, obj, warnings)
        if method == "DELETE":
            if not name:
                raise ApiError(405, "MethodNotAllowed", "deletecollection is not supported by this harness", {})
            body = self._json_body() if self._body() else {}
            opts = body or {}
            policy = q.get("propagationPolicy") or opts.get("propagationPolicy")
            if opts.get("orphanDependents") is not None and policy is None:
                policy = "Orphan" if opts["orphanDependents"] else "Background"
            code, obj = h.delete(resource, ns if info["namespaced"] else "", name, policy, opts.get("preconditions"))
            return self._send_json(code, obj)
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})

    def _send_object(self, code, resource, obj, warnings=None):
        headers = {}
        if warnings:
            headers["Warning"] = ", ".join('299 - %s' % json.dumps(w) for w in warnings)
        self._send_json(code, obj, headers)

    def _wants_table(self):
        return "as=Table" in (self.headers.get("Accept") or "")

    def _filter(self, resource, items, q):
        sel = parse_label_selector(q.get("labelSelector", ""))
        fsel = parse_field_selector(resource, q.get("fieldSelector", ""))
        return [o for o in items if sel.matches(o["metadata"].get("labels")) and fsel(o)]

    def _list(self, resource, ns, q):
        info = RESOURCES[resource]
        items, rv = self.harness.store.list(resource, ns if info["namespaced"] else None)
        items = self._filter(resource, items, q)
        meta = {"resourceVersion": rv}
        limit = int(q.get("limit") or 0)
        start = 0
        if q.get("continue"):
            try:
                start = int(base64.b64decode(q["continue"]).decode())
            except ValueError:
                raise bad_request("continue key is not valid")
        if limit and len(items) - start > limit:
            meta["continue"] = base64.b64encode(str(start + limit).encode()).decode()
            meta["remainingItemCount"] = len(items) - start - limit
            items = items[start:start + limit]
        else:
            items = items[start:]
        if self._wants_table():
            t = to_table(resource, items, rv)
            if "continue" in meta:
                t["metadata"]["continue"] = meta["continue"]
            return self._send_json(200, t)
        for o in items:
            o.pop("kind", None)
            o.pop("apiVersion", None)
        self._send_json(200, {"kind": info["kind"] + "List", "apiVersion": api_version(resource), "metadata": meta,
                              "items": items})

    def _watch(self, resource, ns, name, q):
        h = self.harness
        info = RESOURCES[resource]
        sel = parse_label_selector(q.get("labelSelector", ""))
        fsel = parse_field_selector(resource, q.get("fieldSelector", ""))
        if name:
            byname = fsel
            fsel = lambda o: byname(o) and o["metadata"]["name"] == name  # noqa: E731
        nsf = ns if info["namespaced"] else None
        timeout = float(q.get("timeoutSeconds") or h.watch_timeout)
        deadline = time.time() + timeout
        rvq = q.get("resourceVersion") or ""
        if rvq not in ("", "0"):
            try:
                int(rvq)
            except ValueError:
                raise bad_request('invalid resource version "%s"' % rvq)
        self._start_chunked("application/json")

        def send(etype, obj):
            self._chunk(json.dumps({"type": etype, "object": obj}).encode() + b"\n")

        def match(o):
            return sel.matches(o["metadata"].get("labels")) and fsel(o)

        with h.store.cond:
            if rvq in ("", "0"):
                items, rv = h.store.list(resource, nsf)
                initial = [o for o in items if match(o)]
                last = int(rv)
            else:
                last = int(rvq)
                initial = []
                if h.store.events_since(last) is None:
                    err = ApiError(410, "Expired", "too old resource version: %d (%d)" % (last, h.store.compacted_rv))
                    send("ERROR", err.status)
                    self._end_chunked()
                    return
        for o in initial:
            send("ADDED", o)
        while time.time() < deadline:
            with h.store.cond:
                evs = h.store.events_since(last)
                if evs is None:
                    err = ApiError(410, "Expired", "too old resource version: %d (%d)" % (last, h.store.compacted_rv))
                    evs = []
                    expired = err
                else:
                    expired = None
                if not evs and expired is None:
                    h.store.cond.wait(min(1.0, max(0.0, deadline - time.time())))
                    if h.stopping:
                        break
                    continue
            if expired is not None:
                send("ERROR", expired.status)
                break
            for rv, r, ens, etype, obj in evs:
                last = rv
                if r != resource or (nsf is not None and ens != nsf) or not match(obj):
                    continue
                send(etype, obj)
        self._end_chunked()

    def _log(self, ns, name, q):
        h = self.harness
        pod = h.store.get("pods", ns, name)
        if pod is None:
            raise not_found("pods", name)
        containers = [c["name"] for c in pod["spec"].get("containers") or []]
        inits = [c["name"] for c in pod["spec"].get("initContainers") or []]
        cname = q.get("container")
        if not cname:
            if len(containers) > 1:
                raise bad_request("a container name must be specified for pod %s, choose one of: [%s]"
                                  % (name, " ".join(containers)))
            cname = containers[0]
        if cname not in containers + inits:
            raise bad_request("container %s is not valid for pod %s" % (cname, name))
        logbuf = h.logs.get((ns, name, cname))
        if logbuf is None or not logbuf.started:
            raise bad_request('container "%s" in pod "%s" is waiting to start: ContainerCreating' % (cname, name))
        tail = q.get("tailLines")
        if not _truthy(q.get("follow")):
            data = logbuf.data()
            if tail is not None:
                lines = data.splitlines(keepends=True)
                data = b"".join(lines[-int(tail):]) if int(tail) > 0 else b""
            return self._send_text(200, data)
        self._start_chunked("text/plain")
        pos = 0
        if tail is not None:
            data = logbuf.data()
            lines = data.splitlines(keepends=True)
            keep = b"".join(lines[-int(tail):]) if int(tail) > 0 else b""
            pos = len(data) - len(keep)
        while True:
            chunk, done = logbuf.read_from(pos, timeout=1.0)
            if chunk:
                self._chunk(chunk)
                pos += len(chunk)
            if done and not chunk:
                break
            if h.stopping:
                break
        self._end_chunked()
