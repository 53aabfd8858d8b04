import AWSCore
import LaunchAgentPluginKit

/// Registry `ecr`: chosen for destinations on `*.dkr.ecr.*.amazonaws.com`.
///
/// `create` checks the destination (no network): the ECR host form, a 12-digit account, a repository, no
/// tag or digest, and the region equal to `environment.region` when the environment is `aws`. Login
/// credentials come from ECR GetAuthorizationToken, signed with the same default credential chain as the
/// `aws` environment. No config keys of its own.
struct ECRRegistryComponent: Registry {
    let repository: ECRRepositoryURI
    let host: Host
    let environment: AWSEnvironment

    init(_ context: ComponentContext) throws {
        try context.config.rejectUnknownKeys()
        let settings = context.settings
        guard let destination = settings.destination else {
            throw PluginError(code: .config, message: "no destination: set builder.destination to <account>.dkr.ecr.<region>.amazonaws.com/<repository>",
                              pointer: "/settings")
        }
        switch ECRRepositoryURI.parse(destination) {
        case .failure(let problem):
            throw PluginError(code: .config, message: problem.message, pointer: settings.pointer(to: "destination"))
        case .success(let repository):
            self.repository = repository
        }
        if let env = settings.environment, env.type == "aws", let region = env.region, region != repository.region {
            throw PluginError(code: .config,
                              message: "environment.region is \(region) but the destination's registry is in \(repository.region): "
                                  + "set region: \(repository.region), or push to a repository in \(region)",
                              pointer: settings.pointer(to: "environment", "region"))
        }
        host = context.host
        environment = AWSEnvironment.process()
    }

    func client(_ call: Call) throws -> (CredentialChain, ECRClient) {
        let transport = HostTransport(http: try host.http(), call: call)
        let secrets = try? host.secrets()
        let runner = (try? host.process()).map { HostCommandRunner(process: $0, call: call) }
        let chain = CredentialChain(environment: environment, region: repository.region, transport: transport, runner: runner,
                                    onSecret: { secrets?.register($0) })
        return (chain, ECRClient(environment: environment, region: repository.region, fips: repository.fips, transport: transport))
    }

    func resolve(_ request: ResolveRequest, _ call: Call) throws -> ResolvedRepository {
        switch ECRRepositoryURI.parse(request.destination) {
        case .failure(let problem): throw PluginError(.invalidArgument, problem.message)
        case .success(let repo): return ResolvedRepository(server: repo.server, repository: repo.repository, uri: repo.uri)
        }
    }

    func credentials(_ request: CredentialsRequest, _ call: Call) throws -> Credentials {
        let (chain, ecr) = try client(call)
        let credentials: AWSCredentials
        do { credentials = try chain.credentials() } catch {
            throw PluginError(error.kind == .io ? .io : .auth, error.message, retryable: error.retryable)
        }
        let login: ECRAuthorization
        do { login = try ecr.getAuthorizationToken(credentials: credentials) } catch {
            throw pluginError(error, action: "GetAuthorizationToken", credentials: credentials, endpoint: ecr.endpoint)
        }
        // The kit registers the password too; registering here keeps it redacted even if a log line
        // is written before the result leaves the plugin.
        (try? host.secrets())?.register(login.password)
        return Credentials(server: repository.server, username: login.username, password: login.password,
                           expiresAt: login.expiresAt.map(AWSTime.rfc3339))
    }

    func verify(_ call: Call) throws -> VerifyReport {
        let (chain, ecr) = try client(call)
        let credentials: AWSCredentials
        do { credentials = try chain.credentials() } catch {
            return VerifyReport([.failed("AWS credentials", error.message,
                                         fix: "configure credentials in one of the places listed (docs/aws.md, \"Credentials\")")])
        }
        var checks: [VerifyReport.Check] = []
        do {
            let login = try ecr.getAuthorizationToken(credentials: credentials)
            (try? host.secrets())?.register(login.password)
            checks.append(.passed("ECR login", "GetAuthorizationToken works for \(repository.server)"
                                  + (login.expiresAt.map { " (token valid until \(AWSTime.rfc3339($0)))" } ?? "")))
        } catch {
            let fix = explain(error, action: "GetAuthorizationToken", credentials: credentials, endpoint: ecr.endpoint).fix
            checks.append(.failed("ECR login", error.message, fix: fix))
        }
        try call.checkCancellation()
        do {
            let repo = try ecr.describeRepository(name: repository.repository, registryID: repository.account, credentials: credentials)
            checks.append(.passed("repository \(repository.repository)", "exists in \(repository.region) (\(repo.arn))"))
        } catch {
            let fix = explain(error, action: "DescribeRepositories", credentials: credentials, endpoint: ecr.endpoint).fix
            checks.append(.failed("repository \(repository.repository)", error.message, fix: fix))
        }
        return VerifyReport(checks)
    }

    /// An AWS failure as the plugin error the host shows: what failed, then what to do.
    func pluginError(_ error: AWSError, action: String, credentials: AWSCredentials, endpoint: String) -> PluginError {
        let (code, fix) = explain(error, action: action, credentials: credentials, endpoint: endpoint)
        return PluginError(code, fix.map { "\(error.message): \($0)" } ?? error.message, retryable: error.retryable)
    }

    /// The plugin error code for an AWS failure and what the operator should do about it; nil when the
    /// message already says.
    func explain(_ error: AWSError, action: String, credentials: AWSCredentials, endpoint: String) -> (code: PluginError.Code, fix: String?) {
        let auth: PluginError.Code = error.kind == .io ? .io : .auth
        switch error.awsCode {
        case ECRClient.expiredCredentialsCode:
            return (.auth, nil)
        case "RepositoryNotFoundException":
            return (.notFound, "create repository \(repository.repository) in \(repository.region) (aws ecr create-repository "
                    + "--repository-name \(repository.repository) --region \(repository.region)) or fix builder.destination")
        case "AccessDeniedException", "AccessDenied":
            return (auth, "allow ecr:\(action) on \(action == "GetAuthorizationToken" ? "*" : repository.arn) for the agent's identity "
                    + "(agent policy prints the whole policy)")
        case "UnrecognizedClientException", "InvalidClientTokenId":
            return (auth, "access key \(credentials.accessKeyID) is unknown to AWS (deleted, or another account or partition); use a valid key")
        case "InvalidSignatureException", "SignatureDoesNotMatch":
            return (auth, "the secret access key does not belong to access key \(credentials.accessKeyID); fix the secret in \(credentials.source)")
        case "ExpiredTokenException", "ExpiredToken":
            return (auth, "the session token from \(credentials.source) has expired; refresh the credentials")
        default:
            switch error.kind {
            case .io: return (.io, "check network access to \(endpoint) (proxy, SSL_CERT_FILE, AWS_ENDPOINT_URL_ECR)")
            case .config: return (.invalidArgument, "check builder.destination and AWS_ENDPOINT_URL_ECR")
            case .auth: return (.auth, "check the credentials in \(credentials.source)")
            }
        }
    }
}
