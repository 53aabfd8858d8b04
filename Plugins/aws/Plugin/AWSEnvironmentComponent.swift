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

    func hints(_ request: HintsRequest, _ call: Call) throws -> Hints {
        Hints(env: ["AWS_REGION": region])
    }
}
