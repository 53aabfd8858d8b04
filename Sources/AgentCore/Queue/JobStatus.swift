/// Where a job is in its life. `queued` → (`building` → `pushing`) →
/// `running` → one of the three terminal states.
public enum JobStatus: String, Sendable, Equatable, CaseIterable {
    case queued, building, pushing, running, finished, failed, cancelled

    /// True for `finished`, `failed` and `cancelled`: the record never changes again.
    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .cancelled: return true
        default: return false
        }
    }
}

/// Which part of the work a failed job failed in, as W&B's
/// `failRunQueueItem` reports it.
public enum FailureStage: String, Sendable, Equatable, CaseIterable {
    /// The agent itself: a spec it could not use, or it stopped too often
    /// while working on the job.
    case agent
    /// Fetching the source, building or pushing the image.
    case build
    /// Launching or running the job on its runner.
    case run
}
