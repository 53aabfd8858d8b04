import AgentCore
import FoundationEssentials
import Testing

/// The whole agent: `agent submit` a job with `resource: kubernetes`, `agent run --once` launches it as a Job
/// on the harness and follows it, `agent jobs show` has the outcome, and the real kubectl lists what the agent
/// created. The harness CA reaches the agent's libcurl through CURL_CA_BUNDLE (see docs/kubernetes.md, TLS).
@Suite(.serialized) struct AgentEndToEndTests {
    let dir = KubeTestSupport.makeTempDir("la-kube-e2e")

    func agent(_ harness: KubeHarness, _ args: String) -> (status: Int32, output: String) {
        let build = RunnerProbe.buildDir
        let env = ["LAUNCH_AGENT_STATE_DIR": dir + "/state", "KUBECONFIG": harness.kubeconfig, "CURL_CA_BUNDLE": harness.ca,
                   "HOME": dir].map { "'\($0.key)=\($0.value)'" }.joined(separator: " ")
        return KubeTestSupport.shell("env -u SSL_CERT_FILE -u KUBERNETES_SERVICE_HOST \(env) '\(build)/agent' --plugins-dir '\(build)' \(args)")
    }

    func submit(_ harness: KubeHarness, name: String, ns: String, script: String) throws -> String {
        let spec = "\(dir)/\(name).yaml"
        KubeTestSupport.write("""
            name: \(name)
            docker_image: busybox:1.36
            entry_point: [/bin/sh, -c, "\(script)"]
            resource: kubernetes
            resource_args:
              kubernetes:
                namespace: \(ns)
                metadata:
                  labels: {team: vision}
                spec:
                  template:
                    spec:
                      containers:
                      - env: [{name: RUNS_IMAGE, value: "${image_uri}"}]
            """, to: spec)
        let r = agent(harness, "submit '\(spec)'")
        try #require(r.status == 0, "\(r.output)")
        return String(r.output.split(whereSeparator: \.isNewline).last ?? "")
    }

    @Test func runOnceRunsTheJobOnTheClusterAndJobsShowHasItsStatus() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("agent-e2e")
        KubeTestSupport.write("builder:\n  type: noop\n", to: dir + "/config.yaml")
        let ok = try submit(harness, name: "train", ns: ns, script: "echo image is $RUNS_IMAGE; echo epoch 1")
        let bad = try submit(harness, name: "broken", ns: ns, script: "echo failing; exit 3")

        let run = agent(harness, "--config '\(dir)/config.yaml' run --once")
        #expect(run.status == 1, "one job failed: \(run.output)")

        let shown = try JSONValue(parsing: agent(harness, "jobs show -o json \(ok)").output)
        #expect(shown["status"] == "finished", "\(shown.serialized)")
        #expect(shown["exit_code"] == 0)
        let log = KubeTestSupport.read(shown["log_path"]?.stringValue ?? "") ?? ""
        #expect(log.contains("[run] created job \(ns)/launch-\(ok)"), "\(log)")
        #expect(log.contains("[run] image is busybox:1.36"), "\(log)")
        #expect(log.contains("[run] epoch 1"), "\(log)")

        let failed = try JSONValue(parsing: agent(harness, "jobs show -o json \(bad)").output)
        #expect(failed["status"] == "failed", "\(failed.serialized)")
        #expect(failed["exit_code"] == 3, "\(failed.serialized)")
        #expect(failed["reason"]?.stringValue?.contains("exit code 3") == true, "\(failed.serialized)")

        // The real kubectl sees the Jobs and pods the agent created.
        let listed = harness.kubectl("get jobs,pods -n \(ns) -l launch-agent.dev/job-id")
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.output.contains("job.batch/launch-\(ok)") && listed.output.contains("Complete"), "\(listed.output)")
        #expect(listed.output.contains("job.batch/launch-\(bad)") && listed.output.contains("Failed"), "\(listed.output)")
        #expect(listed.output.contains("pod/launch-\(ok)-") && listed.output.contains("Completed"), "\(listed.output)")
        let labels = harness.kubectl("get job launch-\(ok) -n \(ns) -o jsonpath={.metadata.labels.team}")
        #expect(labels.output == "vision")
    }

    /// `agent jobs cancel` while `agent run` follows the job: the agent calls the runner's cancel (on another
    /// instance than the watching one), the Job and its pods go, and the job ends `cancelled`.
    @Test func jobsCancelDeletesTheJobAndTheJobEndsCancelled() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("agent-cancel")
        KubeTestSupport.write("builder:\n  type: noop\n", to: dir + "/config.yaml")
        let id = try submit(harness, name: "long", ns: ns, script: "echo begin; sleep 60")
        let runner = Thread { _ = agent(harness, "--config '\(dir)/config.yaml' run --once") }
        var running = false
        for _ in 0..<100 where !running {
            KubeTestSupport.sleep(0.1)
            running = harness.kubectl("get pods -n \(ns) -l job-name=launch-\(id)").output.contains("Running")
        }
        try #require(running, "the pod never ran")
        let cancel = agent(harness, "jobs cancel \(id)")
        #expect(cancel.status == 0, "\(cancel.output)")
        runner.join()
        let shown = try JSONValue(parsing: agent(harness, "jobs show -o json \(id)").output)
        #expect(shown["status"] == "cancelled", "\(shown.serialized)")
        let listed = harness.kubectl("get jobs,pods -n \(ns)")
        #expect(listed.output.contains("No resources found"), "\(listed.output)")
    }
}
