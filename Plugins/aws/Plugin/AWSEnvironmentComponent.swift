import AWSCore
import LaunchAgentPluginKit

/// Environment `aws`.
///
/// Config keys (plugin-owned; the host owns `type`):
/// - `region` (required, as in W&B Launch): the AWS region, e.g. `us-east-1`.
struct AWSEnvironmentComponent: Environment {
    let region: String
    let host: Host
    let environment: AWSEnvironment
    /// `builder.destination` and `builder.build-context-store`, for ``policy(_:_:)``.
    let destination: String?
    let buildContextStore: String?

    init(_ context: ComponentContext) throws {
        var config = context.config
        guard let region = try config.optional("region", as: String.self) else {
            throw config.error("missing key 'region' (e.g. region: us-east-1): the region of the ECR registry, the S3 bucket and the STS endpoint",
                               at: nil)
        }
        guard Self.isRegionName(region) else {
            throw config.error("'region' must be an AWS region name such as us-east-1, not '\(region)'", at: "region")
        }
        try config.rejectUnknownKeys()
        self.region = region
        host = context.host
        environment = AWSEnvironment.process()
        destination = context.settings.destination
        buildContextStore = context.settings.buildContextStore
    }

    /// Lower-case letters, digits and `-`, with at least one `-` (us-east-1, eu-central-2, us-gov-west-1).
    static func isRegionName(_ s: String) -> Bool {
        !s.isEmpty && s.contains("-") && !s.hasPrefix("-") && !s.hasSuffix("-")
            && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    func chain(_ call: Call) throws -> (CredentialChain, HostTransport) {
        let transport = HostTransport(http: try host.http(), call: call)
        let secrets = try? host.secrets()
        let runner = (try? host.process()).map { HostCommandRunner(process: $0, call: call) }
        let chain = CredentialChain(environment: environment, region: region, transport: transport, runner: runner,
                                    onSecret: { secrets?.register($0) })
        return (chain, transport)
    }

    func verify(_ call: Call) throws -> VerifyReport {
        let (chain, transport) = try chain(call)
        let credentials: AWSCredentials
        do {
            credentials = try chain.credentials()
        } catch {
            return VerifyReport([.failed("AWS credentials", error.message,
                                         fix: "configure credentials in one of the places listed (docs/aws.md, \"Credentials\")")])
        }
        let sts = STSClient(environment: environment, region: region, transport: transport)
        do {
            let identity = try sts.getCallerIdentity(credentials: credentials)
            return VerifyReport([
                .passed("AWS credentials", "from \(credentials.source) (access key \(credentials.accessKeyID))"),
                .passed("AWS identity", "account \(identity.account), \(identity.arn) (region \(region))"),
            ])
        } catch {
            let fix: String
            switch error.awsCode {
            case "SignatureDoesNotMatch": fix = "the secret access key does not belong to access key \(credentials.accessKeyID); fix the secret in \(credentials.source)"
            case "InvalidClientTokenId", "UnrecognizedClientException": fix = "access key \(credentials.accessKeyID) is unknown to AWS (deleted or wrong account); use a valid key"
            case "ExpiredToken", "ExpiredTokenException": fix = "the session token has expired; refresh the credentials in \(credentials.source)"
            case "AccessDenied": fix = "allow sts:GetCallerIdentity (it is allowed unless an SCP denies it)"
            default: fix = error.kind == .io ? "check network access to \(sts.endpoint) (proxy, SSL_CERT_FILE, AWS_ENDPOINT_URL_STS)" : "check the credentials in \(credentials.source)"
            }
            return VerifyReport([
                .passed("AWS credentials", "from \(credentials.source) (access key \(credentials.accessKeyID))"),
                .failed("AWS identity", error.message, fix: fix),
            ])
        }
    }

    /// The IAM policies for the configured components (AWSCore's ``AgentPolicy``). The ECR statements
    /// come with registry `ecr`, the S3 ones with context store `s3`; when the request names no registry
    /// (or no context store) at all, an ECR destination (an `s3://` store) still counts.
    func policy(_ request: PolicyRequest, _ call: Call) throws -> PolicyResult {
        let components = request.components
        func uses(_ kind: String, _ name: String) -> Bool {
            components.contains { $0.kind == kind && $0.name == name } || !components.contains { $0.kind == kind }
        }
        var inputs = AgentPolicy.Inputs(region: region)
        if uses("registry", "ecr"), let destination, case .success(let repo) = ECRRepositoryURI.parse(destination) {
            inputs.repository = repo
        }
        if uses("context-store", "s3"), let store = buildContextStore.flatMap(S3ContextLocation.init(uri:)) {
            inputs.contextStore = store
        }
        inputs.builder = components.first { $0.kind == "builder" }?.name
        inputs.runner = components.first { $0.kind == "runner" }?.name
        return PolicyResult(documents: AgentPolicy.documents(inputs).map {
            PolicyResult.Document(name: $0.name, format: "aws-iam-policy", document: JSONValue($0.policy), notes: $0.notes)
        })
    }

    func hints(_ request: HintsRequest, _ call: Call) throws -> Hints {
        Hints(env: ["AWS_REGION": region])
    }
}


extension JSONValue {
    /// A policy document in the kit's JSON (member order is the kit's).
    init(_ value: AWSJSON) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = n == n.rounded() && abs(n) < 9.0e15 ? .int(Int64(n)) : .double(n)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .object(let members):
            var object: [String: JSONValue] = [:]
            for (key, member) in members { object[key] = JSONValue(member) }
            self = .object(object)
        }
    }
}
