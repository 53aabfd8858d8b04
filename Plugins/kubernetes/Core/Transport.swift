#if canImport(Glibc)
import Glibc
#endif

/// How to verify the API server and prove who we are at the TLS level, for one request.
///
/// PEM bytes rather than file names: kubeconfig gives either, and handing the transport the bytes means no
/// key material is ever written to a temporary file.
public struct KubeTLS: Sendable, Equatable {
    /// The cluster CA bundle (PEM); nil to use the agent's own CA bundle (`SSL_CERT_FILE`, system store).
    public var caPEM: [UInt8]?
    /// Skip verification (`insecure-skip-tls-verify: true`); only when the kubeconfig says so.
    public var insecure: Bool
    /// The client certificate (PEM) for client-certificate authentication.
    public var clientCertificatePEM: [UInt8]?
    /// The client key (PEM). A secret.
    public var clientKeyPEM: [UInt8]?

    public init(caPEM: [UInt8]? = nil, insecure: Bool = false, clientCertificatePEM: [UInt8]? = nil,
                clientKeyPEM: [UInt8]? = nil) {
        self.caPEM = caPEM
        self.insecure = insecure
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
}

/// One HTTP request KubeCore asks its ``KubeTransport`` to send.
public struct KubeHTTPRequest: Sendable {
    public var method: String
    /// Absolute `https://host:port/path?query`.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whole-transfer timeout; nil for none (watches and followed logs run as long as the object lives).
    public var timeoutMilliseconds: Int?
    public var tls: KubeTLS

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                timeoutMilliseconds: Int? = nil, tls: KubeTLS = KubeTLS()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
        self.tls = tls
    }
}

/// The status line and headers of a response.
public struct KubeHTTPHead: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public init(status: Int, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.headers = headers
    }
}

/// How KubeCore reaches the network: the plugin implements it with the host's HTTP service
/// (Plugins/kubernetes/Plugin/HostTransport.swift), tests with AgentCore's HTTPClient.
///
/// `send` returns once the whole response has been handed to `onBody` chunk by chunk (on the calling
/// thread), whatever its status; it throws only when there was no response (``KubeError`` kinds `.io`
/// — with reason ``KubeError/timeoutReason`` when the request's timeout passed — or `.cancelled`), or rethrows what `onHead`/`onBody` threw (which must stop the transfer at once).
///
/// `onHead` is called once, before the first body chunk when the transport knows the status by then, or
/// else just before `send` returns (the kit's HTTP wrapper does not expose the head early); KubeCore's
/// streams cope with both (a Status body is recognised by its shape).
public protocol KubeTransport: Sendable {
    func send(_ request: KubeHTTPRequest, onHead: (KubeHTTPHead) throws -> Void,
              onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> KubeHTTPHead
}

/// How KubeCore runs an `exec` credential plugin: the plugin implements it with the host's process service.
public protocol KubeCommandRunner: Sendable {
    /// Runs `argv` (argv[0] looked up in PATH) with `environment` added to the agent's own, stdin closed;
    /// returns the exit status and the output.
    func run(_ argv: [String], environment: [String: String], timeoutMilliseconds: Int)
        throws -> (status: Int32, stdout: [UInt8], stderr: [UInt8])
}

/// The environment variables KubeCore reads (`KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST`/`PORT`): a
/// snapshot, so tests pin it without `setenv`. An empty value counts as unset.
public struct KubeEnvironment: Sendable {
    public var variables: [String: String]
    public init(_ variables: [String: String]) { self.variables = variables }

    public subscript(_ name: String) -> String? {
        guard let v = variables[name], !v.isEmpty else { return nil }
        return v
    }

    /// The process environment.
    public static func process() -> KubeEnvironment {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return KubeEnvironment(env)
    }
}

/// Small file helpers (no Foundation in plugin code).
enum KubeFiles {
    /// The whole file, or nil when it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
        }
        return ferror(f) != 0 ? nil : out
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// strerror for the last failure, for "cannot read FILE: No such file or directory".
    static func lastError() -> String { String(cString: strerror(errno)) }

    /// `path` resolved against the directory of `file` when relative (kubeconfig paths are relative to the
    /// file that names them).
    static func resolve(_ path: String, relativeTo file: String?) -> String {
        guard !path.hasPrefix("/"), let file, let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }
}
