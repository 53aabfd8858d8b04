"""In-memory object store with a global resourceVersion counter and a bounded event log for watches."""
import copy
import datetime
import random
import string
import threading
import uuid


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(n=5):
    # the apiserver's generateName alphabet (no vowels, no confusable digits)
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(random.choice(alphabet) for _ in range(n))


class ApiError(Exception):
    """A Status response. `status` is the full Status object (dict)."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason}
        if details is not None:
            self.status["details"] = details
        self.status["code"] = code
        self.headers = headers or {}


class Store:
    """Objects keyed by (resource, namespace, name). All mutation goes through here under `cond`."""

    def __init__(self, retained_events=1000):
        self.cond = threading.Condition(threading.RLock())
        self.objects = {}
        self.rv = 0
        self.events = []  # (rv, resource, namespace, type, obj)
        self.retained = retained_events
        self.compacted_rv = 0  # events with rv <= this are gone
        self.listeners = []  # callables(type, resource, obj) run under the lock, after commit

    def next_rv(self):
        self.rv += 1
        return self.rv

    def _record(self, etype, resource, obj):
        rv = int(obj["metadata"]["resourceVersion"])
        self.events.append((rv, resource, obj["metadata"].get("namespace", ""), etype, copy.deepcopy(obj)))
        if len(self.events) > self.retained:
            drop = len(self.events) - self.retained
            self.compacted_rv = self.events[drop - 1][0]
            del self.events[:drop]
        self.cond.notify_all()
        for fn in list(self.listeners):
            fn(etype, resource, obj)

    def compact(self):
        """Tests: forget every event so far (a later watch from an older resourceVersion gets 410)."""
        with self.cond:
            self.compacted_rv = self.rv
            self.events.clear()

    def get(self, resource, namespace, name):
        with self.cond:
            o = self.objects.get((resource, namespace or "", name))
            return copy.deepcopy(o) if o is not None else None

    def list(self, resource, namespace=None):
        with self.cond:
            out = [copy.deepcopy(o) for (r, ns, _), o in self.objects.items()
                   if r == resource and (namespace is None or ns == namespace)]
            out.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            return out, str(self.rv)

    def create(self, resource, obj):
        with self.cond:
            meta = obj["metadata"]
            if not meta.get("name") and meta.get("generateName"):
                for _ in range(10):
                    cand = meta["generateName"] + random_suffix()
                    if (resource, meta.get("namespace", ""), cand) not in self.objects:
                        meta["name"] = cand
                        break
            key = (resource, meta.get("namespace", ""), meta["name"])
            if key in self.objects:
                return None
            meta["uid"] = meta.get("uid") or str(uuid.uuid4())
            meta["creationTimestamp"] = now_rfc3339()
            meta["resourceVersion"] = str(self.next_rv())
            self.objects[key] = copy.deepcopy(obj)
            self._record("ADDED", resource, obj)
            return copy.deepcopy(obj)

    def replace(self, resource, obj):
        with self.cond:
            meta = obj["metadata"]
            key = (resource, meta.get("namespace", ""), meta["name"])
            meta["resourceVersion"] = str(self.next_rv())
            self.objects[key] = copy.deepcopy(obj)
            self._record("MODIFIED", resource, obj)
            return copy.deepcopy(obj)

    def delete(self, resource, namespace, name):
        with self.cond:
            obj = self.objects.pop((resource, namespace or "", name), None)
            if obj is None:
                return None
            obj["metadata"]["resourceVersion"] = str(self.next_rv())
            self._record("DELETED", resource, obj)
            return copy.deepcopy(obj)

    def events_since(self, rv):
        """Events after rv, or None if rv is older than the retained window."""
        with self.cond:
            if rv < self.compacted_rv:
                return None
            return [e for e in self.events if e[0] > rv]
