import AgentCore
import FoundationEssentials
import KubeCore
import Testing

/// Runner `kubernetes` end to end: the plugin loaded by AgentCore's loader (in a probe child, see
/// ``RunnerProbe``) against the harness, whose Job controller runs allow-listed `busybox` containers as
/// local processes.
@Suite(.serialized) struct RunnerTests {
    static func launch(_ jobID: String, ns: String, script: String, env: [String: JSONValue] = [:],
                       kubernetes: JSONValue? = nil, extra: [String: JSONValue] = [:]) -> JSONValue {
        var request: [String: JSONValue] = [
            "job_id": .string(jobID), "image": "busybox:1.36", "entry_point": ["/bin/sh", "-c"], "args": .array([.string(script)]),
            "env": .object(env), "workdir": .null,
            "resource_args": .object(["kubernetes": kubernetes ?? .object(["namespace": .string(ns)])]),
        ]
        for (k, v) in extra { request[k] = v }
        return .object(["op": "launch", "request": .object(request)])
    }

    static func lines(_ step: JSONValue) -> [String] { step["logs"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    @Test func echoJobFinishesWithItsLogAndSecretEnv() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-ok")
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-ok-1", ns: ns, script: "echo hello from $WANDB_PROJECT; echo key-length=${#WANDB_API_KEY}",
                        env: ["WANDB_API_KEY": "0123456789abcdef-secret", "WANDB_PROJECT": "demo", "WANDB_RUN_ID": "r4nd0m"]),
            ["op": "watch", "handle": 0],
        ])
        try #require(results.count == 2, "\(results)")
        #expect(results[0]["result"]?["handle"] == ["namespace": .string(ns), "job": "launch-q-ok-1", "secrets": ["launch-q-ok-1-env"],
                                                     "uid": results[0]["result"]?["handle"]?["uid"] ?? .null])
        #expect(results[1]["result"] == ["state": "finished", "exit_code": 0], "\(results[1])")
        let log = Self.lines(results[1])
        #expect(log.contains("hello from demo"), "\(log)")
        #expect(log.contains("key-length=23"), "the API key reached the pod through its Secret: \(log)")

        // The Job as created: labels, W&B defaults, the key only as a secretKeyRef.
        let client = try harness.client(namespace: ns)
        let job = try client.get(.jobs, "launch-q-ok-1", namespace: ns)
        #expect(job["metadata", "labels", "launch-agent.dev/job-id"] == "q-ok-1")
        #expect(job["metadata", "labels", "wandb.ai/run-id"] == "r4nd0m")
        #expect(job["metadata", "annotations", "launch-agent.dev/job-id"] == "q-ok-1")
        #expect(job["spec", "backoffLimit"] == 0)
        let container = job["spec", "template", "spec", "containers"]?.arrayValue?.first
        #expect(container?["image"] == "busybox:1.36")
        let env = container?["env"]?.arrayValue ?? []
        #expect(env.contains { $0["name"] == "WANDB_API_KEY" && $0["value"] == nil
                && $0["valueFrom", "secretKeyRef", "name"] == "launch-q-ok-1-env" })
        #expect(!job.serialized.contains("0123456789abcdef-secret"))
        // The env Secret went when the job ended.
        #expect(try client.getIfExists(.secrets, "launch-q-ok-1-env", namespace: ns) == nil)
    }

    @Test func nonZeroExitFails() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-fail")
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-fail", ns: ns, script: "echo about to fail; exit 3"), ["op": "watch", "handle": 0],
        ])
        try #require(results.count == 2, "\(results)")
        #expect(results[1]["result"]?["state"] == "failed", "\(results[1])")
        #expect(results[1]["result"]?["exit_code"] == 3)
        #expect(results[1]["result"]?["reason"]?.stringValue?.hasPrefix("exit code 3") == true, "\(results[1])")
        #expect(Self.lines(results[1]).contains("about to fail"))
    }

    @Test func deadlineExceededFailsWithTheReason() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-deadline")
        let started = ContinuousClock.now
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-deadline", ns: ns, script: "sleep 20",
                        kubernetes: ["namespace": .string(ns), "spec": ["activeDeadlineSeconds": 1]]),
            ["op": "watch", "handle": 0],
        ])
        // The harness keeps a killed pod's log open while its `sleep` grandchild lives (20-30 s): the runner
        // notices the end within one bounded follow (10 s) instead.
        #expect(ContinuousClock.now - started < .seconds(16), "took \(ContinuousClock.now - started)")
        try #require(results.count == 2, "\(results)")
        #expect(results[1]["result"]?["state"] == "failed", "\(results[1])")
        #expect(results[1]["result"]?["reason"]?.stringValue?.hasPrefix("DeadlineExceeded") == true, "\(results[1])")
    }

    @Test func cancelDeletesTheJobAndIsIdempotent() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-cancel")
        let started = ContinuousClock.now
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-cancel", ns: ns, script: "echo started; sleep 30"),
            ["op": "watch", "handle": 0, "cancel_job_after_ms": 1500],
            ["op": "cancel", "handle": 0],
        ])
        // The harness keeps a killed pod's log open while its `sleep` grandchild lives (20-30 s): the runner
        // notices the end within one bounded follow (10 s) instead.
        #expect(ContinuousClock.now - started < .seconds(16), "took \(ContinuousClock.now - started)")
        try #require(results.count == 3, "\(results)")
        #expect(results[1]["result"]?["state"] == "cancelled", "\(results[1])")
        #expect(Self.lines(results[1]).contains("started"))
        #expect(results[2]["result"] == .object([:]), "cancelling again succeeds: \(results[2])")
        let gone = harness.kubectl("get job launch-q-cancel -n \(ns)")
        #expect(gone.status != 0 && gone.output.contains("NotFound"), "\(gone.output)")
        let pods = try harness.client().list(.pods, namespace: ns, labelSelector: "job-name=launch-q-cancel")
        #expect(pods.items.isEmpty, "Background propagation removed the pods")
    }

    @Test func stoppingTheWatchLeavesTheJobRunning() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-stopwatch")
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-stop", ns: ns, script: "sleep 3; echo done"),
            ["op": "watch", "handle": 0, "stop_watching_after_ms": 800],
            ["op": "watch", "handle": 0],
        ])
        try #require(results.count == 3, "\(results)")
        #expect(results[1]["error"]?["status"] == .int(-4), "LA_ERR_CANCELLED: \(results[1])")
        #expect(results[2]["result"]?["state"] == "finished", "watched again to the end: \(results[2])")
    }

    @Test func repeatedLaunchReturnsTheSameHandle() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-idem")
        let weird = "Q_7f3a/2c.Weird-ID"
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch(weird, ns: ns, script: "sleep 2"), Self.launch(weird, ns: ns, script: "sleep 2"),
            ["op": "cancel", "handle": 0],
        ])
        try #require(results.count == 3, "\(results)")
        let first = results[0]["result"]?["handle"]
        #expect(first != nil && first == results[1]["result"]?["handle"], "\(results)")
        let name = first?["job"]?.stringValue ?? ""
        #expect(name.hasPrefix("launch-q-7f3a-2c-weird-id-") && name.count <= 63, "\(name)")
        #expect(Self.lines(results[1]).contains { $0.contains("exists already") })
    }

    @Test func jobDeletedBehindTheAgentsBackIsLost() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-lost")
        let cleaner = Thread {
            KubeTestSupport.sleep(2)
            _ = harness.kubectl("delete job launch-q-lost -n \(ns)")
        }
        let started = ContinuousClock.now
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-lost", ns: ns, script: "sleep 20"), ["op": "watch", "handle": 0],
        ])
        cleaner.join()
        // The harness keeps a killed pod's log open while its `sleep` grandchild lives (20-30 s): the runner
        // notices the end within one bounded follow (10 s) instead.
        #expect(ContinuousClock.now - started < .seconds(16), "took \(ContinuousClock.now - started)")
        try #require(results.count == 2, "\(results)")
        #expect(results[1]["result"]?["state"] == "lost", "\(results[1])")
    }

    @Test func imagePullSecretIsCreatedAndRemoved() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-pull")
        let auth: JSONValue = ["server": "registry.example:5000", "username": "robot", "password": "pull-password-1"]
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-pull", ns: ns, script: "sleep 1.5; echo pulled", extra: ["registry_auth": auth]),
        ])
        try #require(results.count == 1, "\(results)")
        let client = try harness.client(namespace: ns)
        let secret = try client.get(.secrets, "launch-q-pull-pull", namespace: ns)
        #expect(secret["type"] == "kubernetes.io/dockerconfigjson")
        let encoded = secret["data", ".dockerconfigjson"]?.stringValue ?? ""
        let config = try KubeJSON(parsing: Array(Data(base64Encoded: encoded) ?? Data()))
        #expect(config["auths", "registry.example:5000", "username"] == "robot")
        #expect(config["auths", "registry.example:5000", "password"] == "pull-password-1")
        #expect(secret["metadata", "ownerReferences"]?.arrayValue?.first?["kind"] == "Job")
        let job = try client.get(.jobs, "launch-q-pull", namespace: ns)
        #expect(job["spec", "template", "spec", "imagePullSecrets"] == [["name": "launch-q-pull-pull"]])

        let watched = try RunnerProbe.run(harness, steps: [
            ["op": "launch", "request": ["job_id": "q-pull", "image": "busybox", "resource_args": ["kubernetes": ["namespace": .string(ns)]]]],
            ["op": "watch", "handle": 0],
        ])
        #expect(watched.last?["result"]?["state"] == "finished", "\(watched)")
        #expect(try client.getIfExists(.secrets, "launch-q-pull-pull", namespace: ns) == nil)
    }

    @Test(arguments: [
        (["hostNetwork": true] as JSONValue, "resource_args.kubernetes.spec.template.spec.hostNetwork is refused in secure mode"),
        (["hostPID": true] as JSONValue, "resource_args.kubernetes.spec.template.spec.hostPID is refused in secure mode"),
        (["volumes": [["name": "root", "hostPath": ["path": "/"]]]] as JSONValue, "resource_args.kubernetes.spec.template.spec.volumes[0].hostPath is refused in secure mode"),
        (["containers": [["name": "c", "securityContext": ["privileged": true]]]] as JSONValue, "resource_args.kubernetes.spec.template.spec.containers[0].securityContext.privileged is refused in secure mode"),
        (["containers": [["name": "c", "securityContext": ["capabilities": ["add": ["SYS_ADMIN"]]]]]] as JSONValue, "containers[0].securityContext.capabilities.add is refused in secure mode (added capabilities: SYS_ADMIN)"),
        (["initContainers": [["name": "i", "image": "busybox", "securityContext": ["allowPrivilegeEscalation": true]]]] as JSONValue, "initContainers[0].securityContext.allowPrivilegeEscalation is refused in secure mode"),
    ])
    func secureModeRefuses(podSpec: JSONValue, message: String) throws {
        let harness = try KubeHarness.shared()
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-secure", ns: "default", script: "true",
                        kubernetes: ["spec": ["template": ["spec": podSpec]]]),
        ])
        #expect(results.first?["error"]?["status"] == .int(-1), "LA_ERR_INVALID_ARGUMENT: \(results)")
        #expect(results.first?["error"]?["message"]?.stringValue?.contains(message) == true, "\(results)")
        #expect(try harness.client().getIfExists(.jobs, "launch-q-secure", namespace: "default") == nil)
    }

    @Test func secureModeOffAllowsIt() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-insecure")
        let results = try RunnerProbe.run(harness, config: ["secure": false], steps: [
            Self.launch("q-insecure", ns: ns, script: "echo ok", kubernetes: ["namespace": .string(ns), "spec": ["template": ["spec": ["hostNetwork": true]]]]),
            ["op": "watch", "handle": 0],
        ])
        #expect(results.last?["result"]?["state"] == "finished", "\(results)")
    }

    @Test func unknownConfigKeyIsAConfigError() throws {
        let harness = try KubeHarness.shared()
        let results = try RunnerProbe.run(harness, config: ["namespce": "x"], steps: [])
        #expect(results.first?["error"]?["pointer"] == "/config/namespce", "\(results)")
        #expect(results.first?["error"]?["message"]?.stringValue?.contains("did you mean 'namespace'") == true, "\(results)")
    }

    @Test func forbiddenLaunchIsAnAuthError() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-403")
        harness.control("POST", "/_harness/forbid", #"{"verb": "create", "resource": "jobs", "namespace": "\#(ns)"}"#)
        defer { harness.control("DELETE", "/_harness/forbid") }
        let results = try RunnerProbe.run(harness, steps: [Self.launch("q-403", ns: ns, script: "true")])
        #expect(results.first?["error"]?["status"] == .int(-6), "LA_ERR_AUTH: \(results)")
        #expect(results.first?["error"]?["message"]?.stringValue?.contains("grant the agent's identity 'create' on 'jobs' in namespace '\(ns)'") == true, "\(results)")
    }

    /// An exec credential plugin run through the host's process service: the Job is created with its token.
    @Test func execCredentialPluginThroughTheHost() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-exec")
        let dir = KubeTestSupport.makeTempDir("la-kube-exec-host")
        KubeTestSupport.write("""
            #!/bin/sh
            echo run >> "\(dir)/runs"
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"\(harness.token)"}}'
            """, to: dir + "/get-token", mode: 0o755)
        KubeTestSupport.write("""
            apiVersion: v1
            kind: Config
            current-context: exec
            clusters: [{name: h, cluster: {server: "\(harness.url)", certificate-authority: "\(harness.ca)"}}]
            contexts: [{name: exec, context: {cluster: h, user: sso, namespace: \(ns)}}]
            users:
            - name: sso
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1, command: ./get-token, interactiveMode: Never}
            """, to: dir + "/config")
        let results = try RunnerProbe.run(harness, steps: [
            ["op": "verify"],
            ["op": "launch", "request": ["job_id": "q-exec", "image": "busybox", "entry_point": ["/bin/sh", "-c", "echo via exec"],
                                         "resource_args": .object([:])]],
            ["op": "watch", "handle": 1],
        ], env: ["KUBECONFIG": dir + "/config"])
        try #require(results.count == 3, "\(results)")
        #expect(results[0]["result"]?["checks"]?.arrayValue?.allSatisfy { $0["ok"] == true } == true, "\(results[0])")
        #expect(results[1]["result"]?["handle"]?["namespace"] == .string(ns), "the context's namespace: \(results[1])")
        #expect(results[2]["result"]?["state"] == "finished", "\(results[2])")
        #expect(Self.lines(results[2]).contains("via exec"))
        #expect(KubeTestSupport.read(dir + "/runs") == "run\n", "one run, cached for the rest of the process")
    }

    @Test func badKubeconfigIsReportedWithFileAndLine() throws {
        let harness = try KubeHarness.shared()
        let dir = KubeTestSupport.makeTempDir("la-kube-badconfig")
        KubeTestSupport.write("current-context: a\ncontexts:\n- name: a\n  context: {cluster: gone}\n", to: dir + "/config")
        let results = try RunnerProbe.run(harness, steps: [
            ["op": "verify"], Self.launch("q-badconfig", ns: "default", script: "true"),
        ], env: ["KUBECONFIG": dir + "/config"])
        let check = results.first?["result"]?["checks"]?.arrayValue?.first
        #expect(check?["ok"] == false, "\(results)")
        #expect(check?["detail"]?.stringValue == "\(dir)/config:4: context 'a' names cluster 'gone', which is not defined in \(dir)/config", "\(results)")
        #expect(results.last?["error"]?["status"] == .int(-10), "LA_ERR_CONFIG: \(results)")
    }

    /// A spec the API server refuses (422) is an invalid-argument error naming the field, and the Secret made
    /// for the job does not stay behind.
    @Test func invalidSpecIsRefusedWithTheServersCausesAndLeavesNothing() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-422")
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-422", ns: ns, script: "true", env: ["WANDB_API_KEY": "key-that-must-not-stay"],
                        kubernetes: ["namespace": .string(ns), "spec": ["template": ["spec": ["restartPolicy": "Always"]]]]),
        ])
        let error = results.first?["error"]
        #expect(error?["status"] == .int(-1), "LA_ERR_INVALID_ARGUMENT: \(results)")
        #expect(error?["message"]?.stringValue?.contains("the API server rejected create jobs 'launch-q-422' in namespace '\(ns)' (422 Invalid): spec.template.spec.restartPolicy") == true, "\(results)")
        #expect(try harness.client().list(.secrets, namespace: ns).items.isEmpty)
    }

    /// The environment component's hints: env for the container, labels for the Job and its pods.
    @Test func environmentHintsAreApplied() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-hints")
        let hints: JSONValue = ["env": ["AWS_REGION": "eu-west-1", "WANDB_PROJECT": "from-hints"],
                                "labels": ["azure.workload.identity/use": "true"]]
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-hints", ns: ns, script: "echo region=$AWS_REGION project=$WANDB_PROJECT",
                        env: ["WANDB_PROJECT": "from-job"], extra: ["environment_hints": hints]),
            ["op": "watch", "handle": 0],
        ])
        try #require(results.count == 2, "\(results)")
        #expect(Self.lines(results[1]).contains("region=eu-west-1 project=from-job"), "the job's env wins: \(results[1])")
        let job = try harness.client().get(.jobs, "launch-q-hints", namespace: ns)
        #expect(job["metadata", "labels", "azure.workload.identity/use"] == "true")
        #expect(job["spec", "template", "metadata", "labels", "azure.workload.identity/use"] == "true")
    }

    /// A pod the scheduler preempts (DisruptionTarget, then killed: exit 137) ends the Job as `preempted`.
    @Test func disruptedPodIsPreempted() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-preempt")
        let launch = Self.launch("q-preempt", ns: ns, script: "echo working; sleep 2; exit 137")
        _ = try RunnerProbe.run(harness, steps: [launch])
        // What the scheduler does to a victim: the DisruptionTarget condition on the running pod's status.
        let client = try harness.client(namespace: ns)
        var pod: KubeJSON?
        for _ in 0..<50 {
            pod = try client.list(.pods, namespace: ns, labelSelector: "job-name=launch-q-preempt").items.first
            if pod?["status", "phase"] == "Running" { break }
            KubeTestSupport.sleep(0.1)
        }
        let running = try #require(pod, "no pod")
        let name = try #require(running["metadata", "name"]?.stringValue)
        var conditions = running["status", "conditions"]?.arrayValue ?? []
        conditions.append(["type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                           "message": "Kubernetes Scheduler: preempting to accommodate a higher priority pod",
                           "lastTransitionTime": "2026-11-30T00:00:00Z"])
        _ = try client.patchStatus(.pods, name, namespace: ns, mergePatch: ["status": ["conditions": .array(conditions)]])
        let results = try RunnerProbe.run(harness, steps: [launch, ["op": "watch", "handle": 0]])
        try #require(results.count == 2, "\(results)")
        #expect(results[1]["result"]?["state"] == "preempted", "\(results[1])")
        #expect(results[1]["result"]?["reason"] == .string("pod \(name) PreemptionByScheduler: Kubernetes Scheduler: preempting to accommodate a higher priority pod"), "\(results[1])")
        #expect(results[1]["result"]?["exit_code"] == 137)
    }

    /// One runner instance follows two jobs at once (registered concurrent): each watch gets its own job's
    /// outcome and log lines.
    @Test func twoWatchesAtOnce() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("run-parallel")
        let started = ContinuousClock.now
        let results = try RunnerProbe.run(harness, steps: [
            Self.launch("q-par-a", ns: ns, script: "echo from-a; sleep 2; exit 0"),
            Self.launch("q-par-b", ns: ns, script: "echo from-b; sleep 2; exit 4"),
            ["op": "watch_both", "handles": [0, 1]],
        ])
        try #require(results.count == 3, "\(results)")
        let outcomes = results[2]["result"]?["outcomes"]?.arrayValue ?? []
        #expect(outcomes.first?["state"] == "finished", "\(results[2])")
        #expect(outcomes.last?["state"] == "failed" && outcomes.last?["exit_code"] == 4, "\(results[2])")
        let log = Self.lines(results[2])
        #expect(log.contains("from-a") && log.contains("from-b"), "\(log)")
        #expect(ContinuousClock.now - started < .seconds(8), "the two 2-second jobs were followed side by side")
    }

    /// A kubeconfig user with a client certificate: parsed, then refused with a message saying what to use
    /// instead (the agent's HTTP service cannot present client certificates yet).
    @Test func clientCertificateIsRefusedClearly() throws {
        let harness = try KubeHarness.shared()
        let dir = KubeTestSupport.makeTempDir("la-kube-cert")
        let pem = Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8).base64EncodedString()
        KubeTestSupport.write("""
            current-context: cert
            clusters: [{name: h, cluster: {server: "\(harness.url)", certificate-authority: "\(harness.ca)"}}]
            contexts: [{name: cert, context: {cluster: h, user: admin}}]
            users: [{name: admin, user: {client-certificate-data: \(pem), client-key-data: \(pem)}}]
            """, to: dir + "/config")
        let results = try RunnerProbe.run(harness, steps: [["op": "verify"]], env: ["KUBECONFIG": dir + "/config"])
        let check = results.first?["result"]?["checks"]?.arrayValue?.last
        #expect(check?["ok"] == false, "\(results)")
        #expect(check?["detail"]?.stringValue == "context 'cert' of \(dir)/config authenticates with a client certificate, which the agent's HTTP service cannot present yet; use a token, tokenFile or exec credential plugin (docs/kubernetes.md)", "\(results)")
    }

    @Test func verifyNamesTheContext() throws {
        let harness = try KubeHarness.shared()
        let results = try RunnerProbe.run(harness, steps: [["op": "verify"]])
        let checks = results.first?["result"]?["checks"]?.arrayValue ?? []
        #expect(checks.count == 2 && checks.allSatisfy { $0["ok"] == true }, "\(results)")
    }
}
