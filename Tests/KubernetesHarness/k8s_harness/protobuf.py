"""Decoding of the Kubernetes protobuf wire format for the few kinds kubectl's typed commands send
(`kubectl create namespace|secret|configmap` POST application/vnd.kubernetes.protobuf).
Field numbers from k8s.io/api/core/v1/generated.proto and apimachinery meta/v1/generated.proto."""
import base64

MAGIC = b"k8s\x00"


def _varint(b, i):
    shift = result = 0
    while True:
        if i >= len(b):
            raise ValueError("truncated varint")
        c = b[i]
        i += 1
        result |= (c & 0x7F) << shift
        if not c & 0x80:
            return result, i
        shift += 7


def fields(b):
    """-> list of (field number, wire type, value) with length-delimited values as bytes."""
    out, i = [], 0
    while i < len(b):
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v = b[i:i + n]
            if len(v) != n:
                raise ValueError("truncated field")
            i += n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.append((num, wt, v))
    return out


def _map(entries, bytes_values=False):
    out = {}
    for e in entries:
        kv = {n: v for n, _, v in fields(e)}
        k = kv.get(1, b"").decode()
        v = kv.get(2, b"")
        out[k] = base64.b64encode(v).decode() if bytes_values else v.decode()
    return out


def _meta(b):
    m, labels, annotations, finalizers = {}, [], [], []
    for n, _, v in fields(b):
        if n == 1:
            m["name"] = v.decode()
        elif n == 2:
            m["generateName"] = v.decode()
        elif n == 3:
            m["namespace"] = v.decode()
        elif n == 6:
            m["resourceVersion"] = v.decode()
        elif n == 11:
            labels.append(v)
        elif n == 12:
            annotations.append(v)
        elif n == 14:
            finalizers.append(v.decode())
    if labels:
        m["labels"] = _map(labels)
    if annotations:
        m["annotations"] = _map(annotations)
    if finalizers:
        m["finalizers"] = finalizers
    return m


def decode_k8s_protobuf(raw):
    if not raw.startswith(MAGIC):
        raise ValueError("missing the k8s protobuf magic prefix")
    env = {n: v for n, _, v in fields(raw[len(MAGIC):])}
    tm = {n: v.decode() for n, _, v in fields(env.get(1, b""))}
    api_version, kind = tm.get(1, ""), tm.get(2, "")
    body = fields(env.get(2, b""))
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {}}
    if (api_version, kind) == ("v1", "Namespace"):
        for n, _, v in body:
            if n == 1:
                obj["metadata"] = _meta(v)
    elif (api_version, kind) == ("v1", "Secret"):
        data, sdata = [], []
        for n, wt, v in body:
            if n == 1:
                obj["metadata"] = _meta(v)
            elif n == 2:
                data.append(v)
            elif n == 3:
                obj["type"] = v.decode()
            elif n == 4:
                sdata.append(v)
            elif n == 5:
                obj["immutable"] = bool(v)
        if data:
            obj["data"] = _map(data, bytes_values=True)
        if sdata:
            obj["stringData"] = _map(sdata)
    elif (api_version, kind) == ("v1", "ConfigMap"):
        data, bdata = [], []
        for n, wt, v in body:
            if n == 1:
                obj["metadata"] = _meta(v)
            elif n == 2:
                data.append(v)
            elif n == 3:
                bdata.append(v)
            elif n == 4:
                obj["immutable"] = bool(v)
        if data:
            obj["data"] = _map(data)
        if bdata:
            obj["binaryData"] = _map(bdata, bytes_values=True)
    else:
        raise ValueError("kind %s/%s" % (api_version, kind))
    return obj
