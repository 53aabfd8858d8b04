/// An HTTP request to sign and send. Header names keep their case; repeated names are allowed.
public struct AWSRequest: Sendable {
    public var method: String
    public var url: AWSURL
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: AWSURL, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
        headers.append((name, value))
    }
}

/// What goes into the canonical request as the payload hash.
public enum PayloadSigning: Sendable, Equatable {
    /// SHA-256 of ``AWSRequest/body`` (the default).
    case sha256
    /// `UNSIGNED-PAYLOAD` (S3 over TLS, presigned URLs).
    case unsigned
    /// A hash computed elsewhere, e.g. while streaming a file.
    case precomputed(String)
}

/// A UTC instant as SigV4 writes it: `20150830T123600Z` and `20150830`.
public struct AWSDate: Sendable, Equatable {
    public let amzDate: String
    public var dateStamp: String { String(amzDate.prefix(8)) }
    public let epochSeconds: Int64

    public init(epochSeconds: Int64) {
        self.epochSeconds = epochSeconds
        amzDate = CivilTime(epochSeconds: epochSeconds).amzDate
    }

    /// Parses `20150830T123600Z`.
    public init?(amzDate: String) {
        guard let t = CivilTime(amzDate: amzDate) else { return nil }
        self.init(epochSeconds: t.epochSeconds)
    }

    public static func now() -> AWSDate { AWSDate(epochSeconds: Clock.nowSeconds()) }
}

/// Signature Version 4 (header and query signing).
///
/// - Canonical URI: for every service but S3 the wire path is normalised (dot segments removed, empty
///   segments collapsed) and URI-encoded once more, so `%20` on the wire becomes `%2520`; for S3
///   (`s3Rules`) the wire path is used as is.
/// - Canonical query: items encoded, sorted by name then value (repeated names kept).
/// - Canonical headers: names lower-cased, values trimmed with inner runs of whitespace collapsed to
///   one space, repeated names joined with `,` in order; every header is signed except the hop-by-hop
///   ones and `user-agent`, `expect`, `x-amzn-trace-id` (as botocore does). `host` is added from the URL.
public struct SigV4Signer: Sendable {
    public var service: String
    public var region: String
    /// S3's rules: no path normalisation, no second encoding, and an `x-amz-content-sha256` header.
    public var s3Rules: Bool

    public init(service: String, region: String, s3Rules: Bool? = nil) {
        self.service = service
        self.region = region
        self.s3Rules = s3Rules ?? (service == "s3")
    }

    static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]
    public static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Every piece of one signature, for tests and troubleshooting (never log ``signingKey``).
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signedHeaders: String
        public var signature: String
        public var credentialScope: String
    }

    /// Signs `request` in place: adds `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (with a session
    /// token), `X-Amz-Content-SHA256` (S3) and `Authorization`.
    @discardableResult
    public func sign(_ request: inout AWSRequest, credentials: AWSCredentials, date: AWSDate = .now(),
                     payload: PayloadSigning = .sha256) -> Signature {
        request.headers.removeAll { $0.name.lowercased() == "authorization" }
        if request.header("host") == nil { request.headers.insert(("Host", request.url.hostHeader), at: 0) }
        request.setHeader("X-Amz-Date", date.amzDate)
        if let token = credentials.sessionToken { request.setHeader("X-Amz-Security-Token", token) }
        let payloadHash = payloadHash(request, payload)
        if s3Rules { request.setHeader("X-Amz-Content-SHA256", payloadHash) }
        let parts = signature(request, credentials: credentials, date: date, payloadHash: payloadHash)
        request.headers.append(("Authorization",
                                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(parts.credentialScope), SignedHeaders=\(parts.signedHeaders), Signature=\(parts.signature)"))
        return parts
    }

    /// A presigned URL valid for `expires` seconds: the auth parameters go into the query
    /// (`X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`, `-SignedHeaders`, `-Security-Token`, then
    /// `-Signature`). The payload is `UNSIGNED-PAYLOAD` for S3 and the body's hash otherwise (botocore).
    public func presign(_ request: AWSRequest, credentials: AWSCredentials, date: AWSDate = .now(), expires: Int = 3600) -> AWSURL {
        var request = request
        if request.header("host") == nil { request.headers.insert(("Host", request.url.hostHeader), at: 0) }
        let scope = credentialScope(date)
        let signed = canonicalHeaders(request.headers).signed
        var auth: [AWSURL.QueryItem] = [
            .init("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            .init("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            .init("X-Amz-Date", date.amzDate),
            .init("X-Amz-Expires", String(expires)),
            .init("X-Amz-SignedHeaders", signed),
        ]
        if let token = credentials.sessionToken { auth.append(.init("X-Amz-Security-Token", token)) }
        request.url.query += auth
        let hash = payloadHash(request, s3Rules ? .unsigned : .sha256)
        let parts = signature(request, credentials: credentials, date: date, payloadHash: hash)
        var url = request.url
        url.query.append(.init("X-Amz-Signature", parts.signature))
        return url
    }

    func payloadHash(_ request: AWSRequest, _ payload: PayloadSigning) -> String {
        switch payload {
        case .sha256: return request.body.isEmpty ? Self.emptySHA256 : SHA256Digest.hex(request.body)
        case .unsigned: return "UNSIGNED-PAYLOAD"
        case .precomputed(let hash): return hash
        }
    }

    func credentialScope(_ date: AWSDate) -> String { "\(date.dateStamp)/\(region)/\(service)/aws4_request" }

    /// The canonical request, string to sign and signature for a request whose headers are final.
    public func signature(_ request: AWSRequest, credentials: AWSCredentials, date: AWSDate, payloadHash: String) -> Signature {
        let headers = canonicalHeaders(request.headers)
        let canonical = [
            request.method.uppercased(), canonicalURI(request.url.path), canonicalQuery(request.url.query),
            headers.text + "\n", headers.signed, payloadHash,
        ].joined(separator: "\n")
        let scope = credentialScope(date)
        let stringToSign = ["AWS4-HMAC-SHA256", date.amzDate, scope, SHA256Digest.hex(canonical)].joined(separator: "\n")
        let key = Self.signingKey(secret: credentials.secretAccessKey, dateStamp: date.dateStamp, region: region, service: service)
        let signature = Hex.encode(HMACSHA256.mac(key: key, stringToSign))
        return Signature(canonicalRequest: canonical, stringToSign: stringToSign, signedHeaders: headers.signed,
                         signature: signature, credentialScope: scope)
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    public static func signingKey(secret: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        var key = HMACSHA256.mac(key: Array(("AWS4" + secret).utf8), dateStamp)
        key = HMACSHA256.mac(key: key, region)
        key = HMACSHA256.mac(key: key, service)
        return HMACSHA256.mac(key: key, "aws4_request")
    }

    public func canonicalURI(_ wirePath: String) -> String {
        let path = wirePath.isEmpty ? "/" : wirePath
        if s3Rules { return path }
        return AWSURI.encode(Self.removeDotSegments(path), keepSlash: true)
    }

    /// RFC 3986 dot-segment removal as SigV4 applies it: `.` and empty segments dropped, `..` pops;
    /// the leading and (for a non-empty result) trailing `/` kept.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { if !output.isEmpty { output.removeLast() }; continue }
            output.append(segment)
        }
        let lead = path.hasPrefix("/") ? "/" : ""
        let trail = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return lead + output.joined(separator: "/") + trail
    }

    public func canonicalQuery(_ items: [AWSURL.QueryItem]) -> String {
        items.map { (AWSURI.encode($0.name), AWSURI.encode($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (text: String, signed: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = name.lowercased().trimmingWhitespace()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            values[lower, default: []].append(value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                                                  .joined(separator: " "))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let text = names.map { "\($0):\(values[$0]!.joined(separator: ","))" }.joined(separator: "\n")
        return (text, names.joined(separator: ";"))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}
