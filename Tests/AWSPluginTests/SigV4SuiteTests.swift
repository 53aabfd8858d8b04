import AWSCore
import FoundationEssentials
import Testing

/// The official AWS Signature Version 4 test-suite vectors (Fixtures/README.md names the source).
@Suite struct SigV4SuiteTests {
    struct Suite: Decodable {
        struct Vector: Decodable { var name, req, creq, sts, authz: String; var token: String? }
        var access_key, secret_key, region, service, date: String
        var tests: [Vector]
    }

    static let suite: Suite = {
        let text = AWSTestSupport.read(AWSTestSupport.fixturesDir + "/sigv4-test-suite.json")!
        return try! JSONDecoder().decode(Suite.self, from: Data(text.utf8))
    }()

    /// Parses a `.req` file: request line, `Name:value` headers (an indented line continues the previous
    /// header as another value), a blank line, the body.
    static func request(_ raw: String) -> AWSRequest {
        var lines = raw.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        var headers: [(name: String, value: String)] = []
        var body = ""
        while !lines.isEmpty {
            let line = lines.removeFirst()
            if line.isEmpty { body = lines.joined(separator: "\n"); break }
            if line.first == " ", let last = headers.last {
                headers.append((last.name, line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return AWSRequest(method: method, url: AWSURL("https://example.amazonaws.com" + target)!, headers: headers, body: Array(body.utf8))
    }

    @Test(arguments: suite.tests.map(\.name))
    func vector(_ name: String) throws {
        let s = Self.suite
        let v = try #require(s.tests.first { $0.name == name })
        var request = Self.request(v.req)
        let credentials = AWSCredentials(accessKeyID: s.access_key, secretAccessKey: s.secret_key, sessionToken: v.token)
        let signer = SigV4Signer(service: s.service, region: s.region)
        let parts = signer.sign(&request, credentials: credentials, date: AWSDate(amzDate: s.date)!)
        #expect(parts.canonicalRequest == v.creq)
        #expect(parts.stringToSign == v.sts)
        #expect(request.header("Authorization") == v.authz)
    }

    /// The signing key of the AWS documentation's example (kSigning for 20150830/us-east-1/iam).
    @Test func signingKeyExample() {
        let key = SigV4Signer.signingKey(secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", dateStamp: "20150830", region: "us-east-1", service: "iam")
        #expect(Hex.encode(key) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }

    @Test func s3RulesKeepTheWirePathAndSendContentSHA256() {
        var request = AWSRequest(method: "PUT", url: AWSURL("https://bucket.s3.amazonaws.com/a%20b/../c")!, body: Array("x".utf8))
        let parts = SigV4Signer(service: "s3", region: "us-east-1").sign(
            &request, credentials: AWSCredentials(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOKEN"),
            date: AWSDate(amzDate: "20240102T030405Z")!, payload: .unsigned)
        #expect(parts.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[1] == "/a%20b/../c")
        #expect(request.header("X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD")
        #expect(request.header("X-Amz-Security-Token") == "TOKEN")
        #expect(parts.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(parts.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
    }

    @Test func otherServicesEncodeTheWirePathAgain() {
        let signer = SigV4Signer(service: "execute-api", region: "us-east-1")
        #expect(signer.canonicalURI("/a%20b/./c//d/../e") == "/a%2520b/c/e")
        #expect(signer.canonicalURI("") == "/")
    }

    @Test func urlParsingAndEncoding() throws {
        let url = try #require(AWSURL("HTTPS://Example.COM:443/p%20q?b=2&a=1&a=%E1%88%B4&flag"))
        #expect(url.host == "example.com")
        #expect(url.hostHeader == "example.com")
        #expect(url.query == [.init("b", "2"), .init("a", "1"), .init("a", "ሴ"), .init("flag", "")])
        #expect(url.string == "https://example.com:443/p%20q?b=2&a=1&a=%E1%88%B4&flag=")
        #expect(AWSURL("http://127.0.0.1:5000")?.hostHeader == "127.0.0.1:5000")
        #expect(AWSURL("http://127.0.0.1:5000")?.path == "/")
        #expect(AWSURL("ftp://x") == nil)
        #expect(AWSURI.encodePath("/team/my file+ሴ.tar") == "/team/my%20file%2B%E1%88%B4.tar")
    }
}
