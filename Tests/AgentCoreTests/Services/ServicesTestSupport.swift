import LaunchAgentABI
import Synchronization
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// The python3 test server (services_test_server.py), started once per test
/// process on a free 127.0.0.1 port and killed by PID at exit. It also exits
/// on its own when its stdin (a pipe held only by this process) closes, so a
/// crashed test run leaves nothing behind.
final class ServicesTestServer: Sendable {
    let pid: pid_t
    let port: Int
    /// The CA that signed the TLS server's certificate (TLS server only).
    let caPath: String
    let scheme: String

    var base: String { "\(scheme)://127.0.0.1:\(port)" }
    func url(_ path: String) -> String { base + path }

    private init(pid: pid_t, port: Int, caPath: String, scheme: String) {
        self.pid = pid
        self.port = port
        self.caPath = caPath
        self.scheme = scheme
    }

    private static let plainServer = Result { try start(tls: false) }
    private static let tlsServer = Result { try start(tls: true) }
    private static let mutualTLSServer = Result { try start(tls: true, mutual: true) }

    static func plain() throws -> ServicesTestServer { try plainServer.get() }
    static func tls() throws -> ServicesTestServer { try tlsServer.get() }
    /// A TLS server that requires a client certificate: `clientCertificatePath`/`clientKeyPath`.
    static func mutualTLS() throws -> ServicesTestServer { try mutualTLSServer.get() }

    var clientCertificatePath: String { JobPaths.directory(of: caPath) + "/client.pem" }
    var clientKeyPath: String { JobPaths.directory(of: caPath) + "/client.key" }

    struct StartError: Error, CustomStringConvertible { let description: String }

    private static let started = Mutex<[pid_t]>([])

    private static func start(tls: Bool, mutual: Bool = false) throws -> ServicesTestServer {
        let script = servicesTestDirectory() + "/services_test_server.py"
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw StartError(description: "pipe failed") }
        // Our ends must not leak into other children (the server's stdin EOF is its exit signal).
        _ = fcntl(toChild[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fromChild[0], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        let args = ["python3", script] + (tls ? ["--tls"] : []) + (mutual ? ["--mtls"] : [])
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        // Test threads (libdispatch workers) block most signals and a child
        // inherits the mask: unblock, or the server would ignore our SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "python3", &actions, &attributes, &cArgs, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else { throw StartError(description: "cannot start python3: \(String(cString: strerror(rc)))") }
        started.withLock { $0.append(pid) }
        registerCleanup

        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fromChild[0], &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ").map(String.init)
        guard let first = words.first, let port = Int(first) else {
            throw StartError(description: "test server printed no port (got \"\(String(decoding: line, as: UTF8.self))\")")
        }
        return ServicesTestServer(pid: pid, port: port, caPath: words.count > 1 ? words[1] : "", scheme: tls ? "https" : "http")
    }

    private static let registerCleanup: Void = {
        atexit {
            for pid in ServicesTestServer.started.withLock({ $0 }) {
                kill(pid, SIGTERM)
                var status: Int32 = 0
                var waited = 0
                while waitpid(pid, &status, WNOHANG) == 0 {
                    if waited == 40 { kill(pid, SIGKILL) }  // 2 s: stop asking nicely
                    usleep(50_000)
                    waited += 1
                }
            }
        }
    }()
}

/// This directory (where the python server lives), from the source file's path.
func servicesTestDirectory(_ file: String = #filePath) -> String {
    String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)])
}

/// A fresh temporary directory.
func servicesTempDirectory() -> String {
    var template = Array("/tmp/la-services-test-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
}

func servicesWriteFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    precondition(fd >= 0)
    bytes.withUnsafeBytes { buf in
        var off = 0
        while off < buf.count { off += write(fd, buf.baseAddress! + off, buf.count - off) }
    }
    close(fd)
}

/// Deterministic, non-repeating-looking test bytes.
func servicesTestBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var x = seed &* 2654435761 | 1
    return (0..<count).map { _ in
        x ^= x << 13; x ^= x >> 17; x ^= x << 5
        return UInt8(truncatingIfNeeded: x)
    }
}

/// A string unlikely to appear anywhere by chance, for secrets.
func servicesUniqueSecret(_ label: String) -> String {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return "\(label)-\(ts.tv_nsec)-\(getpid())-\(UInt32.random(in: 1000...UInt32.max))"
}

func servicesElapsed(since start: ContinuousClock.Instant) -> Duration { ContinuousClock.now - start }

// MARK: - A test-made la_call_v1

/// An `la_call_v1` whose callbacks (plain C function pointers, no captures)
/// find this object through `host_data` and record what the service did.
final class ServicesTestCall: @unchecked Sendable {
    struct Reported: Sendable {
        var code: Int32
        var message: String
        var details: String
    }

    private let state = Mutex<(emitted: [UInt8], errors: [Reported])>(([], []))
    let cancelRequested = Atomic<Bool>(false)
    let raw: UnsafeMutablePointer<la_call_v1>

    init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: la_call_v1())
        raw.pointee.struct_size = UInt32(MemoryLayout<la_call_v1>.size)
        raw.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
        raw.pointee.emit = { call, chunk in
            ServicesTestCall.from(call).state.withLock { $0.emitted += servicesCopy(chunk) }
        }
        raw.pointee.set_error = { call, code, message, details in
            let reported = Reported(
                code: code,
                message: String(decoding: servicesCopy(message), as: UTF8.self),
                details: String(decoding: servicesCopy(details), as: UTF8.self))
            ServicesTestCall.from(call).state.withLock { $0.errors.append(reported) }
        }
        raw.pointee.is_cancelled = { call in
            ServicesTestCall.from(call).cancelRequested.load(ordering: .acquiring) ? 1 : 0
        }
        raw.pointee.progress = { _, _, _ in }
        raw.pointee.log = { _, _, _ in }
    }

    deinit { raw.deallocate() }

    static func from(_ call: UnsafePointer<la_call_v1>?) -> ServicesTestCall {
        Unmanaged<ServicesTestCall>.fromOpaque(call!.pointee.host_data).takeUnretainedValue()
    }

    var errors: [Reported] { state.withLock { $0.errors } }
    var lastError: Reported? { errors.last }

    func cancel() { cancelRequested.store(true, ordering: .releasing) }
}

func servicesCopy(_ s: la_str) -> [UInt8] {
    guard s.len > 0, let p = s.ptr else { return [] }
    return Array(UnsafeRawBufferPointer(start: p, count: Int(s.len)))
}

/// Calls `body` with `la_str`s borrowing `a` and `b`.
func servicesWithStrs<R>(_ a: [UInt8], _ b: [UInt8], _ body: (la_str, la_str) -> R) -> R {
    a.withUnsafeBytes { ab in
        b.withUnsafeBytes { bb in
            body(
                la_str(ptr: ab.baseAddress?.assumingMemoryBound(to: CChar.self), len: UInt64(ab.count)),
                la_str(ptr: bb.baseAddress?.assumingMemoryBound(to: CChar.self), len: UInt64(bb.count)))
        }
    }
}

// MARK: - Sinks

/// An error a service reported through a sink's `on_error`: the same three
/// things `set_error` receives.
struct ServicesSinkError: Sendable, Equatable {
    var code: Int32
    var message: String
    /// `details_json` as received: `{"retryable":…}` or empty.
    var details: String
}

/// Collects what `la_http_v1.request` delivers to its sink.
final class ServicesHTTPSink {
    var heads: [String] = []
    var body: [UInt8] = []
    var bodyCalls = 0
    /// What on_error received (only with `onError: true`).
    var errors: [ServicesSinkError] = []
    /// on_head returns non-zero.
    var stopAtHead = false
    /// on_body returns non-zero once this many body bytes have arrived.
    var stopAfterBodyBytes: Int?
    var raw = la_http_sink_v1()

    /// `onError`: set on_error (else the service falls back to set_error on
    /// the call). `structSize`: pretend an older, shorter sink.
    init(onError: Bool = false, structSize: Int = MemoryLayout<la_http_sink_v1>.size) {
        raw.struct_size = UInt32(structSize)
        raw.on_head = { ctx, json in
            let sink = Unmanaged<ServicesHTTPSink>.fromOpaque(ctx!).takeUnretainedValue()
            sink.heads.append(String(decoding: servicesCopy(json), as: UTF8.self))
            return sink.stopAtHead ? 1 : 0
        }
        raw.on_body = { ctx, chunk in
            let sink = Unmanaged<ServicesHTTPSink>.fromOpaque(ctx!).takeUnretainedValue()
            sink.body += servicesCopy(chunk)
            sink.bodyCalls += 1
            if let limit = sink.stopAfterBodyBytes, sink.body.count >= limit { return 1 }
            return 0
        }
        if onError {
            raw.on_error = { ctx, code, message, details in
                let sink = Unmanaged<ServicesHTTPSink>.fromOpaque(ctx!).takeUnretainedValue()
                sink.errors.append(ServicesSinkError(
                    code: code,
                    message: String(decoding: servicesCopy(message), as: UTF8.self),
                    details: String(decoding: servicesCopy(details), as: UTF8.self)))
            }
        }
    }

    func with<R>(_ body: (UnsafePointer<la_http_sink_v1>) -> R) -> R {
        raw.ctx = Unmanaged.passUnretained(self).toOpaque()
        return withExtendedLifetime(self) { withUnsafePointer(to: &raw) { body($0) } }
    }
}

/// Collects what `la_process_v1.run` delivers to its sink.
final class ServicesProcessSink {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var stdoutCalls = 0
    /// What on_error received (only with `onError: true`).
    var errors: [ServicesSinkError] = []
    /// on_stdout returns non-zero once this many stdout bytes have arrived.
    var stopAfterStdoutBytes: Int?
    /// on_stderr returns non-zero at its first chunk.
    var stopAtStderr = false
    var raw = la_process_sink_v1()

    /// `onError`: set on_error (else the service falls back to set_error on
    /// the call). `structSize`: pretend an older, shorter sink.
    init(onError: Bool = false, structSize: Int = MemoryLayout<la_process_sink_v1>.size) {
        raw.struct_size = UInt32(structSize)
        raw.on_stdout = { ctx, chunk in
            let sink = Unmanaged<ServicesProcessSink>.fromOpaque(ctx!).takeUnretainedValue()
            sink.stdout += servicesCopy(chunk)
            sink.stdoutCalls += 1
            if let limit = sink.stopAfterStdoutBytes, sink.stdout.count >= limit { return 1 }
            return 0
        }
        raw.on_stderr = { ctx, chunk in
            let sink = Unmanaged<ServicesProcessSink>.fromOpaque(ctx!).takeUnretainedValue()
            sink.stderr += servicesCopy(chunk)
            return sink.stopAtStderr ? 1 : 0
        }
        if onError {
            raw.on_error = { ctx, code, message, details in
                let sink = Unmanaged<ServicesProcessSink>.fromOpaque(ctx!).takeUnretainedValue()
                sink.errors.append(ServicesSinkError(
                    code: code,
                    message: String(decoding: servicesCopy(message), as: UTF8.self),
                    details: String(decoding: servicesCopy(details), as: UTF8.self)))
            }
        }
    }

    func with<R>(_ body: (UnsafePointer<la_process_sink_v1>) -> R) -> R {
        raw.ctx = Unmanaged.passUnretained(self).toOpaque()
        return withExtendedLifetime(self) { withUnsafePointer(to: &raw) { body($0) } }
    }
}

// MARK: - Calling the tables through their function pointers

func servicesHTTPTable() -> la_http_v1 {
    HostServices.service(forID: "launch-agent.http/1")!.assumingMemoryBound(to: la_http_v1.self).pointee
}

func servicesProcessTable() -> la_process_v1 {
    HostServices.service(forID: "launch-agent.process/1")!.assumingMemoryBound(to: la_process_v1.self).pointee
}

func servicesCallHTTP(_ json: String, body: [UInt8] = [], call: ServicesTestCall, sink: ServicesHTTPSink?) -> la_status {
    let request = servicesHTTPTable().request!
    return servicesWithStrs(Array(json.utf8), body) { j, b in
        if let sink { return sink.with { request(nil, call.raw, j, b, $0) } }
        return request(nil, call.raw, j, b, nil)
    }
}

func servicesCallProcess(
    _ json: String, stdin: [UInt8] = [], call: ServicesTestCall, sink: ServicesProcessSink?, exitStatus: inout Int32
) -> la_status {
    let run = servicesProcessTable().run!
    return servicesWithStrs(Array(json.utf8), stdin) { j, s in
        withUnsafeMutablePointer(to: &exitStatus) { status in
            if let sink { return sink.with { run(nil, call.raw, j, s, $0, status) } }
            return run(nil, call.raw, j, s, nil, status)
        }
    }
}
