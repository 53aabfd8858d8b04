import LaunchAgentABI
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// `la_http_v1` called through its function pointer, as a plugin would.
@Suite struct ServicesHTTPTableTests {
    /// Runs `json` and expects LA_ERR_INVALID_ARGUMENT with a message naming `field`.
    func expectInvalid(_ json: String, body: [UInt8] = [], naming field: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink()
        let status = servicesCallHTTP(json, body: body, call: call, sink: sink)
        #expect(status == LA_ERR_INVALID_ARGUMENT, sourceLocation: sourceLocation)
        #expect(call.lastError?.code == LA_ERR_INVALID_ARGUMENT, sourceLocation: sourceLocation)
        let message = call.lastError?.message ?? ""
        #expect(message.contains(field), "message \"\(message)\" does not name \(field)", sourceLocation: sourceLocation)
        #expect(sink.heads.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func rejectsInvalidRequestJSONNamingTheField() {
        expectInvalid("not json", naming: "not valid JSON")
        expectInvalid("[1]", naming: "must be a JSON object")
        expectInvalid(#"{"method":"GET"}"#, naming: "\"url\"")
        expectInvalid(#"{"url":42}"#, naming: "\"url\"")
        expectInvalid(#"{"url":"ftp://x/y"}"#, naming: "\"url\"")
        expectInvalid(#"{"url":"http://x","method":7}"#, naming: "\"method\"")
        expectInvalid(#"{"url":"http://x","method":"GET /evil"}"#, naming: "\"method\"")
        expectInvalid(#"{"url":"http://x","headers":[["Bad Name","v"]]}"#, naming: "\"headers[0]\"")
        expectInvalid(#"{"url":"http://x","headers":{"a":"b"}}"#, naming: "\"headers\"")
        expectInvalid(#"{"url":"http://x","headers":[["a","b"],["c"]]}"#, naming: "\"headers[1]\"")
        expectInvalid(#"{"url":"http://x","headers":[["a","b\r\nc: d"]]}"#, naming: "\"headers[0]\"")
        expectInvalid(#"{"url":"http://x","timeout_ms":-1}"#, naming: "\"timeout_ms\"")
        expectInvalid(#"{"url":"http://x","timeout_ms":1.5}"#, naming: "\"timeout_ms\"")
        expectInvalid(#"{"url":"http://x","follow_redirects":"yes"}"#, naming: "\"follow_redirects\"")
        expectInvalid(#"{"url":"http://x","insecure":1}"#, naming: "\"insecure\"")
        expectInvalid(#"{"url":"http://x","timeout":5}"#, naming: "\"timeout\"")
        expectInvalid(#"{"url":"http://x","body_file":"/tmp/x"}"#, naming: "\"body_file\"")
        expectInvalid(#"{"url":"http://x","body_file":{"offset":0}}"#, naming: "\"body_file.path\"")
        expectInvalid(#"{"url":"http://x","body_file":{"path":"/x","offset":-3}}"#, naming: "\"body_file.offset\"")
        expectInvalid(#"{"url":"http://x","body_file":{"path":"/x","length":"9"}}"#, naming: "\"body_file.length\"")
        expectInvalid(#"{"url":"http://x","body_file":{"path":"/x","size":9}}"#, naming: "\"body_file.size\"")
        expectInvalid(#"{"url":"http://x","body_file":{"path":"/x"}}"#, body: [1], naming: "\"body_file\"")
    }

    @Test func deliversHeadJSONOnceAndTheBody() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink()
        let json = #"{"method":"POST","url":"\#(server.url("/echo"))","headers":[["X-Plugin","yes"]],"timeout_ms":10000}"#
        let status = servicesCallHTTP(json, body: Array("payload".utf8), call: call, sink: sink)
        #expect(status == LA_OK)
        #expect(call.errors.isEmpty)
        #expect(sink.heads.count == 1)
        let head = try JSONValue(parsing: sink.heads[0])
        #expect(head["status"] == .int(200))
        let headers = try #require(head["headers"]?.arrayValue)
        #expect(headers.contains(.array([.string("content-type"), .string("application/json")])))
        #expect(sink.heads[0].hasPrefix(#"{"status":200,"headers":[["#))
        let echo = try JSONValue(parsing: sink.body)
        #expect(echo["method"] == .string("POST"))
        #expect(echo["body"] == .string("payload"))
        let sent = echo["headers"]?.arrayValue ?? []
        #expect(sent.contains(.array([.string("X-Plugin"), .string("yes")])))
    }

    @Test func defaultsToGETAndReportsNon2xxAsOK() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink()
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/status/503"))"}"#, call: call, sink: sink) == LA_OK)
        #expect(try JSONValue(parsing: sink.heads.first ?? "")["status"] == .int(503))
        #expect(sink.body == Array("boom".utf8))
        // A NULL sink discards the response.
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))"}"#, call: call, sink: nil) == LA_OK)
    }

    @Test func uploadsABodyFileSlice() throws {
        let server = try ServicesTestServer.plain()
        let dir = servicesTempDirectory()
        let path = dir + "/part.bin"
        servicesWriteFile(path, servicesTestBytes(2_000_000, seed: 11))
        defer { unlink(path); rmdir(dir) }
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink()
        let json = #"{"method":"PUT","url":"\#(server.url("/upload-check?path=\(path)&offset=1048576&length=700000"))","body_file":{"path":"\#(path)","offset":1048576,"length":700000}}"#
        #expect(servicesCallHTTP(json, call: call, sink: sink) == LA_OK)
        #expect(String(decoding: sink.body, as: UTF8.self) == "match")
    }

    @Test func timeoutMapsToLA_ERR_TIMEOUT() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let status = servicesCallHTTP(#"{"url":"\#(server.url("/slow?seconds=5"))","timeout_ms":250}"#, call: call, sink: ServicesHTTPSink())
        #expect(status == LA_ERR_TIMEOUT)
        #expect(call.lastError?.code == LA_ERR_TIMEOUT)
        #expect(call.lastError?.details == #"{"retryable":true}"#)
    }

    @Test func isCancelledMapsToLA_ERR_CANCELLED() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let start = ContinuousClock.now
        let canceller = ServicesDelayedCancel(call, after: .milliseconds(300))
        let status = servicesCallHTTP(#"{"url":"\#(server.url("/slow?seconds=10"))"}"#, call: call, sink: ServicesHTTPSink())
        canceller.join()
        #expect(status == LA_ERR_CANCELLED)
        #expect(call.lastError?.code == LA_ERR_CANCELLED)
        #expect(servicesElapsed(since: start) < .seconds(3))
    }

    @Test func connectionFailureIsLA_ERR_IOWithRedactedMessage() throws {
        let secret = servicesUniqueSecret("host-secret")
        Redactor.shared.register(secret)
        let call = ServicesTestCall()
        let json = #"{"url":"http://127.0.0.1:1/\#(secret)","headers":[["Authorization","Bearer sekrit-bearer"]]}"#
        #expect(servicesCallHTTP(json, call: call, sink: ServicesHTTPSink()) == LA_ERR_IO)
        let error = try #require(call.lastError)
        #expect(error.code == LA_ERR_IO)
        #expect(!error.message.contains(secret))
        #expect(!error.message.contains("sekrit-bearer"))
        #expect(error.message.contains("[REDACTED]"))
        #expect(error.details == #"{"retryable":true}"#)
    }

    @Test func tlsFailureIsLA_ERR_IOAndInsecureWorks() throws {
        let server = try ServicesTestServer.tls()
        // The shared client reads the real environment; the test CA is in no
        // system bundle, so verification fails whatever SSL_CERT_FILE says.
        let call = ServicesTestCall()
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))"}"#, call: call, sink: ServicesHTTPSink()) == LA_ERR_IO)
        #expect(call.lastError?.details == #"{"retryable":false}"#)
        let ok = ServicesTestCall()
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))","insecure":true}"#, call: ok, sink: ServicesHTTPSink()) == LA_OK)
    }

    @Test func mutualTLSThroughTheServiceWithPEMMembers() throws {
        let server = try ServicesTestServer.mutualTLS()
        func jsonString(_ path: String) throws -> String {
            JSONValue.string(try String(contentsOfFile: path, encoding: .utf8)).serialized
        }
        let ca = try jsonString(server.caPath)
        let cert = try jsonString(server.clientCertificatePath), key = try jsonString(server.clientKeyPath)
        let ok = ServicesTestCall()
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))","ca_pem":\#(ca),"client_cert_pem":\#(cert),"client_key_pem":\#(key)}"#,
                                 call: ok, sink: ServicesHTTPSink()) == LA_OK, "\(String(describing: ok.lastError))")
        // The key is a secret from then on.
        let keyText = try String(contentsOfFile: server.clientKeyPath, encoding: .utf8)
        #expect(Redactor.shared.redact("key: \(keyText)") == "key: [REDACTED]")

        let noKey = ServicesTestCall()
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))","ca_pem":\#(ca),"client_cert_pem":\#(cert)}"#,
                                 call: noKey, sink: nil) == LA_ERR_INVALID_ARGUMENT)
        #expect(noKey.lastError?.message.contains("client_key_pem") == true, "\(String(describing: noKey.lastError))")
        let path = ServicesTestCall()
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))","ca_pem":"/etc/ssl/ca.pem"}"#, call: path, sink: nil)
                == LA_ERR_INVALID_ARGUMENT)
        #expect(path.lastError?.message.contains("must be PEM text") == true)
    }

    @Test func redirectsFollowedWhenAsked() throws {
        let server = try ServicesTestServer.plain()
        let sink = ServicesHTTPSink()
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/redirect"))","follow_redirects":true}"#, call: ServicesTestCall(), sink: sink) == LA_OK)
        #expect(sink.heads.count == 1)
        #expect(try JSONValue(parsing: sink.heads[0])["status"] == .int(200))
    }
}

/// The sink half of `la_http_v1`: errors through `on_error`, stopping from
/// `on_head`/`on_body`, and `on_head` exactly once for the final response.
@Suite struct ServicesHTTPSinkTests {
    func header(_ head: JSONValue, _ name: String) -> [String] {
        (head["headers"]?.arrayValue ?? []).compactMap { pair in
            guard let items = pair.arrayValue, items.count == 2, items[0] == .string(name) else { return nil }
            return items[1].stringValue
        }
    }

    @Test func onErrorReceivesTheFailureAndTheCallStaysClean() throws {
        let secret = servicesUniqueSecret("sink-secret")
        Redactor.shared.register(secret)
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink(onError: true)
        let status = servicesCallHTTP(#"{"url":"http://127.0.0.1:1/\#(secret)"}"#, call: call, sink: sink)
        #expect(status == LA_ERR_IO)
        #expect(call.errors.isEmpty, "the service touched the plugin's call: \(call.errors)")
        try #require(sink.errors.count == 1)
        #expect(sink.errors[0].code == LA_ERR_IO)
        #expect(sink.errors[0].message.hasPrefix("GET http://127.0.0.1:1/"))
        #expect(!sink.errors[0].message.contains(secret))
        #expect(sink.errors[0].message.contains("[REDACTED]"))
        // The details set_error would have had: a refused connection may succeed later.
        #expect(sink.errors[0].details == #"{"retryable":true}"#)
        #expect(sink.heads.isEmpty)
    }

    @Test func onErrorReceivesRequestErrorsAndTimeouts() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let invalid = ServicesHTTPSink(onError: true)
        #expect(servicesCallHTTP(#"{"url":"http://x","timeout":5}"#, call: call, sink: invalid) == LA_ERR_INVALID_ARGUMENT)
        #expect(invalid.errors.count == 1)
        #expect(invalid.errors.first?.code == LA_ERR_INVALID_ARGUMENT)
        #expect(invalid.errors.first?.message.contains("\"timeout\"") == true)
        #expect(invalid.errors.first?.details == "", "a rejected request has no details")

        let slow = ServicesHTTPSink(onError: true)
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/slow?seconds=5"))","timeout_ms":250}"#, call: call, sink: slow) == LA_ERR_TIMEOUT)
        #expect(slow.errors.map(\.code) == [LA_ERR_TIMEOUT])
        #expect(slow.errors.map(\.details) == [#"{"retryable":true}"#])
        #expect(call.errors.isEmpty)

        // Success reports nothing.
        let ok = ServicesHTTPSink(onError: true)
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))"}"#, call: call, sink: ok) == LA_OK)
        #expect(ok.errors.isEmpty)
    }

    @Test func onErrorCarriesRetryableFalseForATLSVerificationFailure() throws {
        let server = try ServicesTestServer.tls()
        // The test CA is in no system bundle: verification fails, and retrying will not help.
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink(onError: true)
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/echo"))"}"#, call: call, sink: sink) == LA_ERR_IO)
        try #require(sink.errors.count == 1)
        #expect(sink.errors[0].code == LA_ERR_IO)
        #expect(sink.errors[0].details == #"{"retryable":false}"#)
        #expect(call.errors.isEmpty)
    }

    @Test func onErrorReceivesWhatSetErrorWouldHave() throws {
        // The same failure, once with on_error and once without: the same code
        // and details either way (and the same message where it is fixed text).
        let tls = try ServicesTestServer.tls()
        let cases: [(json: String, code: Int32, details: String, sameMessage: Bool)] = [
            (#"{"url":"http://127.0.0.1:1/"}"#, LA_ERR_IO, #"{"retryable":true}"#, false),
            (#"{"url":"\#(tls.url("/echo"))"}"#, LA_ERR_IO, #"{"retryable":false}"#, false),
            (#"{"url":"http://x","timeout":5}"#, LA_ERR_INVALID_ARGUMENT, "", true),
        ]
        for c in cases {
            let sink = ServicesHTTPSink(onError: true)
            let quiet = ServicesTestCall()
            #expect(servicesCallHTTP(c.json, call: quiet, sink: sink) == c.code)
            let call = ServicesTestCall()
            #expect(servicesCallHTTP(c.json, call: call, sink: ServicesHTTPSink(onError: false)) == c.code)
            try #require(sink.errors.count == 1 && call.errors.count == 1, "\(c.json)")
            #expect(quiet.errors.isEmpty)
            #expect(sink.errors[0].code == call.errors[0].code)
            #expect(sink.errors[0].details == c.details, "\(c.json)")
            #expect(call.errors[0].details == c.details, "\(c.json)")
            if c.sameMessage { #expect(sink.errors[0].message == call.errors[0].message) }
        }
    }

    @Test func withoutOnErrorTheFailureGoesToTheCall() {
        // No on_error at all, and an on_error past the end of an older, shorter sink.
        let offset = MemoryLayout<la_http_sink_v1>.offset(of: \la_http_sink_v1.on_error)!
        for sink in [ServicesHTTPSink(onError: false), ServicesHTTPSink(onError: true, structSize: offset)] {
            let call = ServicesTestCall()
            #expect(servicesCallHTTP(#"{"url":"http://127.0.0.1:1/"}"#, call: call, sink: sink) == LA_ERR_IO)
            #expect(sink.errors.isEmpty)
            #expect(call.errors.count == 1)
            #expect(call.lastError?.code == LA_ERR_IO)
            #expect(call.lastError?.details == #"{"retryable":true}"#)
        }
        // A NULL sink, too.
        let call = ServicesTestCall()
        #expect(servicesCallHTTP(#"{"url":"http://127.0.0.1:1/"}"#, call: call, sink: nil) == LA_ERR_IO)
        #expect(call.lastError?.code == LA_ERR_IO)
    }

    @Test func stopFromOnBodyAbortsALargeDownload() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink(onError: true)
        sink.stopAfterBodyBytes = 100_000
        let start = ContinuousClock.now
        let status = servicesCallHTTP(#"{"url":"\#(server.url("/large?bytes=1000000000"))"}"#, call: call, sink: sink)
        #expect(status == LA_ERR_CANCELLED)
        #expect(sink.errors == [ServicesSinkError(code: LA_ERR_CANCELLED, message: "stopped by the plugin's sink", details: "")])
        #expect(call.errors.isEmpty)
        #expect(sink.heads.count == 1)
        // No chunk after the one that said stop, and nowhere near the gigabyte.
        #expect(sink.body.count >= 100_000 && sink.body.count < 100_000 + (1 << 20))
        let bodyCalls = sink.bodyCalls
        #expect(servicesElapsed(since: start) < .seconds(5))
        #expect(sink.bodyCalls == bodyCalls)
    }

    @Test func stopFromOnHeadDeliversNoBody() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink()  // no on_error: the stop is recorded on the call
        sink.stopAtHead = true
        let status = servicesCallHTTP(#"{"url":"\#(server.url("/large?bytes=1000000000"))"}"#, call: call, sink: sink)
        #expect(status == LA_ERR_CANCELLED)
        #expect(sink.heads.count == 1)
        #expect(sink.bodyCalls == 0)
        #expect(call.lastError?.code == LA_ERR_CANCELLED)
        #expect(call.lastError?.message == "stopped by the plugin's sink")
    }

    @Test func onHeadOnceForTheFinalResponseAfterRedirects() throws {
        let server = try ServicesTestServer.plain()
        let followed = ServicesHTTPSink(onError: true)
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/hop?n=2"))","follow_redirects":true}"#, call: ServicesTestCall(), sink: followed) == LA_OK)
        try #require(followed.heads.count == 1, "heads: \(followed.heads)")
        let head = try JSONValue(parsing: followed.heads[0])
        #expect(head["status"] == .int(200))
        #expect(header(head, "x-final") == ["yes"])
        #expect(header(head, "x-hop").isEmpty, "a redirect's headers leaked into the final head: \(followed.heads[0])")
        #expect(header(head, "location").isEmpty)
        #expect(String(decoding: followed.body, as: UTF8.self) == "landed")

        let notFollowed = ServicesHTTPSink(onError: true)
        #expect(servicesCallHTTP(#"{"url":"\#(server.url("/hop?n=2"))"}"#, call: ServicesTestCall(), sink: notFollowed) == LA_OK)
        try #require(notFollowed.heads.count == 1)
        let first = try JSONValue(parsing: notFollowed.heads[0])
        #expect(first["status"] == .int(302))
        #expect(header(first, "x-hop") == ["2"])
        #expect(String(decoding: notFollowed.body, as: UTF8.self) == "hop 2")
    }

    @Test func onHeadOnceForTheFinalResponseAfter100Continue() throws {
        let server = try ServicesTestServer.plain()
        let call = ServicesTestCall()
        let sink = ServicesHTTPSink(onError: true)
        let body = servicesTestBytes(5000, seed: 3)
        let json = #"{"method":"PUT","url":"\#(server.url("/continue"))","headers":[["Expect","100-continue"]],"timeout_ms":10000}"#
        #expect(servicesCallHTTP(json, body: body, call: call, sink: sink) == LA_OK)
        #expect(sink.errors.isEmpty)
        try #require(sink.heads.count == 1, "heads: \(sink.heads)")
        let head = try JSONValue(parsing: sink.heads[0])
        #expect(head["status"] == .int(201))
        #expect(header(head, "x-final") == ["yes"])
        #expect(header(head, "x-interim").isEmpty, "an interim response's headers leaked into the head: \(sink.heads[0])")
        #expect(header(head, "link").isEmpty)
        let echo = try JSONValue(parsing: sink.body)
        #expect(echo["expect_seen"] == .bool(true))
        #expect(echo["body_len"] == .int(5000))
    }
}

/// Sets the call's cancel flag from another thread after `delay`, as the
/// host does when a job is cancelled.
final class ServicesDelayedCancel: @unchecked Sendable {
    private var thread = pthread_t()

    init(_ call: ServicesTestCall, after delay: Duration) {
        let box = Unmanaged.passRetained(Box(call: call, delay: delay)).toOpaque()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            let ms = box.delay.serviceMilliseconds
            usleep(UInt32(ms * 1000))
            box.call.cancel()
            return nil
        }, box)
    }

    func join() { pthread_join(thread, nil) }

    private final class Box {
        let call: ServicesTestCall
        let delay: Duration
        init(call: ServicesTestCall, delay: Duration) { self.call = call; self.delay = delay }
    }
}
