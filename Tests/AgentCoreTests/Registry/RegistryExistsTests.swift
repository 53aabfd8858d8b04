import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// The existence check against a real docker-registry (CNCF distribution)
/// with htpasswd auth, images pushed by skopeo.
@Suite struct RegistryExistsTests {
    func client(caFile: String? = nil, attempts: Int = 3) -> RegistryClient {
        RegistryClient(options: registryTestOptions(attempts: attempts, caFile: caFile), credentials: registryNoConfigResolver())
    }

    let credentials = RegistryCredentials(username: RegistryHarness.user, password: RegistryHarness.password)

    func linux(_ arch: String) -> Platform { Platform(os: "linux", architecture: arch) }

    @Test func pushedTagExistsWithItsDigest() throws {
        let server = try RegistryHarness.basic()
        let result = try client().manifestExists(server.reference("team/app:v1"), credentials: credentials)
        #expect(result.exists)
        #expect(result.digest == server.digests["team/app:v1"])
        #expect(result.mediaType == "application/vnd.oci.image.manifest.v1+json")
        #expect(result.reason == nil)
    }

    @Test func digestAgreesWithSkopeo() throws {
        let server = try RegistryHarness.basic()
        let skopeo = TestSupport.shell("skopeo inspect --format '{{.Digest}}' --tls-verify=false --creds '\(RegistryHarness.user):\(RegistryHarness.password)' docker://\(server.registry)/team/app:v1")
        #expect(skopeo.status == 0, "\(skopeo.output)")
        let ours = try client().resolveDigest(server.reference("team/app:v1"), credentials: credentials)
        #expect(ours == skopeo.output.filter { !$0.isWhitespace })
    }

    @Test func missingTagIsMissing() throws {
        let server = try RegistryHarness.basic()
        let result = try client().manifestExists(server.reference("team/app:not-pushed"), credentials: credentials)
        #expect(!result.exists)
        #expect(result.digest == nil)
        #expect(result.reason?.contains("HTTP 404") == true)
    }

    @Test func missingRepositoryIsMissing() throws {
        let server = try RegistryHarness.basic()
        #expect(try !client().manifestExists(server.reference("nobody/here:v1"), credentials: credentials).exists)
    }

    @Test func wrongPasswordIsUnauthorizedAndNamesTheRegistry() throws {
        let server = try RegistryHarness.basic()
        let wrong = "wrong-" + RegistryHarness.password
        let error = #expect(throws: RegistryError.self) {
            try client().manifestExists(server.reference("team/app:v1"), credentials: RegistryCredentials(username: "alice", password: wrong))
        }
        guard case .unauthorized(let registry, let message)? = error else { Issue.record("not unauthorized: \(String(describing: error))"); return }
        #expect(registry == server.registry)
        #expect(message.contains("registry \(server.registry) rejected the credentials"))
        #expect(message.contains("HTTP 401"))
        #expect(message.contains("team/app"))
        #expect(!message.contains(wrong))
        #expect(Redactor.shared.redact(wrong) == Redactor.placeholder)
    }

    @Test func noCredentialsIsUnauthorizedNotMissing() throws {
        let server = try RegistryHarness.basic()
        let error = #expect(throws: RegistryError.self) { try client().manifestExists(server.reference("team/app:v1")) }
        guard case .unauthorized(_, let message)? = error else { Issue.record("not unauthorized: \(String(describing: error))"); return }
        #expect(message.contains("refused anonymous access"))
        #expect(message.contains("docker login \(server.registry)"))
    }

    @Test func indexListingEveryRequestedPlatformExists() throws {
        let server = try RegistryHarness.basic()
        let result = try client().manifestExists(server.reference("team/multi:v1"), credentials: credentials,
                                                 platforms: [linux("amd64"), linux("arm64")])
        #expect(result.exists)
        #expect(result.digest == server.digests["team/multi:v1"])
        #expect(result.mediaType == "application/vnd.oci.image.index.v1+json")
        #expect(Set(result.platforms) == [linux("amd64"), linux("arm64")])
    }

    @Test func indexLackingARequestedPlatformDoesNotExist() throws {
        let server = try RegistryHarness.basic()
        let result = try client().manifestExists(server.reference("team/multi:v1"), credentials: credentials,
                                                 platforms: [linux("amd64"), linux("s390x")])
        #expect(!result.exists)
        #expect(result.reason == "index lacks linux/s390x")
    }

    @Test func singlePlatformImageDoesNotServeTwoPlatforms() throws {
        let server = try RegistryHarness.basic()
        let result = try client().manifestExists(server.reference("team/app:v1"), credentials: credentials,
                                                 platforms: [linux("amd64"), linux("arm64")])
        #expect(!result.exists)
        #expect(result.reason?.contains("single-platform image") == true)
    }

    @Test func singleImageIsCheckedAgainstItsConfigPlatform() throws {
        let server = try RegistryHarness.basic()
        let amd = try client().manifestExists(server.reference("team/app:v1"), credentials: credentials, platforms: [linux("amd64")])
        #expect(amd.exists)
        #expect(amd.platforms == [linux("amd64")])
        let arm = try client().manifestExists(server.reference("team/app:v1"), credentials: credentials, platforms: [linux("arm64")])
        #expect(!arm.exists)
        #expect(arm.reason == "image is linux/amd64, not linux/arm64")
    }

    @Test func resolveDigestOfAnIndexIsTheIndexDigest() throws {
        let server = try RegistryHarness.basic()
        let digest = try client().resolveDigest(server.reference("team/multi:v1"), credentials: credentials)
        #expect(digest == server.digests["team/multi:v1"])
        let raw = TestSupport.shell("skopeo inspect --raw --tls-verify=false --creds '\(RegistryHarness.user):\(RegistryHarness.password)' docker://\(server.registry)/team/multi:v1 | sha256sum")
        #expect(digest == "sha256:" + raw.output.prefix(64))
    }

    @Test func resolveDigestOfAMissingTagIsNotFound() throws {
        let server = try RegistryHarness.basic()
        let error = #expect(throws: RegistryError.self) {
            try client().resolveDigest(server.reference("team/app:nope"), credentials: credentials)
        }
        guard case .notFound? = error else { Issue.record("not notFound: \(String(describing: error))"); return }
    }

    @Test func tlsRegistryIsVerifiedWithTheGivenCA() throws {
        let server = try RegistryHarness.tls()
        let result = try client(caFile: server.caPath).manifestExists(server.reference("team/app:v1"), credentials: credentials)
        #expect(result.exists)
        #expect(result.digest == server.digests["team/app:v1"])
    }

    @Test func tlsRegistryIsFoundThroughSSLCertFile() throws {
        let server = try RegistryHarness.tls()
        let http = HTTPClient(environment: { $0 == "SSL_CERT_FILE" ? server.caPath : nil })
        let client = RegistryClient(options: registryTestOptions(), credentials: registryNoConfigResolver(), http: http)
        #expect(try client.manifestExists(server.reference("team/app:v1"), credentials: credentials).exists)
    }

    @Test func untrustedCertificateIsATLSErrorNotMissing() throws {
        let server = try RegistryHarness.tls()
        let empty = TestSupport.makeTempDir("la-registry-noca") + "/none.pem"
        TestSupport.write("", to: empty)
        let error = #expect(throws: RegistryError.self) {
            try client(caFile: empty).manifestExists(server.reference("team/app:v1"), credentials: credentials)
        }
        guard case .tls(_, let message)? = error else { Issue.record("not a TLS error: \(String(describing: error))"); return }
        #expect(message.contains("SSL_CERT_FILE"))
    }

    @Test func stoppedRegistryIsUnavailableNotMissing() throws {
        let server = try RegistryHarness.start("registry", ["--push", "team/app:v1=linux/amd64"])
        let reference = try server.reference("team/app:v1")
        #expect(try client().manifestExists(reference).exists)
        server.stop()
        #expect(kill(server.serverPID, 0) == -1 && errno == ESRCH, "docker-registry still running")
        let started = ContinuousClock.now
        let error = #expect(throws: RegistryError.self) { try client(attempts: 3).manifestExists(reference) }
        guard case .unavailable(let registry, let message)? = error else { Issue.record("not unavailable: \(String(describing: error))"); return }
        #expect(registry == server.registry)
        #expect(message.contains("failed 3 times"))
        #expect(message.contains("neither found nor ruled out"))
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func plainHTTPOnlyForLoopbackAndListedRegistries() {
        let client = RegistryClient(options: .init(insecureRegistries: ["registry.corp:5000", "http://other.corp"]))
        #expect(client.allowsPlainHTTP("localhost:5000"))
        #expect(client.allowsPlainHTTP("127.0.0.1:41000"))
        #expect(client.allowsPlainHTTP("[::1]:5000"))
        #expect(client.allowsPlainHTTP("registry.corp:5000"))
        #expect(!client.allowsPlainHTTP("registry.corp:6000"))
        #expect(client.allowsPlainHTTP("other.corp:443"))
        #expect(!client.allowsPlainHTTP("registry.example.com"))
        #expect(!client.allowsPlainHTTP("127.example.com"))
    }
}
