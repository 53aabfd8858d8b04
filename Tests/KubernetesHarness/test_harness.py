"""The harness checked against the real clients: the official `kubernetes` Python client and kubectl."""
import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from k8s_harness.server import Harness  # noqa: E402

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


@pytest.fixture(scope="session")
def harness(tmp_path_factory):
    h = Harness(str(tmp_path_factory.mktemp("k8s")), allow_images=["busybox"], pod_start_delay=0.1,
                pod_run_seconds=0.2, backoff_seconds=0.05).start()
    yield h
    h.stop()


@pytest.fixture(scope="session")
def api(harness):
    return config.new_client_from_config(config_file=harness.kubeconfig)


@pytest.fixture()
def ns(api, request):
    name = "t-" + request.node.name.replace("_", "-").lower()[:40].strip("-")
    client.CoreV1Api(api).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    return name


def raw(harness, method, path, body=None, token=None, ctype="application/json"):
    ctx = ssl.create_default_context(cafile=harness.ca_file)
    req = urllib.request.Request(harness.url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    if token is not False:
        req.add_header("Authorization", "Bearer " + (token or harness.token))
    req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, context=ctx) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def job(name, command=None, image="busybox", **spec):
    c = {"name": "main", "image": image}
    if command:
        c["command"] = command
    s = {"template": {"spec": {"restartPolicy": "Never", "containers": [c]}}}
    s.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": s}


def wait_for(fn, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def job_condition(api, ns, name):
    j = client.BatchV1Api(api).read_namespaced_job(name, ns)
    conds = [c.type for c in (j.status.conditions or []) if c.status == "True"]
    return ("Complete" in conds or "Failed" in conds) and j


# ------------------------------------------------------------------ auth and Status shapes
def test_401_without_and_with_wrong_token(harness):
    want = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized",
            "reason": "Unauthorized", "code": 401}
    assert raw(harness, "GET", "/api/v1/namespaces", token=False) == (401, want)
    assert raw(harness, "GET", "/api/v1/namespaces", token="wrong") == (401, want)
    with open(harness.kubeconfig) as f:
        cfg = json.load(f)
    cfg["users"][0]["user"]["token"] = "nope"
    wrong = os.path.join(harness.state_dir, "kubeconfig-wrong")
    with open(wrong, "w") as f:
        json.dump(cfg, f)
    api = config.new_client_from_config(config_file=wrong)
    with pytest.raises(ApiException) as e:
        client.CoreV1Api(api).list_namespace()
    assert e.value.status == 401


def test_404_exact_status(harness, ns):
    code, body = raw(harness, "GET", "/apis/batch/v1/namespaces/%s/jobs/x" % ns)
    assert code == 404
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": 'jobs.batch "x" not found', "reason": "NotFound",
                    "details": {"name": "x", "group": "batch", "kind": "jobs"}, "code": 404}
    code, body = raw(harness, "GET", "/api/v1/namespaces/%s/secrets/nope" % ns)
    assert body["message"] == 'secrets "nope" not found' and body["details"] == {"name": "nope", "kind": "secrets"}
    code, body = raw(harness, "POST", "/api/v1/namespaces/missing-ns/configmaps",
                     {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    assert code == 404 and body["message"] == 'namespaces "missing-ns" not found'


def test_409_already_exists_and_conflict(api, ns):
    v1 = client.CoreV1Api(api)
    cm = v1.create_namespaced_config_map(ns, {"metadata": {"name": "dup"}, "data": {"a": "1"}})
    with pytest.raises(ApiException) as e:
        v1.create_namespaced_config_map(ns, {"metadata": {"name": "dup"}})
    assert e.value.status == 409
    assert json.loads(e.value.body)["reason"] == "AlreadyExists"
    assert json.loads(e.value.body)["message"] == 'configmaps "dup" already exists'
    cm.data = {"a": "2"}
    v1.replace_namespaced_config_map("dup", ns, cm)
    cm.data = {"a": "3"}  # stale resourceVersion
    with pytest.raises(ApiException) as e:
        v1.replace_namespaced_config_map("dup", ns, cm)
    assert e.value.status == 409 and json.loads(e.value.body)["reason"] == "Conflict"


def test_422_invalid_job_with_schema_and_semantic_causes(harness, api, ns):
    bad = job("bad", image=None)
    bad["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    del bad["spec"]["template"]["spec"]["containers"][0]["image"]
    with pytest.raises(ApiException) as e:
        client.BatchV1Api(api).create_namespaced_job(ns, bad)
    assert e.value.status == 422
    st = json.loads(e.value.body)
    assert st["reason"] == "Invalid" and st["details"]["kind"] == "Job" and st["details"]["group"] == "batch"
    fields = {c["field"]: c for c in st["details"]["causes"]}
    assert fields["spec.template.spec.containers[0].image"]["reason"] == "FieldValueRequired"
    assert fields["spec.template.spec.restartPolicy"]["reason"] == "FieldValueNotSupported"
    assert st["message"].startswith('Job.batch "bad" is invalid: [')
    # schema layer (kubernetes-validate): a string where an integer belongs, an enum violation
    bad = job("bad2", ["true"], backoffLimit="six")
    code, st = raw(harness, "POST", "/apis/batch/v1/namespaces/%s/jobs" % ns, bad)
    assert code == 422 and st["details"]["causes"][0]["field"] == "spec.backoffLimit"
    # a name that is not DNS-1123
    code, st = raw(harness, "POST", "/api/v1/namespaces/%s/configmaps" % ns,
                   {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}})
    assert code == 422 and st["details"]["causes"][0]["field"] == "metadata.name"
    assert "RFC 1123 subdomain" in st["details"]["causes"][0]["message"]
    # unknown fields: 400 with fieldValidation=Strict, dropped with a Warning otherwise
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"}, "bogus": 1}
    code, st = raw(harness, "POST", "/api/v1/namespaces/%s/configmaps?fieldValidation=Strict" % ns, obj)
    assert code == 400 and 'unknown field "bogus"' in st["message"]
    code, st = raw(harness, "POST", "/api/v1/namespaces/%s/configmaps" % ns, obj)
    assert code == 201 and "bogus" not in st


def test_403_scripted(harness, api, ns):
    harness.forbid("create", "secrets", ns)
    try:
        with pytest.raises(ApiException) as e:
            client.CoreV1Api(api).create_namespaced_secret(ns, {"metadata": {"name": "s"}})
        st = json.loads(e.value.body)
        assert e.value.status == 403 and st["reason"] == "Forbidden"
        assert st["message"] == ('secrets is forbidden: User "%s" cannot create resource "secrets" in API group "" '
                                 'in the namespace "%s"' % (harness.user, ns))
    finally:
        harness.forbidden.clear()


# ------------------------------------------------------------------ metadata, selectors, patches
def test_server_set_metadata_and_generate_name(api, ns):
    v1 = client.CoreV1Api(api)
    a = v1.create_namespaced_config_map(ns, {"metadata": {"generateName": "cfg-"}})
    b = v1.create_namespaced_config_map(ns, {"metadata": {"generateName": "cfg-"}})
    assert a.metadata.name.startswith("cfg-") and len(a.metadata.name) == 9 and a.metadata.name != b.metadata.name
    assert a.metadata.namespace == ns and a.metadata.uid != b.metadata.uid
    assert int(b.metadata.resource_version) > int(a.metadata.resource_version)
    assert a.metadata.creation_timestamp is not None
    j = client.BatchV1Api(api).create_namespaced_job(ns, job("meta", ["true"]))
    assert j.metadata.generation == 1 and j.spec.backoff_limit == 6
    assert j.spec.template.metadata.labels["job-name"] == "meta"
    assert j.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": j.metadata.uid}
    s = v1.create_namespaced_secret(ns, {"metadata": {"name": "sd"}, "stringData": {"k": "v"}})
    assert s.data == {"k": base64.b64encode(b"v").decode()} and s.type == "Opaque" and not s.string_data


def test_label_and_field_selectors(api, ns):
    v1 = client.CoreV1Api(api)
    for name, labels in (("a", {"app": "x", "tier": "web"}), ("b", {"app": "y"}), ("c", {"tier": "db"})):
        v1.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": labels}})

    def names(**kw):
        return sorted(i.metadata.name for i in v1.list_namespaced_config_map(ns, **kw).items)
    assert names(label_selector="app=x") == ["a"]
    assert names(label_selector="app!=x") == ["b", "c"]
    assert names(label_selector="app in (x,y)") == ["a", "b"]
    assert names(label_selector="app notin (x)") == ["b", "c"]
    assert names(label_selector="!app") == ["c"]
    assert names(label_selector="tier") == ["a", "c"]
    assert names(label_selector="app,tier=web") == ["a"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    with pytest.raises(ApiException) as e:
        v1.list_namespaced_config_map(ns, field_selector="data.x=1")
    assert e.value.status == 400
    page = v1.list_namespaced_config_map(ns, limit=2)
    assert len(page.items) == 2 and page.metadata._continue
    rest = v1.list_namespaced_config_map(ns, limit=2, _continue=page.metadata._continue)
    assert len(rest.items) == 1


def test_patches(api, ns):
    v1 = client.CoreV1Api(api)
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "p", "labels": {"a": "1"}}, "data": {"x": "1"}})
    # the Python client sends strategic-merge-patch for dict bodies
    out = v1.patch_namespaced_config_map("p", ns, {"metadata": {"labels": {"b": "2"}}, "data": {"x": None, "y": "2"}})
    assert out.metadata.labels == {"a": "1", "b": "2"} and out.data == {"y": "2"}
    out = v1.patch_namespaced_config_map("p", ns, [{"op": "add", "path": "/data/z", "value": "3"}])
    assert out.data == {"y": "2", "z": "3"}
    pod = v1.create_namespaced_pod(ns, {"metadata": {"name": "pp"}, "spec": {"containers": [
        {"name": "a", "image": "img:1", "command": ["x"]}, {"name": "b", "image": "img:1", "command": ["x"]}]}})
    out = v1.patch_namespaced_pod("pp", ns, {"spec": {"containers": [{"name": "b", "image": "img:2"}]}})
    assert [(c.name, c.image) for c in out.spec.containers] == [("a", "img:1"), ("b", "img:2")]
    assert out.metadata.generation == pod.metadata.generation + 1
    with pytest.raises(ApiException) as e:  # pod spec is immutable except images
        v1.patch_namespaced_pod("pp", ns, {"spec": {"containers": [{"name": "b", "command": ["y"]}]}})
    assert e.value.status == 422


# ------------------------------------------------------------------ watch
def test_watch_added_modified_deleted_and_resume(api, ns):
    v1 = client.CoreV1Api(api)
    start = v1.list_namespaced_config_map(ns).metadata.resource_version
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "w", "labels": {"w": "1"}}})
    v1.patch_namespaced_config_map("w", ns, {"data": {"a": "b"}})
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "other"}})
    v1.delete_namespaced_config_map("w", ns)
    seen = []
    for ev in watch.Watch().stream(v1.list_namespaced_config_map, ns, resource_version=start, label_selector="w=1",
                                   timeout_seconds=2):
        seen.append((ev["type"], ev["object"].metadata.name, ev["object"].metadata.resource_version))
    assert [s[:2] for s in seen] == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]
    # resume after the first event: only the later ones
    again = [ev["type"] for ev in watch.Watch().stream(v1.list_namespaced_config_map, ns, resource_version=seen[0][2],
                                                       label_selector="w=1", timeout_seconds=1)]
    assert again == ["MODIFIED", "DELETED"]


def test_watch_too_old_resource_version_is_410(harness, api, ns):
    v1 = client.CoreV1Api(api)
    old = v1.create_namespaced_config_map(ns, {"metadata": {"name": "g"}}).metadata.resource_version
    harness.store.compact()
    v1.create_namespaced_config_map(ns, {"metadata": {"name": "g2"}})
    with pytest.raises(ApiException) as e:
        for _ in watch.Watch().stream(v1.list_namespaced_config_map, ns, resource_version=str(int(old) - 1),
                                      timeout_seconds=2):
            pass
    assert e.value.status == 410


# ------------------------------------------------------------------ the Job controller
def test_job_runs_to_complete_with_logs(api, ns):
    b = client.BatchV1Api(api)
    v1 = client.CoreV1Api(api)
    b.create_namespaced_job(ns, job("ok", ["sh", "-c", "echo hello; echo world >&2; echo $MSG"],
                                    **{"template": {"spec": {"restartPolicy": "Never", "containers": [
                                        {"name": "main", "image": "busybox:1.36",
                                         "command": ["sh", "-c", "echo hello; echo world >&2; echo $MSG"],
                                         "env": [{"name": "MSG", "value": "from-env"}]}]}}}))
    phases = []
    for ev in watch.Watch().stream(v1.list_namespaced_pod, ns, label_selector="job-name=ok", timeout_seconds=20):
        phases.append(ev["object"].status.phase)
        if ev["object"].status.phase == "Succeeded":
            break
    assert phases[0] == "Pending" and "Running" in phases and phases[-1] == "Succeeded"
    j = wait_for(lambda: job_condition(api, ns, "ok"), what="job ok")
    assert [c.type for c in j.status.conditions] == ["SuccessCriteriaMet", "Complete"]
    assert j.status.succeeded == 1 and j.status.start_time and j.status.completion_time and not j.status.active
    pod = v1.list_namespaced_pod(ns, label_selector="job-name=ok").items[0]
    assert pod.metadata.owner_references[0].kind == "Job" and pod.metadata.owner_references[0].controller
    assert pod.metadata.labels["batch.kubernetes.io/job-name"] == "ok"
    assert pod.metadata.labels["controller-uid"] == j.metadata.uid
    assert pod.status.container_statuses[0].state.terminated.exit_code == 0
    assert v1.read_namespaced_pod_log(pod.metadata.name, ns) == "hello\nworld\nfrom-env\n"


def test_job_backoff_limit_and_failed(api, ns):
    b = client.BatchV1Api(api)
    b.create_namespaced_job(ns, job("fails", ["sh", "-c", "echo boom; exit 3"], backoffLimit=1))
    j = wait_for(lambda: job_condition(api, ns, "fails"), what="job fails")
    assert [c.type for c in j.status.conditions] == ["FailureTarget", "Failed"]
    assert j.status.conditions[-1].reason == "BackoffLimitExceeded" and j.status.failed == 2
    pods = client.CoreV1Api(api).list_namespaced_pod(ns, label_selector="job-name=fails").items
    assert len(pods) == 2 and all(p.status.phase == "Failed" for p in pods)
    assert pods[0].status.container_statuses[0].state.terminated.exit_code == 3
    b.create_namespaced_job(ns, job("once", ["false"], backoffLimit=0))
    j = wait_for(lambda: job_condition(api, ns, "once"), what="job once")
    assert j.status.failed == 1 and j.status.conditions[-1].type == "Failed"


def test_job_active_deadline(api, ns):
    client.BatchV1Api(api).create_namespaced_job(ns, job("slow", ["sleep", "30"], activeDeadlineSeconds=1))
    j = wait_for(lambda: job_condition(api, ns, "slow"), what="job slow")
    assert j.status.conditions[-1].reason == "DeadlineExceeded"
    assert client.CoreV1Api(api).list_namespaced_pod(ns, label_selector="job-name=slow").items == []


def test_secret_env_and_volume_reach_the_process(api, ns):
    v1 = client.CoreV1Api(api)
    v1.create_namespaced_secret(ns, {"metadata": {"name": "creds"}, "stringData": {"token": "s3cr3t"}})
    spec = {"restartPolicy": "Never", "volumes": [{"name": "c", "secret": {"secretName": "creds"}}],
            "containers": [{"name": "main", "image": "busybox", "volumeMounts": [{"name": "c", "mountPath": "/etc/c"}],
                            "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
                            "command": ["sh", "-c", "echo $T; echo $HARNESS_MOUNTS | grep -c /etc/c"]}]}
    client.BatchV1Api(api).create_namespaced_job(ns, {"metadata": {"name": "sec"}, "spec": {"template": {"spec": spec}}})
    wait_for(lambda: job_condition(api, ns, "sec"), what="job sec")
    pod = v1.list_namespaced_pod(ns, label_selector="job-name=sec").items[0]
    assert v1.read_namespaced_pod_log(pod.metadata.name, ns) == "s3cr3t\n1\n"


def test_delete_propagation(api, ns):
    b = client.BatchV1Api(api)
    v1 = client.CoreV1Api(api)
    for name in ("orphan", "bg"):
        b.create_namespaced_job(ns, job(name, ["true"]))
        wait_for(lambda: job_condition(api, ns, name), what=name)
    # batch/v1 Jobs default to orphaning their pods (as the real server); ownerReferences are removed
    b.delete_namespaced_job("orphan", ns)
    pods = v1.list_namespaced_pod(ns, label_selector="job-name=orphan").items
    assert len(pods) == 1 and not pods[0].metadata.owner_references
    b.delete_namespaced_job("bg", ns, propagation_policy="Background")
    assert v1.list_namespaced_pod(ns, label_selector="job-name=bg").items == []
    with pytest.raises(ApiException) as e:
        b.read_namespaced_job("bg", ns)
    assert e.value.status == 404


# ------------------------------------------------------------------ kubectl, the real one
def kubectl(harness, *args, check=True):
    p = subprocess.run([KUBECTL, "--kubeconfig", harness.kubeconfig, *args], capture_output=True, text=True,
                       timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("kubectl %s: %s%s" % (" ".join(args), p.stdout, p.stderr))
    return p


def test_kubectl_lists_creates_and_deletes(harness, api):
    if not os.path.exists(KUBECTL):
        pytest.skip("kubectl is not installed")
    kubectl(harness, "create", "namespace", "kc")
    kubectl(harness, "create", "secret", "generic", "s1", "-n", "kc", "--from-literal=a=b")
    out = kubectl(harness, "get", "secret", "-n", "kc").stdout
    assert "s1" in out and "Opaque" in out
    client.BatchV1Api(api).create_namespaced_job("kc", job("kj", ["true"]))
    wait_for(lambda: job_condition(api, "kc", "kj"), what="kj")
    out = kubectl(harness, "get", "jobs,pods", "-A").stdout
    assert "job.batch/kj" in out and "Complete" in out and "pod/kj-" in out and "Completed" in out
    path = os.path.join(harness.state_dir, "job.json")
    with open(path, "w") as f:
        json.dump(dict(job("kj2", ["true"]), metadata={"name": "kj2", "namespace": "kc"}), f)
    kubectl(harness, "create", "-f", path)
    wait_for(lambda: job_condition(api, "kc", "kj2"), what="kj2")
    assert kubectl(harness, "logs", "-n", "kc", "job/kj2").returncode == 0
    out = kubectl(harness, "delete", "job", "kj2", "-n", "kc", "--cascade=foreground").stdout
    assert 'job.batch "kj2" deleted' in out
    assert "kj2" not in kubectl(harness, "get", "jobs,pods", "-n", "kc").stdout
    bad = kubectl(harness, "get", "job", "nope", "-n", "kc", check=False)
    assert bad.returncode != 0 and 'jobs.batch "nope" not found' in bad.stderr


# ------------------------------------------------------------------ kaniko: a real build and push
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    if not shutil.which("docker-registry"):
        pytest.skip("docker-registry (Debian) is not installed")
    d = tmp_path_factory.mktemp("registry")
    port = free_port()
    cfg = d / "config.yml"
    cfg.write_text("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n"
                   "http:\n  addr: 127.0.0.1:%d\n" % (d / "data", port))
    p = subprocess.Popen(["docker-registry", "serve", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up():
        try:
            return urllib.request.urlopen("http://127.0.0.1:%d/v2/" % port).status == 200
        except OSError:
            return False
    wait_for(up, 10, "docker-registry")
    yield "127.0.0.1:%d" % port
    p.terminate()
    p.wait()


def test_kaniko_job_builds_and_pushes(harness, api, ns, registry, tmp_path):
    if not shutil.which("buildah") or not shutil.which("skopeo"):
        pytest.skip("buildah and skopeo are needed")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "hello.txt").write_text("hello from the harness\n")
    (ctx / "Dockerfile.app").write_text("FROM scratch\nCOPY hello.txt /hello.txt\nLABEL built.by=harness\n")
    dest = "%s/team/app:%s" % (registry, ns)
    spec = {"restartPolicy": "Never", "containers": [{
        "name": "kaniko", "image": "gcr.io/kaniko-project/executor:v1.23.2",
        "args": ["--context=dir://%s" % ctx, "--dockerfile", "Dockerfile.app", "--destination=%s" % dest]}]}
    client.BatchV1Api(api).create_namespaced_job(ns, {"metadata": {"name": "build"},
                                                      "spec": {"backoffLimit": 0, "template": {"spec": spec}}})
    j = wait_for(lambda: job_condition(api, ns, "build"), timeout=180, what="kaniko job")
    v1 = client.CoreV1Api(api)
    pod = v1.list_namespaced_pod(ns, label_selector="job-name=build").items[0]
    log = v1.read_namespaced_pod_log(pod.metadata.name, ns)
    assert j.status.conditions[-1].type == "Complete", log
    assert "Pushed %s/team/app@sha256:" % registry in log
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "docker://" + dest], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out)["Labels"]["built.by"] == "harness"
    # a broken Dockerfile fails the pod, and the error is in the log
    (ctx / "Dockerfile.bad").write_text("FROM scratch\nCOPY missing.txt /\n")
    spec["containers"][0]["args"] = ["--context=dir://%s" % ctx, "--dockerfile=Dockerfile.bad",
                                     "--destination=%s-bad" % dest]
    client.BatchV1Api(api).create_namespaced_job(ns, {"metadata": {"name": "broken"},
                                                      "spec": {"backoffLimit": 0, "template": {"spec": spec}}})
    j = wait_for(lambda: job_condition(api, ns, "broken"), timeout=120, what="broken kaniko job")
    assert j.status.conditions[-1].type == "Failed"
    pod = v1.list_namespaced_pod(ns, label_selector="job-name=broken").items[0]
    assert "missing.txt" in v1.read_namespaced_pod_log(pod.metadata.name, ns)


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory):
    if not shutil.which("docker-registry") or not shutil.which("htpasswd"):
        pytest.skip("docker-registry and htpasswd (apache2-utils) are needed")
    d = tmp_path_factory.mktemp("authreg")
    port = free_port()
    htpw = subprocess.run(["htpasswd", "-Bbn", "pusher", "pw123"], capture_output=True, text=True, check=True).stdout
    (d / "htpasswd").write_text(htpw)
    cfg = d / "config.yml"
    cfg.write_text("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n"
                   "http:\n  addr: 127.0.0.1:%d\nauth:\n  htpasswd:\n    realm: test\n    path: %s\n"
                   % (d / "data", port, d / "htpasswd"))
    p = subprocess.Popen(["docker-registry", "serve", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up():
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/v2/" % port)
        except urllib.error.HTTPError as e:
            return e.code == 401
        except OSError:
            return False
    wait_for(up, 10, "docker-registry with htpasswd")
    yield "127.0.0.1:%d" % port
    p.terminate()
    p.wait()


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    if not shutil.which("moto_server"):
        pytest.skip("moto_server is needed")
    port = free_port()
    p = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)

    def up():
        try:
            return urllib.request.urlopen("http://127.0.0.1:%d/" % port).status == 200
        except OSError:
            return False
    wait_for(up, 20, "moto_server")
    yield "http://127.0.0.1:%d" % port
    p.terminate()
    p.wait()


def test_kaniko_s3_context_and_push_credentials_from_a_mounted_secret(api, ns, auth_registry, moto, tmp_path):
    import io
    import tarfile
    import boto3
    if not shutil.which("buildah") or not shutil.which("skopeo"):
        pytest.skip("buildah and skopeo are needed")
    # the build context, uploaded to moto S3 as the agent would
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in (("Dockerfile", b"FROM scratch\nCOPY app.txt /app.txt\n"), ("app.txt", b"s3 context\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1", aws_access_key_id="AK",
                      aws_secret_access_key="SK")
    s3.create_bucket(Bucket="ctx")
    s3.put_object(Bucket="ctx", Key="builds/abc.tar.gz", Body=buf.getvalue())
    v1 = client.CoreV1Api(api)
    auth = base64.b64encode(b"pusher:pw123").decode()
    dockercfg = json.dumps({"auths": {auth_registry: {"auth": auth}}})
    v1.create_namespaced_secret(ns, {"metadata": {"name": "regcred"}, "type": "kubernetes.io/dockerconfigjson",
                                     "stringData": {".dockerconfigjson": dockercfg}})
    dest = "%s/team/s3app:v1" % auth_registry

    def kaniko_job(name, secret):
        spec = {"restartPolicy": "Never",
                "volumes": [{"name": "docker-config", "secret": {
                    "secretName": secret, "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}}],
                "containers": [{
                    "name": "kaniko", "image": "gcr.io/kaniko-project/executor:latest",
                    "args": ["--context=s3://ctx/builds/abc.tar.gz", "--destination=" + dest],
                    "env": [{"name": "S3_ENDPOINT", "value": moto}, {"name": "AWS_REGION", "value": "us-east-1"},
                            {"name": "AWS_ACCESS_KEY_ID", "value": "AK"},
                            {"name": "AWS_SECRET_ACCESS_KEY", "value": "SK"}],
                    "volumeMounts": [{"name": "docker-config", "mountPath": "/kaniko/.docker"}]}]}
        client.BatchV1Api(api).create_namespaced_job(ns, {"metadata": {"name": name},
                                                          "spec": {"backoffLimit": 0, "template": {"spec": spec}}})
        j = wait_for(lambda: job_condition(api, ns, name), timeout=180, what=name)
        pod = v1.list_namespaced_pod(ns, label_selector="job-name=" + name).items[0]
        return j, v1.read_namespaced_pod_log(pod.metadata.name, ns)

    # wrong credentials: the registry refuses the push and the pod fails
    bad = json.dumps({"auths": {auth_registry: {"auth": base64.b64encode(b"pusher:wrong").decode()}}})
    v1.create_namespaced_secret(ns, {"metadata": {"name": "badcred"}, "type": "kubernetes.io/dockerconfigjson",
                                     "stringData": {".dockerconfigjson": bad}})
    j, log = kaniko_job("s3-badauth", "badcred")
    assert j.status.conditions[-1].type == "Failed", log
    assert "Retrieved build context s3://ctx/builds/abc.tar.gz" in log
    j, log = kaniko_job("s3-build", "regcred")
    assert j.status.conditions[-1].type == "Complete", log
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--creds", "pusher:pw123", "docker://" + dest],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["Digest"].startswith("sha256:")


def test_command_line_start_prints_json_and_stops_on_sigterm(tmp_path):
    p = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py"),
                          "--state-dir", str(tmp_path / "h"), "--token", "tok123"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(p.stdout.readline())
        assert info["token"] == "tok123" and info["url"] == "https://127.0.0.1:%d" % info["port"]
        assert os.path.exists(info["kubeconfig"]) and os.path.exists(info["ca"])
        a = config.new_client_from_config(config_file=info["kubeconfig"])
        names = [n.metadata.name for n in client.CoreV1Api(a).list_namespace().items]
        assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    finally:
        p.terminate()
        assert p.wait(timeout=10) == 0
