#if canImport(Glibc)
import Glibc
#endif

/// An error from AWSCore. The plugin maps ``Kind`` to a PluginError code.
public struct AWSError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// No credentials anywhere, or credentials refused.
        case auth
        /// A config value (file, variable) is wrong.
        case config
        /// The network or a service failed.
        case io
    }
    public var kind: Kind
    public var message: String
    /// The AWS error code (`SignatureDoesNotMatch`, `InvalidClientTokenId`, `AccessDenied`), when a service sent one.
    public var awsCode: String?
    public var retryable: Bool

    public init(_ kind: Kind, _ message: String, awsCode: String? = nil, retryable: Bool = false) {
        self.kind = kind
        self.message = message
        self.awsCode = awsCode
        self.retryable = retryable
    }

    public var description: String { message }
}

/// A response from ``AWSTransport``.
public struct AWSResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
    public var text: String { String(decoding: body, as: UTF8.self) }
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// How AWSCore reaches the network: the plugin passes the host's HTTP service; tests may pass anything.
/// Any response (whatever its status) is returned; only "no response" throws (an ``AWSError`` of kind `.io`).
public protocol AWSTransport: Sendable {
    func send(_ request: AWSRequest, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse
}

/// How AWSCore runs `credential_process`: the plugin passes the host's process service.
public protocol AWSCommandRunner: Sendable {
    /// Runs `command` through `/bin/sh -c` and returns the exit status and output.
    func run(shellCommand command: String) throws -> (status: Int32, stdout: String, stderr: String)
}

/// The environment variables and home directory AWSCore reads: a snapshot, so tests pin it without
/// `setenv`. An empty value counts as unset, as in the SDKs.
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]
    public init(_ variables: [String: String]) { self.variables = variables }

    public subscript(_ name: String) -> String? {
        guard let v = variables[name], !v.isEmpty else { return nil }
        return v
    }

    /// The process environment.
    public static func process() -> AWSEnvironment {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return AWSEnvironment(env)
    }

    /// `$HOME`, else the passwd entry.
    public var home: String? {
        if let h = self["HOME"] { return h }
        guard let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    /// Expands a leading `~/`.
    public func expand(_ path: String) -> String {
        if path == "~" { return home ?? path }
        if path.hasPrefix("~/"), let home { return home + path.dropFirst(1) }
        return path
    }

    /// `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`
    /// is true. `serviceID` is the SDK service ID ("STS", "S3", "ECR"): upper-cased, spaces → `_`.
    public func endpointOverride(serviceID: String) -> String? {
        if self["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true" { return nil }
        let name = "AWS_ENDPOINT_URL_" + serviceID.uppercased().replacingSpaces()
        return self[name] ?? self["AWS_ENDPOINT_URL"]
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " || $0 == "-" ? "_" : $0 }) }
}

/// Reads a whole file; nil when it does not exist or cannot be read.
func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 16384)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n > 0 { out += buf[0..<n] }
        if n < buf.count { break }
    }
    return ferror(f) == 0 ? out : nil
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// Minimal XML reading for the AWS query protocol (STS): the text of the first `<Name>` element, with
/// the five predefined entities and numeric references decoded.
enum XMLText {
    static func first(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>") else { return nil }
        guard let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return unescape(String(xml[open.upperBound..<close.lowerBound]))
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].firstIndex(of: ";") {
                let entity = s[s.index(after: i)..<semi]
                var decoded: String?
                switch entity {
                case "amp": decoded = "&"
                case "lt": decoded = "<"
                case "gt": decoded = ">"
                case "quot": decoded = "\""
                case "apos": decoded = "'"
                default:
                    if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) { decoded = String(u) }
                    else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let u = Unicode.Scalar(v) { decoded = String(u) }
                }
                if let decoded { out += decoded; i = s.index(after: semi); continue }
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }
}

extension String {
    func range(of needle: String, range: Range<String.Index>? = nil) -> Range<String.Index>? {
        let hay = range.map { self[$0] } ?? self[...]
        guard !needle.isEmpty else { return nil }
        var i = hay.startIndex
        while i < hay.endIndex {
            if hay[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = hay.index(after: i)
        }
        return nil
    }
}
