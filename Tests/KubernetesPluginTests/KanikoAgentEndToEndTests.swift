import AgentCore
import FoundationEssentials
import KubeCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `agent run --once` with `builder.type: kaniko`: the host packs the context, the `s3` context store (aws
/// plugin) uploads it to moto, the kaniko builder runs a Job in the harness that really builds and pushes to
/// the docker-registry, and cleans up; the same source again is skipped. The agent runs as a child process,
/// so it gets the harness's kubeconfig and CA the way an operator would set them (KUBECONFIG, SSL_CERT_FILE).
@Suite(.serialized) struct KanikoAgentEndToEndTests {
    let servers: KanikoServers
    let dir = KubeTestSupport.makeTempDir("la-kaniko-e2e")

    init() throws { servers = try KanikoServers.shared() }

    var agentPath: String { KanikoBuilderTests.buildDir + "/agent" }

    func environment() -> String {
        let docker = dir + "/docker"
        mkdir(docker, 0o700)
        let auth = KanikoNames.base64(Array("pusher:\(servers.password)".utf8))
        KubeTestSupport.write(#"{"auths": {"\#(servers.registry)": {"auth": "\#(auth)"}}}"#, to: docker + "/config.json", mode: 0o600)
        return [
            "KUBECONFIG=\(servers.harness.kubeconfig)", "SSL_CERT_FILE=\(servers.harness.ca)", "HOME=\(dir)",
            "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK", "AWS_ENDPOINT_URL_S3=\(servers.moto)", "AWS_ENDPOINT_URL_STS=\(servers.moto)", "AWS_EC2_METADATA_DISABLED=true",
            "DOCKER_CONFIG=\(docker)", "LAUNCH_AGENT_STATE_DIR=\(dir)/state",
        ].map { "'\($0)'" }.joined(separator: " ")
    }

    func agent(_ env: String, _ args: String) -> (status: Int32, output: String) {
        KubeTestSupport.shell("env -u CURL_CA_BUNDLE -u KUBERNETES_SERVICE_HOST -u AWS_PROFILE \(env) '\(agentPath)' --plugins-dir '\(KanikoBuilderTests.buildDir)' \(args)")
    }

    func writeJob(at source: String) -> String {
        mkdir(source, 0o755)
        KubeTestSupport.write("FROM scratch\nCOPY model.txt /model.txt\n", to: source + "/Dockerfile")
        KubeTestSupport.write("weights v1\n", to: source + "/model.txt")
        KubeTestSupport.write("name: train\npath: .\nentry_point: [sh, -c, \"cat model.txt\"]\n", to: source + "/job.yaml")
        return source + "/job.yaml"
    }

    static func firstLine(_ text: String) -> String { text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "" }

    func show(_ env: String, _ id: String) throws -> JSONValue {
        try JSONValue(parsing: agent(env, "jobs show -o json \(id)").output)
    }

    @Test func uploadsBuildsPushesCleansUpAndSkipsTheSameSourceAgain() throws {
        let namespace = try servers.harness.namespace("e2e")
        _ = try servers.uploadContext(["x": "bucket"], key: "bootstrap/x.tar.gz")  // creates the bucket
        let config = dir + "/launch-config.yaml"
        KubeTestSupport.write("""
            environment:
              type: aws
              region: us-east-1
            builder:
              type: kaniko
              destination: \(servers.registry)/team/e2e
              build-context-store: s3://contexts/e2e
              build-job-name: launch-build
              namespace: \(namespace)
              kaniko-config:
                spec:
                  template:
                    spec:
                      containers:
                      - args:
                        - "--cache=false"
                        env:
                        - name: "MY_ENV_VAR"
                          value: "my-env-var-value"
                        - {name: S3_ENDPOINT, value: "\(servers.moto)"}
                        - {name: AWS_ACCESS_KEY_ID, value: AK}
                        - {name: AWS_SECRET_ACCESS_KEY, value: SK}

            """, to: config)
        let env = environment()
        let validate = agent(env, "--config '\(config)' config validate")
        #expect(validate.status == 0, "\(validate.output)")
        // verify: the builder's checks are server-side dry runs, so nothing is created (counted below).
        let verify = agent(env, "--config '\(config)' verify")
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("ok   builder 'kaniko': create jobs in '\(namespace)'"), "\(verify.output)")

        let first = agent(env, "submit '\(writeJob(at: dir + "/src"))'")
        try #require(first.status == 0, "\(first.output)")
        let run1 = agent(env, "--config '\(config)' run --once")
        #expect(run1.status == 0, "\(run1.output)")
        let job1 = try show(env, Self.firstLine(first.output))
        #expect(job1["status"]?.stringValue == "finished", "\(job1.serialized)\n\(run1.output)")
        #expect(job1["build_skipped"]?.boolValue == false)
        let image = try #require(job1["image"]?.stringValue)
        #expect(image.hasPrefix("\(servers.registry)/team/e2e:"))
        let inspect = servers.inspect(image)
        #expect(inspect.digest != nil, "\(inspect.output)")
        let log1 = KubeTestSupport.read(job1["log_path"]?.stringValue ?? "") ?? ""
        #expect(log1.contains("uploading context sha256:") && log1.contains("s3://contexts/e2e/"), "\(log1)")
        #expect(log1.contains("Retrieved build context s3://contexts/e2e/") && log1.contains("Pushed \(servers.registry)/team/e2e@sha256:"), "\(log1)")
        #expect(log1.contains("weights v1"), "\(log1)")
        #expect(!log1.contains(servers.password))

        // Cleaned up: the real kubectl finds nothing the agent created.
        let left = servers.harness.kubectl("get jobs,pods,secrets -n \(namespace)")
        #expect(left.status == 0 && left.output.contains("No resources found"), "\(left.output)")

        // The same source from another path: same tag, no upload, no Job.
        let copy = dir + "/elsewhere/src"
        KubeTestSupport.shell("mkdir -p '\(dir)/elsewhere' && cp -r '\(dir)/src' '\(copy)' && touch -d '2001-01-01' '\(copy)'/*")
        let second = agent(env, "submit '\(copy)/job.yaml'")
        try #require(second.status == 0)
        let run2 = agent(env, "--config '\(config)' run --once")
        #expect(run2.status == 0, "\(run2.output)")
        let job2 = try show(env, Self.firstLine(second.output))
        #expect(job2["status"]?.stringValue == "finished")
        #expect(job2["image"]?.stringValue == image)
        #expect(job2["build_skipped"]?.boolValue == true)
        let requests = servers.harness.control("GET", "/_harness/requests")
        let jobCreates = (try? JSONValue(parsing: requests))?["requests"]?.arrayValue?.filter {
            $0["method"]?.stringValue == "POST" && $0["path"]?.stringValue?.hasPrefix("/apis/batch/v1/namespaces/\(namespace)/jobs") == true
                && $0["path"]?.stringValue?.contains("dryRun=All") == false
        }.count
        #expect(jobCreates == 1, "one build Job for two jobs of the same source")
    }

    /// The seed's example with a bad arg: `agent config validate` prints it at its line and column.
    @Test func anArgNotInKeyValueFormIsReportedAtItsLine() {
        let config = dir + "/bad-arg.yaml"
        KubeTestSupport.write("""
            builder:
              type: kaniko
              destination: \(servers.registry)/team/e2e
              build-context-store: s3://contexts/e2e
              kaniko-config:
                spec:
                  template:
                    spec:
                      containers:
                      - args:
                        - "--cache=false"
                        - "--cache"

            """, to: config)
        let r = agent(environment(), "--config '\(config)' config validate")
        #expect(r.status == 2, "\(r.output)")
        #expect(r.output.contains("\(config):12:15: error: builder 'kaniko': container args must be in '--flag=value' form (e.g. \"--cache=false\"), not '--cache'"), "\(r.output)")
    }

    /// A Dockerfile that cannot build: the job fails at stage build, with the pod's log tail in its reason.
    @Test func aBrokenBuildFailsTheJobAtStageBuildWithTheLogTail() throws {
        let namespace = try servers.harness.namespace("e2e-bad")
        _ = try servers.uploadContext(["x": "bucket"], key: "bootstrap/x.tar.gz")
        let config = dir + "/bad-build.yaml"
        KubeTestSupport.write("""
            builder:
              type: kaniko
              destination: \(servers.registry)/team/e2e-bad
              build-context-store: s3://contexts/e2e
              namespace: \(namespace)
              kaniko-config:
                spec:
                  template:
                    spec:
                      containers:
                      - env:
                        - {name: S3_ENDPOINT, value: "\(servers.moto)"}
                        - {name: AWS_ACCESS_KEY_ID, value: AK}
                        - {name: AWS_SECRET_ACCESS_KEY, value: SK}

            """, to: config)
        let env = environment()
        let source = dir + "/broken"
        mkdir(source, 0o755)
        KubeTestSupport.write("FROM scratch\nCOPY weights-that-are-not-there.bin /\n", to: source + "/Dockerfile")
        KubeTestSupport.write("name: train\npath: .\nentry_point: [sh, -c, \"true\"]\n", to: source + "/job.yaml")
        let submitted = agent(env, "submit '\(source)/job.yaml'")
        try #require(submitted.status == 0, "\(submitted.output)")
        let run = agent(env, "--config '\(config)' run --once")
        #expect(run.status == 1, "\(run.output)")
        let job = try show(env, Self.firstLine(submitted.output))
        #expect(job["status"]?.stringValue == "failed", "\(job.serialized)")
        #expect(job["stage"]?.stringValue == "build")
        let reason = job["reason"]?.stringValue ?? ""
        #expect(reason.contains("the build failed") && reason.contains("weights-that-are-not-there.bin"), "\(reason)")
        let left = servers.harness.kubectl("get jobs,pods,secrets -n \(namespace)")
        #expect(left.output.contains("No resources found"), "\(left.output)")
    }
}
