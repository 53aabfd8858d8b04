import AgentCore
import AWSCore
import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// AWSCore's transport over the host's own HTTP client (libcurl), for tests that use AWSCore directly.
struct CurlTransport: AWSTransport {
    func send(_ request: AWSRequest, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse {
        let r = AgentCore.HTTPRequest(method: request.method, url: request.url.string, headers: request.headers,
                                      body: request.body.isEmpty ? .empty : .bytes(request.body),
                                      timeout: timeoutMilliseconds.map { .milliseconds($0) })
        do {
            let response = try HTTPClient.shared.fetch(r)
            return AWSResponse(status: response.status, headers: response.head.headers, body: response.body)
        } catch {
            throw AWSError(.io, error.message, retryable: error.isRetryable)
        }
    }
}

/// One moto_server for the whole test process, signature checking on (Fixtures/moto_harness.py), stopped
/// by the harness's watcher when this process exits.
struct Moto: Decodable, Sendable {
    var endpoint: String
    var pid: Int32
    var access_key: String
    var secret_key: String
    var account: String
    var user_arn: String

    private static let started = Mutex<Result<Moto, MotoError>?>(nil)
    private static let startedNoAuth = Mutex<Result<Moto, MotoError>?>(nil)
    struct MotoError: Error, CustomStringConvertible { var description: String }

    /// With signature checking; `noAuth`: a second moto without it (see moto_harness.py --no-auth).
    static func shared(noAuth: Bool = false) throws -> Moto {
        noAuth ? try start(startedNoAuth, noAuth: true) : try start(started, noAuth: false)
    }

    private static func start(_ once: borrowing Mutex<Result<Moto, MotoError>?>, noAuth: Bool) throws -> Moto {
        try once.withLock { state in
            if let state { return try state.get() }
            let run = AWSTestSupport.shell("python3 '\(AWSTestSupport.fixturesDir)/moto_harness.py' \(getpid())\(noAuth ? " --no-auth" : "")")
            let line = run.output.split(separator: "\n").last.map(String.init) ?? ""
            let result: Result<Moto, MotoError>
            if run.status == 0, let moto = try? JSONDecoder().decode(Moto.self, from: Data(line.utf8)) {
                result = .success(moto)
            } else {
                result = .failure(MotoError(description: "moto_harness.py failed (is moto installed? scripts/test.sh installs it): \(run.output)"))
            }
            state = result
            return try result.get()
        }
    }
}

/// A small python HTTP server (Fixtures/metadata_server.py) imitating the ECS/EKS container credentials
/// endpoint or IMDSv2; stopped by PID when the value is dropped.
final class MetadataServer: @unchecked Sendable {
    let url: String
    private(set) var pid: Int32 = 0
    let logPath: String

    init(mode: String, extra: [String] = []) throws {
        let dir = AWSTestSupport.makeTempDir("la-aws-meta")
        logPath = dir + "/requests.log"
        let portFile = dir + "/port"
        let args = ([mode, portFile, logPath] + extra).map { "'\($0)'" }.joined(separator: " ")
        AWSTestSupport.shell("python3 '\(AWSTestSupport.fixturesDir)/metadata_server.py' \(args) >/dev/null 2>&1 &")
        var port = ""
        for _ in 0..<200 {
            // "PORT PID": the server's own PID (python3 may be a shim that forks).
            if let p = AWSTestSupport.read(portFile), p.hasSuffix("\n") {
                let fields = p.dropLast().split(separator: " ")
                port = String(fields[0])
                pid = Int32(fields[1]) ?? 0
                break
            }
            usleep(25_000)
        }
        guard !port.isEmpty else { throw Moto.MotoError(description: "metadata_server.py \(mode) did not start") }
        url = "http://127.0.0.1:\(port)"
    }

    /// The request lines the server saw ("METHOD PATH header=value…").
    var requests: [String] { (AWSTestSupport.read(logPath) ?? "").split(separator: "\n").map(String.init) }

    deinit { if pid > 0 { kill(pid, SIGTERM) } }
}
