/// A runner component: starts a job's image (or process) on a target and follows it to the end.
///
/// The host persists the handle `launch` returns, so an agent that restarts can `watch` or `cancel` jobs it
/// started before; a runner must therefore keep everything it needs to find the job again in the handle.
///
/// Contract — what an implementation must guarantee:
/// - **Threading.** One call at a time per instance unless registered `concurrent: true`. A runner that
///   follows several jobs (one `watch` each, at the same time) must be registered `concurrent: true`.
/// - **`verify`** checks that the target is reachable and the agent may start jobs there. Read-only.
/// - **`launch`** starts the job and returns as soon as the target accepted it, with a ``LaunchResult/handle``
///   (a JSON object: names, namespaces, ARNs — never a secret). It is idempotent per `jobID`: when a job
///   for this `jobID` already exists (the agent crashed after launching), return that job's handle (or
///   throw `.conflict` when that is impossible), never start a second one.
/// - **`watch`** blocks until the job behind the handle ends, streaming its output with ``Call/log(_:level:)``,
///   and returns how it ended. It may be called again for the same handle (after an agent restart) and then
///   picks up where the job is now. When ``Call/isCancelled`` becomes true it returns `.cancelled`
///   *without stopping the job*: cancellation of `watch` means the agent stops watching, not that the job
///   should end. A job that cannot be found any more ends as ``RunState/lost``.
/// - **`cancel`** stops the job (gracefully, then forcefully after `gracePeriod`). It is idempotent:
///   cancelling a job that already ended or cannot be found succeeds.
/// - **Errors.** `.invalidArgument` for a handle it does not recognise, `.auth`, `.io` with `retryable`.
public protocol Runner {
    /// Checks that the target is reachable. The default throws ``PluginError/Code/unsupported``.
    func verify(_ call: Call) throws -> VerifyReport
    /// Starts the job. The default throws ``PluginError/Code/unsupported``.
    func launch(_ request: LaunchRequest, _ call: Call) throws -> LaunchResult
    /// Blocks until the job ends. The default throws ``PluginError/Code/unsupported``.
    func watch(_ request: WatchRequest, _ call: Call) throws -> RunOutcome
    /// Stops the job. The default throws ``PluginError/Code/unsupported``.
    func cancel(_ request: CancelRequest, _ call: Call) throws
}

extension Runner {
    public func verify(_ call: Call) throws -> VerifyReport {
        throw PluginError(.unsupported, "this runner offers no verify")
    }

    public func launch(_ request: LaunchRequest, _ call: Call) throws -> LaunchResult {
        throw PluginError(.unsupported, "this runner cannot launch jobs")
    }

    public func watch(_ request: WatchRequest, _ call: Call) throws -> RunOutcome {
        throw PluginError(.unsupported, "this runner cannot watch jobs")
    }

    public func cancel(_ request: CancelRequest, _ call: Call) throws {
        throw PluginError(.unsupported, "this runner cannot cancel jobs")
    }
}

/// `runner.launch` request.
public struct LaunchRequest: Sendable, Equatable {
    /// The job's ID; use it to name remote objects so a repeated launch finds the first one.
    public var jobID: String
    /// The image to run; nil for runners that run a process without a container (local-process).
    public var image: String?
    /// The entry point (`ENTRYPOINT`), empty to keep the image's.
    public var entryPoint: [String]
    /// Arguments after the entry point.
    public var args: [String]
    /// Environment variables for the job (may contain secrets such as `WANDB_API_KEY`: keep them out of logs,
    /// and prefer the target's secret mechanism over plain env where it has one).
    public var env: [String: String]
    /// Working directory inside the job; nil for the image's.
    public var workdir: String?
    /// The job's `resource_args` for this runner (e.g. a Kubernetes Job template), as given.
    public var resourceArgs: JSONValue
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(jobID: String, image: String?, entryPoint: [String] = [], args: [String] = [],
                env: [String: String] = [:], workdir: String? = nil, resourceArgs: JSONValue = [:],
                raw: JSONValue = [:]) {
        self.jobID = jobID
        self.image = image
        self.entryPoint = entryPoint
        self.args = args
        self.env = env
        self.workdir = workdir
        self.resourceArgs = resourceArgs
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(jobID: try request.required("job_id"), image: try request.optional("image"),
                  entryPoint: try request.optional("entry_point") ?? [], args: try request.optional("args") ?? [],
                  env: try request.optional("env") ?? [:], workdir: try request.optional("workdir"),
                  resourceArgs: try request.optional("resource_args") ?? [:], raw: raw)
    }
}

/// `runner.launch` result.
public struct LaunchResult: Sendable, Equatable {
    /// What the runner needs to find the job again: a JSON object, persisted by the host, passed back to
    /// `watch` and `cancel` unchanged.
    public var handle: JSONValue

    public init(handle: JSONValue) { self.handle = handle }

    /// `{"handle": {...}}`
    public var json: JSONValue { ["handle": handle] }
}

/// `runner.watch` request.
public struct WatchRequest: Sendable, Equatable {
    /// The handle `launch` returned.
    public var handle: JSONValue
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(handle: JSONValue, raw: JSONValue = [:]) {
        self.handle = handle
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(handle: try request.required("handle"), raw: raw)
    }
}

/// `runner.cancel` request.
public struct CancelRequest: Sendable, Equatable {
    /// The handle `launch` returned.
    public var handle: JSONValue
    /// How long the job may take to stop after the polite signal; nil for the runner's default.
    public var gracePeriodMilliseconds: Int?
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(handle: JSONValue, gracePeriodMilliseconds: Int? = nil, raw: JSONValue = [:]) {
        self.handle = handle
        self.gracePeriodMilliseconds = gracePeriodMilliseconds
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(handle: try request.required("handle"), gracePeriodMilliseconds: try request.optional("grace_ms"),
                  raw: raw)
    }
}

/// How a job ended.
public enum RunState: String, Sendable, CaseIterable, ConfigValue {
    /// It ran to completion with exit code 0.
    case finished
    /// It ran and failed (non-zero exit, OOM, image pull failure).
    case failed
    /// It was stopped on request.
    case cancelled
    /// The target took its resources away (spot reclaim, node drain); the job may be requeued.
    case preempted
    /// It cannot be found any more (deleted behind the agent's back, target gone).
    case lost
}

/// `runner.watch` result.
public struct RunOutcome: Sendable, Equatable {
    /// How the job ended.
    public var state: RunState
    /// The main process's exit code, when known.
    public var exitCode: Int?
    /// One sentence for a non-`finished` state: "OOMKilled", "pod evicted: node drained".
    public var reason: String?

    public init(state: RunState, exitCode: Int? = nil, reason: String? = nil) {
        self.state = state
        self.exitCode = exitCode
        self.reason = reason
    }

    /// `{"state", "exit_code"?, "reason"?}`
    public var json: JSONValue {
        var members: [String: JSONValue] = ["state": .string(state.rawValue)]
        if let exitCode { members["exit_code"] = .int(Int64(exitCode)) }
        if let reason { members["reason"] = .string(reason) }
        return .object(members)
    }
}
