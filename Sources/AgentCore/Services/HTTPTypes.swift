/// One HTTP request for `HTTPClient`.
///
/// Defaults are the safe ones: TLS verified, no redirects followed (a
/// redirect is the caller's decision: credentials must not follow it blindly),
/// no overall timeout.
public struct HTTPRequest: Sendable {
    /// What is sent as the request body.
    public enum Body: Sendable, Equatable {
        case empty
        case bytes([UInt8])
        /// `length` bytes of the file at `path` starting at `offset`, read
        /// while sending (an S3 multipart part never sits in memory). A nil
        /// `length` sends everything from `offset` to the end of the file.
        case fileSlice(path: String, offset: UInt64, length: UInt64?)
    }

    public var method: String
    public var url: String
    /// Sent in order, duplicates kept. An empty value sends the header with no
    /// value; `("Expect", "")`-style removal of libcurl defaults is not offered.
    public var headers: [(name: String, value: String)]
    public var body: Body
    /// The whole transfer, connect to last byte. nil: no limit (libcurl's
    /// connect timeout still applies).
    public var timeout: Duration?
    public var followRedirects: Bool
    /// Skip TLS certificate and host name verification.
    public var insecure: Bool
    /// The CA bundle to verify servers with. nil: `CURL_CA_BUNDLE`, then
    /// `SSL_CERT_FILE` from the client's environment, else libcurl's default.
    public var caFile: String?
    /// PEM certificates to verify this server with, instead of any bundle
    /// (a Kubernetes cluster's own CA from a kubeconfig).
    public var caPEM: String?
    /// A PEM client certificate and its PEM private key, for mutual TLS.
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// Fail the transfer when no byte arrives for this long (a stalled
    /// stream), whatever the overall `timeout`. Whole seconds, rounded up.
    public var idleTimeout: Duration?

    public init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: Body = .empty,
        timeout: Duration? = nil,
        followRedirects: Bool = false,
        insecure: Bool = false,
        caFile: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.followRedirects = followRedirects
        self.insecure = insecure
        self.caFile = caFile
    }
}

extension HTTPRequest {
    private static let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// An RFC 9110 token: what methods and header names must be. Anything
    /// else (spaces, colons, CR/LF) would corrupt or inject protocol text.
    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy(tokenCharacters.contains)
    }
}

/// The status line and headers of the final response (after redirects, when
/// they are followed; 1xx interim responses are skipped).
public struct HTTPResponseHead: Sendable {
    public var status: Int
    /// Names lower-cased, in the order received, duplicates kept.
    public var headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }

    /// The first value of header `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return headers.first { $0.name == key }?.value
    }

    /// Every value of header `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        let key = name.lowercased()
        return headers.filter { $0.name == key }.map(\.value)
    }
}

/// A response whose body was collected in memory (`HTTPClient.fetch`).
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: [UInt8]
    public var status: Int { head.status }
}

/// Why a request produced no response.
///
/// The message names the method, the URL without its query string or user
/// info (presigned URLs carry signatures there), and libcurl's reason. It
/// never contains request headers or bodies, and registered secrets are
/// redacted when the error is made.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    public enum Category: String, Sendable {
        /// The timeout passed.
        case timeout
        /// `cancel()` returned true.
        case cancelled
        /// DNS, connect, proxy, or the connection broke mid-transfer.
        case connection
        /// Certificate verification or the TLS handshake failed.
        case tls
        /// A local failure: the body file, a callback, an oversized body.
        case io
        /// The request itself is unusable (bad URL, method or header).
        case invalidRequest
    }

    public let category: Category
    public let message: String
    /// libcurl's CURLcode, or 0 when the failure was not libcurl's.
    public let curlCode: UInt32

    public init(_ category: Category, _ message: String, curlCode: UInt32 = 0) {
        self.category = category
        self.message = Redactor.shared.redact(message)
        self.curlCode = curlCode
    }

    public var description: String { message }

    /// A retry may succeed (the network or the server may recover).
    public var isRetryable: Bool { category == .timeout || category == .connection }
}

extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive timeout stays positive.
    var serviceMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return attoseconds % 1_000_000_000_000_000 > 0 ? ms + 1 : ms
    }
}
