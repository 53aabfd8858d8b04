"""Validation of objects as the real kube-apiserver does it.

Two layers:
  1. the official JSON schemas shipped by PyPI `kubernetes-validate` (types, enums,
     required fields; the "-strict" schemas find unknown fields);
  2. the semantic checks of k8s.io/kubernetes/pkg/apis/*/validation that the schemas
     cannot express (DNS-1123 names, label syntax, container image required, a Job's
     restartPolicy, volume references, Secret keys ...). Messages and field paths are
     copied from the real server.

Every error is a Cause {"reason", "message", "field"} as the real 422 Invalid carries.
"""
import base64
import copy
import json
import re
import threading

import jsonschema
import referencing
import referencing.jsonschema
from kubernetes_validate import utils as kv_utils

SCHEMA_VERSION = "1.32.0"

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = _DNS1123_LABEL + r"(\." + _DNS1123_LABEL + r")*"
DNS1123_LABEL_RE = re.compile("^" + _DNS1123_LABEL + "$")
DNS1123_SUBDOMAIN_RE = re.compile("^" + _DNS1123_SUBDOMAIN + "$")
_QUALIFIED_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_RE = re.compile("^" + _QUALIFIED_NAME + "$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
CONFIG_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")
ENV_NAME_RE = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")

DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                     "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
                     "regex used for validation is '" + _DNS1123_LABEL + "')")
DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                         "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                         "regex used for validation is '" + _DNS1123_SUBDOMAIN + "')")
QUALIFIED_NAME_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                      "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                      "validation is '" + _QUALIFIED_NAME + "')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                   "'12345', regex used for validation is '(" + _QUALIFIED_NAME + ")?')")
CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"


def cause(reason, field, message):
    return {"reason": reason, "message": message, "field": field}


def required(field, detail=""):
    return cause("FieldValueRequired", field, "Required value" + (": " + detail if detail else ""))


def invalid(field, value, detail):
    return cause("FieldValueInvalid", field, "Invalid value: %s: %s" % (_go_repr(value), detail))


def not_supported(field, value, valid):
    return cause("FieldValueNotSupported", field, "Unsupported value: %s: supported values: %s"
                 % (_go_repr(value), ", ".join('"%s"' % v for v in valid)))


def _go_repr(v):
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, separators=(",", ":"))


def field_path(parts):
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        else:
            out += ("." if out else "") + str(p)
    return out


# ---------------------------------------------------------------- schema layer
class SchemaValidator:
    def __init__(self, version=SCHEMA_VERSION):
        self.version = version
        self._cache = {}
        self._lock = threading.Lock()

    def _validator(self, kind, api_version, strict):
        key = (kind, api_version, strict)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            schema_dir = "v%s-local%s" % (self.version, "-strict" if strict else "")
            schema = kv_utils.schema_contents("kubernetes-json-schema/%s/%s-%s.json" % (schema_dir, kind.lower(), api),
                                              self.version)
            defs = kv_utils.schema_contents("kubernetes-json-schema/%s/_definitions.json" % schema_dir, self.version)
            registry = referencing.Resource.from_contents(schema) @ referencing.Registry()
            registry = referencing.Resource.from_contents(defs) @ registry
            v = jsonschema.validators.Draft202012Validator(schema, registry=registry)
            self._cache[key] = v
            return v

    def errors(self, obj):
        """-> (causes, unknown_fields): schema violations, and unknown fields (as 'spec.foo')."""
        causes = []
        for e in sorted(self._validator(obj["kind"], obj["apiVersion"], False).iter_errors(obj),
                        key=lambda e: list(map(str, e.absolute_path))):
            causes.extend(_schema_cause(e))
        unknown = []
        for e in self._validator(obj["kind"], obj["apiVersion"], True).iter_errors(obj):
            if e.validator == "additionalProperties" and isinstance(e.instance, dict):
                allowed = set((e.schema.get("properties") or {}).keys())
                for k in e.instance:
                    if k not in allowed:
                        unknown.append((list(e.absolute_path), k))
        return causes, unknown


def _schema_cause(e):
    path = list(e.absolute_path)
    if e.validator == "required":
        m = re.match(r"^'(.+)' is a required property", e.message)
        name = m.group(1) if m else "?"
        return [required(field_path(path + [name]))]
    if e.validator == "enum":
        return [not_supported(field_path(path), e.instance, [v for v in e.validator_value if v is not None])]
    if e.validator in ("type", "format"):
        want = e.validator_value
        if isinstance(want, list):
            want = [w for w in want if w != "null"]
            want = want[0] if len(want) == 1 else "/".join(want)
        return [invalid(field_path(path), e.instance, "must be of type %s" % want)]
    if e.validator in ("oneOf", "anyOf"):
        return [invalid(field_path(path), e.instance, "must be an integer or a string")]
    if e.validator == "additionalProperties":
        return []  # handled by the strict pass
    return [invalid(field_path(path), e.instance, e.message)]


def prune_unknown(obj, unknown):
    """Drop unknown fields, as the server does with fieldValidation=Ignore/Warn."""
    for path, key in unknown:
        node = obj
        try:
            for p in path:
                node = node[p]
            node.pop(key, None)
        except (KeyError, IndexError, TypeError):
            pass


# ---------------------------------------------------------------- semantic layer
def validate_object_meta(meta, namespaced, name_label=False, field="metadata"):
    errs = []
    name = meta.get("name")
    if not name:
        if not meta.get("generateName"):
            errs.append(required(field + ".name", "name or generateName is required"))
    else:
        if name_label:
            if not DNS1123_LABEL_RE.match(name) or len(name) > 63:
                errs.append(invalid(field + ".name", name, DNS1123_LABEL_MSG if len(name) <= 63
                                    else "must be no more than 63 characters"))
        elif len(name) > 253:
            errs.append(invalid(field + ".name", name, "must be no more than 253 characters"))
        elif not DNS1123_SUBDOMAIN_RE.match(name):
            errs.append(invalid(field + ".name", name, DNS1123_SUBDOMAIN_MSG))
    errs += validate_labels(meta.get("labels") or {}, field + ".labels")
    for k in (meta.get("annotations") or {}):
        errs += validate_qualified_key(k, field + ".annotations")
    return errs


def validate_qualified_key(key, field):
    errs = []
    if "/" in key:
        prefix, _, name = key.rpartition("/")
        if not DNS1123_SUBDOMAIN_RE.match(prefix) or len(prefix) > 253:
            errs.append(invalid(field, key, "prefix part " + DNS1123_SUBDOMAIN_MSG))
    else:
        name = key
    if not name or len(name) > 63 or not QUALIFIED_NAME_RE.match(name):
        errs.append(invalid(field, key, QUALIFIED_NAME_MSG if name and len(name) <= 63
                            else "name part must be non-empty" if not name
                            else "name part must be no more than 63 characters"))
    return errs


def validate_labels(labels, field):
    errs = []
    for k, v in labels.items():
        errs += validate_qualified_key(k, field)
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE_RE.match(v):
            errs.append(invalid(field, v, LABEL_VALUE_MSG if isinstance(v, str) and len(v) <= 63
                                else "must be no more than 63 characters"))
    return errs


def validate_pod_spec(spec, field, job=False):
    errs = []
    volumes = set()
    for i, vol in enumerate(spec.get("volumes") or []):
        n = vol.get("name", "")
        f = "%s.volumes[%d].name" % (field, i)
        if not n:
            errs.append(required(f))
        elif not DNS1123_LABEL_RE.match(n):
            errs.append(invalid(f, n, DNS1123_LABEL_MSG))
        elif n in volumes:
            errs.append(cause("FieldValueDuplicate", f, "Duplicate value: %s" % json.dumps(n)))
        volumes.add(n)
        sources = [k for k in vol if k != "name"]
        if not sources:
            errs.append(required("%s.volumes[%d]" % (field, i), "must specify a volume type"))
        if "secret" in vol and not (vol["secret"] or {}).get("secretName"):
            errs.append(required("%s.volumes[%d].secret.secretName" % (field, i)))
    containers = spec.get("containers")
    if not containers:
        errs.append(required(field + ".containers"))
    names = set()
    for group in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(group) or []):
            f = "%s.%s[%d]" % (field, group, i)
            n = c.get("name", "")
            if not n:
                errs.append(required(f + ".name"))
            elif not DNS1123_LABEL_RE.match(n):
                errs.append(invalid(f + ".name", n, DNS1123_LABEL_MSG))
            elif n in names:
                errs.append(cause("FieldValueDuplicate", f + ".name", "Duplicate value: %s" % json.dumps(n)))
            names.add(n)
            if not c.get("image"):
                errs.append(required(f + ".image"))
            for j, e in enumerate(c.get("env") or []):
                en = e.get("name", "")
                if not en:
                    errs.append(required("%s.env[%d].name" % (f, j)))
                elif not ENV_NAME_RE.match(en):
                    errs.append(invalid("%s.env[%d].name" % (f, j), en,
                                        "a valid environment variable name must consist of alphabetic characters, "
                                        "digits, '_', '-', or '.', and must not start with a digit (e.g. "
                                        "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
                                        "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"))
            seen_paths = set()
            for j, m in enumerate(c.get("volumeMounts") or []):
                mf = "%s.volumeMounts[%d]" % (f, j)
                if not m.get("name"):
                    errs.append(required(mf + ".name"))
                elif m["name"] not in volumes:
                    errs.append(cause("FieldValueNotFound", mf + ".name", "Not found: %s" % json.dumps(m["name"])))
                if not m.get("mountPath"):
                    errs.append(required(mf + ".mountPath"))
                elif m["mountPath"] in seen_paths:
                    errs.append(invalid(mf + ".mountPath", m["mountPath"], "must be unique"))
                seen_paths.add(m.get("mountPath"))
    rp = spec.get("restartPolicy")
    if job:
        if rp not in ("OnFailure", "Never"):
            if rp in (None, ""):
                errs.append(required(field + ".restartPolicy", 'valid values: "OnFailure", "Never"'))
            else:
                errs.append(not_supported(field + ".restartPolicy", rp, ["OnFailure", "Never"]))
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and isinstance(ads, int) and ads <= 0:
        errs.append(invalid(field + ".activeDeadlineSeconds", ads, "must be between 1 and 2147483647, inclusive"))
    return errs


def validate_semantic(resource, obj, old=None):
    """Semantic validation of an object about to be stored (defaults already applied)."""
    meta = obj.get("metadata") or {}
    errs = []
    if resource == "namespaces":
        errs += validate_object_meta(meta, False, name_label=True)
    else:
        errs += validate_object_meta(meta, True)
    if resource == "configmaps":
        data = obj.get("data") or {}
        bdata = obj.get("binaryData") or {}
        for k in list(data) + list(bdata):
            if not CONFIG_KEY_RE.match(k) or len(k) > 253:
                errs.append(invalid("data[%s]" % k if k in data else "binaryData[%s]" % k, k, CONFIG_KEY_MSG))
        for k in set(data) & set(bdata):
            errs.append(invalid("data[%s]" % k, k, "duplicate of key present in binaryData"))
    elif resource == "secrets":
        data = obj.get("data") or {}
        for k, v in data.items():
            if not CONFIG_KEY_RE.match(k) or len(k) > 253:
                errs.append(invalid("data[%s]" % k, k, CONFIG_KEY_MSG))
        t = obj.get("type") or "Opaque"
        if t == "kubernetes.io/dockerconfigjson":
            if ".dockerconfigjson" not in data:
                errs.append(required("data[.dockerconfigjson]"))
            else:
                try:
                    json.loads(base64.b64decode(data[".dockerconfigjson"]))
                except Exception as e:  # noqa: BLE001
                    errs.append(invalid("data[.dockerconfigjson]", "<secret contents redacted>", str(e)))
        elif t == "kubernetes.io/basic-auth":
            if "username" not in data and "password" not in data:
                errs.append(required("data[username]"))
        if old is not None and (old.get("type") or "Opaque") != t:
            errs.append(invalid("type", t, "field is immutable"))
        if old is not None and old.get("immutable") and (old.get("data") != obj.get("data")):
            errs.append(cause("FieldValueForbidden", "data", "Forbidden: field is immutable when `immutable` is set"))
    elif resource == "pods":
        spec = obj.get("spec") or {}
        errs += validate_pod_spec(spec, "spec")
        if old is not None:
            o, n = copy.deepcopy(old.get("spec") or {}), copy.deepcopy(spec)
            for s in (o, n):
                for c in s.get("containers") or []:
                    c.pop("image", None)
                s.pop("activeDeadlineSeconds", None)
                s.pop("tolerations", None)
            if o != n:
                errs.append(cause("FieldValueForbidden", "spec",
                                  "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
                                  "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                                  "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                                  "(allow it to be set to 1 if it was previously negative)"))
    elif resource == "jobs":
        spec = obj.get("spec") or {}
        tmpl = spec.get("template") or {}
        tmeta = tmpl.get("metadata") or {}
        errs += validate_labels(tmeta.get("labels") or {}, "spec.template.metadata.labels")
        errs += validate_pod_spec(tmpl.get("spec") or {}, "spec.template.spec", job=True)
        name = meta.get("name") or ""
        if len(name) > 63:
            errs.append(invalid("metadata.name", name, "must be no more than 63 characters"))
        for k in ("parallelism", "completions", "backoffLimit"):
            v = spec.get(k)
            if isinstance(v, int) and v < 0:
                errs.append(invalid("spec." + k, v, "must be greater than or equal to 0"))
        ads = spec.get("activeDeadlineSeconds")
        if isinstance(ads, int) and ads <= 0:
            errs.append(invalid("spec.activeDeadlineSeconds", ads, "must be greater than 0"))
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = tmeta.get("labels") or {}
        if sel and any(labels.get(k) != v for k, v in sel.items()):
            errs.append(invalid("spec.template.metadata.labels", labels,
                                "`selector` does not match template `labels`"))
        if old is not None:
            ospec = old.get("spec") or {}
            if ospec.get("template") != spec.get("template") and not ospec.get("suspend"):
                errs.append(invalid("spec.template", spec.get("template"), "field is immutable"))
            for k in ("completions", "selector", "completionMode"):
                if ospec.get(k) != spec.get(k) and k != "completions":
                    errs.append(invalid("spec." + k, spec.get(k), "field is immutable"))
    return errs
