import AgentCore
import FoundationEssentials
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// liblaunch-agent-aws.so as the host loads it: create (region), hints, and verify through the host's HTTP
/// service against moto with signature checking.
///
/// The plugin reads the process environment, and `setenv` is not safe while other tests run, so verify runs
/// in a child: this test binary again, filtered to ``AWSPluginVerifyProbe``, with the AWS variables set.
@Suite struct PluginHostTests {
    static var buildDir: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while url.path.contains(".xctest") { url = url.deletingLastPathComponent() }
        return url.path
    }

    static func environmentInstance(_ config: JSONValue) throws -> ComponentInstance {
        let set = PluginLoader(options: .init(directories: [buildDir])).loadAll()
        let (lib, component) = try #require(set.component(kind: "environment", name: "aws"))
        #expect(lib.fileName == "liblaunch-agent-aws.so")
        return try ComponentInstance(library: lib, component: component, config: .object([
            "component": .object(["kind": "environment", "name": "aws"]), "config": config, "settings": .object([:]),
        ]))
    }

    @Test func regionIsRequiredWithAPointer() {
        #expect { _ = try Self.environmentInstance(.object([:])) } throws: { error in
            guard let e = error as? PluginCallError else { return false }
            return e.status == -10 && e.pointer == "/config" && e.message.contains("missing key 'region' (e.g. region: us-east-1)")
        }
        #expect { _ = try Self.environmentInstance(.object(["region": "US East"])) } throws: {
            ($0 as? PluginCallError)?.pointer == "/config/region"
        }
        #expect { _ = try Self.environmentInstance(.object(["region": "us-east-1", "regoin": "x"])) } throws: {
            ($0 as? PluginCallError)?.message.contains("did you mean 'region'") == true
        }
    }

    @Test func hintsGiveTheRegion() throws {
        let env = try Self.environmentInstance(.object(["region": "eu-central-1"]))
        let hints = try env.call("hints", request: .object(["consumer": .object(["kind": "builder", "name": "kaniko"])]))
        #expect(hints["env"] == .object(["AWS_REGION": "eu-central-1"]))
    }

    /// Runs the probe in a child with `env`; returns the verify report (or the error) it wrote.
    func verifyInChild(_ env: [String: String]) throws -> JSONValue {
        let out = AWSTestSupport.makeTempDir("la-aws-probe") + "/report.json"
        let vars = (env.merging(["LA_AWS_PROBE_OUT": out, "HOME": AWSTestSupport.makeTempDir("la-aws-probe-home"),
                                 "AWS_EC2_METADATA_DISABLED": "true"]) { $1 })
            .map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let unset = "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS"
        let run = AWSTestSupport.shell("env -u \(unset.split(separator: " ").joined(separator: " -u ")) \(vars) /proc/\(getpid())/exe --testing-library swift-testing --filter AWSPluginVerifyProbe")
        let text = try #require(AWSTestSupport.read(out), "the probe wrote nothing: \(run.output)")
        return try JSONValue(parsing: text)
    }

    @Test func verifyThroughTheHostAgainstMotoWithSignatureChecking() throws {
        let moto = try Moto.shared()
        let good = try verifyInChild(["AWS_ACCESS_KEY_ID": moto.access_key, "AWS_SECRET_ACCESS_KEY": moto.secret_key,
                                      "AWS_ENDPOINT_URL_STS": moto.endpoint])
        let checks = try #require(good["checks"]?.arrayValue)
        #expect(checks.count == 2)
        #expect(checks.allSatisfy { $0["ok"] == .bool(true) }, "\(good)")
        #expect(checks[0]["detail"]?.stringValue == "from environment variables (access key \(moto.access_key))")
        #expect(checks[1]["detail"]?.stringValue == "account \(moto.account), \(moto.user_arn) (region us-east-1)")

        let bad = try verifyInChild(["AWS_ACCESS_KEY_ID": moto.access_key, "AWS_SECRET_ACCESS_KEY": "not-the-secret-value",
                                     "AWS_ENDPOINT_URL": moto.endpoint])
        let identity = try #require(bad["checks"]?.arrayValue?.last)
        #expect(identity["ok"] == .bool(false))
        #expect(identity["detail"]?.stringValue?.contains("SignatureDoesNotMatch") == true)
        #expect(identity["fix"]?.stringValue?.contains("does not belong to access key \(moto.access_key)") == true)
        #expect(!bad.serialized.contains("not-the-secret-value"))
    }

    @Test func verifyWithNoCredentialsListsWhereItLooked() throws {
        let report = try verifyInChild([:])
        let check = try #require(report["checks"]?.arrayValue?.first)
        #expect(check["ok"] == .bool(false))
        let detail = check["detail"]?.stringValue ?? ""
        #expect(detail.contains("no AWS credentials found") && detail.contains("AWS_WEB_IDENTITY_TOKEN_FILE")
                && detail.contains("disabled by AWS_EC2_METADATA_DISABLED"), "\(detail)")
    }
}

/// The child half of ``PluginHostTests``: does nothing unless `LA_AWS_PROBE_OUT` is set.
@Suite struct AWSPluginVerifyProbe {
    @Test func probe() throws {
        guard let out = getenv("LA_AWS_PROBE_OUT").map({ String(cString: $0) }) else { return }
        let env = try PluginHostTests.environmentInstance(.object(["region": "us-east-1"]))
        let result: JSONValue
        do { result = try env.call("verify", request: .object([:])) } catch {
            result = .object(["error": .string("\(error)")])
        }
        AWSTestSupport.write(result.serialized, to: out)
    }
}
