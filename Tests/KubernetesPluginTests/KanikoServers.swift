import AgentCore
import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The real servers the kaniko builder tests build against, one set per test process: the Kubernetes
/// harness with a buildah store of its own (it really builds kaniko Jobs), moto_server (S3 contexts) and a
/// docker-registry with htpasswd auth (the push). Each is stopped by a watcher shell when this process exits.
struct KanikoServers: Sendable {
    var harness: KubeHarness
    var moto: String
    var registry: String
    let user = "pusher"
    var password: String
    var dir: String

    struct StartError: Error, CustomStringConvertible { var description: String }

    private static let once = Mutex<Result<KanikoServers, StartError>?>(nil)
    static var venvBin: String { KubeTestSupport.repoDir + "/Tests/KubernetesHarness/.venv/bin" }

    static func shared() throws -> KanikoServers {
        try once.withLock { state in
            if let state { return state }
            let result = Result { () throws(StartError) in try start() }
            state = result
            return result
        }.get()
    }

    private static func start() throws(StartError) -> KanikoServers {
        for tool in ["buildah", "skopeo", "docker-registry", "htpasswd", "kubectl", "curl"] where KubeTestSupport.shell("command -v \(tool)").status != 0 {
            throw StartError(description: "\(tool) is not installed (Tests/KubernetesHarness/run_tests.sh installs the packages)")
        }
        let dir = KubeTestSupport.makeTempDir("la-kaniko")
        let harness = try startHarness(dir: dir)
        let motoPort = freePort()
        background("'\(venvBin)/moto_server' -H 127.0.0.1 -p \(motoPort)", log: dir + "/moto.log")
        let moto = "http://127.0.0.1:\(motoPort)"
        try waitFor("moto_server", log: dir + "/moto.log") { KubeTestSupport.shell("curl -sf -o /dev/null \(moto)/").status == 0 }

        let password = "pw-" + KubeTestSupport.unique()
        let regPort = freePort()
        KubeTestSupport.shell("htpasswd -Bbn pusher '\(password)' > '\(dir)/htpasswd'")
        KubeTestSupport.write("""
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(dir)/registry
            http:
              addr: 127.0.0.1:\(regPort)
            auth:
              htpasswd:
                realm: test
                path: \(dir)/htpasswd

            """, to: dir + "/registry.yml")
        background("docker-registry serve '\(dir)/registry.yml'", log: dir + "/registry.log")
        let registry = "127.0.0.1:\(regPort)"
        try waitFor("docker-registry", log: dir + "/registry.log") {
            KubeTestSupport.shell("curl -s -o /dev/null -w '%{http_code}' http://\(registry)/v2/").output == "401"
        }
        return KanikoServers(harness: harness, moto: moto, registry: registry, password: password, dir: dir)
    }

    /// Starts `command` in the background, stopped (by its PID) once this test process is gone. SIGTERM, then
    /// SIGKILL: a child started from a test thread inherits its blocked signals, and python keeps SIGTERM blocked.
    @discardableResult
    private static func background(_ command: String, log: String) -> String {
        let pidFile = log + ".pid"
        KubeTestSupport.shell("(\(command) >'\(log)' 2>&1 & p=$!; echo $p >'\(pidFile)'; while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill $p; sleep 2; kill -9 $p) >/dev/null 2>&1 &")
        return pidFile
    }

    /// The project's Kubernetes harness with a buildah store of its own (so kaniko Jobs really build), started
    /// like ``KubeHarness/start(extraArgs:)`` but stopped with ``background(_:log:)``.
    private static func startHarness(dir: String) throws(StartError) -> KubeHarness {
        guard FileManager.default.isExecutableFile(atPath: KubeHarness.python) else {
            throw StartError(description: "no harness venv at \(KubeHarness.python): run Tests/KubernetesHarness/run_tests.sh once")
        }
        let state = dir + "/harness"
        mkdir(state, 0o700)
        let script = KubeTestSupport.repoDir + "/Tests/KubernetesHarness/harness.py"
        let args = ["--state-dir", state, "--pod-start-delay", "0.1", "--pod-run-seconds", "0.3", "--backoff-seconds", "0.1",
                    "--buildah-root", dir + "/buildah"].map { "'\($0)'" }.joined(separator: " ")
        background("'\(KubeHarness.python)' '\(script)' \(args)", log: dir + "/harness.out")
        var info: JSONValue?
        try waitFor("the Kubernetes harness", log: dir + "/harness.out") {
            let lines = (KubeTestSupport.read(dir + "/harness.out") ?? "").split(separator: "\n")
            info = lines.lazy.compactMap { try? JSONValue(parsing: String($0)) }.first { $0["url"]?.stringValue != nil }
            return info != nil
        }
        guard let info, let url = info["url"]?.stringValue else { throw StartError(description: "the harness printed no url") }
        return KubeHarness(url: url, kubeconfig: info["kubeconfig"]?.stringValue ?? "", token: info["token"]?.stringValue ?? "",
                           ca: info["ca"]?.stringValue ?? "", stateDir: state, pid: Int32(info["pid"]?.intValue ?? 0))
    }

    private static func waitFor(_ what: String, log: String, _ ready: () -> Bool) throws(StartError) {
        for _ in 0..<200 {
            if ready() { return }
            KubeTestSupport.sleep(0.1)
        }
        throw StartError(description: "\(what) did not start: \(KubeTestSupport.read(log) ?? "")")
    }

    static func freePort() -> Int {
        let r = KubeTestSupport.shell("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'")
        return Int(r.output.split(whereSeparator: \.isNewline).first ?? "") ?? 0
    }

    /// Writes `files` as a build context, packs it as kaniko reads it (`.tar.gz` of the directory) and uploads
    /// it to moto: returns the `s3://` URI.
    func uploadContext(_ files: [String: String], key: String) throws -> String {
        let ctx = KubeTestSupport.makeTempDir("la-kaniko-ctx")
        for (name, text) in files { KubeTestSupport.write(text, to: ctx + "/" + name) }
        let tarball = ctx + ".tar.gz"
        let tar = KubeTestSupport.shell("tar -czf '\(tarball)' -C '\(ctx)' .")
        guard tar.status == 0 else { throw StartError(description: "tar: \(tar.output)") }
        let script = """
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="AK", aws_secret_access_key="SK")
            names = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
            if "contexts" not in names: s3.create_bucket(Bucket="contexts")
            s3.upload_file(sys.argv[2], "contexts", sys.argv[3])
            """
        KubeTestSupport.write(script, to: dir + "/upload.py")
        let up = KubeTestSupport.shell("'\(Self.venvBin)/python' '\(dir)/upload.py' '\(moto)' '\(tarball)' '\(key)'")
        guard up.status == 0 else { throw StartError(description: "upload to moto failed: \(up.output)") }
        return "s3://contexts/\(key)"
    }

    /// The env a kaniko pod needs to fetch `s3://` contexts from moto (what IRSA gives a real pod).
    var s3Env: KubeJSONEnv {
        [("S3_ENDPOINT", moto), ("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SK")]
    }

    /// `skopeo inspect` of `image` in the test registry: its manifest digest, or nil with skopeo's output.
    func inspect(_ image: String) -> (digest: String?, output: String) {
        let r = KubeTestSupport.shell("skopeo inspect --tls-verify=false --creds 'pusher:\(password)' 'docker://\(image)'")
        guard r.status == 0, let json = try? JSONValue(parsing: r.output) else { return (nil, r.output) }
        return (json["Digest"]?.stringValue, r.output)
    }
}

typealias KubeJSONEnv = [(String, String)]
