import AWSCore
import Testing

/// What the ECR client does with answers moto does not produce: ECR's own JSON error shapes, odd values,
/// hostile bodies. (The happy path and signature checking are against moto: ECRMotoTests.)
@Suite struct ECRClientTests {
    let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    func client(status: Int, body: String, headers: [(name: String, value: String)] = []) -> ECRClient {
        ECRClient(environment: AWSEnvironment(["AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:9"]), region: "us-east-1",
                  transport: FakeTransport { request throws(AWSError) in
                      // What goes out: JSON 1.1, the target, a SigV4 header for service ecr.
                      guard request.header("X-Amz-Target")?.hasPrefix("AmazonEC2ContainerRegistry_V20150921.") == true,
                            request.header("Content-Type") == "application/x-amz-json-1.1",
                            request.header("Authorization")?.contains("/us-east-1/ecr/aws4_request") == true else {
                          throw AWSError(.io, "unexpected request \(request.headers)")
                      }
                      return AWSResponse(status: status, headers: headers, body: Array(body.utf8))
                  })
    }

    func failure(_ c: ECRClient) -> AWSError? {
        do { _ = try c.getAuthorizationToken(credentials: credentials); return nil } catch { return error }
    }

    @Test func errorTypesWithNamespacesAndHeaders() throws {
        let namespaced = try #require(failure(client(status: 400, body: #"{"__type":"com.amazonaws.ecr#AccessDeniedException","message":"not allowed"}"#)))
        #expect(namespaced.awsCode == "AccessDeniedException" && namespaced.kind == .auth)
        #expect(namespaced.message == "ECR GetAuthorizationToken at http://127.0.0.1:9/ refused (400 AccessDeniedException): not allowed")

        let header = try #require(failure(client(status: 400, body: "{}", headers: [("x-amzn-ErrorType", "ExpiredTokenException:http://internal.amazon.com/")])))
        #expect(header.awsCode == "ExpiredTokenException" && header.kind == .auth)

        let throttled = try #require(failure(client(status: 400, body: #"{"__type":"ThrottlingException","message":"slow down"}"#)))
        #expect(throttled.retryable && throttled.kind == .io)
        let unavailable = try #require(failure(client(status: 503, body: "<html>busy</html>")))
        #expect(unavailable.retryable && unavailable.kind == .io)
    }

    @Test func oddAnswersAreErrorsOrUnknownsNeverTraps() throws {
        // An expiry that is no time at all: unknown, not a crash.
        let huge = try client(status: 200, body: #"{"authorizationData":[{"authorizationToken":"QVdTOnNlY3JldA==","expiresAt":1e300}]}"#)
            .getAuthorizationToken(credentials: credentials)
        #expect(huge.username == "AWS" && huge.password == "secret" && huge.expiresAt == nil)
        let fraction = try client(status: 200, body: #"{"authorizationData":[{"authorizationToken":"QVdTOnNlY3JldA","expiresAt":1764537247.123}]}"#)
            .getAuthorizationToken(credentials: credentials)
        #expect(fraction.expiresAt == 1_764_537_247 && fraction.password == "secret")
        #expect(AWSTime.rfc3339(1_764_537_247) == "2025-11-30T21:14:07Z")

        #expect(failure(client(status: 200, body: #"{"authorizationData":[{"authorizationToken":"not base64!"}]}"#))?.kind == .io)
        #expect(failure(client(status: 200, body: #"{"authorizationData":[{"authorizationToken":"bm9jb2xvbg=="}]}"#))?.kind == .io)
        #expect(failure(client(status: 200, body: #"{"authorizationData":[]}"#))?.kind == .io)
        #expect(failure(client(status: 200, body: "not json"))?.kind == .io)
        #expect(failure(client(status: 200, body: String(repeating: "[", count: 100_000)))?.kind == .io)
    }

    @Test func jsonRoundTrip() throws {
        let text = #"{"a":[1,2.5,-3e2,true,false,null,"x\"y\\z\n\u00e9"],"b":{}}"#
        let value = try #require(AWSJSON.parse(text))
        #expect(value["a"]?[6]?.stringValue == "x\"y\\z\né")
        #expect(AWSJSON.parse(value.description) == value)
        #expect(AWSJSON.parse("{\"a\":1} trailing") == nil)
        #expect(AWSJSON.parse("{\"a\":1,\"b\":2}") == AWSJSON.parse("{\"b\":2,\"a\":1}"))
    }
}
