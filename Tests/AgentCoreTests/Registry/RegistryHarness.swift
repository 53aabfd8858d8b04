import Synchronization
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// A server started by the python harness (RegistryHarnessScript): a real
/// docker-registry, or a python fake. The harness is killed by PID in
/// `stop()` (and at exit for shared ones); it stops its docker-registry child
/// itself, and also exits when its stdin pipe (held only by this process)
/// closes, so a crashed test run leaves nothing behind.
final class RegistryHarness: Sendable {
    let harnessPID: pid_t
    /// The docker-registry process (the harness itself for fakes).
    let serverPID: pid_t
    let port: Int
    /// The test CA (TLS registries only).
    let caPath: String
    /// Manifest digest per pushed `repo:tag`, computed when the layout was written.
    let digests: [String: String]
    let directory: String
    private let stdinFD: Int32

    var registry: String { "127.0.0.1:\(port)" }

    func reference(_ repoAndTag: String) throws -> ImageReference { try ImageReference.parse("\(registry)/\(repoAndTag)") }

    struct StartError: Error, CustomStringConvertible { let description: String }

    private init(harnessPID: pid_t, serverPID: pid_t, port: Int, caPath: String, digests: [String: String], directory: String, stdinFD: Int32) {
        self.harnessPID = harnessPID
        self.serverPID = serverPID
        self.port = port
        self.caPath = caPath
        self.digests = digests
        self.directory = directory
        self.stdinFD = stdinFD
    }

    // MARK: Shared servers (one per test process)

    static let user = "alice"
    static let password = "pw-" + String(UInt64.random(in: 1 << 40...UInt64.max), radix: 36)
    static let images = ["team/app:v1=linux/amd64", "team/multi:v1=linux/amd64,linux/arm64/v8"]

    private static let basicServer = Result { try start("registry", ["--user", user, "--password", password] + images.flatMap { ["--push", $0] }) }
    private static let tlsServer = Result { try start("registry", ["--tls", "--user", user, "--password", password, "--push", images[0]]) }
    /// A docker-registry with htpasswd auth over plain http, holding `images`.
    static func basic() throws -> RegistryHarness { try basicServer.get() }
    /// The same over TLS signed by a throwaway CA (`caPath`).
    static func tls() throws -> RegistryHarness { try tlsServer.get() }

    // MARK: Starting and stopping

    private static let started = Mutex<[pid_t]>([])
    private static let scriptPath: String = {
        let dir = TestSupport.makeTempDir("la-registry-harness")
        TestSupport.write(RegistryHarnessScript.source, to: dir + "/harness.py")
        return dir + "/harness.py"
    }()

    /// Starts `harness.py KIND DIR ARGS...` and reads its JSON line.
    static func start(_ kind: String, _ args: [String]) throws -> RegistryHarness {
        let dir = TestSupport.makeTempDir("la-registry-\(kind)")
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw StartError(description: "pipe failed") }
        _ = fcntl(toChild[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fromChild[0], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        let argv = ["python3", scriptPath, kind, dir] + args
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        // Test threads block most signals and a child inherits the mask.
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
        _ = registerCleanup

        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fromChild[0], &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        close(fromChild[0])
        let info = try? JSONValue(parsing: line)
        guard let info, let port = info["port"]?.intValue, let serverPID = info["pid"]?.intValue else {
            throw StartError(description: "registry harness failed: \(String(decoding: line, as: UTF8.self))")
        }
        var digests: [String: String] = [:]
        for (k, v) in info["digests"]?.objectValue ?? [:] { digests[k] = v.stringValue }
        return RegistryHarness(harnessPID: pid, serverPID: pid_t(serverPID), port: Int(port), caPath: info["ca"]?.stringValue ?? "",
                               digests: digests, directory: dir, stdinFD: toChild[1])
    }

    /// Stops the harness (and so its server) and waits for it.
    func stop() {
        let pid = harnessPID
        RegistryHarness.started.withLock { $0.removeAll { $0 == pid } }
        RegistryHarness.terminate(pid)
        close(stdinFD)
    }

    private static func terminate(_ pid: pid_t) {
        guard kill(pid, SIGTERM) == 0 else { return }
        var status: Int32 = 0
        var waited = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if waited == 100 { kill(pid, SIGKILL) }  // 5 s: stop asking nicely
            usleep(50_000)
            waited += 1
        }
    }

    private static let registerCleanup: Void = {
        atexit {
            for pid in RegistryHarness.started.withLock({ $0 }) { RegistryHarness.terminate(pid) }
        }
    }()

    // MARK: Fakes

    /// The fake's request counters (`GET /_stats`).
    func stats() throws -> JSONValue {
        try JSONValue(parsing: HTTPClient.shared.fetch(HTTPRequest(url: "http://\(registry)/_stats")).body)
    }
}

/// Client options for tests: quick retries, so failure cases finish fast.
func registryTestOptions(attempts: Int = 3, caFile: String? = nil) -> RegistryClient.Options {
    RegistryClient.Options(caFile: caFile, retry: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(20), maxDelay: .milliseconds(100)),
                           requestTimeout: .seconds(10))
}

/// A resolver that sees no docker config (an empty DOCKER_CONFIG directory).
func registryNoConfigResolver() -> RegistryCredentialResolver {
    RegistryCredentialResolver(environment: ["DOCKER_CONFIG": TestSupport.makeTempDir("la-registry-noconfig")])
}
