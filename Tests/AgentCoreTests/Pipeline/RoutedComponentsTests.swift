import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// The host consulting the components it chooses by URI: the registry
/// component's credentials for the existence check and the builder, the
/// context store for the build context, the environment's hints — against a
/// real docker-registry that requires a password the docker config does not have.
@Suite(.serialized) struct RoutedComponentsTests {
    let dir = TestSupport.makeTempDir("la-routed")
    let user = "fix"
    let password = "pw-" + String(UInt64.random(in: 1 << 40...UInt64.max), radix: 36)

    var pluginsDir: String { dir + "/plugins" }

    init() {
        mkdir(dir + "/plugins", 0o755)
        _ = TestSupport.buildRouteFixture(in: dir + "/plugins")
        mkdir(dir + "/store", 0o700)
        mkdir(dir + "/docker", 0o700)
    }

    func env(password: String? = nil) -> String {
        [
            "FIXREG_USER=\(user)", "FIXREG_PASSWORD=\(password ?? self.password)", "FIXREG_CALLS=\(dir)/fixreg-calls",
            "FIXSTORE_ROOT=\(dir)/store", "FIXBUILD_REQUESTS=\(dir)/build-requests",
            "DOCKER_CONFIG=\(dir)/docker", "LAUNCH_AGENT_STATE_DIR=\(dir)/state",
        ].map { "'\($0)'" }.joined(separator: " ")
    }

    func agent(_ env: String, _ args: String) -> (status: Int32, output: String) {
        TestSupport.shell("env \(env) '\(TestSupport.buildDir)/agent' --plugins-dir '\(pluginsDir)' --plugins-dir '\(TestSupport.buildDir)' \(args)")
    }

    func config(destination: String, store: String = "fix://bucket/contexts") -> String {
        let path = dir + "/launch-config.yaml"
        TestSupport.write("""
            environment:
              type: fixenv
            builder:
              type: fixbuild
              destination: \(destination)
              build-context-store: \(store)

            """, to: path)
        return path
    }

    func job(_ name: String) -> String {
        let source = dir + "/" + name
        mkdir(source, 0o755)
        TestSupport.write("FROM scratch\nCOPY model.txt /model.txt\n", to: source + "/Dockerfile")
        TestSupport.write("weights v1\n", to: source + "/model.txt")
        TestSupport.write("name: train\npath: .\nentry_point: [cat, model.txt]\n", to: source + "/job.yaml")
        return source
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func registryCredentialsContextUploadAndHintsReachTheBuild() throws {
        let registry = try RegistryHarness.start("registry", ["--user", user, "--password", password])
        defer { registry.stop() }
        let env = env()
        let configPath = config(destination: "\(registry.registry)/team/app")
        let source = job("src")
        let first = agent(env, "submit '\(source)/job.yaml'"), second = agent(env, "submit '\(source)/job.yaml'")
        try #require(first.status == 0 && second.status == 0, "\(first.output)\(second.output)")

        let run = agent(env, "--config '\(configPath)' run --once")
        #expect(run.status == 0, "\(run.output)")
        for id in [first.output.trimmed, second.output.trimmed] {
            let record = try JSONValue(parsing: agent(env, "jobs show -o json \(id)").output)
            #expect(record["status"] == "finished", "\(record.serialized)")
        }

        // One credentials call for both jobs: the agent caches until expires_at.
        #expect(lines(dir + "/fixreg-calls") == ["credentials"])

        // The builder got the component's credentials, the stored context and the hints.
        let requests = try lines(dir + "/build-requests").map { try JSONValue(parsing: $0) }
        try #require(requests.count == 2)
        let request = requests[0]
        #expect(request["registry_auth"]?["username"]?.stringValue == user)
        #expect(request["registry_auth"]?["server"]?.stringValue == registry.registry)
        #expect(request["environment_hints"]?["env"]?["FIX_REGION"]?.stringValue == "r-1")
        #expect(request["environment_hints"]?["labels"]?["fix/use"]?.stringValue == "true")
        let uri = try #require(request["context_uri"]?.stringValue)
        #expect(uri.hasPrefix("fix://bucket/") && uri.hasSuffix(".tar.gz"))
        #expect(requests[1]["context_uri"]?.stringValue == uri)

        // Uploaded once; the second job found it in the store.
        #expect(lines(dir + "/store/uploads") == [uri])
        let hex = String(uri.dropFirst("fix://bucket/".count).dropLast(".tar.gz".count))
        let object = dir + "/store/bucket/\(hex).tar.gz"
        #expect(TestSupport.shell("sha256sum < '\(object)'").output.hasPrefix(hex))

        // The object is the gzipped deterministic context tar the tag was computed from.
        let tarHash = TestSupport.shell("gzip -dc '\(object)' | sha256sum").output.prefix(64)
        let contextHash = TestSupport.shell("'\(TestSupport.buildDir)/agent' context hash '\(source)'").output
        #expect(contextHash.hasPrefix("sha256:\(tarHash)"), "\(contextHash)")
        #expect(TestSupport.shell("gzip -dc '\(object)' | tar -tf - | sort").output == "Dockerfile\njob.yaml\nmodel.txt\n")

        let log2 = try String(contentsOfFile: dir + "/state/logs/\(second.output.trimmed).log", encoding: .utf8)
        #expect(log2.contains("already in the store: \(uri)"), "\(log2)")
        // The password reached the builder but no log.
        #expect(!log2.contains(password))
        #expect(!run.output.contains(password))
    }

    @Test func credentialsTheRegistryRefusesFailTheBuildWithoutShowingThem() throws {
        let registry = try RegistryHarness.start("registry", ["--user", user, "--password", password])
        defer { registry.stop() }
        let wrong = "wrong-" + password
        let env = env(password: wrong)
        let configPath = config(destination: "\(registry.registry)/team/app")
        let id = agent(env, "submit '\(job("src"))/job.yaml'").output.trimmed
        _ = agent(env, "--config '\(configPath)' run --once")
        let record = try JSONValue(parsing: agent(env, "jobs show -o json \(id)").output)
        #expect(record["status"] == "failed")
        #expect(record["stage"] == "build", "\(record.serialized)")
        let reason = record["reason"]?.stringValue ?? ""
        #expect(reason.contains("rejected the credentials"), "\(reason)")
        #expect(!reason.contains(wrong))
        #expect(!lines(dir + "/build-requests").contains { _ in true }, "the builder must not run")
    }

    /// One job against a store whose `exists` fails retryably `failures` times; its record and id.
    func runWithFlakyStore(failures: Int) throws -> (record: JSONValue, id: String) {
        let registry = try RegistryHarness.start("registry", ["--user", user, "--password", password])
        defer { registry.stop() }
        TestSupport.write("\(failures)\n", to: dir + "/flaky")
        let env = env() + " 'FIXSTORE_FLAKY=\(dir)/flaky'"
        let configPath = config(destination: "\(registry.registry)/team/app")
        let id = agent(env, "submit '\(job("src"))/job.yaml'").output.trimmed
        _ = agent(env, "--config '\(configPath)' run --once")
        return (try JSONValue(parsing: agent(env, "jobs show -o json \(id)").output), id)
    }

    @Test func retryableStoreFailuresAreRetriedAndTheJobGoesOn() throws {
        let (record, id) = try runWithFlakyStore(failures: 2)
        #expect(record["status"] == "finished", "\(record.serialized)")
        let log = try String(contentsOfFile: dir + "/state/logs/\(id).log", encoding: .utf8)
        #expect(log.contains("warning: context-store 'fixstore' exists failed (the store answered 503 SlowDown); retrying in 2 s (attempt 2 of 3)"), "\(log)")
        #expect(log.contains("(attempt 3 of 3)"))
        #expect(lines(dir + "/store/uploads").count == 1)
    }

    @Test func aStoreThatKeepsFailingFailsTheBuildWithItsMessage() throws {
        let (record, _) = try runWithFlakyStore(failures: 9)
        #expect(record["status"] == "failed")
        #expect(record["stage"] == "build")
        #expect(record["reason"]?.stringValue?.contains("the store answered 503 SlowDown") == true, "\(record.serialized)")
        #expect(try String(contentsOfFile: dir + "/flaky", encoding: .utf8).hasPrefix("6"), "three calls in all")
        #expect(lines(dir + "/build-requests").isEmpty)
    }

    @Test func aRegistryComponentRefusingTheDestinationIsAConfigErrorAtItsLine() {
        let configPath = config(destination: "127.0.0.1:5000/refuse-me")
        let r = agent(env(), "--config '\(configPath)' config validate")
        #expect(r.status == 2)
        #expect(r.output.contains("\(configPath):5:16: error: registry 'fixreg': this registry refuses repositories named refuse-me"), "\(r.output)")
    }

    @Test func aContextStoreNothingServesIsAConfigError() {
        let configPath = config(destination: "127.0.0.1:5000/team/app", store: "nope://bucket/x")
        let r = agent(env(), "--config '\(configPath)' config validate")
        #expect(r.status == 2)
        #expect(r.output.contains("\(configPath):6:24: error: builder.build-context-store: no installed context store serves nope://bucket"), "\(r.output)")
    }

    @Test func policyAsksTheEnvironmentAboutEveryConfiguredComponent() throws {
        let configPath = config(destination: "127.0.0.1:5000/team/app")
        let r = agent(env(), "--config '\(configPath)' policy --runner local-process -o json")
        try #require(r.status == 0, "\(r.output)")
        let result = try JSONValue(parsing: r.output)
        let components = result["documents"]?.arrayValue?.first?["document"]?["components"]?.arrayValue ?? []
        let pairs = Set(components.map { "\($0["kind"]?.stringValue ?? "")/\($0["name"]?.stringValue ?? "")" })
        #expect(pairs == ["builder/fixbuild", "environment/fixenv", "registry/fixreg", "context-store/fixstore", "runner/local-process"])

        let text = agent(env(), "--config '\(configPath)' policy")
        #expect(text.output.hasPrefix("# fixture (fixture-echo)\n# the request, echoed\n{\n  \"components\": ["), "\(text.output)")
    }
}
