import AgentCore
import FoundationEssentials
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Registry `ecr` and environment `policy` in liblaunch-agent-aws.so, as the host loads them: create errors
/// with their pointers, resolve, and credentials + verify through the host's HTTP and secrets services
/// against moto with signature checking (in a child, since the plugin reads the process environment).
@Suite struct ECRPluginHostTests {
    static let destination = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app"

    static func instance(kind: String, name: String, config: JSONValue = .object([:]), settings: JSONValue) throws -> ComponentInstance {
        let set = PluginLoader(options: .init(directories: [PluginHostTests.buildDir])).loadAll()
        let (lib, component) = try #require(set.component(kind: kind, name: name))
        return try ComponentInstance(library: lib, component: component, config: .object([
            "component": .object(["kind": .string(kind), "name": .string(name)]), "config": config, "settings": settings,
        ]))
    }

    static func registry(_ destination: String, region: String? = "us-east-1") throws -> ComponentInstance {
        var settings: [String: JSONValue] = ["destination": .string(destination)]
        if let region { settings["environment"] = .object(["type": "aws", "region": .string(region)]) }
        return try instance(kind: "registry", name: "ecr", settings: .object(settings))
    }

    func createError(_ destination: String, region: String? = "us-east-1") -> PluginCallError? {
        do { _ = try Self.registry(destination, region: region); return nil } catch { return error as? PluginCallError }
    }

    @Test func theLibraryServesECRHosts() throws {
        let set = PluginLoader(options: .init(directories: [PluginHostTests.buildDir])).loadAll()
        let (_, component) = try #require(set.component(kind: "registry", name: "ecr"))
        #expect(component.uriPatterns.contains("*.dkr.ecr.*.amazonaws.com"))
    }

    @Test func createRefusesBadDestinationsWithThePointer() throws {
        let tag = try #require(createError(Self.destination + ":v1"))
        #expect(tag.status == -10 && tag.pointer == "/settings/destination")
        #expect(tag.message.contains("the agent tags images itself: remove ':v1'"))

        let noRepo = try #require(createError("https://123456789012.dkr.ecr.us-east-1.amazonaws.com"))
        #expect(noRepo.status == -10 && noRepo.pointer == "/settings/destination" && noRepo.message.contains("names no repository"))

        let account = try #require(createError("1234.dkr.ecr.us-east-1.amazonaws.com/app"))
        #expect(account.pointer == "/settings/destination" && account.message.contains("must be 12 digits"))

        let host = try #require(createError("registry.example.com/app"))
        #expect(host.pointer == "/settings/destination" && host.message.contains("is not an ECR registry host"))

        let region = try #require(createError(Self.destination, region: "eu-west-1"))
        #expect(region.status == -10 && region.pointer == "/settings/environment/region")
        #expect(region.message == "environment.region is eu-west-1 but the destination's registry is in us-east-1: set region: us-east-1, or push to a repository in eu-west-1")

        // Without an aws environment there is nothing to compare.
        #expect(createError(Self.destination, region: nil) == nil)
    }

    @Test func resolveIsPure() throws {
        let ecr = try Self.registry(Self.destination)
        let r = try ecr.call("resolve", request: .object(["destination": .string("https://" + Self.destination)]))
        #expect(r == .object(["server": "123456789012.dkr.ecr.us-east-1.amazonaws.com", "repository": "team/app", "uri": .string(Self.destination)]))
        #expect { _ = try ecr.call("resolve", request: .object(["destination": .string(Self.destination + ":v2")])) } throws: {
            ($0 as? PluginCallError)?.status == -1
        }
    }

    @Test func policyFromTheEnvironment() throws {
        let env = try Self.instance(kind: "environment", name: "aws", config: .object(["region": "us-east-1"]), settings: .object([
            "destination": .string(Self.destination), "build_context_store": "s3://launch-contexts/agent",
            "environment": .object(["type": "aws", "region": "us-east-1"]),
        ]))
        let components: JSONValue = .array([
            .object(["kind": "builder", "name": "docker"]), .object(["kind": "registry", "name": "ecr"]),
            .object(["kind": "context-store", "name": "s3"]), .object(["kind": "runner", "name": "local-process"]),
        ])
        let result = try env.call("policy", request: .object(["components": components]))
        let expected = try JSONValue(parsing: #"""
        {"documents": [{"name": "launch-agent", "format": "aws-iam-policy", "notes": "attach to the IAM role or user the agent runs as",
          "document": {"Version": "2012-10-17", "Statement": [
            {"Sid": "ECRLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {"Sid": "ECRPushPull", "Effect": "Allow", "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
              "ecr:CompleteLayerUpload", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
              "ecr:PutImage", "ecr:UploadLayerPart"], "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/team/app"},
            {"Sid": "ContextStoreList", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads"], "Resource": "arn:aws:s3:::launch-contexts",
              "Condition": {"StringLikeIfExists": {"s3:prefix": ["agent/*"]}}},
            {"Sid": "ContextStoreObjects", "Effect": "Allow", "Action": ["s3:AbortMultipartUpload", "s3:GetObject",
              "s3:ListMultipartUploadParts", "s3:PutObject"], "Resource": "arn:aws:s3:::launch-contexts/agent/*"}]}}]}
        """#)
        #expect(result == expected)
        // Same input, same output.
        #expect(try env.call("policy", request: .object(["components": components])).serialized == result.serialized)

        // A registry other than ecr: no ECR statements.
        let other = try env.call("policy", request: .object(["components": .array([.object(["kind": "registry", "name": "acr"])])]))
        let sids = other["documents"]?.arrayValue?.first?["document"]?["Statement"]?.arrayValue?.compactMap { $0["Sid"]?.stringValue }
        #expect(sids == ["ContextStoreList", "ContextStoreObjects"])
    }

    /// Runs ``ECRPluginProbe`` in a child with `env`; returns what it wrote.
    func probe(_ env: [String: String], destination: String = destination) throws -> JSONValue {
        let out = AWSTestSupport.makeTempDir("la-ecr-probe") + "/result.json"
        let vars = env.merging(["LA_ECR_PROBE_OUT": out, "LA_ECR_PROBE_DESTINATION": destination,
                                "HOME": AWSTestSupport.makeTempDir("la-ecr-probe-home"), "AWS_EC2_METADATA_DISABLED": "true"]) { $1 }
            .map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let unset = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE",
                     "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECR"].map { "-u \($0)" }.joined(separator: " ")
        let run = AWSTestSupport.shell("env \(unset) \(vars) /proc/\(getpid())/exe --testing-library swift-testing --filter ECRPluginProbe")
        let text = try #require(AWSTestSupport.read(out), "the probe wrote nothing: \(run.output)")
        return try JSONValue(parsing: text)
    }

    @Test func credentialsAndVerifyThroughTheHostAgainstMoto() throws {
        let moto = try Moto.shared()
        try ECRMotoTests.ensureRepository("team/app", moto)
        let env = ["AWS_ACCESS_KEY_ID": moto.access_key, "AWS_SECRET_ACCESS_KEY": moto.secret_key, "AWS_ENDPOINT_URL_ECR": moto.endpoint]
        let good = try probe(env)
        let credentials = try #require(good["credentials"])
        #expect(credentials["server"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com")
        #expect(credentials["username"] == "AWS")
        #expect(credentials["password"]?.stringValue == "\(moto.account)-auth-token")
        #expect(credentials["expires_at"]?.stringValue?.hasSuffix("Z") == true)
        #expect(good["password_redacted"] == true, "the password was not registered with the host's secrets service")
        let checks = try #require(good["verify"]?["checks"]?.arrayValue)
        #expect(checks.map { $0["name"]?.stringValue ?? "" } == ["ECR login", "repository team/app"])
        #expect(checks.allSatisfy { $0["ok"] == true }, "\(good)")
        #expect(checks[1]["detail"]?.stringValue == "exists in us-east-1 (arn:aws:ecr:us-east-1:\(moto.account):repository/team/app)")

        // A repository that does not exist: verify fails with the command that creates it.
        let missing = try probe(env, destination: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/nope")
        let repoCheck = try #require(missing["verify"]?["checks"]?.arrayValue?.last)
        #expect(repoCheck["ok"] == false)
        #expect(repoCheck["fix"]?.stringValue == "create repository team/nope in us-east-1 (aws ecr create-repository --repository-name team/nope --region us-east-1) or fix builder.destination")

        // The wrong secret: credentials is LA_ERR_AUTH naming the key; verify says which secret to fix.
        let bad = try probe(["AWS_ACCESS_KEY_ID": moto.access_key, "AWS_SECRET_ACCESS_KEY": "not-the-secret-value", "AWS_ENDPOINT_URL": moto.endpoint])
        #expect(bad["credentials_status"] == -6)
        let message = bad["credentials_error"]?.stringValue ?? ""
        #expect(message.contains("SignatureDoesNotMatch") && message.contains("does not belong to access key \(moto.access_key)"), "\(message)")
        #expect(bad["verify"]?["checks"]?.arrayValue?.first?["ok"] == false)
        #expect(!bad.serialized.contains("not-the-secret-value"))
    }

    /// An IAM user in moto (which enforces policy actions) allowed only `actions`.
    static func restrictedUser(_ moto: Moto, name: String, actions: [String]) throws -> (key: String, secret: String) {
        let policy = #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [\#(actions.map { "\"\($0)\"" }.joined(separator: ", "))], "Resource": "*"}]}"#
        let r = AWSTestSupport.shell("python3 '\(AWSTestSupport.fixturesDir)/ecr/iam_user.py' '\(moto.endpoint)' '\(moto.access_key)' '\(moto.secret_key)' '\(name)' '\(policy)'")
        let json = try JSONValue(parsing: r.output.split(separator: "\n").last.map(String.init) ?? "")
        return (try #require(json["access_key"]?.stringValue, "\(r.output)"), try #require(json["secret_key"]?.stringValue))
    }

    /// moto refuses what a user's policy does not allow; each refusal names the permission to add.
    @Test func accessDeniedNamesTheMissingPermission() throws {
        let moto = try Moto.shared()
        try ECRMotoTests.ensureRepository("team/app", moto)
        let noLogin = try Self.restrictedUser(moto, name: "ecr-no-login", actions: ["ecr:DescribeRepositories"])
        let r1 = try probe(["AWS_ACCESS_KEY_ID": noLogin.key, "AWS_SECRET_ACCESS_KEY": noLogin.secret, "AWS_ENDPOINT_URL_ECR": moto.endpoint])
        #expect(r1["credentials_status"] == -6)
        let message = r1["credentials_error"]?.stringValue ?? ""
        #expect(message.contains("AccessDenied") && message.hasSuffix(": allow ecr:GetAuthorizationToken on * for the agent's identity (agent policy prints the whole policy)"), "\(message)")
        let checks1 = r1["verify"]?["checks"]?.arrayValue ?? []
        #expect(checks1.first?["ok"] == false && checks1.last?["ok"] == true, "\(r1)")

        let loginOnly = try Self.restrictedUser(moto, name: "ecr-login-only", actions: ["ecr:GetAuthorizationToken"])
        let r2 = try probe(["AWS_ACCESS_KEY_ID": loginOnly.key, "AWS_SECRET_ACCESS_KEY": loginOnly.secret, "AWS_ENDPOINT_URL_ECR": moto.endpoint])
        #expect(r2["credentials"]?["username"] == "AWS")
        let repo = try #require(r2["verify"]?["checks"]?.arrayValue?.last)
        #expect(repo["ok"] == false)
        #expect(repo["fix"]?.stringValue == "allow ecr:DescribeRepositories on arn:aws:ecr:us-east-1:123456789012:repository/team/app for the agent's identity (agent policy prints the whole policy)", "\(repo)")
    }

    @Test func noCredentialsIsAnAuthErrorListingWhereItLooked() throws {
        let r = try probe([:])
        #expect(r["credentials_status"] == -6)
        #expect(r["credentials_error"]?.stringValue?.contains("no AWS credentials found") == true)
    }

    /// Expired session credentials (credential_process says when): LA_ERR_AUTH with when and where from.
    @Test func expiredSessionCredentialsAreAClearAuthError() throws {
        let moto = try Moto.shared()
        let dir = AWSTestSupport.makeTempDir("la-ecr-expired-host")
        AWSTestSupport.write("""
            [profile old]
            credential_process = printf '{"Version": 1, "AccessKeyId": "\(moto.access_key)", "SecretAccessKey": "\(moto.secret_key)", "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "Expiration": "2020-01-02T03:04:05Z"}'
            """, to: dir + "/config")
        let r = try probe(["AWS_PROFILE": "old", "AWS_CONFIG_FILE": dir + "/config", "AWS_ENDPOINT_URL_ECR": moto.endpoint])
        #expect(r["credentials_status"] == -6)
        #expect(r["credentials_error"]?.stringValue
                == "the AWS credentials from profile 'old' (credential_process) expired at 2020-01-02T03:04:05Z: refresh them (aws sso login, a new session token, or fix the credential source)")
    }
}

/// The child half of ``ECRPluginHostTests``: does nothing unless `LA_ECR_PROBE_OUT` is set.
@Suite struct ECRPluginProbe {
    @Test func probe() throws {
        guard let out = getenv("LA_ECR_PROBE_OUT").map({ String(cString: $0) }),
              let destination = getenv("LA_ECR_PROBE_DESTINATION").map({ String(cString: $0) }) else { return }
        let ecr = try ECRPluginHostTests.registry(destination)
        var result: [String: JSONValue] = [:]
        switch Result(catching: { () throws(PluginCallError) -> JSONValue in try ecr.call("credentials", request: .object([:])) }) {
        case .success(let credentials):
            result["credentials"] = credentials
            if let password = credentials["password"]?.stringValue {
                result["password_redacted"] = .bool(Redactor.shared.redact(password) == Redactor.placeholder)
            }
        case .failure(let error):
            result["credentials_status"] = .int(Int64(error.status))
            result["credentials_error"] = .string(error.message)
        }
        result["verify"] = (try? ecr.call("verify", request: .object([:]))) ?? .null
        AWSTestSupport.write(JSONValue.object(result).serialized, to: out)
    }
}
