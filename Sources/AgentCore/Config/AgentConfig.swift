/// The agent's settings from `launch-config.yaml`, the W&B environment
/// variables, and the defaults, with every key checked and typed.
///
/// Keys keep their W&B names and meanings (see docs/configuration.md). The
/// YAML tree stays attached so later stages can report a value they reject
/// at its `FILE:LINE:COL` (`diagnostic(atPointer:_:)`, `PluginSection`).
public struct AgentConfig: Sendable {
    /// The file the settings came from; nil when no file was read (the default
    /// path did not exist).
    public var file: String?
    /// `queues`: the queues to poll, in order.
    public var queues: [String] = []
    /// `entity` (or `WANDB_ENTITY`).
    public var entity: String?
    /// `max_jobs` (or `WANDB_LAUNCH_MAX_JOBS`): concurrent jobs.
    public var maxJobs: JobLimit = .atMost(1)
    /// `max_schedulers`: concurrent sweep schedulers.
    public var maxSchedulers: JobLimit = .atMost(1)
    /// `secure_mode`: refuse host namespaces, init containers and entry point overrides.
    public var secureMode = false
    /// `verbosity`: 0 status every 5 min, 1 every 20 s, 2 adds the internal log.
    public var verbosity = 0
    /// `stopped_run_timeout`: seconds to wait after a stop request before cancelling.
    public var stoppedRunTimeout: Double = 60
    /// `builder`: the host-owned builder keys.
    public var builder = BuilderConfig()
    /// `environment.type`: the environment component, or nil for none.
    public var environmentType: String?
    /// `registry.type`, with W&B's `gcr` mapped to `artifact-registry`.
    public var registryType: String?
    /// Things that work but should change, e.g. the deprecated `registry` block.
    public var warnings: [ConfigDiagnostic] = []

    /// The parsed document, kept for mapping pointers back to marks.
    var root: YAMLNode?

    /// The defaults, as if no file and no environment variables existed.
    public init() {}

    static let topLevelKeys = [
        "queues", "entity", "max_jobs", "max_schedulers", "secure_mode", "verbosity",
        "stopped_run_timeout", "environment", "registry", "builder",
    ]

    /// The block of `kind` ("builder", "environment", "registry") as written.
    func section(_ kind: String) -> YAMLPair? { root?.pair(kind) }

    /// A diagnostic at the value that `pointer` (RFC 6901, into the whole
    /// config document, e.g. `/builder/destination`) names, or at its deepest
    /// existing parent. For cross-checks made after loading, such as an ECR
    /// destination whose region differs from `environment.region`.
    public func diagnostic(atPointer pointer: String, _ message: String,
                           severity: ConfigDiagnostic.Severity = .error,
                           notes: [ConfigDiagnostic.Note] = []) -> ConfigDiagnostic {
        var location: ConfigLocation?
        if let file, let root {
            location = ConfigLocation(file: file, mark: YAMLPointer.mark(of: YAMLPointer.tokens(pointer), in: root, viaKey: nil))
        }
        return ConfigDiagnostic(severity, at: location, message, notes: notes)
    }
}
