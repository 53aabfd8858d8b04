/// A registry component: the place images are pushed to, chosen by matching the destination URI against the
/// component's URI patterns against the destination's host name (e.g. `*.dkr.ecr.*.amazonaws.com`).
///
/// The host itself talks the OCI distribution protocol (manifest HEAD, token challenges); a registry
/// component supplies what is cloud-specific: the canonical repository and short-lived credentials.
///
/// Contract — what an implementation must guarantee:
/// - **Threading.** One call at a time per instance unless registered `concurrent: true`.
/// - **`verify`** checks that the repository exists and the agent may push to it. Read-only: it must not
///   create the repository.
/// - **`resolve`** is pure and cheap: it parses the destination (no network) into server, repository and
///   canonical URI. A destination this component cannot serve is `.invalidArgument`; a destination with a tag
///   is a config error the component should already have reported at create time (pointer
///   `/settings/destination`).
/// - **`credentials`** returns a username and password valid for at least the next 15 minutes, with their
///   expiry when known; the host caches them until then. It may be called again at any time and must not
///   invalidate earlier credentials. The kit registers the password with the host's secrets service before
///   emitting it.
/// - **Errors.** `.auth` when the cloud refuses to issue credentials, `.notFound` when the repository
///   does not exist (verify: a failed check), `.io` with `retryable` for throttling and 5xx.
public protocol Registry {
    /// Checks that the repository exists and is writable. The default throws ``PluginError/Code/unsupported``.
    func verify(_ call: Call) throws -> VerifyReport
    /// Canonical repository for a destination. The default throws ``PluginError/Code/unsupported``.
    func resolve(_ request: ResolveRequest, _ call: Call) throws -> ResolvedRepository
    /// Short-lived push/pull credentials. The default throws ``PluginError/Code/unsupported``.
    func credentials(_ request: CredentialsRequest, _ call: Call) throws -> Credentials
}

extension Registry {
    public func verify(_ call: Call) throws -> VerifyReport {
        throw PluginError(.unsupported, "this registry offers no verify")
    }

    public func resolve(_ request: ResolveRequest, _ call: Call) throws -> ResolvedRepository {
        throw PluginError(.unsupported, "this registry cannot resolve destinations")
    }

    public func credentials(_ request: CredentialsRequest, _ call: Call) throws -> Credentials {
        throw PluginError(.unsupported, "this registry issues no credentials")
    }
}

/// `registry.resolve` request.
public struct ResolveRequest: Sendable, Equatable {
    /// The destination as the user wrote it, e.g. `https://123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app`.
    public var destination: String
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(destination: String, raw: JSONValue = [:]) {
        self.destination = destination
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(destination: try request.required("destination"), raw: raw)
    }
}

/// `registry.resolve` result.
public struct ResolvedRepository: Sendable, Equatable {
    /// Registry host (and port): `123456789012.dkr.ecr.us-east-1.amazonaws.com`.
    public var server: String
    /// Repository path inside the registry: `team/app`.
    public var repository: String
    /// `server/repository`, the reference images get a `:tag` appended to.
    public var uri: String

    public init(server: String, repository: String, uri: String? = nil) {
        self.server = server
        self.repository = repository
        self.uri = uri ?? "\(server)/\(repository)"
    }

    /// `{"server", "repository", "uri"}`
    public var json: JSONValue { ["server": .string(server), "repository": .string(repository), "uri": .string(uri)] }
}

/// `registry.credentials` request.
public struct CredentialsRequest: Sendable, Equatable {
    /// The repository the credentials are for, when the registry scopes tokens by repository.
    public var repository: String?
    /// What will be done: `["pull"]` or `["pull", "push"]`.
    public var actions: [String]
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(repository: String? = nil, actions: [String] = ["pull", "push"], raw: JSONValue = [:]) {
        self.repository = repository
        self.actions = actions
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(repository: try request.optional("repository"),
                  actions: try request.optional("actions") ?? ["pull", "push"], raw: raw)
    }
}

/// `registry.credentials` result: what `docker login` would take.
public struct Credentials: Sendable, Equatable {
    /// The registry host the credentials are for.
    public var server: String
    /// The user name for `docker login`.
    public var username: String
    /// A secret; the kit registers it with the host for redaction before it leaves the plugin.
    public var password: String
    /// When the credentials stop working, RFC 3339 (`2026-11-29T22:00:00Z`); nil when unknown.
    public var expiresAt: String?

    public init(server: String, username: String, password: String, expiresAt: String? = nil) {
        self.server = server
        self.username = username
        self.password = password
        self.expiresAt = expiresAt
    }

    /// `{"server", "username", "password", "expires_at"}`
    public var json: JSONValue {
        ["server": .string(server), "username": .string(username), "password": .string(password),
         "expires_at": JSONValue(expiresAt)]
    }
}
