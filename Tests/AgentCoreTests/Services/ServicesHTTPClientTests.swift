import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// HTTPClient against the real python3 server in this directory.
@Suite struct ServicesHTTPClientTests {
    func echo(_ response: HTTPResponse) throws -> JSONValue {
        try JSONValue(parsing: response.body)
    }

    /// The [name, value] pairs the server saw, in order.
    func requestHeaders(_ echo: JSONValue) -> [(String, String)] {
        (echo["headers"]?.arrayValue ?? []).compactMap { pair in
            guard let p = pair.arrayValue, p.count == 2, let k = p[0].stringValue, let v = p[1].stringValue else { return nil }
            return (k, v)
        }
    }

    @Test func getSendsHeadersInOrderAndLowerCasesResponseHeaders() throws {
        let server = try ServicesTestServer.plain()
        let response = try HTTPClient.shared.fetch(HTTPRequest(
            url: server.url("/echo?x=1"),
            headers: [("X-First", "1"), ("X-Dup", "a"), ("X-Dup", "b"), ("X-Empty", "")]))
        #expect(response.status == 200)
        #expect(response.head["content-type"] == "application/json")
        #expect(response.head.headers.allSatisfy { $0.name == $0.name.lowercased() })
        let doc = try echo(response)
        #expect(doc["method"] == .string("GET"))
        #expect(doc["query"] == .string("x=1"))
        let sent = requestHeaders(doc).filter { $0.0.hasPrefix("X-") }
        #expect(sent.map(\.0) == ["X-First", "X-Dup", "X-Dup", "X-Empty"])
        #expect(sent.map(\.1) == ["1", "a", "b", ""])
    }

    @Test func responseHeadersKeepDuplicatesAndOrder() throws {
        let server = try ServicesTestServer.plain()
        let head = try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/dup-headers"))).head
        #expect(head.values("Set-Cookie") == ["a=1", "b=2"])
        #expect(head["x-mixed-case"] == "Yes")
        let names = head.headers.map(\.name)
        let order = names.filter { $0 == "set-cookie" || $0 == "x-mixed-case" }
        #expect(order == ["set-cookie", "x-mixed-case", "set-cookie"])
    }

    @Test func postSendsTheBodyBytesExactly() throws {
        let server = try ServicesTestServer.plain()
        let body = servicesTestBytes(300_000, seed: 7).map { $0 & 0x7F }  // 7-bit so latin-1 echo is byte-exact
        let response = try HTTPClient.shared.fetch(HTTPRequest(method: "POST", url: server.url("/echo"), body: .bytes(body)))
        let doc = try echo(response)
        #expect(doc["method"] == .string("POST"))
        #expect(doc["body_len"] == .int(Int64(body.count)))
        #expect(doc["body"]?.stringValue.map { Array($0.utf8) } == body)
    }

    @Test func otherMethodsWithAndWithoutBody() throws {
        let server = try ServicesTestServer.plain()
        let delete = try echo(HTTPClient.shared.fetch(HTTPRequest(method: "DELETE", url: server.url("/echo"))))
        #expect(delete["method"] == .string("DELETE"))
        #expect(delete["body_len"] == .int(0))
        let patch = try echo(HTTPClient.shared.fetch(HTTPRequest(method: "PATCH", url: server.url("/echo"), body: .bytes(Array("p".utf8)))))
        #expect(patch["method"] == .string("PATCH"))
        #expect(patch["body"] == .string("p"))
        // An empty POST still says Content-Length: 0 (servers answer 411 otherwise).
        let post = try echo(HTTPClient.shared.fetch(HTTPRequest(method: "POST", url: server.url("/echo"))))
        #expect(requestHeaders(post).contains { $0.0.lowercased() == "content-length" && $0.1 == "0" })
    }

    @Test func headDeliversTheHeadWithoutABody() throws {
        let server = try ServicesTestServer.plain()
        var heads = 0
        var bodyBytes = 0
        let head = try HTTPClient.shared.send(HTTPRequest(method: "HEAD", url: server.url("/large?bytes=1000")),
                                              onHead: { _ in heads += 1 }, onBody: { bodyBytes += $0.count })
        #expect(head.status == 200)
        #expect(head["content-length"] == "1000")
        #expect(heads == 1)
        #expect(bodyBytes == 0)
    }

    @Test func uploadsAFileSliceByteForByte() throws {
        let server = try ServicesTestServer.plain()
        let dir = servicesTempDirectory()
        let path = dir + "/blob.bin"
        servicesWriteFile(path, servicesTestBytes(3_000_000, seed: 3))
        defer { unlink(path); rmdir(dir) }

        let offset: UInt64 = 123_457, length: UInt64 = 1_700_001
        let ok = try HTTPClient.shared.fetch(HTTPRequest(
            method: "PUT", url: server.url("/upload-check?path=\(path)&offset=\(offset)&length=\(length)"),
            body: .fileSlice(path: path, offset: offset, length: length)))
        #expect(String(decoding: ok.body, as: UTF8.self) == "match")
        #expect(ok.status == 200)

        // The check can fail: the slice one byte further on does not match.
        let off = try HTTPClient.shared.fetch(HTTPRequest(
            method: "PUT", url: server.url("/upload-check?path=\(path)&offset=\(offset)&length=\(length)"),
            body: .fileSlice(path: path, offset: offset + 1, length: length)))
        #expect(off.status == 409)

        // A nil length sends the rest of the file.
        let rest = try HTTPClient.shared.fetch(HTTPRequest(
            method: "PUT", url: server.url("/upload-check?path=\(path)&offset=2999000&length=1000"),
            body: .fileSlice(path: path, offset: 2_999_000, length: nil)))
        #expect(rest.status == 200)
    }

    @Test func aSliceBeyondTheFileIsAnIOError() throws {
        let server = try ServicesTestServer.plain()
        let dir = servicesTempDirectory()
        let path = dir + "/small.bin"
        servicesWriteFile(path, [1, 2, 3])
        defer { unlink(path); rmdir(dir) }
        let error = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(method: "PUT", url: server.url("/echo"), body: .fileSlice(path: path, offset: 2, length: 5)))
        }
        #expect(error?.category == .io)
        #expect(error?.message.contains("runs past its end") == true)
        let missing = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(method: "PUT", url: server.url("/echo"), body: .fileSlice(path: dir + "/nope", offset: 0, length: nil)))
        }
        #expect(missing?.category == .io)
        #expect(missing?.message.contains("No such file") == true)
    }

    @Test func a500IsAResponseNotAnError() throws {
        let server = try ServicesTestServer.plain()
        let response = try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/status/500")))
        #expect(response.status == 500)
        #expect(response.body == Array("boom".utf8))
    }

    @Test func streamsALargeBodyInChunks() throws {
        let server = try ServicesTestServer.plain()
        let total = 5_000_000
        var chunks = 0
        var received = 0
        var intact = true
        var headSeenBeforeBody = false
        var headSeen = false
        let head = try HTTPClient.shared.send(
            HTTPRequest(url: server.url("/large?bytes=\(total)")),
            onHead: { _ in headSeen = true },
            onBody: { chunk in
                if chunks == 0 { headSeenBeforeBody = headSeen }
                chunks += 1
                for (i, byte) in chunk.enumerated() where byte != UInt8((received + i) % 251) { intact = false }
                received += chunk.count
            })
        #expect(head.status == 200)
        #expect(received == total)
        #expect(intact)
        #expect(chunks > 10)
        #expect(headSeenBeforeBody)
    }

    @Test func fetchRefusesBodiesOverTheLimit() throws {
        let server = try ServicesTestServer.plain()
        let error = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/large?bytes=200000")), maxBodyBytes: 1000)
        }
        #expect(error?.category == .io)
        #expect(error?.message.contains("limit of 1000 bytes") == true)
    }

    @Test func timeoutStopsASlowServer() throws {
        let server = try ServicesTestServer.plain()
        let start = ContinuousClock.now
        let error = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/slow?seconds=5"), timeout: .milliseconds(300)))
        }
        #expect(error?.category == .timeout)
        #expect(error?.isRetryable == true)
        #expect(servicesElapsed(since: start) < .seconds(3))
    }

    @Test func cancelStopsATransfer() throws {
        let server = try ServicesTestServer.plain()
        let start = ContinuousClock.now
        // Cancelled while waiting for headers...
        let waiting = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/slow?seconds=10")),
                                        cancel: { servicesElapsed(since: start) > .milliseconds(300) })
        }
        #expect(waiting?.category == .cancelled, "\(waiting?.message ?? "")")
        #expect(servicesElapsed(since: start) < .seconds(3))
        // ...and while the body trickles in.
        let start2 = ContinuousClock.now
        var got = 0
        let streaming = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.send(HTTPRequest(url: server.url("/drip?chunks=50&interval=0.2")),
                                       cancel: { got > 0 && servicesElapsed(since: start2) > .milliseconds(500) },
                                       onBody: { got += $0.count })
        }
        #expect(streaming?.category == .cancelled)
        #expect(got > 0 && got < 50 * 1024)
        #expect(servicesElapsed(since: start2) < .seconds(4))
    }

    @Test func redirectsAreFollowedOnlyWhenAsked() throws {
        let server = try ServicesTestServer.plain()
        let notFollowed = try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/redirect")))
        #expect(notFollowed.status == 302)
        #expect(notFollowed.head["location"] == "/echo")
        let followed = try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/redirect"), followRedirects: true))
        #expect(followed.status == 200)
        // Only the final response's headers are reported.
        #expect(followed.head["location"] == nil)
        #expect(try echo(followed)["path"] == .string("/echo"))
    }

    @Test func connectionErrorsCarryCurlsReasonButNoSecrets() throws {
        let secret = servicesUniqueSecret("path-token")
        Redactor.shared.register(secret)
        let port = try closedPort()
        let error = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(
                url: "http://user:pa55word@127.0.0.1:\(port)/p/\(secret)?X-Amz-Signature=sig123",
                headers: [("Authorization", "Bearer auth-header-value")],
                body: .bytes(Array("body-bytes-value".utf8))))
        }
        let message = try #require(error?.message)
        #expect(error?.category == .connection)
        #expect(message.contains("Couldn't connect to server"))  // curl_easy_strerror
        #expect(message.contains("127.0.0.1"))                   // the error buffer's detail
        #expect(!message.contains(secret))
        #expect(message.contains("[REDACTED]"))
        for leaked in ["auth-header-value", "body-bytes-value", "pa55word", "sig123", "X-Amz-Signature"] {
            #expect(!message.contains(leaked), "\(leaked) leaked into: \(message)")
        }
    }

    @Test func invalidRequestsAreRefusedBeforeSending() throws {
        let server = try ServicesTestServer.plain()
        let injected = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(url: server.url("/echo"), headers: [("X-A", "1\r\nX-Injected: 2")]))
        }
        #expect(injected?.category == .invalidRequest)
        let badMethod = #expect(throws: HTTPError.self) {
            try HTTPClient.shared.fetch(HTTPRequest(method: "GET /x", url: server.url("/echo")))
        }
        #expect(badMethod?.category == .invalidRequest)
        let file = #expect(throws: HTTPError.self) { try HTTPClient.shared.fetch(HTTPRequest(url: "file:///etc/passwd")) }
        #expect(file?.category == .invalidRequest)
    }

    // MARK: TLS

    @Test func tlsIsVerifiedByDefault() throws {
        let server = try ServicesTestServer.tls()
        let noCA = HTTPClient(environment: { _ in nil })
        let error = #expect(throws: HTTPError.self) { try noCA.fetch(HTTPRequest(url: server.url("/echo"))) }
        #expect(error?.category == .tls)
        #expect(error?.isRetryable == false)
        #expect(error?.message.lowercased().contains("certificate") == true)
    }

    @Test func tlsSucceedsWithTheCAGivenExplicitly() throws {
        let server = try ServicesTestServer.tls()
        let response = try HTTPClient(environment: { _ in nil }).fetch(HTTPRequest(url: server.url("/echo"), caFile: server.caPath))
        #expect(response.status == 200)
    }

    @Test func tlsSucceedsWithSSL_CERT_FILEFromTheEnvironment() throws {
        let server = try ServicesTestServer.tls()
        let ca = server.caPath
        let client = HTTPClient(environment: { $0 == "SSL_CERT_FILE" ? ca : nil })
        #expect(try client.fetch(HTTPRequest(url: server.url("/echo"))).status == 200)
        let curlBundle = HTTPClient(environment: { $0 == "CURL_CA_BUNDLE" ? ca : nil })
        #expect(try curlBundle.fetch(HTTPRequest(url: server.url("/echo"))).status == 200)
        // A wrong bundle in the environment really is used (and fails).
        let wrong = HTTPClient(environment: { $0 == "SSL_CERT_FILE" ? "/nonexistent/ca.pem" : nil })
        let error = #expect(throws: HTTPError.self) { try wrong.fetch(HTTPRequest(url: server.url("/echo"))) }
        #expect(error?.category == .tls)
    }

    @Test func caBundleResolutionOrder() {
        let env: [String: String] = ["CURL_CA_BUNDLE": "/curl.pem", "SSL_CERT_FILE": "/ssl.pem", "SSL_CERT_DIR": "/certs"]
        let client = HTTPClient(environment: { env[$0] })
        #expect(client.caBundle(for: HTTPRequest(url: "https://x")) == ("/curl.pem", "/certs"))
        #expect(client.caBundle(for: HTTPRequest(url: "https://x", caFile: "/mine.pem")) == ("/mine.pem", nil))
        let sslOnly = HTTPClient(environment: { $0 == "SSL_CERT_FILE" ? "/ssl.pem" : nil })
        #expect(sslOnly.caBundle(for: HTTPRequest(url: "https://x")) == ("/ssl.pem", nil))
        #expect(HTTPClient(environment: { _ in "" }).caBundle(for: HTTPRequest(url: "https://x")) == (nil, nil))
    }

    @Test func aCAGivenAsPEMIsTheOnlyAuthority() throws {
        let server = try ServicesTestServer.tls()
        let pem = try String(contentsOfFile: server.caPath, encoding: .utf8)
        let client = HTTPClient(environment: { _ in nil })
        #expect(try client.fetch(HTTPRequest(url: server.url("/echo")).with { $0.caPEM = pem }).status == 200)
        // The bundle from the environment is not consulted when a PEM is given.
        let other = try ServicesTestServer.mutualTLS()
        let otherPEM = try String(contentsOfFile: other.caPath, encoding: .utf8)
        let bundled = HTTPClient(environment: { $0 == "SSL_CERT_FILE" ? server.caPath : nil })
        let error = #expect(throws: HTTPError.self) {
            try bundled.fetch(HTTPRequest(url: server.url("/echo")).with { $0.caPEM = otherPEM })
        }
        #expect(error?.category == .tls)
    }

    @Test func clientCertificatesFromPEM() throws {
        let server = try ServicesTestServer.mutualTLS()
        let ca = try String(contentsOfFile: server.caPath, encoding: .utf8)
        let client = HTTPClient(environment: { _ in nil })
        #expect(throws: HTTPError.self) { try client.fetch(HTTPRequest(url: server.url("/echo")).with { $0.caPEM = ca }) }
        let response = try client.fetch(HTTPRequest(url: server.url("/echo")).with {
            $0.caPEM = ca
            $0.clientCertificatePEM = try? String(contentsOfFile: server.clientCertificatePath, encoding: .utf8)
            $0.clientKeyPEM = try? String(contentsOfFile: server.clientKeyPath, encoding: .utf8)
        })
        #expect(response.status == 200)
    }

    @Test func anIdleTimeoutEndsAStalledStreamButNotASlowOne() throws {
        let server = try ServicesTestServer.plain()
        let client = HTTPClient(environment: { _ in nil })
        let stalled = #expect(throws: HTTPError.self) {
            try client.fetch(HTTPRequest(url: server.url("/drip?chunks=2&interval=4")).with { $0.idleTimeout = .seconds(1) })
        }
        #expect(stalled?.category == .timeout, "\(String(describing: stalled))")
        let flowing = try client.fetch(HTTPRequest(url: server.url("/drip?chunks=6&interval=0.3")).with { $0.idleTimeout = .seconds(1) })
        #expect(flowing.status == 200)
        #expect(flowing.body.count == 6 * 1024)
    }

    @Test func insecureSkipsVerification() throws {
        let server = try ServicesTestServer.tls()
        let response = try HTTPClient(environment: { _ in nil }).fetch(HTTPRequest(url: server.url("/echo"), insecure: true))
        #expect(response.status == 200)
    }

    /// A port nothing listens on: bind one, read its number, close it.
    func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &addr) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                guard bind(fd, sa, len) == 0, getsockname(fd, sa, &len) == 0 else {
                    throw ServicesTestServer.StartError(description: "bind failed")
                }
            }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

extension HTTPRequest {
    /// A copy changed by `change`, for tests that set one field.
    func with(_ change: (inout HTTPRequest) throws -> Void) rethrows -> HTTPRequest {
        var copy = self
        try change(&copy)
        return copy
    }
}
