import AgentCore
import AWSCore
import FoundationEssentials
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Buckets, files and checks for the S3 context-store tests, on the shared moto (signature checking on).
/// What S3 holds is read back with boto3 (Fixtures/s3/s3_tool.py), not with our own client.
enum S3Fixtures {
    static var dir: String { AWSTestSupport.fixturesDir + "/s3" }
    private static let counter = Mutex(0)

    static func tool(_ moto: Moto, _ args: String) -> (status: Int32, output: String) {
        AWSTestSupport.shell("AWS_ACCESS_KEY_ID='\(moto.access_key)' AWS_SECRET_ACCESS_KEY='\(moto.secret_key)' python3 '\(dir)/s3_tool.py' '\(moto.endpoint)' \(args)")
    }

    /// A new, empty bucket.
    static func newBucket(_ moto: Moto) throws -> String {
        let n = counter.withLock { $0 += 1; return $0 }
        let name = "la-ctx-\(getpid())-\(n)"
        let r = tool(moto, "create-bucket \(name)")
        try #require(r.status == 0, "create-bucket failed: \(r.output)")
        return name
    }

    /// sha256 hex of the object as boto3 downloads it, or "missing".
    static func sha256(_ moto: Moto, _ bucket: String, _ key: String) -> String {
        tool(moto, "sha256 \(bucket) '\(key)'").output.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The keys with multipart uploads in progress.
    static func uploads(_ moto: Moto, _ bucket: String) -> String {
        tool(moto, "uploads \(bucket)").output.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// A file of `bytes` random bytes, its digest and size.
    static func randomFile(bytes: Int) throws -> (path: String, digest: String, hex: String, size: Int64) {
        let path = AWSTestSupport.makeTempDir("la-s3-file") + "/context.tar.gz"
        let r = AWSTestSupport.shell("head -c \(bytes) /dev/urandom > '\(path)' && sha256sum '\(path)'")
        let hex = String(r.output.prefix(64))
        try #require(r.status == 0 && hex.count == 64, "\(r.output)")
        return (path, "sha256:" + hex, hex, Int64(bytes))
    }
}

/// Fixtures/s3/fault_proxy.py in front of moto; stopped by PID when dropped.
final class FaultProxy: @unchecked Sendable {
    let url: String
    private(set) var pid: Int32 = 0
    let logPath: String

    init(upstream: String, _ options: String = "") throws {
        let dir = AWSTestSupport.makeTempDir("la-s3-proxy")
        logPath = dir + "/requests.log"
        AWSTestSupport.write("", to: logPath)
        let portFile = dir + "/port"
        AWSTestSupport.shell("python3 '\(S3Fixtures.dir)/fault_proxy.py' '\(upstream)' '\(portFile)' '\(logPath)' \(options) >'\(dir)/stderr' 2>&1 &")
        var port = ""
        for _ in 0..<200 {
            if let p = AWSTestSupport.read(portFile), p.hasSuffix("\n") {
                let fields = p.dropLast().split(separator: " ")
                port = String(fields[0])
                pid = Int32(fields[1]) ?? 0
                break
            }
            usleep(25_000)
        }
        guard !port.isEmpty else { throw Moto.MotoError(description: "fault_proxy.py did not start: \(AWSTestSupport.read(dir + "/stderr") ?? "")") }
        url = "http://127.0.0.1:\(port)"
    }

    /// "METHOD PATH?QUERY" per request, "CUT …" for a cut one.
    var requests: [String] { (AWSTestSupport.read(logPath) ?? "").split(separator: "\n").map(String.init) }
    func count(_ predicate: (String) -> Bool) -> Int { requests.filter(predicate).count }

    deinit { if pid > 0 { kill(pid, SIGTERM) } }
}

/// Runs context-store `s3` of liblaunch-agent-aws.so, loaded by AgentCore's loader, in a child process (this
/// test binary again, filtered to ``S3PluginProbe``): the plugin reads credentials and endpoints from the
/// process environment, which a test cannot change safely in its own process.
enum S3Probe {
    /// One operation's outcome: `{"ok": result}` or `{"error": {"status": n, "message": "…"}}`.
    static func run(env: [String: String], store: String, ops: [(String, JSONValue)], cancelAtProgress: Double? = nil) throws -> (results: [JSONValue], progress: [Double]) {
        let dir = AWSTestSupport.makeTempDir("la-s3-probe")
        let input: JSONValue = .object([
            "store": .string(store),
            "ops": .array(ops.map { .object(["op": .string($0.0), "request": $0.1]) }),
            "cancel_at_progress": cancelAtProgress.map { .double($0) } ?? .null,
        ])
        AWSTestSupport.write(input.serialized, to: dir + "/in.json")
        let vars = env.merging(["LA_S3_PROBE_IN": dir + "/in.json", "LA_S3_PROBE_OUT": dir + "/out.json",
                                "HOME": dir, "AWS_EC2_METADATA_DISABLED": "true"]) { $1 }
            .map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let unset = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE",
                     "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ENDPOINT_URL",
                     "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_REGION", "AWS_DEFAULT_REGION"]
        let run = AWSTestSupport.shell("env -u \(unset.joined(separator: " -u ")) \(vars) /proc/\(getpid())/exe --testing-library swift-testing --filter S3PluginProbe")
        let text = try #require(AWSTestSupport.read(dir + "/out.json"), "the probe wrote nothing: \(run.output)")
        let out = try JSONValue(parsing: text)
        return (out["results"]?.arrayValue ?? [], (out["progress"]?.arrayValue ?? []).compactMap(\.number))
    }

    /// The environment of a child that talks to `endpoint` with moto's key (or `secret`).
    static func env(_ moto: Moto, endpoint: String? = nil, secret: String? = nil) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": moto.access_key, "AWS_SECRET_ACCESS_KEY": secret ?? moto.secret_key,
         "AWS_ENDPOINT_URL_S3": endpoint ?? moto.endpoint]
    }
}

/// The child half of ``S3Probe``: does nothing unless `LA_S3_PROBE_IN` is set. `LA_S3_PROBE_PLUGIN_DIR` loads the
/// plugin from another build directory (the benchmark uses the release plugin).
@Suite struct S3PluginProbe {
    @Test func probe() throws {
        guard let inPath = getenv("LA_S3_PROBE_IN").map({ String(cString: $0) }),
              let outPath = getenv("LA_S3_PROBE_OUT").map({ String(cString: $0) }) else { return }
        let input = try JSONValue(parsing: try #require(AWSTestSupport.read(inPath)))
        let dir = getenv("LA_S3_PROBE_PLUGIN_DIR").map { String(cString: $0) } ?? PluginHostTests.buildDir
        let set = PluginLoader(options: .init(directories: [dir])).loadAll()
        let (lib, component) = try #require(set.component(kind: "context-store", name: "s3"))
        var results: [JSONValue] = []
        let progress = Mutex<[Double]>([])
        do {
            let store = try ComponentInstance(library: lib, component: component, config: .object([
                "component": .object(["kind": "context-store", "name": "s3"]), "config": .object([:]),
                "settings": .object(["build_context_store": input["store"] ?? .null,
                                     "environment": .object(["type": "aws", "region": "us-east-1"])]),
            ]))
            for op in input["ops"]?.arrayValue ?? [] {
                let cancellation = CallCancellation()
                let cancelAt = input["cancel_at_progress"]?.number
                let started = Clock.nowMilliseconds()
                do {
                    let result = try store.call(op["op"]?.stringValue ?? "", request: op["request"] ?? .object([:]),
                                                cancellation: cancellation, onLog: { _, _ in }, onProgress: { fraction, _ in
                        progress.withLock { $0.append(fraction) }
                        if let cancelAt, fraction >= cancelAt, fraction < 1 { cancellation.cancel() }
                    })
                    results.append(.object(["ok": result, "ms": .int(Clock.nowMilliseconds() - started)]))
                } catch {
                    results.append(.object(["error": .object(["status": .int(Int64(error.status)), "message": .string(error.message)])]))
                }
            }
        } catch {
            results.append(.object(["error": .object(["status": .int(Int64(error.status)), "message": .string(error.message)])]))
        }
        let out: JSONValue = .object(["results": .array(results), "progress": .array(progress.withLock { $0 }.map { .double($0) })])
        AWSTestSupport.write(out.serialized, to: outPath)
    }
}

extension JSONValue {
    /// A number as Double (ints too).
    var number: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
}

extension Clock {
    static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Our S3 client straight over the host's HTTP client (libcurl), for AWSCore-level tests.
extension CurlTransport: S3Transport {
    func send(_ request: AWSRequest, file: S3FileSlice, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse {
        let r = AgentCore.HTTPRequest(method: request.method, url: request.url.string, headers: request.headers,
                                      body: .fileSlice(path: file.path, offset: UInt64(file.offset), length: UInt64(file.length)),
                                      timeout: timeoutMilliseconds.map { .milliseconds($0) })
        do {
            let response = try HTTPClient.shared.fetch(r)
            return AWSResponse(status: response.status, headers: response.head.headers, body: response.body)
        } catch {
            throw AWSError(.io, error.message, retryable: error.isRetryable)
        }
    }
}
