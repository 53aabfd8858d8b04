import AgentCore
import FoundationEssentials
import KubeCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

enum KubeTestSupport {
    static let testsDir: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    static var repoDir: String { URL(fileURLWithPath: testsDir).deletingLastPathComponent().deletingLastPathComponent().path }

    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func write(_ text: String, to path: String, mode: Int = 0o644) {
        // O_CLOEXEC: a test on another thread may spawn a process meanwhile; an inherited write
        // descriptor would make exec of this file (a script a test runs) fail with ETXTBSY.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            offset += n
        }
        close(fd)
        chmod(path, mode_t(mode))
    }

    static func makeTempDir(_ label: String) -> String {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { return "/tmp" }
        return String(cString: p)
    }

    /// Runs a shell command; exit status and combined output.
    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) {
        guard let pipe = popen("(\(command)) 2>&1", "r") else { return (-1, "popen failed") }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, pipe)
            if n <= 0 { break }
            output.append(contentsOf: chunk[0..<n])
        }
        let status = pclose(pipe)
        return ((status >> 8) & 0xFF, String(decoding: output, as: UTF8.self))
    }

    static func sleep(_ seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }

    /// A unique lower-case suffix for names.
    static func unique() -> String {
        String(UInt64.random(in: 0..<UInt64.max), radix: 36).prefix(8).lowercased()
    }
}

/// KubeCore's transport over the host's own HTTP client (libcurl), for tests that use KubeCore directly.
/// The cluster CA (PEM) goes to libcurl as a file, since AgentCore's client takes CA files.
final class CurlTransport: KubeTransport, @unchecked Sendable {
    let caDir = KubeTestSupport.makeTempDir("la-kube-ca")
    let cancelled = Atomic<Bool>(false)
    let requests = Mutex<[String]>([])

    func send(_ request: KubeHTTPRequest, onHead: (KubeHTTPHead) throws -> Void,
              onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> KubeHTTPHead {
        var caFile: String?
        if let pem = request.tls.caPEM {
            caFile = caDir + "/ca-\(pem.count)-\(pem.reduce(0) { ($0 &* 31) &+ Int($1) }).pem"
            if let caFile, !FileManager.default.fileExists(atPath: caFile) {
                _ = FileManager.default.createFile(atPath: caFile, contents: Data(pem))
            }
        }
        requests.withLock { $0.append("\(request.method) \(request.url)") }
        let r = AgentCore.HTTPRequest(method: request.method, url: request.url, headers: request.headers,
                                      body: request.body.isEmpty ? .empty : .bytes(request.body),
                                      timeout: request.timeoutMilliseconds.map { .milliseconds($0) },
                                      insecure: request.tls.insecure, caFile: caFile)
        var thrown: (any Error)?
        do {
            let head = try HTTPClient.shared.send(r, cancel: { self.cancelled.load(ordering: .relaxed) }, onHead: { (head: HTTPResponseHead) throws(HTTPError) in
                do { try onHead(KubeHTTPHead(status: head.status, headers: head.headers)) } catch {
                    thrown = error
                    throw HTTPError(.io, "stopped")
                }
            }, onBody: { (chunk: UnsafeRawBufferPointer) throws(HTTPError) in
                do { try onBody(chunk) } catch {
                    thrown = error
                    throw HTTPError(.io, "stopped")
                }
            })
            return KubeHTTPHead(status: head.status, headers: head.headers)
        } catch {
            if let thrown { throw thrown }
            if error.category == .cancelled { throw KubeError(.cancelled, "cancelled") }
            if error.category == .timeout { throw KubeError(.io, error.message, reason: KubeError.timeoutReason, retryable: true) }
            throw KubeError(.io, error.message, retryable: error.isRetryable)
        }
    }
}

/// Runs exec credential plugins with posix_spawn-free popen (tests only): env passed on the command line.
struct ShellCommandRunner: KubeCommandRunner {
    func run(_ argv: [String], environment: [String: String], timeoutMilliseconds: Int) throws -> (status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        func q(_ s: String) -> String { "'" + s.replacing("'", with: "'\\''") + "'" }
        let env = environment.map { "\($0.key)=\(q($0.value))" }.joined(separator: " ")
        let dir = KubeTestSupport.makeTempDir("la-kube-exec")
        let cmd = "env \(env) \(argv.map(q).joined(separator: " ")) >\(dir)/out 2>\(dir)/err"
        let status = KubeTestSupport.shell(cmd).status
        return (status, Array((KubeTestSupport.read(dir + "/out") ?? "").utf8), Array((KubeTestSupport.read(dir + "/err") ?? "").utf8))
    }
}

/// The project's Kubernetes API server harness (Tests/KubernetesHarness), one per test process, stopped by a
/// watcher shell when this process exits. Needs the venv `Tests/KubernetesHarness/run_tests.sh` creates.
struct KubeHarness: Sendable {
    var url: String
    var kubeconfig: String
    var token: String
    var ca: String
    var stateDir: String
    var pid: Int32

    struct HarnessError: Error, CustomStringConvertible { var description: String }

    static let python = KubeTestSupport.repoDir + "/Tests/KubernetesHarness/.venv/bin/python"
    private static let once = Mutex<Result<KubeHarness, HarnessError>?>(nil)

    /// The shared harness (allow-listed image `busybox` runs its command as a local process).
    static func shared() throws -> KubeHarness {
        try once.withLock { state in
            if let state { return state }
            let result = Result { () throws(HarnessError) in try start(extraArgs: ["--allow-image", "busybox"]) }
            state = result
            return result
        }.get()
    }

    /// Starts a harness of its own (for tests that change global state such as compaction).
    static func start(extraArgs: [String] = []) throws(HarnessError) -> KubeHarness {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw HarnessError(description: "no harness venv at \(python): run Tests/KubernetesHarness/run_tests.sh once")
        }
        let dir = KubeTestSupport.makeTempDir("la-kube-harness")
        let script = KubeTestSupport.repoDir + "/Tests/KubernetesHarness/harness.py"
        let args = (["--state-dir", dir, "--pod-start-delay", "0.1", "--pod-run-seconds", "0.3", "--backoff-seconds", "0.1"] + extraArgs)
            .map { "'\($0)'" }.joined(separator: " ")
        // The watcher stops the harness when this test process is gone. Test threads block signals and children
        // inherit that mask, so the harness unblocks them first (else SIGTERM would stay pending forever);
        // SIGKILL follows if it has not stopped after 5 s.
        let me = getpid()
        let unblock = "import signal,sys,runpy; signal.pthread_sigmask(signal.SIG_SETMASK, []); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
        KubeTestSupport.shell("(\(python) -c \"\(unblock)\" \(script) \(args) >\(dir)/info.json 2>\(dir)/harness.log & hp=$!; echo $hp >\(dir)/pid; while kill -0 \(me) 2>/dev/null; do sleep 1; done; kill $hp; sleep 5; kill -9 $hp) >/dev/null 2>&1 &")
        for _ in 0..<300 {
            if let text = KubeTestSupport.read(dir + "/info.json"), text.hasSuffix("\n"),
               let info = try? JSONValue(parsing: text), let url = info["url"]?.stringValue {
                return KubeHarness(url: url, kubeconfig: info["kubeconfig"]?.stringValue ?? "", token: info["token"]?.stringValue ?? "",
                                   ca: info["ca"]?.stringValue ?? "", stateDir: dir, pid: Int32(info["pid"]?.intValue ?? 0))
            }
            KubeTestSupport.sleep(0.1)
        }
        throw HarnessError(description: "the harness did not start: \(KubeTestSupport.read(dir + "/harness.log") ?? "")")
    }

    /// Stops the harness (SIGTERM; the watcher's SIGKILL is the backstop).
    func stop() { kill(pid, SIGTERM) }

    /// A client for this harness with the token and CA of its kubeconfig.
    func client(namespace: String = "default") throws -> KubeClient {
        var config = try KubeConfigLoader.loadKubeconfig(paths: [kubeconfig])
        config.namespace = namespace
        return KubeClient(config: config, transport: CurlTransport())
    }

    /// A fresh namespace for one test.
    func namespace(_ prefix: String) throws -> String {
        let name = "\(prefix)-\(KubeTestSupport.unique())"
        _ = try client().create(.namespaces, namespace: nil, ["metadata": ["name": .string(name)]])
        return name
    }

    /// POST/DELETE a harness control endpoint.
    @discardableResult
    func control(_ method: String, _ path: String, _ body: String = "{}") -> String {
        KubeTestSupport.shell("curl -sS --cacert '\(ca)' -H 'Authorization: Bearer \(token)' -H 'Content-Type: application/json' -X \(method) --data '\(body)' '\(url)\(path)'").output
    }

    /// `kubectl` against this harness.
    func kubectl(_ args: String) -> (status: Int32, output: String) {
        KubeTestSupport.shell("KUBECONFIG='\(kubeconfig)' kubectl \(args)")
    }
}

/// Object and array literals for the host's JSON in these tests (AgentCore offers scalar literals only).
extension JSONValue: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
