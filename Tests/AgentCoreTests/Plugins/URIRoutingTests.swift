import Testing
@testable import AgentCore

/// interfaces.md §3: authority keys, glob matching and the most specific pattern.
@Suite struct URIRoutingTests {
    @Test(arguments: [
        ("s3://launch-contexts/agent/x.tar.gz", "s3://launch-contexts"),
        ("gs://bucket", "gs://bucket"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app", "123456789012.dkr.ecr.us-east-1.amazonaws.com"),
        ("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app", "123456789012.dkr.ecr.us-east-1.amazonaws.com"),
        ("http://user:pw@localhost:5000/team", "localhost:5000"),
        ("https://acct.blob.core.windows.net/c/p", "acct.blob.core.windows.net"),
        ("127.0.0.1:5000/team/app", "127.0.0.1:5000"),
        ("S3://Bucket/x", "s3://Bucket"),
    ])
    func authorityKey(uri: String, key: String) {
        #expect(URIRouting.authorityKey(uri) == key)
    }

    @Test(arguments: [
        ("*.dkr.ecr.*.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com", true),
        ("*.dkr.ecr.*.amazonaws.com", "123456789012.DKR.ECR.us-east-1.amazonaws.com", true),
        ("*.dkr.ecr.*.amazonaws.com", "dkr.ecr.amazonaws.com", false),
        ("*.dkr.ecr.*.amazonaws.com", "evil.com/x.dkr.ecr.us-east-1.amazonaws.com.evil", false),
        ("s3://*", "s3://bucket", true),
        ("s3://*", "gs://bucket", false),
        ("*-docker.pkg.dev", "us-central1-docker.pkg.dev", true),
        ("localhost:*", "localhost", false),
        ("localhost:*", "localhost:5000", true),
        ("*", "", true),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false),
    ])
    func globMatching(pattern: String, key: String, matches: Bool) {
        #expect(URIRouting.matches(pattern: pattern, key: key) == matches)
    }

    @Test func theRouteFixtureServesLoopbackRegistriesAndItsOwnScheme() throws {
        let dir = TestSupport.makeTempDir("la-route")
        _ = TestSupport.buildRouteFixture(in: dir)
        let plugins = PluginLoader(options: .init(directories: [dir])).loadAll()
        #expect(try plugins.route(kind: "registry", uri: "127.0.0.1:5000/team/app")?.component.name == "fixreg")
        #expect(try plugins.route(kind: "registry", uri: "registry.example.com/team/app") == nil)
        #expect(try plugins.route(kind: "context-store", uri: "fix://bucket/prefix")?.component.name == "fixstore")
        #expect(try plugins.route(kind: "context-store", uri: "s3://bucket/prefix") == nil)
        #expect(try plugins.route(kind: "registry", uri: "fix://bucket") == nil)
    }
}
