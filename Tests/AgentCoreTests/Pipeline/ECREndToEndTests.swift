import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// The agent pushing to "ECR" through the real hostname: `123456789012.dkr.ecr.us-east-1.amazonaws.com`
/// resolves to a docker-registry over TLS (a throwaway CA) inside a network namespace, whose htpasswd user
/// `AWS` has the password moto's GetAuthorizationToken hands out. The agent runs inside the namespace with
/// `ip netns exec`; registry `ecr` gets the login from moto (AWS_ENDPOINT_URL_ECR, signature checked),
/// the host uses it for the manifest check and the docker builder (podman) for the push. Nothing in the
/// agent's code path knows it is a test. Fixture: Tests/AWSPluginTests/Fixtures/ecr/ecr_netns.py.
@Suite(.serialized) struct ECREndToEndTests {
    static let fixture = TestSupport.repoRoot + "/Tests/AWSPluginTests/Fixtures/ecr/ecr_netns.py"

    /// Why the test cannot run here, or nil: it needs root and `ip netns`.
    static let unavailable: String? = {
        if getuid() != 0 { return "needs root (ip netns add, /etc/netns, a server on port 443)" }
        if TestSupport.shell("ip netns list").status != 0 { return "'ip netns' is not available (iproute2 with network namespace support)" }
        return nil
    }()

    /// The namespace, CA, moto and registry of one test; `down` in `stop()`.
    struct Namespace {
        let dir: String
        let info: JSONValue
        var ns: String { info["ns"]?.stringValue ?? "" }
        var host: String { info["host"]?.stringValue ?? "" }
        var ca: String { info["ca"]?.stringValue ?? "" }
        var certDir: String { info["cert_dir"]?.stringValue ?? "" }
        var password: String { info["password"]?.stringValue ?? "" }
        var moto: JSONValue { info["moto"] ?? .null }

        static func start() throws -> Namespace {
            let dir = TestSupport.makeTempDir("la-ecr-e2e-ns")
            let r = TestSupport.shell("python3 '\(ECREndToEndTests.fixture)' up '\(dir)' \(getpid()) 2>'\(dir)/up.err'")
            let line = r.output.split(separator: "\n").last.map(String.init) ?? ""
            guard r.status == 0, let info = try? JSONValue(parsing: line) else {
                _ = TestSupport.shell("python3 '\(ECREndToEndTests.fixture)' down '\(dir)'")
                throw StartError(description: "ecr_netns.py up failed: \(r.output) \(TestSupport.shell("cat '\(dir)/up.err'").output)")
            }
            return Namespace(dir: dir, info: info)
        }

        func stop() {
            _ = TestSupport.shell("python3 '\(ECREndToEndTests.fixture)' down '\(dir)'")
        }

        /// Runs `command` inside the namespace.
        func shell(_ command: String) -> (status: Int32, output: String) {
            TestSupport.shell("ip netns exec '\(ns)' sh -c \(shellQuote(command))")
        }
    }

    struct StartError: Error, CustomStringConvertible { let description: String }

    static func shellQuote(_ s: String) -> String { "'" + s.replacing("'", with: "'\\''") + "'" }

    @Test(.enabled(if: unavailable == nil, Comment(rawValue: unavailable ?? "")))
    func pushesToECRThroughTheRealHostnameAndSkipsTheSecondBuild() throws {
        let namespace = try Namespace.start()
        defer { namespace.stop() }
        let e2e = EndToEndTests()
        // podman storage, chroot isolation, a state dir; the docker config has nothing for the ECR host:
        // the login must come from registry `ecr`.
        let env = e2e.environment(registry: "unused.invalid") + " " + [
            "AWS_ACCESS_KEY_ID=\(namespace.moto["access_key"]?.stringValue ?? "")",
            "AWS_SECRET_ACCESS_KEY=\(namespace.moto["secret_key"]?.stringValue ?? "")",
            "AWS_ENDPOINT_URL_ECR=\(namespace.moto["endpoint"]?.stringValue ?? "")",
            "AWS_ENDPOINT_URL_STS=\(namespace.moto["endpoint"]?.stringValue ?? "")",
            "AWS_EC2_METADATA_DISABLED=true", "HOME=\(e2e.dir)",
            // The host's libcurl reads CURL_CA_BUNDLE, then SSL_CERT_FILE (machines may set both to the
            // system bundle); podman (Go's crypto/x509) reads SSL_CERT_FILE.
            "CURL_CA_BUNDLE=\(namespace.ca)", "SSL_CERT_FILE=\(namespace.ca)",
        ].map { "'\($0)'" }.joined(separator: " ")
        let destination = "\(namespace.host)/team/app"
        let config = e2e.writeConfig("""
            environment:
              type: aws
              region: us-east-1
            builder:
              type: docker
              cli: podman
              destination: \(destination)

            """)
        func agentInNamespace(_ args: String) -> (status: Int32, output: String) {
            namespace.shell("env \(env) '\(TestSupport.buildDir)/agent' --plugins-dir '\(TestSupport.buildDir)' \(args)")
        }

        let first = e2e.agent(env, "submit '\(e2e.writeJob(at: e2e.dir + "/src"))'")
        try #require(first.status == 0, "\(first.output)")
        let run1 = agentInNamespace("--config '\(config)' run --once")
        #expect(run1.status == 0, "\(run1.output)")
        let job1 = try e2e.show(env, first.output.trimmed)
        #expect(job1["status"] == "finished", "\(job1.serialized)\n\(run1.output)")
        let image = try #require(job1["image"]?.stringValue)
        #expect(image.hasPrefix(destination + ":"))
        #expect(job1["build_skipped"] == false)

        // A real client, inside the namespace, trusting only the test CA, sees the pushed image.
        let inspect = namespace.shell("skopeo inspect --cert-dir '\(namespace.certDir)' --creds 'AWS:\(namespace.password)' 'docker://\(image)'")
        #expect(inspect.status == 0, "\(inspect.output)")
        #expect(inspect.output.contains("\"Name\": \"\(destination)\""), "\(inspect.output)")

        // The same source again: the host's manifest check (with registry ecr's login) finds it; no build.
        let second = e2e.agent(env, "submit '\(e2e.dir)/src/job.yaml'")
        try #require(second.status == 0)
        let run2 = agentInNamespace("--config '\(config)' run --once")
        #expect(run2.status == 0, "\(run2.output)")
        let job2 = try e2e.show(env, second.output.trimmed)
        #expect(job2["status"] == "finished")
        #expect(job2["image"]?.stringValue == image)
        #expect(job2["build_skipped"] == true, "\(job2.serialized)")
        let log = try String(contentsOfFile: try #require(job2["log_path"]?.stringValue), encoding: .utf8)
        #expect(log.contains("build skipped: \(image) already exists in the registry"))
        let log1 = try String(contentsOfFile: try #require(job1["log_path"]?.stringValue), encoding: .utf8)
        #expect(!log1.contains(namespace.password) && !run1.output.contains(namespace.password), "the ECR token leaked into a log")

        // agent verify, in the namespace: the registry's checks run against moto.
        let verify = agentInNamespace("--config '\(config)' verify")
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("ECR login") && verify.output.contains("repository team/app"), "\(verify.output)")
        #expect(verify.output.contains("AWS identity: account 123456789012, arn:aws:iam::123456789012:user/launch-agent"), "\(verify.output)")
        #expect(verify.output.contains("exists in us-east-1 (arn:aws:ecr:us-east-1:123456789012:repository/team/app)"), "\(verify.output)")

        // A wrong secret: moto refuses GetAuthorizationToken; the job fails in the build stage, saying why.
        let badEnv = env.replacing("AWS_SECRET_ACCESS_KEY=", with: "AWS_SECRET_ACCESS_KEY=wrong")
        let third = e2e.agent(badEnv, "submit '\(e2e.writeJob(at: e2e.dir + "/other"))'")
        try #require(third.status == 0)
        TestSupport.write("FROM scratch\nCOPY model.txt /other.txt\n", to: e2e.dir + "/other/Dockerfile")
        let run3 = namespace.shell("env \(badEnv) '\(TestSupport.buildDir)/agent' --plugins-dir '\(TestSupport.buildDir)' --config '\(config)' run --once")
        #expect(run3.status == 1, "\(run3.output)")
        let job3 = try e2e.show(badEnv, third.output.trimmed)
        #expect(job3["status"] == "failed")
        #expect(job3["stage"] == "build")
        let reason = job3["reason"]?.stringValue ?? ""
        #expect(reason.contains("SignatureDoesNotMatch") && reason.contains("fix the secret in environment variables"), "\(reason)")
    }
}
