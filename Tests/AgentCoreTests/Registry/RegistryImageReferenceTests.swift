import Testing
@testable import AgentCore

/// Image references and destinations, with Docker's normalisation rules.
@Suite struct RegistryImageReferenceTests {
    func parse(_ s: String) throws -> ImageReference { try ImageReference.parse(s) }

    @Test func singleNameIsDockerHubLibrary() throws {
        let r = try parse("python:3.11")
        #expect(r.registry == "docker.io")
        #expect(r.repository == "library/python")
        #expect(r.tag == "3.11")
        #expect(r.apiHost == "registry-1.docker.io")
        #expect(r.description == "docker.io/library/python:3.11")
    }

    @Test func twoPartNameWithoutDotIsDockerHubUser() throws {
        let r = try parse("myorg/app")
        #expect(r.registry == "docker.io")
        #expect(r.repository == "myorg/app")
        #expect(r.tag == nil)
        #expect(r.manifestReference == "latest")
    }

    @Test func firstPartIsARegistryWhenItHasADotAPortOrIsLocalhost() throws {
        #expect(try parse("gcr.io/proj/img:1").registry == "gcr.io")
        #expect(try parse("localhost/app").registry == "localhost")
        #expect(try parse("localhost:5000/team/app:v1").registry == "localhost:5000")
        #expect(try parse("localhost:5000/team/app:v1").repository == "team/app")
        #expect(try parse("myhost:5000/app").registry == "myhost:5000")
        #expect(try parse("[::1]:5000/app").registry == "[::1]:5000")
        // An upper-case first part is a host, as in Docker.
        #expect(try parse("MyHost/app").registry == "myhost")
    }

    @Test func indexDockerIoIsDockerIo() throws {
        let r = try parse("index.docker.io/ubuntu")
        #expect(r.registry == "docker.io")
        #expect(r.repository == "library/ubuntu")
    }

    @Test func schemePrefixIsDropped() throws {
        let r = try parse("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/ml/train:abc")
        #expect(r.registry == "123456789012.dkr.ecr.us-east-1.amazonaws.com")
        #expect(r.repository == "ml/train")
        #expect(r.tag == "abc")
    }

    @Test func tagAndDigestTogether() throws {
        let digest = "sha256:" + String(repeating: "a1", count: 32)
        let r = try parse("localhost:5000/app:v1@\(digest)")
        #expect(r.tag == "v1")
        #expect(r.digest == digest)
        #expect(r.manifestReference == digest)
    }

    @Test func upperCaseRepositoryIsRejected() {
        #expect(throws: ImageReferenceError.uppercaseRepository(reference: "gcr.io/Proj/app")) { try parse("gcr.io/Proj/app") }
        #expect(throws: ImageReferenceError.uppercaseRepository(reference: "MyApp")) { try parse("MyApp") }
    }

    @Test func badPartsAreRejectedWithTheirReason() {
        #expect(throws: ImageReferenceError.self) { try parse("gcr.io//app") }
        #expect(throws: ImageReferenceError.self) { try parse("gcr.io/-app") }
        #expect(throws: ImageReferenceError.self) { try parse("gcr.io/a...b") }
        #expect(throws: ImageReferenceError.invalidTag(reference: "app:.bad", tag: ".bad")) { try parse("app:.bad") }
        #expect(throws: ImageReferenceError.invalidDigest(reference: "app@sha256:abc", digest: "sha256:abc")) { try parse("app@sha256:abc") }
        #expect(throws: ImageReferenceError.invalidRegistry(reference: "bad_host.io:99999/app", registry: "bad_host.io:99999")) {
            try parse("bad_host.io:99999/app")
        }
        #expect(throws: ImageReferenceError.empty) { try parse("https://") }
        #expect(throws: ImageReferenceError.self) { try parse("a b") }
        #expect(throws: ImageReferenceError.self) { try parse("gcr.io/" + String(repeating: "a", count: 260)) }
    }

    @Test func separatorsFollowDockersGrammar() throws {
        // A first part with a dot is a host, and '_' is not allowed in host names.
        #expect(throws: ImageReferenceError.invalidRegistry(reference: "a.b_c/g", registry: "a.b_c")) { try parse("a.b_c/g") }
        #expect(try parse("docker.io/a__b/c-d.e").repository == "a__b/c-d.e")
        #expect(throws: ImageReferenceError.self) { try parse("docker.io/a___b/c") }
    }

    @Test func destinationPlusTagBuildsTheImage() throws {
        let r = try ImageReference.image(destination: "https://localhost:5000/team/app", tag: "3f2a9c1e")
        #expect(r.description == "localhost:5000/team/app:3f2a9c1e")
        #expect(try ImageReference.image(destination: "myorg/app/", tag: "t").description == "docker.io/myorg/app:t")
    }

    @Test func destinationWithATagIsRejected() {
        let expected = ImageReferenceError.tagNotAllowedInDestination(destination: "localhost:5000/team/app:v1")
        #expect(throws: expected) { try ImageReference.destination("localhost:5000/team/app:v1") }
        #expect(expected.description.hasPrefix("tag not allowed in builder.destination: the agent tags images itself"))
        let digest = "sha256:" + String(repeating: "0", count: 64)
        #expect(throws: ImageReferenceError.tagNotAllowedInDestination(destination: "gcr.io/p/app@\(digest)")) {
            try ImageReference.destination("gcr.io/p/app@\(digest)")
        }
    }

    @Test func destinationThatIsOnlyARegistryHostIsRejected() {
        #expect(throws: ImageReferenceError.missingRepository(destination: "myreg.azurecr.io")) {
            try ImageReference.destination("https://myreg.azurecr.io")
        }
        #expect(throws: ImageReferenceError.missingRepository(destination: "localhost:5000")) {
            try ImageReference.destination("localhost:5000")
        }
    }

    @Test func taggedReplacesTagAndDropsDigest() throws {
        let digest = "sha256:" + String(repeating: "f", count: 64)
        let r = try parse("gcr.io/p/app:old@\(digest)").tagged("new")
        #expect(r.tag == "new")
        #expect(r.digest == nil)
        #expect(throws: ImageReferenceError.self) { try r.tagged("no/slash") }
    }
}

/// Platforms and `WWW-Authenticate` challenges.
@Suite struct RegistryParsingTests {
    @Test func platformsNormaliseAliasesAndArm64Variant() throws {
        #expect(try Platform(parsing: "linux/x86_64") == Platform(os: "linux", architecture: "amd64"))
        #expect(try Platform(parsing: "linux/arm64/v8") == Platform(parsing: "linux/arm64"))
        #expect(try Platform(parsing: "linux/arm/v7").description == "linux/arm/v7")
        #expect(throws: ImageReferenceError.invalidPlatform("linux")) { try Platform(parsing: "linux") }
        #expect(throws: ImageReferenceError.self) { try Platform(parsing: "linux/amd64/v1/x") }
    }

    @Test func aPlatformWithoutVariantAcceptsAnyVariant() throws {
        let arm = try Platform(parsing: "linux/arm")
        #expect(arm.isSatisfied(by: try Platform(parsing: "linux/arm/v7")))
        #expect(!(try Platform(parsing: "linux/arm/v6")).isSatisfied(by: try Platform(parsing: "linux/arm/v7")))
        #expect(!(try Platform(parsing: "linux/amd64")).isSatisfied(by: try Platform(parsing: "linux/arm64")))
    }

    @Test func bearerChallengeWithQuotedCommas() {
        let c = AuthChallenge.parse([#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push""#])
        #expect(c.count == 1)
        #expect(c[0].scheme == "bearer")
        #expect(c[0].realm == "https://auth.example.com/token")
        #expect(c[0].service == "registry.example.com")
        #expect(c[0].scope == "repository:team/app:pull,push")
    }

    @Test func severalChallengesInOneHeaderAndEscapes() {
        let c = AuthChallenge.parse([#"Basic realm="a \"quoted\" realm", Bearer realm="https://x/t", error="insufficient_scope""#])
        #expect(c.map(\.scheme) == ["basic", "bearer"])
        #expect(c[0].realm == #"a "quoted" realm"#)
        #expect(c[1].parameters["error"] == "insufficient_scope")
    }

    @Test func challengesAcrossHeadersAndCaseInsensitiveNames() {
        let c = AuthChallenge.parse(["BASIC Realm=registry", "bearer REALM=\"https://t\""])
        #expect(c.map(\.scheme) == ["basic", "bearer"])
        #expect(c[0].realm == "registry")
        #expect(c[1].realm == "https://t")
        #expect(AuthChallenge.parse([""]).isEmpty)
    }

    @Test func retryAfterSecondsAndHTTPDate() {
        #expect(RetryPolicy.retryAfter("3") == .seconds(3))
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784111777 - 10) == .seconds(10))
        #expect(RetryPolicy.retryAfter("soon") == nil)
        #expect(RetryPolicy.retryAfter(nil) == nil)
    }

    @Test func backoffGrowsAndStaysWithinTheCap() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(400))
        for attempt in 1...6 {
            let cap = min(Duration.milliseconds(100) * (1 << (attempt - 1)), .milliseconds(400))
            let d = policy.backoff(afterAttempt: attempt)
            #expect(d >= cap / 2 && d <= cap)
        }
    }

    @Test func base64RoundTripsAndDecodesDockerAuth() {
        for s in ["", "a", "ab", "abc", "alice:s3cret:with:colons"] {
            #expect(Base64.decode(Base64.encode(Array(s.utf8))) == Array(s.utf8))
        }
        #expect(Base64.encode(Array("alice:s3cret".utf8)) == "YWxpY2U6czNjcmV0")
        #expect(Base64.decode("!!") == nil)
    }
}
