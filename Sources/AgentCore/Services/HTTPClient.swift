import CCurl
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The host's HTTP client: one libcurl easy transfer per request, run on the
/// calling thread.
///
/// libcurl reads `http_proxy`, `https_proxy` and `no_proxy` itself. It does not
/// read `SSL_CERT_FILE`, so the client resolves the CA bundle from
/// `environment` and sets it explicitly (`CURL_CA_BUNDLE` wins, as in the curl
/// tool; `SSL_CERT_DIR` becomes the CA directory). The environment is a
/// parameter so tests and callers can pin it without `setenv`, which is not
/// safe while other threads read the environment.
public struct HTTPClient: Sendable {
    /// The client used by the host services; reads the process environment.
    public static let shared = HTTPClient()

    /// Looks up one environment variable (nil when unset).
    public let environment: @Sendable (String) -> String?

    public init(environment: @escaping @Sendable (String) -> String? = HTTPClient.processEnvironment) {
        self.environment = environment
    }

    /// `getenv`, read at each request so a changed CA variable applies to the next one.
    public static let processEnvironment: @Sendable (String) -> String? = { name in
        getenv(name).map { String(cString: $0) }
    }

    /// Performs `request`, streaming the response: `onHead` exactly once, for
    /// the final response (after the redirects libcurl followed; never for a
    /// 1xx interim response such as `100 Continue`), then `onBody` per chunk.
    /// Returns the head. A response with any status is a success; only "no
    /// response" throws.
    ///
    /// The head is handed over with the first byte of the body, or when the
    /// transfer ends for a response without one: only then is it certain
    /// that libcurl will not act on this response itself (follow a redirect,
    /// or repeat the request, as after a `417` to `Expect: 100-continue`),
    /// in which case it discards that response's body and starts another.
    ///
    /// `cancel` is polled by libcurl's progress callback (at least once a
    /// second, more often while data flows). An error thrown by `onHead` or
    /// `onBody` is how a caller stops early: it aborts the transfer at once
    /// and is rethrown as is.
    public func send(
        _ request: HTTPRequest,
        cancel: () -> Bool = { false },
        onHead: (HTTPResponseHead) throws(HTTPError) -> Void = { _ in },
        onBody: (UnsafeRawBufferPointer) throws(HTTPError) -> Void
    ) throws(HTTPError) -> HTTPResponseHead {
        let result: Result<HTTPResponseHead, HTTPError> = withoutActuallyEscaping(cancel) { cancel in
            withoutActuallyEscaping(onHead) { onHead in
                withoutActuallyEscaping(onBody) { onBody in
                    let transfer = HTTPTransfer(request: request, cancel: cancel, onHead: onHead, onBody: onBody)
                    return transfer.run(caBundle: caBundle(for: request))
                }
            }
        }
        return try result.get()
    }

    /// Performs `request` and collects the body, failing with `.io` once it
    /// would exceed `maxBodyBytes` (a misbehaving server must not exhaust memory).
    public func fetch(
        _ request: HTTPRequest,
        maxBodyBytes: Int = 64 << 20,
        cancel: () -> Bool = { false }
    ) throws(HTTPError) -> HTTPResponse {
        var body: [UInt8] = []
        let head = try send(request, cancel: cancel) { (chunk: UnsafeRawBufferPointer) throws(HTTPError) in
            guard body.count + chunk.count <= maxBodyBytes else {
                throw HTTPError(.io, "\(request.method) \(HTTPTransfer.safeURL(request.url)): response body exceeds the limit of \(maxBodyBytes) bytes")
            }
            body.append(contentsOf: chunk)
        }
        return HTTPResponse(head: head, body: body)
    }

    /// The CA file and directory to verify with: the request's own, else the environment's.
    func caBundle(for request: HTTPRequest) -> (file: String?, directory: String?) {
        let nonEmpty: (String) -> String? = { name in self.environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        let file = request.caFile ?? nonEmpty("CURL_CA_BUNDLE") ?? nonEmpty("SSL_CERT_FILE")
        return (file, request.caFile == nil ? nonEmpty("SSL_CERT_DIR") : nil)
    }
}

/// One request in flight: the easy handle plus the state its C callbacks reach
/// through an `Unmanaged` pointer (C function pointers cannot capture).
private final class HTTPTransfer {
    let request: HTTPRequest
    let cancel: () -> Bool
    let onHead: (HTTPResponseHead) throws(HTTPError) -> Void
    let onBody: (UnsafeRawBufferPointer) throws(HTTPError) -> Void

    var handle: UnsafeMutableRawPointer?
    var body: HTTPBodyReader = .init(source: .none)
    /// Headers of the response block being received; reset at each status
    /// line, so redirects and 1xx responses leave nothing behind.
    var headerLines: [(name: String, value: String)] = []
    /// The blank line that ends the current block was seen: what follows
    /// before the next status line (trailers of a chunked body) is not a header.
    var headerBlockEnded = false
    var head: HTTPResponseHead?
    /// An error raised inside a callback, reported instead of libcurl's code.
    var callbackError: HTTPError?
    var cancelled = false
    /// When a byte last went either way; `request.idleTimeout` is measured from it.
    var lastActivity = ContinuousClock.now
    /// The transfer was stopped because nothing moved for `request.idleTimeout`.
    var idledOut = false
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(
        request: HTTPRequest,
        cancel: @escaping () -> Bool,
        onHead: @escaping (HTTPResponseHead) throws(HTTPError) -> Void,
        onBody: @escaping (UnsafeRawBufferPointer) throws(HTTPError) -> Void
    ) {
        self.request = request
        self.cancel = cancel
        self.onHead = onHead
        self.onBody = onBody
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        body.close()
        errorBuffer.deallocate()
    }

    var label: String { "\(request.method) \(HTTPTransfer.safeURL(request.url))" }

    func run(caBundle: (file: String?, directory: String?)) -> Result<HTTPResponseHead, HTTPError> {
        guard HTTPTransfer.globalInit == CURLE_OK else {
            return .failure(HTTPError(.io, "\(label): libcurl could not be loaded: \(String(cString: la_curl_load_error()))"))
        }
        if cancel() { return .failure(HTTPError(.cancelled, "\(label): cancelled before it started")) }
        do throws(HTTPError) {
            try validate()
            body = try HTTPBodyReader.open(request.body, label: label)
        } catch {
            return .failure(error)
        }
        guard let handle = HTTPHandlePool.shared.take() else {
            return .failure(HTTPError(.io, "\(label): libcurl could not create a transfer handle"))
        }
        self.handle = handle
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer {
            la_curl_slist_free_all(headerList)
            HTTPHandlePool.shared.give(handle)
            self.handle = nil
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        let code: CURLcode = withExtendedLifetime(self) {
            var setup = CURLE_OK
            func set(_ c: CURLcode) { if setup == CURLE_OK { setup = c } }
            set(request.url.withCString { la_curl_set_ptr(handle, CURLOPT_URL, $0) })
            set(la_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
            set("http,https".withCString { la_curl_set_ptr(handle, CURLOPT_PROTOCOLS_STR, $0) })
            set("http,https".withCString { la_curl_set_ptr(handle, CURLOPT_REDIR_PROTOCOLS_STR, $0) })
            set(la_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0))
            set(la_curl_set_long(handle, CURLOPT_MAXREDIRS, 10))
            set(la_curl_set_long(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1))
            if let timeout = request.timeout {
                set(la_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(max(1, timeout.serviceMilliseconds))))
            }
            if request.insecure {
                set(la_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
                set(la_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
            } else {
                set(la_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
                set(la_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
            }
            if let pem = request.caPEM {
                // Replaces the bundle: a cluster's CA is the only authority for its API server (as kubectl does).
                set(Array(pem.utf8).withUnsafeBytes { la_curl_set_blob(handle, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) })
            } else {
                if let file = caBundle.file { set(file.withCString { la_curl_set_ptr(handle, CURLOPT_CAINFO, $0) }) }
                if let dir = caBundle.directory { set(dir.withCString { la_curl_set_ptr(handle, CURLOPT_CAPATH, $0) }) }
            }
            if let certificate = request.clientCertificatePEM, let key = request.clientKeyPEM {
                set("PEM".withCString { la_curl_set_ptr(handle, CURLOPT_SSLCERTTYPE, $0) })
                set(Array(certificate.utf8).withUnsafeBytes { la_curl_set_blob(handle, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count) })
                set("PEM".withCString { la_curl_set_ptr(handle, CURLOPT_SSLKEYTYPE, $0) })
                set(Array(key.utf8).withUnsafeBytes { la_curl_set_blob(handle, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count) })
            }

            // Method and body. UPLOAD streams the body through the read callback
            // with a Content-Length; CUSTOMREQUEST turns its PUT into the method asked for.
            let method = request.method
            let sendsBody = body.length > 0 || ["POST", "PUT", "PATCH"].contains(method)
            if method == "HEAD" {
                set(la_curl_set_long(handle, CURLOPT_NOBODY, 1))
            } else if sendsBody {
                set(la_curl_set_long(handle, CURLOPT_UPLOAD, 1))
                set(la_curl_set_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.length)))
                set(la_curl_set_readfunction(handle) { buffer, size, count, me in
                    HTTPTransfer.from(me).read(into: buffer, max: size * count)
                })
                set(la_curl_set_ptr(handle, CURLOPT_READDATA, me))
                set(la_curl_set_seekfunction(handle) { me, offset, origin in
                    HTTPTransfer.from(me).seek(offset: offset, origin: origin)
                })
                set(la_curl_set_ptr(handle, CURLOPT_SEEKDATA, me))
                if method != "PUT" { set(method.withCString { la_curl_set_ptr(handle, CURLOPT_CUSTOMREQUEST, $0) }) }
            } else if method == "GET" {
                set(la_curl_set_long(handle, CURLOPT_HTTPGET, 1))
            } else {
                set(method.withCString { la_curl_set_ptr(handle, CURLOPT_CUSTOMREQUEST, $0) })
            }

            for header in request.headers {
                // "Name;" is libcurl's spelling of a header with an empty value
                // ("Name:" would remove the header instead).
                let line = header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
                headerList = la_curl_slist_append(headerList, line)
            }
            if headerList != nil { set(la_curl_set_ptr(handle, CURLOPT_HTTPHEADER, headerList)) }

            set(la_curl_set_headerfunction(handle) { data, size, count, me in
                HTTPTransfer.from(me).receiveHeader(data, size * count)
            })
            set(la_curl_set_ptr(handle, CURLOPT_HEADERDATA, me))
            set(la_curl_set_writefunction(handle) { data, size, count, me in
                HTTPTransfer.from(me).receiveBody(data, size * count)
            })
            set(la_curl_set_ptr(handle, CURLOPT_WRITEDATA, me))
            set(la_curl_set_long(handle, CURLOPT_NOPROGRESS, 0))
            set(la_curl_set_xferinfofunction(handle) { me, _, _, _, _ in
                HTTPTransfer.from(me).checkCancel()
            })
            set(la_curl_set_ptr(handle, CURLOPT_XFERINFODATA, me))
            set(la_curl_set_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer))
            guard setup == CURLE_OK else { return setup }
            return la_curl_easy_perform(handle)
        }

        if let callbackError { return .failure(callbackError) }
        guard code == CURLE_OK else { return .failure(error(for: code)) }
        if head == nil {
            // No body arrived (HEAD, 204, empty body): the head is still due.
            do throws(HTTPError) { try deliverHead() } catch { return .failure(error) }
        }
        return .success(head!)
    }

    // MARK: Validation

    /// Header names and methods become raw protocol text: a CR or LF in
    /// them would let a caller inject headers, so they are refused up front.
    private func validate() throws(HTTPError) {
        guard HTTPRequest.isToken(request.method) else {
            throw HTTPError(.invalidRequest, "\(label): the method must be an HTTP token such as GET or PUT")
        }
        for (i, header) in request.headers.enumerated() {
            guard HTTPRequest.isToken(header.name) else {
                throw HTTPError(.invalidRequest, "\(label): header \(i + 1) has an invalid name")
            }
            guard !header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw HTTPError(.invalidRequest, "\(label): header \(header.name) contains a line break or NUL")
            }
        }
        guard !request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw HTTPError(.invalidRequest, "\(label): the URL contains spaces or control characters")
        }
        let scheme = request.url.prefix { $0 != ":" }.lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw HTTPError(.invalidRequest, "\(label): only http:// and https:// URLs are supported")
        }
    }

    // MARK: Callbacks (called by libcurl on this thread, inside curl_easy_perform)

    static func from(_ pointer: UnsafeMutableRawPointer?) -> HTTPTransfer {
        Unmanaged<HTTPTransfer>.fromOpaque(pointer!).takeUnretainedValue()
    }

    func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        lastActivity = .now
        guard head == nil, let data else { return count }  // trailers after the body are ignored
        var bytes = UnsafeRawBufferPointer(start: data, count: count)[...]
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headerLines = []
            headerBlockEnded = false
        } else if line.isEmpty {
            headerBlockEnded = true
        } else if headerBlockEnded {
            return count  // a trailer: not part of the head
        } else if line.first == " " || line.first == "\t" {
            // An obsolete folded continuation belongs to the previous header.
            if !headerLines.isEmpty {
                headerLines[headerLines.count - 1].value += " " + HTTPTransfer.trim(line)
            }
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon]).lowercased()
            let value = HTTPTransfer.trim(String(line[line.index(after: colon)...]))
            headerLines.append((name, value))
        }
        return count
    }

    func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        lastActivity = .now
        do throws(HTTPError) {
            if head == nil { try deliverHead() }
            try onBody(UnsafeRawBufferPointer(start: data, count: count))
            return count
        } catch {
            callbackError = error
            return 0  // any short count makes libcurl stop with CURLE_WRITE_ERROR
        }
    }

    func read(into buffer: UnsafeMutablePointer<CChar>?, max: Int) -> Int {
        guard let buffer else { return 0 }
        lastActivity = .now
        do throws(HTTPError) {
            return try body.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: max))
        } catch {
            callbackError = error
            return Int(CURL_READFUNC_ABORT)
        }
    }

    func seek(offset: curl_off_t, origin: Int32) -> Int32 {
        // libcurl rewinds to resend the body after a redirect or auth retry.
        guard origin == SEEK_SET, offset >= 0, UInt64(offset) <= body.length else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
        body.position = UInt64(offset)
        return Int32(CURL_SEEKFUNC_OK)
    }

    /// Called by libcurl at least once a second: stops the transfer when it
    /// was cancelled or has been idle longer than `request.idleTimeout`.
    func checkCancel() -> Int32 {
        if cancel() {
            cancelled = true
            return 1
        }
        if let idle = request.idleTimeout, ContinuousClock.now - lastActivity > idle {
            idledOut = true
            return 1
        }
        return 0
    }

    private func deliverHead() throws(HTTPError) {
        var status = 0
        if let handle { _ = la_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status) }
        let head = HTTPResponseHead(status: status, headers: headerLines)
        self.head = head
        try onHead(head)
    }

    // MARK: Errors

    private func error(for code: CURLcode) -> HTTPError {
        let category: HTTPError.Category
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            category = .timeout
        case CURLE_ABORTED_BY_CALLBACK:
            category = cancelled ? .cancelled : idledOut ? .timeout : .io
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR,
             CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
             CURLE_WEIRD_SERVER_REPLY, CURLE_PROXY, CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR:
            category = .connection
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_USE_SSL_FAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            category = .tls
        case CURLE_UNSUPPORTED_PROTOCOL:
            // The scheme was checked up front, so this is the server speaking
            // something else ("Received HTTP/0.9 when not allowed").
            category = .connection
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            category = .invalidRequest
        default:
            category = .io
        }
        var message = "\(label): \(HTTPTransfer.curlMessage(code))"
        let detail = HTTPTransfer.trim(String(cString: errorBuffer))
        if !detail.isEmpty, detail != HTTPTransfer.curlMessage(code) { message += ": \(detail)" }
        if category == .cancelled { message = "\(label): cancelled" }
        if idledOut, let idle = request.idleTimeout {
            message = "\(label): no data for \(idle.serviceMilliseconds) ms (idle timeout); the server or the connection stalled"
        }
        return HTTPError(category, message, curlCode: code.rawValue)
    }

    static func curlMessage(_ code: CURLcode) -> String {
        la_curl_easy_strerror(code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)"
    }

    /// `url` without user info, query or fragment: what may appear in a message.
    static func safeURL(_ url: String) -> String {
        var rest = Substring(url)
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        guard let schemeEnd = rest.firstRange(of: "://") else { return String(rest) }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = rest[authorityStart...].firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[authorityStart..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return String(rest[..<authorityStart]) + authority + rest[authorityEnd...]
    }

    /// Strips ASCII whitespace, scalar by scalar ("\r\n" is one Character,
    /// so a Character-based trim would miss it).
    static func trim(_ s: String) -> String {
        var t = Substring(s).unicodeScalars
        let space: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        while let c = t.first, space(c) { t.removeFirst() }
        while let c = t.last, space(c) { t.removeLast() }
        return String(t)
    }

    /// Loads libcurl and runs `curl_global_init` exactly once (not thread-safe
    /// in every libcurl build), before the first handle is made.
    static var globalInit: CURLcode { la_curl_load() }
}

/// The request body as libcurl pulls it: bytes in memory, or a file slice read
/// with `pread` at the current position (so a rewind is just a new position).
private struct HTTPBodyReader {
    enum Source {
        case none
        case bytes([UInt8])
        case file(fd: Int32, path: String, offset: UInt64)
    }

    var source: Source
    var length: UInt64 = 0
    var position: UInt64 = 0

    static func open(_ body: HTTPRequest.Body, label: String) throws(HTTPError) -> HTTPBodyReader {
        switch body {
        case .empty:
            return HTTPBodyReader(source: .none)
        case .bytes(let bytes):
            return HTTPBodyReader(source: .bytes(bytes), length: UInt64(bytes.count))
        case .fileSlice(let path, let offset, let length):
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw HTTPError(.io, "\(label): cannot open body file \(path): \(String(cString: strerror(errno)))")
            }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                throw HTTPError(.io, "\(label): cannot stat body file \(path): \(reason)")
            }
            let size = UInt64(info.st_size)
            let available = offset <= size ? size - offset : 0
            guard offset <= size, length.map({ $0 <= available }) ?? true else {
                Glibc.close(fd)
                throw HTTPError(.io, "\(label): body file \(path) is \(size) bytes; the slice at offset \(offset) of length \(length ?? 0) runs past its end")
            }
            return HTTPBodyReader(source: .file(fd: fd, path: path, offset: offset), length: length ?? available)
        }
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        let want = Int(min(UInt64(buffer.count), length - position))
        guard want > 0 else { return 0 }
        switch source {
        case .none:
            return 0
        case .bytes(let bytes):
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(position), byteCount: want)
            }
            position += UInt64(want)
            return want
        case .file(let fd, let path, let offset):
            while true {
                let n = pread(fd, buffer.baseAddress, want, off_t(offset + position))
                if n > 0 {
                    position += UInt64(n)
                    return n
                }
                if n < 0, errno == EINTR { continue }
                let reason = n == 0 ? "the file shrank while it was being sent" : String(cString: strerror(errno))
                throw HTTPError(.io, "reading body file \(path) at offset \(offset + position): \(reason)")
            }
        }
    }

    func close() {
        if case .file(let fd, _, _) = source { Glibc.close(fd) }
    }
}

/// Idle easy handles kept for reuse: `curl_easy_reset` clears the options but
/// keeps the handle's connection and DNS caches, so repeated requests to one
/// registry or bucket skip the TCP and TLS handshakes. (libcurl only reuses a
/// connection whose TLS settings match, so an insecure request cannot lend its
/// connection to a verified one.)
private final class HTTPHandlePool: Sendable {
    static let shared = HTTPHandlePool()
    private static let maxIdle = 8

    /// Handles are opaque pointers owned only by the pool while idle.
    private struct Idle: @unchecked Sendable { var handles: [UnsafeMutableRawPointer] = [] }
    private let idle = Mutex(Idle())

    func take() -> UnsafeMutableRawPointer? {
        if let handle = idle.withLock({ $0.handles.popLast() }) { return handle }
        return la_curl_easy_init()
    }

    func give(_ handle: UnsafeMutableRawPointer) {
        la_curl_easy_reset(handle)
        let kept = idle.withLock { pool -> Bool in
            guard pool.handles.count < HTTPHandlePool.maxIdle else { return false }
            pool.handles.append(handle)
            return true
        }
        if !kept { la_curl_easy_cleanup(handle) }
    }
}
