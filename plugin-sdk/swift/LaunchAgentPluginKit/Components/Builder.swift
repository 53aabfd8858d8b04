/// A builder component: turns a build context into an image at a tag, and pushes it.
///
/// The host has already decided the tag (a content hash of everything that determines the image) and checked
/// that the registry does not hold it yet; a builder only builds and pushes.
///
/// Contract — what an implementation must guarantee:
/// - **Threading.** The host calls one instance from one thread at a time, but not always the same thread,
///   unless the component was registered with `concurrent: true`, in which case every method must be safe to
///   call concurrently. Never block on a Swift concurrency task from these methods.
/// - **`verify`** checks that the builder can work here (its CLI exists, the cluster is reachable) and
///   reports it as a ``VerifyReport``; failed checks are results, not thrown errors. It must not build,
///   push or change anything, and should finish within seconds.
/// - **`build`** builds `request.contextDirectory` with `request.dockerfile` for every platform in
///   `request.platforms`, tags the result `request.image` and pushes it (the registry credentials, when the
///   registry needs them, are in `request.registryAuth`). It is idempotent: the host may repeat a build of
///   the same image after a crash, and pushing the same content twice must succeed. It returns the pushed
///   image and, when known, its manifest digest. Build output goes to ``Call/log(_:level:)``; progress to
///   ``Call/progress(_:_:)``. It polls ``Call/isCancelled`` (the process service does so by itself) and
///   throws ``PluginError/Code/cancelled`` promptly, leaving no process or remote job behind.
/// - **Errors.** `.invalidArgument` for a request it cannot honour (an unsupported platform),
///   `.auth` when the push is refused, `.io` (with `retryable: true` where a retry may help) when the daemon,
///   cluster or registry fails, `.cancelled`/`.timeout` when stopped, `.unsupported` when it never builds.
/// - **Secrets.** The registry password arrives in the request: pass it to child processes on stdin, never
///   in argv or a log line, and never in an error message.
public protocol Builder {
    /// Checks that this builder can work here. The default throws ``PluginError/Code/unsupported``.
    func verify(_ call: Call) throws -> VerifyReport
    /// Builds and pushes `request.image`. The default throws ``PluginError/Code/unsupported``.
    func build(_ request: BuildRequest, _ call: Call) throws -> BuildResult
}

extension Builder {
    public func verify(_ call: Call) throws -> VerifyReport {
        throw PluginError(.unsupported, "this builder offers no verify")
    }

    public func build(_ request: BuildRequest, _ call: Call) throws -> BuildResult {
        throw PluginError(.unsupported, "this builder does not build images")
    }
}

/// What `build` is asked to do (`builder.build` request).
public struct BuildRequest: Sendable, Equatable {
    /// The job this build is for (for log lines and remote job names).
    public var jobID: String
    /// The build context, a local directory the host prepared (deterministic contents).
    public var contextDirectory: String
    /// The Dockerfile's path, relative to ``contextDirectory``.
    public var dockerfile: String
    /// The full destination reference, `registry/repository:tag`.
    public var image: String
    /// Target platforms, e.g. `["linux/amd64"]`; never empty.
    public var platforms: [String]
    /// `--build-arg` values.
    public var buildArgs: [String: String]
    /// Where a context store holds the same context as a `.tar.gz` (`s3://…`), for remote builders; nil
    /// when no store is configured.
    public var contextURI: String?
    /// Credentials for pushing to the image's registry; nil for a registry that needs none.
    public var registryAuth: RegistryAuth?
    /// The whole request as received, including fields newer than this kit.
    public var raw: JSONValue

    public init(jobID: String, contextDirectory: String, dockerfile: String = "Dockerfile", image: String,
                platforms: [String] = ["linux/amd64"], buildArgs: [String: String] = [:],
                contextURI: String? = nil, registryAuth: RegistryAuth? = nil, raw: JSONValue = [:]) {
        self.jobID = jobID
        self.contextDirectory = contextDirectory
        self.dockerfile = dockerfile
        self.image = image
        self.platforms = platforms
        self.buildArgs = buildArgs
        self.contextURI = contextURI
        self.registryAuth = registryAuth
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(
            jobID: try request.required("job_id"),
            contextDirectory: try request.required("context_dir"),
            dockerfile: try request.optional("dockerfile") ?? "Dockerfile",
            image: try request.required("image"),
            platforms: try request.optional("platforms") ?? ["linux/amd64"],
            buildArgs: try request.optional("build_args") ?? [:],
            contextURI: try request.optional("context_uri"),
            registryAuth: try request.section("registry_auth").map { auth in
                var auth = auth
                return RegistryAuth(server: try auth.required("server"), username: try auth.required("username"),
                                    password: try auth.required("password"))
            },
            raw: raw
        )
    }
}

/// A username and password for one registry host.
public struct RegistryAuth: Sendable, Equatable {
    /// The registry host (and port), e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`.
    public var server: String
    /// The user name for `docker login`.
    public var username: String
    /// A secret: the host has registered it for redaction; keep it out of argv.
    public var password: String

    public init(server: String, username: String, password: String) {
        self.server = server
        self.username = username
        self.password = password
    }
}

/// What `build` produced (`builder.build` result).
public struct BuildResult: Sendable, Equatable {
    /// The image reference that was built, normally the request's `image`.
    public var image: String
    /// The manifest digest (`sha256:…`) when the builder knows it, else nil.
    public var digest: String?
    /// True when the image was pushed to the registry.
    public var pushed: Bool

    public init(image: String, digest: String? = nil, pushed: Bool) {
        self.image = image
        self.digest = digest
        self.pushed = pushed
    }

    /// `{"image", "digest", "pushed"}`
    public var json: JSONValue {
        ["image": .string(image), "digest": JSONValue(digest), "pushed": .bool(pushed)]
    }
}
