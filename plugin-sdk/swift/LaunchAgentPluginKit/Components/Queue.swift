/// A queue component: where jobs come from (the local queue lives in the host; W&B run queues, SQS, … are
/// plugins).
///
/// Contract — what an implementation must guarantee:
/// - **Threading.** One call at a time per instance unless registered `concurrent: true`.
/// - **`pop`** claims the next job and returns it, or nil when there is none. It may wait up to
///   `waitMilliseconds` for one (long polling) and must return early, with nil, when ``Call/isCancelled``
///   becomes true. A popped job that is never acknowledged goes back to the queue after a service-defined
///   timeout; `pop` must not lose jobs.
/// - **`ack`** records that the agent accepted the job and which run ID it got. Acknowledging a job another
///   agent acknowledged is `.conflict`; acknowledging the same job twice with the same run ID succeeds.
/// - **`fail`** records that the job failed at a stage (`agent`, `build`, `run`) with a message; **`finish`**
///   records how a job that ran ended. Both are idempotent: repeating them with the same input succeeds.
/// - **Errors.** `.auth`, `.notFound` (the job is unknown), `.conflict`, `.io` with `retryable`.
public protocol Queue {
    /// Claims the next job, or returns nil. The default throws ``PluginError/Code/unsupported``.
    func pop(_ request: PopRequest, _ call: Call) throws -> QueuedJob?
    /// Acknowledges a popped job. The default throws ``PluginError/Code/unsupported``.
    func ack(_ request: AckRequest, _ call: Call) throws
    /// Marks a job failed. The default throws ``PluginError/Code/unsupported``.
    func fail(_ request: FailRequest, _ call: Call) throws
    /// Records how a job ended. The default throws ``PluginError/Code/unsupported``.
    func finish(_ request: FinishRequest, _ call: Call) throws
}

extension Queue {
    public func pop(_ request: PopRequest, _ call: Call) throws -> QueuedJob? {
        throw PluginError(.unsupported, "this queue cannot pop jobs")
    }

    public func ack(_ request: AckRequest, _ call: Call) throws {
        throw PluginError(.unsupported, "this queue cannot acknowledge jobs")
    }

    public func fail(_ request: FailRequest, _ call: Call) throws {
        throw PluginError(.unsupported, "this queue cannot fail jobs")
    }

    public func finish(_ request: FinishRequest, _ call: Call) throws {
        throw PluginError(.unsupported, "this queue cannot finish jobs")
    }
}

/// `queue.pop` request.
public struct PopRequest: Sendable, Equatable {
    /// How long `pop` may wait for a job; 0 to return at once.
    public var waitMilliseconds: Int
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(waitMilliseconds: Int = 0, raw: JSONValue = [:]) {
        self.waitMilliseconds = waitMilliseconds
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(waitMilliseconds: try request.optional("wait_ms") ?? 0, raw: raw)
    }
}

/// A job taken from a queue (`queue.pop` result member `job`).
public struct QueuedJob: Sendable, Equatable {
    /// The queue's ID for the item (W&B: the run queue item ID); what `ack`, `fail` and `finish` name.
    public var id: String
    /// The job spec (W&B: the `runSpec` object).
    public var spec: JSONValue
    /// The queue it came from, when the component serves several.
    public var queue: String?

    public init(id: String, spec: JSONValue, queue: String? = nil) {
        self.id = id
        self.spec = spec
        self.queue = queue
    }

    /// `{"id", "spec", "queue"}`
    public var json: JSONValue { ["id": .string(id), "spec": spec, "queue": JSONValue(queue)] }
}

/// `queue.ack` request.
public struct AckRequest: Sendable, Equatable {
    /// The job the request is about.
    public var jobID: String
    /// The run ID the job got.
    public var runID: String
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(jobID: String, runID: String, raw: JSONValue = [:]) {
        self.jobID = jobID
        self.runID = runID
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(jobID: try request.required("job_id"), runID: try request.required("run_id"), raw: raw)
    }
}

/// The stage at which a job failed.
public enum FailureStage: String, Sendable, CaseIterable, ConfigValue {
    case agent, build, run
}

/// `queue.fail` request.
public struct FailRequest: Sendable, Equatable {
    /// The job the request is about.
    public var jobID: String
    /// Where the job failed.
    public var stage: FailureStage
    /// One sentence for the user: what failed and what to do.
    public var message: String
    /// Paths of files with details (logs), already stored where the queue's users can reach them.
    public var files: [String]
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(jobID: String, stage: FailureStage, message: String, files: [String] = [], raw: JSONValue = [:]) {
        self.jobID = jobID
        self.stage = stage
        self.message = message
        self.files = files
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(jobID: try request.required("job_id"), stage: try request.required("stage"),
                  message: try request.required("message"), files: try request.optional("files") ?? [], raw: raw)
    }
}

/// `queue.finish` request.
public struct FinishRequest: Sendable, Equatable {
    /// The job the request is about.
    public var jobID: String
    /// How the job ended.
    public var state: RunState
    /// The main process's exit code, when known.
    public var exitCode: Int?
    /// One sentence for a state other than `finished`.
    public var reason: String?
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(jobID: String, state: RunState, exitCode: Int? = nil, reason: String? = nil, raw: JSONValue = [:]) {
        self.jobID = jobID
        self.state = state
        self.exitCode = exitCode
        self.reason = reason
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(jobID: try request.required("job_id"), state: try request.required("state"),
                  exitCode: try request.optional("exit_code"), reason: try request.optional("reason"), raw: raw)
    }
}
