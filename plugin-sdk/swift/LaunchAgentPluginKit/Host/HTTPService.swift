internal import LaunchAgentABI

/// HTTP through the host (`launch-agent.http/1`): libcurl, honouring `https_proxy`, `no_proxy`,
/// `SSL_CERT_FILE` and `CURL_CA_BUNDLE`, so a plugin needs no TLS stack of its own.
///
/// ```swift
/// let http = try host.http()
/// let response = try http.send(HTTPRequest(method: "HEAD", url: "https://\(bucket).s3.amazonaws.com/"), call: call)
/// guard response.status == 200 else { … }
/// ```
///
/// A request that got *any* response returns it, whatever its status; transport failures throw a
/// ``PluginError`` carrying the host's own message (`.io`, `.timeout`, `.cancelled`, `.invalidArgument`),
/// which a plugin may catch to retry or wrap, or simply let through. The host cancels the transfer when the
/// call is cancelled. ``PluginError/retryable`` is the host's own verdict (its `on_error` details): true for a
/// timeout or a refused or dropped connection, false for a TLS verification failure, a cancellation or a
/// malformed request.
///
/// To stop a transfer early (the part you need has arrived, the body is larger than you accept), throw
/// from the `onBody` handler: the host aborts the transfer and `send` rethrows your error.
public struct HTTPService: @unchecked Sendable {
    let host: Host
    let table: UnsafePointer<la_http_v1>

    /// Sends `request` and collects the whole response body.
    public func send(_ request: HTTPRequest, call: Call) throws -> HTTPResponse {
        var body: [UInt8] = []
        var response = try send(request, call: call) { chunk in body.append(contentsOf: chunk) }
        response.body = body
        return response
    }

    /// Sends `request`, handing the body to `onBody` chunk by chunk as it arrives (on this thread); the
    /// returned response has an empty ``HTTPResponse/body``. An error thrown by `onBody` stops the transfer
    /// at once and is rethrown.
    public func send(_ request: HTTPRequest, call: Call, onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponse {
        try send(request, call: call, onHead: { _ in }, onBody: onBody)
    }

    /// Sends `request`, handing the final response's status and headers to `onHead` before any body (the
    /// returned response's fields, with an empty body), then the body to `onBody` chunk by chunk. An error
    /// thrown by either handler stops the transfer at once and is rethrown: decide from the status whether
    /// a long body (a watch stream) is worth reading.
    public func send(_ request: HTTPRequest, call: Call, onHead: (HTTPResponse) throws -> Void,
                     onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponse {
        guard let send = table.pointee.request else { throw PluginError(.unsupported, "the host's HTTP service has no request function") }
        let (status, head, stop, failure): (la_status, JSONValue, (any Error)?, HostServiceFailure?) =
            withoutActuallyEscaping(onBody) { onBody in withoutActuallyEscaping(onHead) { onHead in
                let sink = HTTPSinkState(onHead: onHead, onBody: onBody)
                let status: la_status = withExtendedLifetime(sink) {
                    var rawSink = la_http_sink_v1()
                    rawSink.struct_size = structSize(la_http_sink_v1.self)
                    rawSink.ctx = Unmanaged.passUnretained(sink).toOpaque()
                    rawSink.on_head = { ctx, head in
                        guard let ctx else { return 0 }
                        let sink = Unmanaged<HTTPSinkState>.fromOpaque(ctx).takeUnretainedValue()
                        sink.head = (try? JSONValue(parsing: head.rawBuffer)) ?? .null
                        do {
                            if let response = HTTPService.response(from: sink.head) { try sink.onHead(response) }
                            return 0
                        } catch {
                            sink.stop = error
                            return 1
                        }
                    }
                    rawSink.on_body = { ctx, chunk in
                        guard let ctx else { return 0 }
                        let sink = Unmanaged<HTTPSinkState>.fromOpaque(ctx).takeUnretainedValue()
                        do {
                            try sink.onBody(chunk.rawBuffer)
                            return 0
                        } catch {
                            sink.stop = error
                            return 1
                        }
                    }
                    rawSink.on_error = { ctx, code, message, details in
                        guard let ctx else { return }
                        Unmanaged<HTTPSinkState>.fromOpaque(ctx).takeUnretainedValue().failure =
                            HostServiceFailure(code: code, message: message, details: details)
                    }
                    return request.json.serialized.withLAStr { requestJSON in
                        request.body.withLAStr { body in
                            withUnsafePointer(to: &rawSink) { send(host.raw, call.raw, requestJSON, body, $0) }
                        }
                    }
                }
                return (status, sink.head, sink.stop, sink.failure)
            } }
        if let stop { throw stop }
        guard status == LA_OK else {
            throw hostServiceError(status, failure, service: "HTTP")
        }
        guard let response = HTTPService.response(from: head) else {
            throw PluginError(.internal, "the host's HTTP service returned no status line for \(request.method) \(request.url)")
        }
        return response
    }

    /// The status and headers of the host's head JSON, or nil without a status.
    static func response(from head: JSONValue) -> HTTPResponse? {
        guard let code = head["status"]?.intValue else { return nil }
        let headers: [(name: String, value: String)] = (head["headers"]?.arrayValue ?? []).compactMap { pair in
            guard let items = pair.arrayValue, items.count == 2,
                  let name = items[0].stringValue, let value = items[1].stringValue else { return nil }
            return (name, value)
        }
        return HTTPResponse(status: Int(code), headers: headers, body: [])
    }
}

private final class HTTPSinkState {
    var head: JSONValue = .null
    let onHead: (HTTPResponse) throws -> Void
    let onBody: (UnsafeRawBufferPointer) throws -> Void
    /// What `onBody` threw: the plugin's reason for stopping the transfer.
    var stop: (any Error)?
    /// What the host reported through `on_error`.
    var failure: HostServiceFailure?
    init(onHead: @escaping (HTTPResponse) throws -> Void, onBody: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.onHead = onHead
        self.onBody = onBody
    }
}

/// One HTTP request for ``HTTPService``.
public struct HTTPRequest: Sendable {
    /// A slice of a file to send as the body instead of ``body`` (for uploads that must not be read into
    /// memory, such as multipart parts).
    public struct BodyFile: Sendable, Equatable {
        /// The file to read from.
        public var path: String
        /// Where the slice starts, in bytes.
        public var offset: Int64
        /// How many bytes to send.
        public var length: Int64

        public init(path: String, offset: Int64 = 0, length: Int64) {
            self.path = path
            self.offset = offset
            self.length = length
        }
    }

    /// `GET`, `HEAD`, `PUT`, `POST`, `DELETE`, …
    public var method: String
    /// The absolute URL, `https://…`.
    public var url: String
    /// Header fields in order; names are sent as given.
    public var headers: [(name: String, value: String)]
    /// The body (ignored when ``bodyFile`` is set).
    public var body: [UInt8]
    public var bodyFile: BodyFile?
    /// Overall timeout; nil for the host's default.
    public var timeoutMilliseconds: Int?
    /// Follow 3xx redirects (off by default: a redirect usually means a wrong region or endpoint).
    public var followRedirects: Bool
    /// Skip TLS verification. Only for tests against self-signed servers.
    public var insecure: Bool
    /// Fail with ``PluginError/Code/timeout`` when no byte moves for this long (a stalled stream).
    public var idleTimeoutMilliseconds: Int?
    /// PEM certificates that are the only trust anchors for this request (a cluster's own CA).
    public var caPEM: String?
    /// A PEM client certificate and its PEM private key for mutual TLS; both or neither.
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], bodyFile: BodyFile? = nil, timeoutMilliseconds: Int? = nil,
                followRedirects: Bool = false, insecure: Bool = false, idleTimeoutMilliseconds: Int? = nil,
                caPEM: String? = nil, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil) {
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        self.caPEM = caPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.bodyFile = bodyFile
        self.timeoutMilliseconds = timeoutMilliseconds
        self.followRedirects = followRedirects
        self.insecure = insecure
    }

    /// The service's request JSON.
    var json: JSONValue {
        var members: [String: JSONValue] = [
            "method": .string(method), "url": .string(url),
            "headers": .array(headers.map { [.string($0.name), .string($0.value)] }),
            "follow_redirects": .bool(followRedirects), "insecure": .bool(insecure),
        ]
        if let timeoutMilliseconds { members["timeout_ms"] = .int(Int64(timeoutMilliseconds)) }
        if let idleTimeoutMilliseconds { members["idle_timeout_ms"] = .int(Int64(idleTimeoutMilliseconds)) }
        if let caPEM { members["ca_pem"] = .string(caPEM) }
        if let clientCertificatePEM { members["client_cert_pem"] = .string(clientCertificatePEM) }
        if let clientKeyPEM { members["client_key_pem"] = .string(clientKeyPEM) }
        if let bodyFile {
            members["body_file"] = ["path": .string(bodyFile.path), "offset": .int(bodyFile.offset),
                                    "length": .int(bodyFile.length)]
        }
        return .object(members)
    }
}

/// The response to an ``HTTPRequest``.
public struct HTTPResponse: Sendable {
    /// The status code (200, 404, …).
    public var status: Int
    /// Header fields in order; names are lower-case.
    public var headers: [(name: String, value: String)]
    /// The body (empty when it was streamed to a handler).
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The body decoded as UTF-8.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
