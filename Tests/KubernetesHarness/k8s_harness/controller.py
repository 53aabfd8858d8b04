"""The Job controller and the "kubelet": pods go Pending -> Running -> Succeeded/Failed.

What a container does:
  1. a behaviour rule scripted by the test matches its image -> that log, exit code, duration;
  2. the image contains "kaniko" -> a real build: --context fetched, built with buildah, pushed to --destination;
  3. the image is in the allow-list and the container has command/args -> run command+args as a local process
     (NO container: host filesystem, host network; mounted volumes are materialized under the pod's directory
     and listed in $HARNESS_MOUNTS);
  4. otherwise a short default run that prints a few lines and exits 0.
"""
import base64
import copy
import json
import os
import signal
import queue
import shlex
import shutil
import subprocess
import tarfile
import threading
import time
import urllib.parse
import urllib.request
import uuid

from .store import now_rfc3339

JOB_LABELS = ("batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name", "controller-uid", "job-name")


class LogBuffer:
    def __init__(self):
        self._data = bytearray()
        self._cond = threading.Condition()
        self.started = False
        self.done = False

    def start(self):
        with self._cond:
            self.started = True
            self._cond.notify_all()

    def write(self, b):
        if isinstance(b, str):
            b = b.encode()
        with self._cond:
            self._data += b
            self._cond.notify_all()

    def finish(self):
        with self._cond:
            self.done = True
            self._cond.notify_all()

    def data(self):
        with self._cond:
            return bytes(self._data)

    def read_from(self, pos, timeout=1.0):
        with self._cond:
            if pos >= len(self._data) and not self.done:
                self._cond.wait(timeout)
            return bytes(self._data[pos:]), self.done


class Killed(Exception):
    pass


class Controller:
    def __init__(self, harness):
        self.h = harness
        self.store = harness.store
        self.queue = queue.Queue()
        self.runners = {}  # (ns, pod name) -> PodRunner
        self.counted = {}  # job uid -> {pod uid: "Succeeded"/"Failed"}
        self.timers = {}
        self.deleted_jobs = set()
        self._stop = False
        self.store.listeners.append(self._on_event)
        self._worker = threading.Thread(target=self._work, daemon=True)
        self._worker.start()

    def stop(self):
        self._stop = True
        self.queue.put(None)
        for r in list(self.runners.values()):
            r.kill()
        for t in self.timers.values():
            t.cancel()

    # ---- API-server-side hooks
    def default_job(self, job, old=None):
        meta = job["metadata"]
        spec = job["spec"]
        if old is not None:
            meta["uid"] = old["metadata"]["uid"]
            if "selector" not in spec and "selector" in old["spec"]:
                spec["selector"] = old["spec"]["selector"]
            labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
            for k in JOB_LABELS:
                v = ((old["spec"].get("template") or {}).get("metadata") or {}).get("labels", {}).get(k)
                if v is not None:
                    labels.setdefault(k, v)
            return
        uid = meta["uid"] = str(uuid.uuid4())
        tmeta = spec.setdefault("template", {}).setdefault("metadata", {})
        if not spec.get("manualSelector"):
            spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
            labels = tmeta.setdefault("labels", {})
            name = meta.get("name") or ""
            labels.update({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
                           "controller-uid": uid, "job-name": name})

    def dependents(self, resource, ns, obj):
        if resource != "jobs":
            return []
        uid = obj["metadata"]["uid"]
        items, _ = self.store.list("pods", ns)
        return [("pods", p["metadata"]["name"]) for p in items
                if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])]

    def on_delete(self, resource, ns, obj):
        if resource == "pods":
            r = self.runners.pop((ns, obj["metadata"]["name"]), None)
            if r:
                r.kill()
        elif resource == "jobs":
            self.deleted_jobs.add(obj["metadata"]["uid"])
            t = self.timers.pop(obj["metadata"]["uid"], None)
            if t:
                t.cancel()

    def _on_event(self, etype, resource, obj):
        # runs under the store lock: only enqueue
        if resource == "jobs" and etype == "ADDED":
            self.queue.put(("job", obj["metadata"]["namespace"], obj["metadata"]["name"]))
        elif resource == "pods":
            if etype == "ADDED":
                self.queue.put(("pod", obj["metadata"]["namespace"], obj["metadata"]["name"]))
            for ref in obj["metadata"].get("ownerReferences") or []:
                if ref.get("kind") == "Job" and ref.get("controller"):
                    self.queue.put(("job", obj["metadata"]["namespace"], ref["name"]))

    def _work(self):
        while not self._stop:
            item = self.queue.get()
            if item is None:
                return
            kind, ns, name = item
            try:
                if kind == "job":
                    self.sync_job(ns, name)
                elif kind == "pod":
                    self._start_pod(ns, name)
            except Exception as e:  # noqa: BLE001 - keep the controller alive; tests see the effect
                import traceback
                traceback.print_exc()
                print("harness controller error: %s" % e, flush=True)

    def _start_pod(self, ns, name):
        with self.store.cond:
            if (ns, name) in self.runners or self.store.get("pods", ns, name) is None:
                return
            r = PodRunner(self.h, ns, name)
            self.runners[(ns, name)] = r
        r.start()

    # ---- events
    def event(self, ns, involved, etype, reason, message):
        kind = involved.get("kind")
        with self.store.cond:
            self.store.create("events", {
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": "%s.%x" % (involved["metadata"]["name"], time.time_ns()), "namespace": ns},
                "involvedObject": {"kind": kind, "namespace": ns, "name": involved["metadata"]["name"],
                                   "uid": involved["metadata"]["uid"], "apiVersion": involved.get("apiVersion"),
                                   "resourceVersion": involved["metadata"].get("resourceVersion")},
                "reason": reason, "message": message, "type": etype,
                "source": {"component": "job-controller" if kind == "Job" else "kubelet"},
                "firstTimestamp": now_rfc3339(), "lastTimestamp": now_rfc3339(), "count": 1,
                "reportingComponent": "job-controller" if kind == "Job" else "kubelet", "reportingInstance": ""})

    # ---- the Job controller
    def sync_job(self, ns, name):
        with self.store.cond:
            job = self.store.get("jobs", ns, name)
            if job is None or job["metadata"].get("deletionTimestamp"):
                return
            uid = job["metadata"]["uid"]
            if uid in self.deleted_jobs:
                return
            spec, st = job["spec"], copy.deepcopy(job.get("status") or {})
            conds = {c["type"] for c in st.get("conditions") or [] if c.get("status") == "True"}
            if "Complete" in conds or "Failed" in conds:
                return
            counted = self.counted.setdefault(uid, {})
            pods = [p for p in self.store.list("pods", ns)[0]
                    if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])]
            live = {p["metadata"]["uid"] for p in pods}
            active = []
            for p in pods:
                phase = (p.get("status") or {}).get("phase")
                if phase in ("Succeeded", "Failed"):
                    if counted.get(p["metadata"]["uid"]) in (None, "Active"):
                        counted[p["metadata"]["uid"]] = phase
                else:
                    active.append(p)
            # an active pod that vanished (deleted by someone) counts as failed
            for puid, state in list(counted.items()):
                if state == "Active" and puid not in live:
                    counted[puid] = "Failed"
            for p in active:
                counted[p["metadata"]["uid"]] = "Active"
            succeeded = sum(1 for v in counted.values() if v == "Succeeded")
            failed = sum(1 for v in counted.values() if v == "Failed")
            now = now_rfc3339()
            if spec.get("suspend"):
                return
            if not st.get("startTime"):
                st["startTime"] = now
                ads = spec.get("activeDeadlineSeconds")
                if ads:
                    t = threading.Timer(ads, self._deadline, args=(ns, name, uid))
                    t.daemon = True
                    self.timers[uid] = t
                    t.start()
            terminal = None
            if succeeded >= spec.get("completions", 1):
                terminal = ("Complete", "SuccessCriteriaMet", "CompletionsReached",
                            "Reached expected number of succeeded pods")
            elif failed > spec.get("backoffLimit", 6):
                terminal = ("Failed", "FailureTarget", "BackoffLimitExceeded",
                            "Job has reached the specified backoff limit")
            elif getattr(self, "_expired", set()) and uid in self._expired:
                terminal = ("Failed", "FailureTarget", "DeadlineExceeded",
                            "Job was active longer than specified deadline")
            if terminal:
                final, target, reason, message = terminal
                for p in active:
                    self.on_delete("pods", ns, p)
                    self.store.delete("pods", ns, p["metadata"]["name"])
                    counted[p["metadata"]["uid"]] = "Failed"
                failed = sum(1 for v in counted.values() if v == "Failed")
                c = lambda t: {"type": t, "status": "True", "lastProbeTime": now,  # noqa: E731
                               "lastTransitionTime": now, "reason": reason, "message": message}
                st["conditions"] = (st.get("conditions") or []) + [c(target), c(final)]
                if final == "Complete":
                    st["completionTime"] = now
                active = []
                t = self.timers.pop(uid, None)
                if t:
                    t.cancel()
                self.event(ns, job, "Normal" if final == "Complete" else "Warning",
                           "Completed" if final == "Complete" else reason,
                           "Job completed" if final == "Complete" else message)
            else:
                want = min(spec.get("parallelism", 1), spec.get("completions", 1) - succeeded) - len(active)
                if want > 0 and failed and self.h.backoff_seconds:
                    last = getattr(self, "_last_create", {}).get(uid, 0)
                    delay = self.h.backoff_seconds * (2 ** (failed - 1))
                    if time.time() - last < delay:
                        threading.Timer(delay, lambda: self.queue.put(("job", ns, name))).start()
                        want = 0
                for _ in range(max(want, 0)):
                    pod = self._pod_from_template(job)
                    created = self.store.create("pods", pod)
                    counted[created["metadata"]["uid"]] = "Active"
                    active.append(created)
                    self.__dict__.setdefault("_last_create", {})[uid] = time.time()
                    self.event(ns, job, "Normal", "SuccessfulCreate", "Created pod: %s" % created["metadata"]["name"])
            for k, v in (("active", len(active)), ("succeeded", succeeded), ("failed", failed)):
                if v:
                    st[k] = v
                else:
                    st.pop(k, None)
            st["ready"] = sum(1 for p in active if (p.get("status") or {}).get("phase") == "Running")
            st["terminating"] = 0
            st["uncountedTerminatedPods"] = {}
            if st != (job.get("status") or {}):
                job["status"] = st
                self.store.replace("jobs", job)

    def _deadline(self, ns, name, uid):
        self.__dict__.setdefault("_expired", set()).add(uid)
        self.queue.put(("job", ns, name))

    def _pod_from_template(self, job):
        from .api import apply_defaults
        tmpl = copy.deepcopy(job["spec"]["template"])
        meta = tmpl.get("metadata") or {}
        name = job["metadata"]["name"]
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"generateName": name + "-", "namespace": job["metadata"]["namespace"],
                            "labels": dict(meta.get("labels") or {}),
                            "annotations": dict(meta.get("annotations") or {}),
                            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name,
                                                 "uid": job["metadata"]["uid"], "controller": True,
                                                 "blockOwnerDeletion": True}]},
               "spec": tmpl.get("spec") or {}}
        if not pod["metadata"]["annotations"]:
            del pod["metadata"]["annotations"]
        apply_defaults("pods", pod, create=True)
        return pod


def image_repo(image):
    ref = image.split("@")[0]
    last = ref.rsplit("/", 1)
    if ":" in last[-1]:
        ref = ref[: ref.rfind(":")]
    return ref


class PodRunner(threading.Thread):
    def __init__(self, harness, ns, name):
        super().__init__(daemon=True)
        self.h = harness
        self.store = harness.store
        self.ns, self.name = ns, name
        self.killed = threading.Event()
        self.procs = []
        self.dir = os.path.join(harness.state_dir, "pods", ns, name)

    def kill(self):
        """Kills every process of the pod, children included, as a kubelet ends a container's cgroup."""
        self.killed.set()
        for p in list(self.procs):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                try:
                    p.kill()
                except OSError:
                    pass

    def _update(self, fn):
        with self.store.cond:
            pod = self.store.get("pods", self.ns, self.name)
            if pod is None or self.killed.is_set():
                raise Killed()
            fn(pod)
            self.store.replace("pods", pod)
            return pod

    def _sleep(self, s):
        if self.killed.wait(s):
            raise Killed()

    def run(self):
        try:
            self._run()
        except Killed:
            pass
        finally:
            for (ns, pod, c), buf in list(self.h.logs.items()):
                if ns == self.ns and pod == self.name:
                    buf.finish()

    def _run(self):
        pod = self.store.get("pods", self.ns, self.name)
        if pod is None:
            return
        spec = pod["spec"]
        containers = spec.get("containers") or []
        now = now_rfc3339()

        def scheduled(p):
            p["spec"]["nodeName"] = "harness-node"
            st = p.setdefault("status", {})
            st.update({"phase": "Pending", "hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}],
                       "startTime": now,
                       "conditions": [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                                       "lastTransitionTime": now}],
                       "containerStatuses": [{"name": c["name"], "image": c["image"], "imageID": "", "ready": False,
                                              "restartCount": 0, "started": False,
                                              "state": {"waiting": {"reason": "ContainerCreating"}},
                                              "lastState": {}} for c in containers]})
        self._update(scheduled)
        self._sleep(self.h.pod_start_delay)
        # volumes and env need their Secrets/ConfigMaps; like the kubelet, wait (stay Pending) until they exist
        while True:
            problem = None
            try:
                mounts_by_volume = self._materialize_volumes(spec)
                envs = [self._env(c, pod) for c in containers]
            except _Missing as m:
                problem = str(m)
            if problem is None:
                break

            def waiting(p, problem=problem):
                for cs in p["status"].get("containerStatuses") or []:
                    cs["state"] = {"waiting": {"reason": "CreateContainerConfigError" if "env" in problem
                                               else "ContainerCreating", "message": problem}}
            self._update(waiting)
            self._sleep(0.5)
        for c in containers:
            buf = LogBuffer()
            self.h.logs[(self.ns, self.name, c["name"])] = buf
        started = now_rfc3339()
        ip = "10.244.0.%d" % (1 + abs(hash(self.name)) % 250)

        def running(p):
            st = p["status"]
            st["phase"] = "Running"
            st["podIP"], st["podIPs"] = ip, [{"ip": ip}]
            st["conditions"] = [
                {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": started},
                {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": started},
                {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": started},
                {"type": "ContainersReady", "status": "True", "lastProbeTime": None, "lastTransitionTime": started},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": st.get("startTime")}]
            for cs in st["containerStatuses"]:
                cs.update({"ready": True, "started": True, "state": {"running": {"startedAt": started}},
                           "imageID": "harness://" + cs["image"], "containerID": "harness://" + uuid.uuid4().hex})
        self._update(running)
        results = {}
        threads = []
        for c, env in zip(containers, envs):
            buf = self.h.logs[(self.ns, self.name, c["name"])]
            buf.start()
            t = threading.Thread(target=self._container, args=(c, env, mounts_by_volume, buf, results), daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        if self.killed.is_set():
            raise Killed()
        finished = now_rfc3339()
        ok = all(code == 0 for code in results.values())

        def done(p):
            st = p["status"]
            st["phase"] = "Succeeded" if ok else "Failed"
            for cond in st["conditions"]:
                if cond["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
                    cond.update({"status": "False", "lastTransitionTime": finished})
                    if cond["type"] != "PodReadyToStartContainers":
                        cond["reason"] = "PodCompleted"
            for cs in st["containerStatuses"]:
                code = results.get(cs["name"], 137)
                cs.update({"ready": False, "started": False, "state": {"terminated": {
                    "exitCode": code, "reason": "Completed" if code == 0 else "Error", "startedAt": started,
                    "finishedAt": finished, "containerID": cs.get("containerID")}}})
        self._update(done)

    # ---- volumes and env
    def _materialize_volumes(self, spec):
        """volume name -> local directory holding its files (Secrets, ConfigMaps, emptyDir)."""
        out = {}
        for vol in spec.get("volumes") or []:
            d = os.path.join(self.dir, "volumes", vol["name"])
            files = None
            if "secret" in vol:
                s = self.store.get("secrets", self.ns, vol["secret"]["secretName"])
                if s is None:
                    if vol["secret"].get("optional"):
                        files = {}
                    else:
                        raise _Missing('MountVolume.SetUp failed for volume "%s" : secret "%s" not found'
                                       % (vol["name"], vol["secret"]["secretName"]))
                else:
                    files = {k: base64.b64decode(v) for k, v in (s.get("data") or {}).items()}
                files = self._items(files, vol["secret"].get("items"))
            elif "configMap" in vol:
                cm = self.store.get("configmaps", self.ns, vol["configMap"].get("name", ""))
                if cm is None:
                    if vol["configMap"].get("optional"):
                        files = {}
                    else:
                        raise _Missing('MountVolume.SetUp failed for volume "%s" : configmap "%s" not found'
                                       % (vol["name"], vol["configMap"].get("name")))
                else:
                    files = {k: v.encode() for k, v in (cm.get("data") or {}).items()}
                    files.update({k: base64.b64decode(v) for k, v in (cm.get("binaryData") or {}).items()})
                files = self._items(files, vol["configMap"].get("items"))
            elif "hostPath" in vol:
                out[vol["name"]] = vol["hostPath"]["path"]
                continue
            os.makedirs(d, exist_ok=True)
            for rel, content in (files or {}).items():
                p = os.path.join(d, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as f:
                    f.write(content)
            out[vol["name"]] = d
        return out

    @staticmethod
    def _items(files, items):
        if not items:
            return files
        return {it["path"]: files[it["key"]] for it in items if it["key"] in files}

    def _env(self, c, pod):
        env = {}
        for ef in c.get("envFrom") or []:
            if "secretRef" in ef:
                s = self.store.get("secrets", self.ns, ef["secretRef"]["name"])
                if s is None:
                    raise _Missing('env: secret "%s" not found' % ef["secretRef"]["name"])
                env.update({ef.get("prefix", "") + k: base64.b64decode(v).decode(errors="replace")
                            for k, v in (s.get("data") or {}).items()})
            if "configMapRef" in ef:
                cm = self.store.get("configmaps", self.ns, ef["configMapRef"]["name"])
                if cm is None:
                    raise _Missing('env: configmap "%s" not found' % ef["configMapRef"]["name"])
                env.update({ef.get("prefix", "") + k: v for k, v in (cm.get("data") or {}).items()})
        for e in c.get("env") or []:
            if "value" in e:
                env[e["name"]] = e["value"]
            elif "valueFrom" in e:
                vf = e["valueFrom"]
                if "secretKeyRef" in vf:
                    ref = vf["secretKeyRef"]
                    s = self.store.get("secrets", self.ns, ref["name"])
                    if s is None or ref["key"] not in (s.get("data") or {}):
                        if ref.get("optional"):
                            continue
                        raise _Missing('env: secret "%s" not found' % ref["name"] if s is None
                                       else "env: couldn't find key %s in Secret %s/%s" % (ref["key"], self.ns,
                                                                                           ref["name"]))
                    env[e["name"]] = base64.b64decode(s["data"][ref["key"]]).decode(errors="replace")
                elif "configMapKeyRef" in vf:
                    ref = vf["configMapKeyRef"]
                    cm = self.store.get("configmaps", self.ns, ref["name"])
                    if cm is None or ref["key"] not in (cm.get("data") or {}):
                        if ref.get("optional"):
                            continue
                        raise _Missing('env: configmap "%s" not found' % ref["name"])
                    env[e["name"]] = cm["data"][ref["key"]]
                elif "fieldRef" in vf:
                    fp = vf["fieldRef"]["fieldPath"]
                    env[e["name"]] = {"metadata.name": self.name, "metadata.namespace": self.ns,
                                      "spec.nodeName": "harness-node", "status.podIP": "",
                                      "metadata.uid": pod["metadata"]["uid"]}.get(fp, "")
            else:
                env[e["name"]] = ""
        return env

    def _mount_map(self, c, mounts_by_volume):
        """mountPath (in the container) -> local path."""
        out = {}
        for m in c.get("volumeMounts") or []:
            local = mounts_by_volume.get(m["name"])
            if local is None:
                d = os.path.join(self.dir, "volumes", m["name"])
                os.makedirs(d, exist_ok=True)
                local = mounts_by_volume[m["name"]] = d
            if m.get("subPath"):
                local = os.path.join(local, m["subPath"])
            out[m["mountPath"].rstrip("/") or "/"] = local
        return out

    @staticmethod
    def _resolve(path, mount_map):
        """A path inside the container -> the local file behind it, via the mounts (None if not mounted)."""
        best = None
        for mp in mount_map:
            if path == mp or path.startswith(mp + "/"):
                if best is None or len(mp) > len(best):
                    best = mp
        if best is None:
            return None
        return mount_map[best] + path[len(best):]

    # ---- what a container does
    def _container(self, c, env, mounts_by_volume, buf, results):
        name = c["name"]
        try:
            image = c["image"]
            for rule in self.h.behaviours:
                if rule.get("image", "") in image:
                    buf.write(rule.get("log", ""))
                    self._sleep(float(rule.get("seconds", 0)))
                    results[name] = int(rule.get("exitCode", 0))
                    return
            mount_map = self._mount_map(c, mounts_by_volume)
            if "kaniko" in image:
                results[name] = Kaniko(self, c, env, mount_map, buf).run()
                return
            argv = list(c.get("command") or []) + list(c.get("args") or [])
            repo = image_repo(image)
            allowed = any(repo == a or repo.endswith("/" + a) or image == a for a in self.h.allow_images)
            if allowed and argv:
                results[name] = self._process(argv, c, env, mount_map, buf)
                return
            buf.write("harness: container %s of pod %s/%s (image %s)\n" % (name, self.ns, self.name, image))
            if argv:
                buf.write("harness: would run: %s\n" % " ".join(shlex.quote(a) for a in argv))
            self._sleep(self.h.pod_run_seconds)
            buf.write("harness: done\n")
            results[name] = 0
        except Killed:
            results[name] = 137
        except Exception as e:  # noqa: BLE001
            buf.write("harness: internal error: %s\n" % e)
            results[name] = 128

    def _process(self, argv, c, env, mount_map, buf):
        penv = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir, "HOSTNAME": self.name}
        penv.update(env)
        penv["HARNESS_MOUNTS"] = json.dumps(mount_map)
        cwd = c.get("workingDir") if c.get("workingDir") and os.path.isdir(c["workingDir"]) else self.dir
        os.makedirs(cwd, exist_ok=True)
        try:
            p = subprocess.Popen(argv, cwd=cwd, env=penv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            # what the kubelet reports for an unknown executable
            buf.write('exec: "%s": %s\n' % (argv[0], e.strerror))
            return 128
        self.procs.append(p)
        for line in iter(p.stdout.readline, b""):
            buf.write(line)
        code = p.wait()
        if self.killed.is_set():
            raise Killed()
        return code if code >= 0 else 128 - code


class _Missing(Exception):
    pass


class Kaniko:
    """The kaniko executor's flags, carried out with buildah (vfs storage, chroot isolation)."""
    VALUE_FLAGS = {"--context", "-c", "--dockerfile", "-f", "--destination", "-d", "--build-arg", "--target",
                   "--label", "--context-sub-path", "--cache-repo", "--cache-dir", "--cache-ttl", "--verbosity",
                   "--snapshot-mode", "--digest-file", "--image-name-with-digest-file", "--image-name-tag-with-digest-file",
                   "--custom-platform", "--registry-mirror", "--insecure-registry", "--skip-tls-verify-registry",
                   "--push-retry", "--tar-path", "--oci-layout-path", "--compression", "--compression-level",
                   "--log-format", "--log-timestamp", "--ignore-path", "--kaniko-dir", "--git",
                   "--registry-certificate", "--registry-map", "--image-fs-extract-retry"}
    BOOL_FLAGS = {"--insecure", "--skip-tls-verify", "--no-push", "--cache", "--reproducible", "--single-snapshot",
                  "--cleanup", "--use-new-run", "--insecure-pull", "--skip-tls-verify-pull", "--cache-copy-layers",
                  "--cache-run-layers", "--ignore-var-run", "--skip-unused-stages", "--compressed-caching",
                  "--push-ignore-immutable-tag-errors", "--force", "--log-timestamp"}

    def __init__(self, runner, c, env, mount_map, buf):
        self.r, self.c, self.env, self.mounts, self.buf = runner, c, env, mount_map, buf
        self.h = runner.h

    def parse(self):
        argv = list(self.c.get("args") or [])
        cmd = list(self.c.get("command") or [])
        if cmd and cmd[0].endswith("executor"):
            argv = cmd[1:] + argv
        opts = {"destination": [], "build-arg": [], "label": [], "bools": set()}
        i = 0
        while i < len(argv):
            a = argv[i]
            if "=" in a and a.startswith("-"):
                flag, val = a.split("=", 1)
            else:
                flag, val = a, None
            if flag in self.BOOL_FLAGS:
                if val is None or val.lower() == "true":
                    opts["bools"].add(flag)
                i += 1
                continue
            if flag not in self.VALUE_FLAGS:
                raise ValueError("unknown flag: %s" % flag if flag.startswith("-") else
                                 'unknown command "%s" for "executor"' % a)
            if val is None:
                i += 1
                if i >= len(argv):
                    raise ValueError("flag needs an argument: %s" % flag)
                val = argv[i]
            i += 1
            key = {"-c": "context", "-f": "dockerfile", "-d": "destination"}.get(flag, flag[2:])
            if key in ("destination", "build-arg", "label"):
                opts[key].append(val)
            else:
                opts[key] = val
        return opts

    def log(self, s):
        self.buf.write(s if s.endswith("\n") else s + "\n")

    def run(self):
        try:
            opts = self.parse()
        except ValueError as e:
            self.log("Error: %s" % e)
            return 1
        work = os.path.join(self.r.dir, "kaniko")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        try:
            ctxdir = self.fetch_context(opts.get("context", "dir:///workspace"), work)
        except Exception as e:  # noqa: BLE001
            self.log("Error: error resolving build context: %s" % e)
            return 1
        if opts.get("context-sub-path"):
            ctxdir = os.path.join(ctxdir, opts["context-sub-path"])
        df = opts.get("dockerfile", "Dockerfile")
        dfpath = df if os.path.isabs(df) and os.path.exists(df) else os.path.join(ctxdir, df)
        if not os.path.isfile(dfpath):
            self.log("Error: error resolving dockerfile path: please provide a valid path to a Dockerfile within "
                     "the build context with --dockerfile")
            return 1
        dests = opts["destination"]
        if not dests and "--no-push" not in opts["bools"]:
            self.log("Error: you must provide --destination, or use --no-push")
            return 1
        tag = dests[0] if dests else "localhost/kaniko-harness/%s:latest" % self.r.name
        root = ["--storage-driver", "vfs"]
        if self.h.buildah_root:
            root += ["--root", os.path.join(self.h.buildah_root, "root"),
                     "--runroot", os.path.join(self.h.buildah_root, "runroot")]
        benv = dict(os.environ)
        if self.h.registries_conf:
            benv["CONTAINERS_REGISTRIES_CONF"] = self.h.registries_conf
        bud = ["buildah", *root, "bud", "--isolation", "chroot", "--layers=false", "-f", dfpath, "-t", tag]
        for ba in opts["build-arg"]:
            bud += ["--build-arg", ba]
        for lb in opts["label"]:
            bud += ["--label", lb]
        if opts.get("target"):
            bud += ["--target", opts["target"]]
        if opts.get("custom-platform"):
            bud += ["--platform", opts["custom-platform"]]
        bud.append(ctxdir)
        self.log("INFO[0000] Building %s with the harness (buildah)" % tag)
        if self.exec(bud, benv) != 0:
            self.log("error building image: error building stage: buildah bud failed")
            return 1
        if "--no-push" in opts["bools"]:
            self.log("INFO[0001] Skipping push to container registry due to --no-push flag")
            return 0
        authfile = self.authfile()
        for d in dests:
            reg = d.split("/")[0]
            insecure = ("--insecure" in opts["bools"] or "--skip-tls-verify" in opts["bools"]
                        or opts.get("insecure-registry") == reg or _loopback(reg))
            digestfile = os.path.join(work, "digest")
            push = ["buildah", *root, "push", "--tls-verify=%s" % ("false" if insecure else "true"),
                    "--digestfile", digestfile]
            if authfile:
                push += ["--authfile", authfile]
            push += [tag, "docker://" + d]
            self.log("INFO[0002] Pushing image to %s" % d)
            if self.exec(push, benv) != 0:
                self.log("error pushing image: failed to push to destination %s" % d)
                return 1
            digest = open(digestfile).read().strip() if os.path.exists(digestfile) else ""
            self.log("INFO[0003] Pushed %s@%s" % (d.rsplit(":", 1)[0] if ":" in d.split("/")[-1] else d, digest))
            if opts.get("digest-file"):
                local = self.r._resolve(opts["digest-file"], self.mounts)
                if local:
                    with open(local, "w") as f:
                        f.write(digest)
        return 0

    def exec(self, argv, env):
        try:
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            self.log("Error: %s: %s" % (argv[0], e.strerror))
            return 127
        self.r.procs.append(p)
        for line in iter(p.stdout.readline, b""):
            self.buf.write(line)
        code = p.wait()
        if self.r.killed.is_set():
            raise Killed()
        return code

    def authfile(self):
        docker_config = self.env.get("DOCKER_CONFIG", "/kaniko/.docker")
        local = self.r._resolve(docker_config.rstrip("/") + "/config.json", self.mounts)
        if local and os.path.isfile(local):
            return local
        return None

    def fetch_context(self, url, work):
        u = urllib.parse.urlsplit(url)
        scheme = u.scheme if "://" in url else "dir"
        if scheme == "dir":
            path = url[len("dir://"):] if url.startswith("dir://") else url
            local = self.r._resolve(path, self.mounts) or path
            if not os.path.isdir(local):
                raise FileNotFoundError("context directory %s does not exist" % path)
            return local
        tarball = os.path.join(work, "context.tar.gz")
        if scheme == "tar":
            path = url[len("tar://"):]
            local = self.r._resolve(path, self.mounts) or path
            shutil.copyfile(local, tarball)
        elif self.h.context_fetcher is not None:
            self.h.context_fetcher(url, tarball, dict(self.env))
        elif scheme == "s3":
            self._fetch_s3(u, tarball)
        elif scheme == "gs":
            self._fetch_gcs(u, tarball)
        else:
            raise ValueError("unsupported context scheme %s" % scheme)
        out = os.path.join(work, "context")
        os.makedirs(out)
        with tarfile.open(tarball, "r:*") as t:
            t.extractall(out, filter="data")
        self.log("INFO[0000] Retrieved build context %s" % url)
        return out

    def _fetch_s3(self, u, dest):
        """As kaniko: credentials and endpoint from the pod's env (S3_ENDPOINT, AWS_*)."""
        import boto3
        env = self.env
        endpoint = env.get("S3_ENDPOINT") or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
        s3 = boto3.client("s3", endpoint_url=endpoint,
                          region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
                          aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
                          aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
                          aws_session_token=env.get("AWS_SESSION_TOKEN"))
        s3.download_file(u.netloc, u.path.lstrip("/"), dest)

    def _fetch_gcs(self, u, dest):
        host = self.env.get("STORAGE_EMULATOR_HOST")
        if not host:
            raise ValueError("gs:// contexts need STORAGE_EMULATOR_HOST in the pod env (or a context_fetcher)")
        if "://" not in host:
            host = "http://" + host
        obj = urllib.parse.quote(u.path.lstrip("/"), safe="")
        with urllib.request.urlopen("%s/storage/v1/b/%s/o/%s?alt=media" % (host, u.netloc, obj)) as r, \
                open(dest, "wb") as f:
            shutil.copyfileobj(r, f)


def _loopback(registry):
    """go-containerregistry uses plain http for localhost and loopback registries without --insecure."""
    host = registry.rsplit(":", 1)[0] if not registry.startswith("[") else registry.split("]")[0] + "]"
    return host in ("localhost", "[::1]") or host.startswith("127.") or host.endswith(".local")
