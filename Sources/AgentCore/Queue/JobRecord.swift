import FoundationEssentials

/// Everything the local queue knows about one job: `jobs/<id>.json`.
///
/// The queue writes the whole record at once (atomically), so every field is
/// consistent with the others after any crash. The pipeline changes it only
/// through `LocalQueue.update(_:_:)`.
public struct JobRecord: Sendable, Equatable {
    /// Sortable and unique: `j-<UTC yyyymmddHHMMSS>-<6 hex>`.
    public var id: String
    /// The spec's `name`, if any.
    public var name: String?
    public var status: JobStatus
    /// For `failed` jobs: where it failed.
    public var stage: FailureStage?
    /// Why it failed or was cancelled, or what happened to it last, for people.
    public var reason: String?
    /// The spec as `JobSpec.json` (a `path` source is absolute).
    public var spec: JSONValue
    /// The absolute path of the spec file it was submitted from.
    public var specFile: String?
    /// The spec file's text as submitted, so problems found later are reported
    /// at the line the user wrote (see `jobSpec()`).
    public var specText: String?
    /// The image the job runs: built (`dest:<hash>`) or the spec's `docker_image`.
    public var image: String?
    /// True when no build ran because the image already existed.
    public var buildSkipped = false
    /// Why the build was skipped, e.g. "image exists in registry".
    public var buildSkipReason: String?
    /// What the runner returned from its launch, opaque to the host; kept so
    /// that an agent restarted after a crash can watch the job instead of
    /// starting it again.
    public var runnerHandle: JSONValue?
    public var submittedAt: Date
    /// When an agent first took the job.
    public var startedAt: Date?
    /// When it reached `finished`, `failed` or `cancelled`.
    public var finishedAt: Date?
    public var updatedAt: Date
    /// Seconds spent per stage, keyed `build`, `push`, `run` (others allowed).
    public var durations: [String: Double] = [:]
    /// `<state>/logs/<id>.log`: the job's build and run output.
    public var logPath: String
    /// How many times an agent has taken the job.
    public var attempts = 0
    /// The agent process working on it; nil while it waits in the queue.
    public var claimedBy: Claimant?
    /// The job's exit code, once it ended with one.
    public var exitCode: Int32?
    /// Set by `cancel` while an agent works on the job; the pipeline polls it
    /// and stops the job.
    public var cancelRequested = false

    public init(id: String, spec: JSONValue, submittedAt: Date, logPath: String) {
        self.id = id
        self.status = .queued
        self.spec = spec
        self.submittedAt = submittedAt
        self.updatedAt = submittedAt
        self.logPath = logPath
    }

    /// The spec again, with marks: parsed from the submitted text (so
    /// diagnostics name the spec file and its lines) or, failing that, from
    /// the stored JSON.
    public func jobSpec() throws(ConfigError) -> JobSpec {
        if let specText, let specFile, let spec = try? JobSpec.parse(text: specText, file: specFile), spec.json == self.spec {
            return spec
        }
        return try JobSpec.parse(text: spec.serialized, file: "job \(id)", baseDirectory: "/")
    }

    /// `failed` at `stage` because of `reason`, in one step.
    public mutating func fail(_ stage: FailureStage, _ reason: String) {
        status = .failed
        self.stage = stage
        self.reason = reason
    }
}
