import LaunchAgentABI

/// `la_http_v1` (LA_SERVICE_HTTP): plugins' HTTP requests, served by
/// `HTTPClient.shared` so they get the host's proxy and CA settings.
enum HTTPService {
    /// Allocated once and never freed: service tables live for the process.
    nonisolated(unsafe) static let table: UnsafePointer<la_http_v1> = {
        let table = UnsafeMutablePointer<la_http_v1>.allocate(capacity: 1)
        table.initialize(to: la_http_v1())
        table.pointee.struct_size = UInt32(MemoryLayout<la_http_v1>.size)
        table.pointee.request = { _, call, requestJSON, body, sink in
            HTTPService.request(call: ServiceCall(raw: call), requestJSON: requestJSON, body: body, sink: sink)
        }
        return UnsafePointer(table)
    }()

    /// Serves one `request()`. Every failure, including a malformed request,
    /// is reported through the sink's `on_error` when it has one (else on the
    /// call), once, before the non-zero status is returned; a failed transfer
    /// carries `{"retryable":…}` details (true for timeouts and connection
    /// failures), a rejected request or a stop by the sink none.
    static func request(
        call plainCall: ServiceCall, requestJSON: la_str, body: la_str, sink: UnsafePointer<la_http_sink_v1>?
    ) -> la_status {
        var call = plainCall
        call.errorSink = ServiceErrorSink(sink, onError: \la_http_sink_v1.on_error, ctx: \la_http_sink_v1.ctx)
        let request: HTTPRequest
        do throws(ServiceRequestError) {
            request = try parse(serviceBytes(requestJSON), body: body)
        } catch {
            return call.fail(LA_ERR_INVALID_ARGUMENT, error.message)
        }

        let onHead = sink.flatMap { s in serviceHasField(s, \la_http_sink_v1.on_head) ? s.pointee.on_head : nil }
        let onBody = sink.flatMap { s in serviceHasField(s, \la_http_sink_v1.on_body) ? s.pointee.on_body : nil }
        let ctx = sink.flatMap { s in serviceHasField(s, \la_http_sink_v1.ctx) ? s.pointee.ctx : nil }
        // A non-zero return from on_head/on_body: the callback throws, which
        // makes the client abort the transfer; this flag tells that apart
        // from the client's own failures.
        var stoppedBySink = false
        let stop = HTTPError(.cancelled, serviceStoppedBySinkMessage)
        do throws(HTTPError) {
            _ = try HTTPClient.shared.send(
                request,
                cancel: { call.isCancelled },
                onHead: { (head: HTTPResponseHead) throws(HTTPError) in
                    guard let onHead else { return }
                    if withServiceStr(headJSON(head), { onHead(ctx, $0) }) != 0 {
                        stoppedBySink = true
                        throw stop
                    }
                },
                onBody: { (chunk: UnsafeRawBufferPointer) throws(HTTPError) in
                    guard let onBody else { return }
                    if withServiceStr(bytes: chunk, { onBody(ctx, $0) }) != 0 {
                        stoppedBySink = true
                        throw stop
                    }
                })
            return LA_OK
        } catch {
            if stoppedBySink { return call.fail(LA_ERR_CANCELLED, serviceStoppedBySinkMessage) }
            let code: la_status
            switch error.category {
            case .timeout: code = LA_ERR_TIMEOUT
            case .cancelled: code = LA_ERR_CANCELLED
            case .invalidRequest: code = LA_ERR_INVALID_ARGUMENT
            case .connection, .tls, .io: code = LA_ERR_IO
            }
            return call.fail(code, error.message, retryable: error.isRetryable)
        }
    }

    /// `{"status":200,"headers":[["name","value"],...]}`, keys in the header's order.
    /// A PEM member: nil when absent; an error unless it holds a `-----BEGIN … <kind>-----` block.
    private static func pem(_ f: ServiceRequestFields, _ name: String, _ kind: String) throws(ServiceRequestError) -> String? {
        guard let text = try f.string(name) else { return nil }
        guard let begin = text.firstRange(of: "-----BEGIN "), text[begin.upperBound...].prefix(80).contains(kind + "-----") else {
            throw f.error(name, "must be PEM text (-----BEGIN …\(kind)-----), not a file name or base64 alone")
        }
        return text
    }

    static func headJSON(_ head: HTTPResponseHead) -> String {
        let headers = JSONValue.array(head.headers.map { .array([.string($0.name), .string($0.value)]) })
        return #"{"status":\#(head.status),"headers":\#(headers.serialized)}"#
    }

    static let fields: Set<String> = ["method", "url", "headers", "timeout_ms", "follow_redirects", "insecure", "body_file",
                                      "ca_pem", "client_cert_pem", "client_key_pem", "idle_timeout_ms"]

    /// The request JSON exactly as the header documents it. Absent fields take
    /// their defaults (GET, no headers, no timeout, no redirects, TLS verified).
    static func parse(_ json: [UInt8], body: la_str) throws(ServiceRequestError) -> HTTPRequest {
        let f = try ServiceRequestFields(service: "http", json: json, allowed: fields)
        guard let url = try f.string("url"), !url.isEmpty else { throw f.error("url", "is required (an http:// or https:// URL)") }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw f.error("url", "must start with http:// or https://")
        }
        var request = HTTPRequest(url: url)
        if let method = try f.string("method") {
            guard HTTPRequest.isToken(method) else { throw f.error("method", "must be an HTTP method such as GET or PUT") }
            request.method = method
        }
        if let headers = f.members["headers"], headers != .null {
            guard case .array(let items) = headers else {
                throw f.error("headers", "must be a list of [name, value] pairs, got \(headers.typeDescription)")
            }
            for (i, item) in items.enumerated() {
                guard case .array(let pair) = item, pair.count == 2,
                      case .string(let name) = pair[0], case .string(let value) = pair[1] else {
                    throw f.error("headers[\(i)]", "must be a [name, value] pair of strings")
                }
                guard HTTPRequest.isToken(name) else {
                    throw f.error("headers[\(i)]", "has an invalid header name")
                }
                guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                    throw f.error("headers[\(i)]", "value contains a line break or NUL")
                }
                request.headers.append((name, value))
            }
        }
        if let ms = try f.nonNegativeInt("timeout_ms"), ms > 0 { request.timeout = .milliseconds(ms) }
        request.followRedirects = try f.bool("follow_redirects") ?? false
        request.insecure = try f.bool("insecure") ?? false
        if let ms = try f.nonNegativeInt("idle_timeout_ms"), ms > 0 { request.idleTimeout = .milliseconds(ms) }
        request.caPEM = try pem(f, "ca_pem", "CERTIFICATE")
        request.clientCertificatePEM = try pem(f, "client_cert_pem", "CERTIFICATE")
        request.clientKeyPEM = try pem(f, "client_key_pem", "PRIVATE KEY")
        if let key = request.clientKeyPEM { Redactor.shared.register(key) }
        guard (request.clientCertificatePEM == nil) == (request.clientKeyPEM == nil) else {
            throw f.error(request.clientKeyPEM == nil ? "client_key_pem" : "client_cert_pem",
                          "is missing: client_cert_pem and client_key_pem go together")
        }

        if let slice = try f.object("body_file", allowed: ["path", "offset", "length"]) {
            guard let path = try slice.string("path"), !path.isEmpty else {
                throw slice.error("path", "is required (the file to send a slice of)")
            }
            let offset = try slice.nonNegativeInt("offset") ?? 0
            let length = try slice.nonNegativeInt("length")
            guard body.len == 0 else {
                throw f.error("body_file", "and a non-empty body were both given; send one or the other")
            }
            request.body = .fileSlice(path: path, offset: UInt64(offset), length: length.map { UInt64($0) })
        } else if body.len > 0 {
            request.body = .bytes(serviceBytes(body))
        }
        return request
    }
}
