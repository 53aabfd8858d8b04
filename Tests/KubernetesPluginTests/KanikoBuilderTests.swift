import AgentCore
import Dispatch
import FoundationEssentials
import KubeCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Builder `kaniko` as the host loads it (liblaunch-agent-kubernetes.so through AgentCore's loader), building
/// for real: the harness runs the kaniko Job with buildah, fetching the context from moto S3 and pushing to a
/// docker-registry with htpasswd auth; skopeo and kubectl are the judges.
///
/// The plugin reaches the harness over TLS through the host's HTTP service, verified against the harness CA
/// that the kubeconfig names (`ca_pem`, interfaces.md §12).
@Suite(.serialized) struct KanikoBuilderTests {
    static var buildDir: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while url.path.contains(".xctest") { url = url.deletingLastPathComponent() }
        return url.path
    }

    /// KubeJSON (which has collection literals) as the host's JSON value.
    static func host(_ value: KubeJSON) -> JSONValue { (try? JSONValue(parsing: value.serialized)) ?? .null }

    static func builder(_ config: [String: KubeJSON], settings: [String: KubeJSON]) throws -> ComponentInstance {
        let set = PluginLoader(options: .init(directories: [buildDir])).loadAll()
        let (lib, component) = try #require(set.component(kind: "builder", name: "kaniko"))
        #expect(lib.fileName == "liblaunch-agent-kubernetes.so")
        return try ComponentInstance(library: lib, component: component, config: host([
            "component": ["kind": "builder", "name": "kaniko"], "config": .object(config), "settings": .object(settings),
        ]))
    }

    /// A kubeconfig for the plugin: the harness's server, CA and token.
    static func kubeconfig(_ harness: KubeHarness) -> String {
        let path = KubeTestSupport.makeTempDir("la-kaniko-kc") + "/config"
        KubeTestSupport.write("""
            {"apiVersion": "v1", "kind": "Config", "current-context": "h",
             "clusters": [{"name": "h", "cluster": {"server": "\(harness.url)", "certificate-authority": "\(harness.ca)"}}],
             "users": [{"name": "u", "user": {"token": "\(harness.token)"}}],
             "contexts": [{"name": "h", "context": {"cluster": "h", "user": "u", "namespace": "default"}}]}
            """, to: path, mode: 0o600)
        return path
    }

    /// The seed's kaniko-config plus what a kaniko pod needs to read moto S3 (IRSA's job in a real cluster).
    static func kanikoConfig(_ servers: KanikoServers, extraPodSpec: [String: KubeJSON] = [:]) -> KubeJSON {
        let env: [KubeJSON] = [["name": "MY_ENV_VAR", "value": "my-env-var-value"]]
            + servers.s3Env.map { ["name": .string($0.0), "value": .string($0.1)] }
        var podSpec: [String: KubeJSON] = ["containers": [["args": ["--cache=false"], "env": .array(env)]]]
        podSpec.merge(extraPodSpec) { $1 }
        return ["spec": ["template": ["spec": .object(podSpec)]]]
    }

    struct Fixture {
        let servers: KanikoServers
        let namespace: String
        let kubeconfig: String
        let client: KubeClient

        init() throws {
            servers = try KanikoServers.shared()
            namespace = try servers.harness.namespace("kaniko")
            kubeconfig = KanikoBuilderTests.kubeconfig(servers.harness)
            client = try servers.harness.client(namespace: namespace)
        }

        func config(_ extra: [String: KubeJSON] = [:]) -> [String: KubeJSON] {
            var c: [String: KubeJSON] = ["kubeconfig": .string(kubeconfig), "namespace": .string(namespace),
                                          "build-job-name": "launch-build", "kaniko-config": kanikoConfig(servers)]
            c.merge(extra) { $1 }
            return c
        }

        var settings: [String: KubeJSON] {
            ["destination": .string("\(servers.registry)/team/app"), "build_context_store": "s3://contexts/agent", "platform": "linux/amd64"]
        }

        func request(jobID: String, contextURI: String?, tag: String, buildArgs: [String: String] = [:]) -> JSONValue {
            KanikoBuilderTests.host(requestObject(jobID: jobID, contextURI: contextURI, tag: tag, buildArgs: buildArgs))
        }

        func requestObject(jobID: String, contextURI: String?, tag: String, buildArgs: [String: String] = [:]) -> KubeJSON {
            ["job_id": .string(jobID), "context_dir": "/nonexistent", "dockerfile": "Dockerfile",
             "image": .string("\(servers.registry)/team/app:\(tag)"), "platforms": ["linux/amd64"],
             "build_args": .object(buildArgs.mapValues(KubeJSON.string)), "context_uri": contextURI.map(KubeJSON.string) ?? .null,
             "registry_auth": ["server": .string(servers.registry), "username": "pusher", "password": .string(servers.password)],
             "environment_hints": ["env": ["AWS_REGION": "us-east-1"], "labels": ["team": "ml"]]]
        }

        /// Nothing the builder made is left: no Job, no pod, no Secret (API and the real kubectl agree).
        func expectCleanedUp(_ comment: Comment? = nil) throws {
            let selector = "app.kubernetes.io/managed-by=launch-agent"
            var pods: [KubeJSON] = []
            for _ in 0..<50 {  // pods go through the garbage collector, after the Job
                pods = try client.list(.pods, namespace: namespace).items
                if pods.isEmpty { break }
                KubeTestSupport.sleep(0.1)
            }
            #expect(try client.list(.jobs, namespace: namespace).items.isEmpty, comment)
            #expect(pods.isEmpty, comment)
            #expect(try client.list(.secrets, namespace: namespace, labelSelector: selector).items.isEmpty, comment)
            let kubectl = servers.harness.kubectl("get jobs,secrets -n \(namespace)")
            #expect(kubectl.status == 0 && kubectl.output.contains("No resources found"), "\(kubectl.output)")
        }
    }

    /// Collects the Jobs created in `namespace` (ADDED events) while a build runs, to see what the plugin sent.
    final class JobCapture: @unchecked Sendable {
        let transport = CurlTransport()
        let jobs = Mutex<[KubeJSON]>([])
        let done = DispatchSemaphore(value: 0)

        init(_ harness: KubeHarness, namespace: String) throws {
            var config = try KubeConfigLoader.loadKubeconfig(paths: [harness.kubeconfig])
            config.namespace = namespace
            let client = KubeClient(config: config, transport: transport)
            let rv = try client.list(.jobs, namespace: namespace).resourceVersion
            DispatchQueue.global().async { [self] in
                _ = try? client.watch(.jobs, namespace: namespace, resourceVersion: rv, timeoutSeconds: 300) { event in
                    if event.type == .added { jobs.withLock { $0.append(event.object) } }
                    return true
                }
                done.signal()
            }
        }

        func stop() -> [KubeJSON] {
            transport.cancelled.store(true, ordering: .relaxed)
            _ = done.wait(timeout: .now() + 10)
            return jobs.withLock { $0 }
        }
    }

    /// The error `body` fails with, or nil (after recording an issue: `what` should not have succeeded).
    static func failure(_ what: String, _ body: () throws(PluginCallError) -> JSONValue) -> PluginCallError? {
        do {
            _ = try body()
            Issue.record("\(what) succeeded")
            return nil
        } catch {
            print("[\(error.status)] \(error.message)")
            return error
        }
    }

    @Test func createRejectsBadConfigWithPointers() throws {
        let settings: [String: KubeJSON] = ["destination": "127.0.0.1:5000/team/app", "build_context_store": "s3://contexts/agent"]
        func failure(_ config: [String: KubeJSON], settings s: [String: KubeJSON]? = nil) -> PluginCallError? {
            do { _ = try Self.builder(config, settings: s ?? settings); return nil } catch { return error as? PluginCallError }
        }
        let typo = failure(["kaniko_config": [:]])
        #expect(typo?.status == -10 && typo?.pointer == "/config/kaniko_config")
        #expect(typo?.message.contains("did you mean 'kaniko-config'") == true, "\(String(describing: typo))")

        let arg = failure(["kaniko-config": ["spec": ["template": ["spec": ["containers": [["args": ["--cache=false", "--cache"]]]]]]]])
        #expect(arg?.status == -10 && arg?.pointer == "/config/kaniko-config/spec/template/spec/containers/0/args/1", "\(String(describing: arg))")
        #expect(arg?.message.contains("'--flag=value' form") == true)

        #expect(failure(["secret-name": "aws-creds"])?.pointer == "/config/secret-name")  // the key that is there: the missing one has no line
        #expect(failure(["build-timeout": 0])?.pointer == "/config/build-timeout")
        #expect(failure(["context-pvc": ["claim": "ctx", "agent-mount-path": "relative"]])?.pointer == "/config/context-pvc/agent-mount-path")
        #expect(failure([:], settings: ["destination": "127.0.0.1:5000/team/app"])?.pointer == "/config")
        let platforms = failure([:], settings: settings.merging(["platform": "linux/amd64,linux/arm64"]) { $1 })
        #expect(platforms?.pointer == "/settings/platform" && platforms?.message.contains("one platform") == true)
        // A config without a cluster still validates: create reads no kubeconfig.
        #expect(failure(["kubeconfig": "/nonexistent/kubeconfig"]) == nil)
    }

    @Test func buildsFromAnS3ContextPushesAndCleansUp() throws {
        let f = try Fixture()
        let uri = try f.servers.uploadContext(["Dockerfile": "FROM scratch\nARG GREETING\nCOPY app.txt /app.txt\nLABEL greeting=$GREETING\n",
                                               "app.txt": "built by kaniko in the harness\n"], key: "agent/\(f.namespace).tar.gz")
        let builder = try Self.builder(f.config(), settings: f.settings)
        let capture = try JobCapture(f.servers.harness, namespace: f.namespace)
        let lines = Mutex<[String]>([])
        let started = KubeClock.now()
        let result = try builder.call("build", request: f.request(jobID: "q-s3-\(f.namespace)", contextURI: uri, tag: "v1",
                                                                  buildArgs: ["GREETING": "hello"]),
                                      onLog: { _, line in lines.withLock { $0.append(line) } })
        let seconds = KubeClock.now() - started
        let jobs = capture.stop()

        let image = "\(f.servers.registry)/team/app:v1"
        #expect(result["image"]?.stringValue == image)
        #expect(result["pushed"] == true)
        let inspect = f.servers.inspect(image)
        #expect(inspect.digest != nil && result["digest"]?.stringValue == inspect.digest, "\(result) \(inspect.output)")
        #expect(inspect.output.contains("\"greeting\": \"hello\""), "\(inspect.output)")
        let log = lines.withLock { $0 }.joined(separator: "\n")
        #expect(log.contains("Retrieved build context \(uri)") && log.contains("Pushed \(f.servers.registry)/team/app@sha256:"), "\(log)")
        #expect(!log.contains(f.servers.password))
        print("kaniko build through the harness: \(Int(seconds * 1000)) ms")

        // What the plugin created: the seed's merge cases, the hints, the push Secret mount.
        let job = try #require(jobs.first, "no Job was seen")
        #expect(jobs.count == 1)
        let container = try #require(job["spec", "template", "spec", "containers"]?.arrayValue?.first)
        let args = container["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(args.contains("--cache=false") && !args.contains("--cache=true"), "\(args)")
        #expect(args.contains("--context=\(uri)") && args.contains("--destination=\(image)") && args.contains("--build-arg=GREETING=hello"))
        let env = container["env"]?.arrayValue ?? []
        #expect(env.contains(["name": "MY_ENV_VAR", "value": "my-env-var-value"]))
        #expect(env.contains(["name": "AWS_REGION", "value": "us-east-1"]))
        #expect(job["spec", "template", "metadata", "labels", "team"] == "ml")
        #expect(job["metadata", "name"]?.stringValue == KanikoNames.jobName(prefix: "launch-build", jobID: "q-s3-\(f.namespace)"))
        #expect(container["volumeMounts"]?.arrayValue?.contains(["name": "launch-agent-docker-config", "mountPath": "/kaniko/.docker", "readOnly": true]) == true)
        try f.expectCleanedUp()

        // The same job again (a repeated build after a crash) builds and pushes the tag again. (buildah, like
        // kaniko without --reproducible, stamps times into the image, so the digest is a new one.)
        let again = try builder.call("build", request: f.request(jobID: "q-s3-\(f.namespace)", contextURI: uri, tag: "v1",
                                                                 buildArgs: ["GREETING": "hello"]), onLog: { _, _ in })
        #expect(again["pushed"] == true && again["digest"]?.stringValue == f.servers.inspect(image).digest)
        try f.expectCleanedUp()
    }

    @Test func aBadDockerfileFailsWithTheLogTail() throws {
        let f = try Fixture()
        let uri = try f.servers.uploadContext(["Dockerfile": "FROM scratch\nCOPY missing.txt /\n"], key: "agent/bad-\(f.namespace).tar.gz")
        let builder = try Self.builder(f.config(), settings: f.settings)
        if let error = Self.failure("a broken Dockerfile built", { () throws(PluginCallError) in try builder.call("build", request: f.request(jobID: "q-bad", contextURI: uri, tag: "bad"), onLog: { _, _ in }) }) {
            #expect(error.status == -7, "\(error)")
            #expect(error.message.contains("the build failed (Job \(f.namespace)/launch-build-q-bad"), "\(error.message)")
            #expect(error.message.contains("last lines of its log") && error.message.contains("missing.txt"), "\(error.message)")
        }
        try f.expectCleanedUp()
        #expect(f.servers.inspect("\(f.servers.registry)/team/app:bad").digest == nil)
    }

    @Test func aBuildPastItsDeadlineTimesOut() throws {
        let f = try Fixture()
        // A kaniko image the harness runs as a scripted container that takes 30 s.
        f.servers.harness.control("POST", "/_harness/behaviours", #"{"image": "kaniko-slow", "exitCode": 0, "log": "working\n", "seconds": 30}"#)
        let builder = try Self.builder(f.config(["kaniko-image": "registry.invalid/kaniko-slow:1", "build-timeout": 2]), settings: f.settings)
        let started = KubeClock.now()
        if let error = Self.failure("a 30 s build finished within a 2 s deadline", { () throws(PluginCallError) in try builder.call("build", request: f.request(jobID: "q-slow", contextURI: "s3://contexts/none.tar.gz", tag: "slow"), onLog: { _, _ in }) }) {
            #expect(error.status == -5, "\(error)")
            #expect(error.message.contains("did not finish within 2 s") && error.message.contains("DeadlineExceeded"), "\(error.message)")
        }
        #expect(KubeClock.now() - started < 20)
        try f.expectCleanedUp()
    }

    @Test func aKanikoConfigTheSchemaRejectsIs422WithItsCauses() throws {
        let f = try Fixture()
        // Passes the builder's own checks (it only reads args/env/volumes), not the Job schema.
        let config = f.config(["kaniko-config": Self.kanikoConfig(f.servers, extraPodSpec: ["nodeSelector": ["pool": 1]])])
        let builder = try Self.builder(config, settings: f.settings)
        if let error = Self.failure("the API server accepted an integer label value", { () throws(PluginCallError) in try builder.call("build", request: f.request(jobID: "q-422", contextURI: "s3://contexts/none.tar.gz", tag: "x"), onLog: { _, _ in }) }) {
            #expect(error.status == -10 && error.pointer == "/config/kaniko-config", "\(error)")
            #expect(error.message.contains("422") && error.message.contains("nodeSelector"), "\(error.message)")
        }
        try f.expectCleanedUp()
        let report = try builder.call("verify", request: .object([:]))
        let jobCheck = report["checks"]?.arrayValue?.first { $0["name"]?.stringValue == "create jobs in '\(f.namespace)'" }
        #expect(jobCheck?["ok"] == false && jobCheck?["detail"]?.stringValue?.contains("nodeSelector") == true, "\(report)")
    }

    @Test func forbiddenIsAnAuthErrorNamingVerbResourceAndNamespace() throws {
        let f = try Fixture()
        let builder = try Self.builder(f.config(), settings: f.settings)
        f.servers.harness.control("POST", "/_harness/forbid", #"{"verb": "create", "resource": "jobs", "namespace": "\#(f.namespace)"}"#)
        defer { f.servers.harness.control("DELETE", "/_harness/forbid") }
        if let error = Self.failure("a forbidden create succeeded", { () throws(PluginCallError) in try builder.call("build", request: f.request(jobID: "q-403", contextURI: "s3://contexts/none.tar.gz", tag: "x"), onLog: { _, _ in }) }) {
            #expect(error.status == -6, "\(error)")
            #expect(error.message.contains("create jobs") && error.message.contains("namespace '\(f.namespace)'") && error.message.contains("403"), "\(error.message)")
        }
        let report = try builder.call("verify", request: .object([:]))
        let checks = report["checks"]?.arrayValue ?? []
        #expect(checks.first?["ok"] == true, "\(report)")
        let jobs = checks.first { $0["name"]?.stringValue == "create jobs in '\(f.namespace)'" }
        #expect(jobs?["ok"] == false && jobs?["fix"]?.stringValue?.contains("grant") == true, "\(report)")

        // Secrets forbidden: the Job was created first, and is deleted again.
        f.servers.harness.control("DELETE", "/_harness/forbid")
        f.servers.harness.control("POST", "/_harness/forbid", #"{"verb": "create", "resource": "secrets", "namespace": "\#(f.namespace)"}"#)
        if let error = Self.failure("a forbidden Secret create succeeded", { () throws(PluginCallError) in try builder.call("build", request: f.request(jobID: "q-403s", contextURI: "s3://contexts/none.tar.gz", tag: "x"), onLog: { _, _ in }) }) {
            #expect(error.status == -6 && error.message.contains("create secrets"), "\(error)")
        }
        try f.expectCleanedUp()
    }

    @Test func cancellingDeletesTheJobAndItsSecret() throws {
        let f = try Fixture()
        f.servers.harness.control("POST", "/_harness/behaviours", #"{"image": "kaniko-stuck", "exitCode": 0, "log": "working\n", "seconds": 60}"#)
        let builder = try Self.builder(f.config(["kaniko-image": "registry.invalid/kaniko-stuck:1"]), settings: f.settings)
        let cancellation = CallCancellation()
        let outcome = Mutex<Result<JSONValue, PluginCallError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let request = f.request(jobID: "q-cancel", contextURI: "s3://contexts/none.tar.gz", tag: "x")
        DispatchQueue.global().async {
            let r = Result { () throws(PluginCallError) in try builder.call("build", request: request, cancellation: cancellation, onLog: { _, _ in }) }
            outcome.withLock { $0 = r }
            done.signal()
        }
        var running = false
        for _ in 0..<100 where !running {
            KubeTestSupport.sleep(0.1)
            running = (try? f.client.list(.secrets, namespace: f.namespace, labelSelector: "app.kubernetes.io/managed-by=launch-agent").items.count) == 1
        }
        #expect(running, "the build never created its Secret")
        let cancelledAt = KubeClock.now()
        cancellation.cancel()
        #expect(done.wait(timeout: .now() + 20) == .success)
        let seconds = KubeClock.now() - cancelledAt
        print("cancelled build returned \(Int(seconds * 1000)) ms after the cancel, Job and Secret deleted")
        let result = outcome.withLock { $0 }
        guard case .failure(let error)? = result else { Issue.record("expected a cancellation, got \(String(describing: result))"); return }
        #expect(error.status == -4, "\(error)")
        #expect(seconds < 5, "cancellation took \(seconds) s")
        try f.expectCleanedUp()
    }

    @Test func theWaitSurvivesAnExpiredResourceVersion() throws {
        let f = try Fixture()
        f.servers.harness.control("POST", "/_harness/behaviours", #"{"image": "kaniko-410", "exitCode": 0, "log": "Pushed x@sha256:\#(String(repeating: "e", count: 64))\n", "seconds": 3}"#)
        let builder = try Self.builder(f.config(["kaniko-image": "registry.invalid/kaniko-410:1"]), settings: f.settings)
        let outcome = Mutex<Result<JSONValue, PluginCallError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let request = f.request(jobID: "q-410", contextURI: "s3://contexts/none.tar.gz", tag: "x")
        DispatchQueue.global().async {
            let r = Result { () throws(PluginCallError) in try builder.call("build", request: request, onLog: { _, _ in }) }
            outcome.withLock { $0 = r }
            done.signal()
        }
        var created = false
        for _ in 0..<100 where !created {
            KubeTestSupport.sleep(0.1)
            created = (try? f.client.list(.jobs, namespace: f.namespace).items.count) == 1
        }
        #expect(created)
        KubeTestSupport.sleep(0.5)
        // The harness forgets its watch history: the builder's open watch gets an ERROR 410 and must re-list.
        f.servers.harness.control("POST", "/_harness/compact")
        let compactedAt = KubeClock.now()
        #expect(done.wait(timeout: .now() + 30) == .success)
        print("build finished \(Int((KubeClock.now() - compactedAt) * 1000)) ms after the compaction")
        let result = outcome.withLock { $0 }
        guard case .success(let value)? = result else { Issue.record("the build failed: \(String(describing: result))"); return }
        #expect(value["digest"]?.stringValue == "sha256:" + String(repeating: "e", count: 64))
        let requests = (try? JSONValue(parsing: f.servers.harness.control("GET", "/_harness/requests")))?["requests"]?.arrayValue ?? []
        let lists = requests.filter {
            let path = $0["path"]?.stringValue ?? ""
            return $0["method"]?.stringValue == "GET" && path.hasPrefix("/apis/batch/v1/namespaces/\(f.namespace)/jobs?") && !path.contains("watch=")
        }
        #expect(lists.count >= 2, "no re-list after the 410: \(lists)")
        try f.expectCleanedUp()
    }

    @Test func thePodLogIsStreamedWhileKanikoRuns() throws {
        let f = try Fixture()
        f.servers.harness.control("POST", "/_harness/behaviours", #"{"image": "kaniko-live", "exitCode": 0, "log": "layer 1 of 2\n", "seconds": 3}"#)
        let builder = try Self.builder(f.config(["kaniko-image": "registry.invalid/kaniko-live:1"]), settings: f.settings)
        let seen = Mutex<[(line: String, at: Double)]>([])
        _ = try builder.call("build", request: f.request(jobID: "q-live", contextURI: "s3://contexts/none.tar.gz", tag: "x"),
                             onLog: { _, line in seen.withLock { $0.append((line, KubeClock.now())) } })
        let returned = KubeClock.now()
        let lines = seen.withLock { $0 }.filter { $0.line == "layer 1 of 2" }
        #expect(lines.count == 1, "streamed and copied again? \(lines)")
        if let first = lines.first { #expect(returned - first.at > 2, "the line arrived only \(returned - first.at) s before the end") }
        try f.expectCleanedUp()
    }

    @Test func verifyPassesWithServerSideDryRunsAndCreatesNothing() throws {
        let f = try Fixture()
        let builder = try Self.builder(f.config(), settings: f.settings)
        let report = try builder.call("verify", request: .object([:]))
        let checks = report["checks"]?.arrayValue ?? []
        #expect(checks.map { $0["name"]?.stringValue ?? "" } == ["Kubernetes API", "create jobs in '\(f.namespace)'", "create secrets in '\(f.namespace)'"])
        #expect(checks.allSatisfy { $0["ok"] == true }, "\(report)")
        try f.expectCleanedUp()
        let posts = f.servers.harness.control("GET", "/_harness/requests")
        #expect(posts.contains("dryRun=All"), "verify sent no dry run: \(posts.suffix(500))")
    }

    @Test func aPVCContextIsCopiedMountedAndRemoved() throws {
        let f = try Fixture()
        let shared = KubeTestSupport.makeTempDir("la-kaniko-pvc")
        let source = KubeTestSupport.makeTempDir("la-kaniko-src")
        KubeTestSupport.write("FROM scratch\nCOPY weights.txt /weights.txt\n", to: source + "/Dockerfile")
        KubeTestSupport.write("weights v1\n", to: source + "/weights.txt")
        // The harness has no PersistentVolumes: the user's volume of the same name (kept, replacing ours) maps
        // the claim to the directory the agent writes to, as a real claim mounted in both pods would.
        let kaniko = Self.kanikoConfig(f.servers, extraPodSpec: ["volumes": [["name": "launch-agent-context", "hostPath": ["path": .string(shared)]]]])
        var settings = f.settings
        settings["build_context_store"] = nil
        let builder = try Self.builder(f.config(["kaniko-config": kaniko, "context-pvc": ["claim": "kaniko-contexts", "agent-mount-path": .string(shared)]]),
                                       settings: settings)
        var object = f.requestObject(jobID: "q-pvc", contextURI: nil, tag: "pvc")
        object["context_dir"] = .string(source)
        let request = Self.host(object)
        let lines = Mutex<[String]>([])
        let result = try builder.call("build", request: request, onLog: { _, line in lines.withLock { $0.append(line) } })
        #expect(result["pushed"] == true)
        #expect(f.servers.inspect("\(f.servers.registry)/team/app:pvc").digest == result["digest"]?.stringValue)
        #expect(lines.withLock { $0 }.contains { $0.contains("Retrieved build context tar:///context/launch-build-q-pvc.tar.gz") })
        #expect(KubeTestSupport.shell("ls -A '\(shared)'").output.isEmpty, "the context tarball was left on the claim")
        try f.expectCleanedUp()
    }
}
