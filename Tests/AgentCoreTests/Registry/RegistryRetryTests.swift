import Testing
@testable import AgentCore

/// Retries and Bearer auth against the python fakes (docker-registry can
/// neither fail on demand nor issue tokens without a signing setup).
@Suite struct RegistryRetryTests {
    func client(attempts: Int = 3) -> RegistryClient {
        RegistryClient(options: registryTestOptions(attempts: attempts), credentials: registryNoConfigResolver())
    }

    func fake(_ args: [String]) throws -> RegistryHarness { try RegistryHarness.start("fake", args) }

    @Test func serverErrorsThenSuccessAreRetried() throws {
        let server = try fake(["--mode", "flaky", "--failures", "2", "--status", "500"])
        defer { server.stop() }
        let result = try client(attempts: 3).manifestExists(server.reference("team/app:v1"))
        #expect(result.exists)
        #expect(result.digest == "sha256:" + String(repeating: "ab", count: 32))
        #expect(try server.stats()["manifest_requests"] == .int(3))
    }

    @Test func serverErrorsThatOutlastTheRetriesAreReported() throws {
        let server = try fake(["--mode", "always", "--status", "500"])
        defer { server.stop() }
        let error = #expect(throws: RegistryError.self) { try client(attempts: 3).manifestExists(server.reference("team/app:v1")) }
        guard case .unavailable(let registry, let message)? = error else { Issue.record("not unavailable: \(String(describing: error))"); return }
        #expect(registry == server.registry)
        #expect(message.contains("HTTP 500"))
        #expect(message.contains("failed 3 times"))
        #expect(try server.stats()["manifest_requests"] == .int(3))
    }

    @Test func retryAfterIsHonoured() throws {
        let server = try fake(["--mode", "flaky", "--failures", "1", "--status", "503", "--retry-after", "1"])
        defer { server.stop() }
        let started = ContinuousClock.now
        #expect(try client().manifestExists(server.reference("team/app:v1")).exists)
        #expect(ContinuousClock.now - started >= .seconds(1))
        #expect(try server.stats()["manifest_requests"] == .int(2))
    }

    @Test func tooLongRetryAfterIsReportedAtOnce() throws {
        let server = try fake(["--mode", "always", "--status", "429", "--retry-after", "3600"])
        defer { server.stop() }
        let error = #expect(throws: RegistryError.self) { try client(attempts: 4).manifestExists(server.reference("team/app:v1")) }
        guard case .unavailable(_, let message)? = error else { Issue.record("not unavailable: \(String(describing: error))"); return }
        #expect(message.contains("HTTP 429"))
        #expect(message.contains("Retry-After"))
        #expect(try server.stats()["manifest_requests"] == .int(1))
    }

    @Test func clientErrorsOtherThan404AreNotMissing() throws {
        let server = try fake(["--mode", "always", "--status", "400"])
        defer { server.stop() }
        let error = #expect(throws: RegistryError.self) { try client().manifestExists(server.reference("team/app:v1")) }
        guard case .unexpectedResponse(_, let message)? = error else { Issue.record("not unexpected: \(String(describing: error))"); return }
        #expect(message.contains("HTTP 400"))
        #expect(try server.stats()["manifest_requests"] == .int(1))
    }

    @Test func bearerTokenIsFetchedWithBasicCredentialsAndCached() throws {
        let password = "bearer-" + RegistryHarness.password
        let server = try fake(["--mode", "bearer", "--user", "bob", "--password", password])
        defer { server.stop() }
        let client = client()
        let credentials = RegistryCredentials(username: "bob", password: password)
        #expect(try client.manifestExists(server.reference("team/app:v1"), credentials: credentials).exists)
        #expect(try !client.manifestExists(server.reference("team/app:v2"), credentials: credentials).exists)
        let stats = try server.stats()
        #expect(stats["token_requests"] == .int(1))
        let query = stats["token_queries"]?.arrayValue?.first?["query"]
        #expect(query?["service"] == .array(["fake-registry"]))
        #expect(query?["scope"] == .array(["repository:team/app:pull"]))
        #expect(query?["account"] == .array(["bob"]))
        // One anonymous probe, then only Bearer requests.
        #expect(stats["authorizations"] == .array(["", "Bearer", "Bearer"]))
    }

    @Test func tokenServiceRejectionIsUnauthorized() throws {
        let server = try fake(["--mode", "bearer", "--user", "bob", "--password", "right-password"])
        defer { server.stop() }
        let error = #expect(throws: RegistryError.self) {
            try client().manifestExists(server.reference("team/app:v1"), credentials: RegistryCredentials(username: "bob", password: "wrong-password"))
        }
        guard case .unauthorized(_, let message)? = error else { Issue.record("not unauthorized: \(String(describing: error))"); return }
        #expect(message.contains("token service \(server.registry) rejected the credentials"))
        #expect(!message.contains("wrong-password"))
    }

    @Test func identityTokenUsesTheOAuthRefreshGrant() throws {
        let refresh = "refresh-" + RegistryHarness.password
        let server = try fake(["--mode", "bearer", "--refresh", refresh])
        defer { server.stop() }
        #expect(try client().manifestExists(server.reference("team/app:v1"), credentials: RegistryCredentials(identityToken: refresh)).exists)
        let first = try server.stats()["token_queries"]?.arrayValue?.first
        #expect(first?["method"] == .string("POST"))
        #expect(first?["query"]?["client_id"] == .array(["launch-agent"]))
        #expect(first?["query"]?["scope"] == .array(["repository:team/app:pull"]))
    }

    @Test func registryTokenIsSentAsBearerWithoutATokenRequest() throws {
        let server = try fake(["--mode", "bearer"])
        defer { server.stop() }
        let error = #expect(throws: RegistryError.self) {
            try client().manifestExists(server.reference("team/app:v1"), credentials: RegistryCredentials(registryToken: "not-issued-by-the-fake"))
        }
        guard case .unauthorized(_, let message)? = error else { Issue.record("not unauthorized: \(String(describing: error))"); return }
        #expect(message.contains("rejected the credentials"))
        let stats = try server.stats()
        #expect(stats["token_requests"] == .int(0))
        #expect(stats["authorizations"] == .array(["", "Bearer"]))
    }

    @Test func plainHTTPTokenRealmOnAnotherHostIsRefused() throws {
        let server = try fake(["--mode", "bearer", "--user", "bob", "--password", "pw-for-realm", "--realm", "http://auth.example.com/token"])
        defer { server.stop() }
        let error = #expect(throws: RegistryError.self) {
            try client().manifestExists(server.reference("team/app:v1"), credentials: RegistryCredentials(username: "bob", password: "pw-for-realm"))
        }
        guard case .insecureTransport(_, let message)? = error else { Issue.record("not insecureTransport: \(String(describing: error))"); return }
        #expect(message.contains("http://auth.example.com/token"))
        #expect(try server.stats()["token_requests"] == .int(0))
    }
}
