#if canImport(Glibc)
import Glibc
#endif

/// Why the local queue could not do what was asked. `description` is a
/// complete sentence for the CLI to print after `error: `.
public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `LAUNCH_AGENT_STATE_DIR`, `XDG_STATE_HOME` or `HOME` to put the queue in.
    case noStateDirectory
    /// A system call on a queue file failed: what was being done, the path, `errno`.
    case io(operation: String, path: String, errno: Int32)
    /// A record exists but cannot be read as a job.
    case corruptRecord(path: String, reason: String)
    /// No job has this id, or an id starting with it.
    case notFound(String)
    /// Several jobs start with this prefix (the first few are listed).
    case ambiguous(String, matches: [String])
    /// The text cannot be a job id (ids use letters, digits and '-').
    case invalidID(String)
    /// The job already ended; there is nothing to cancel.
    case notCancellable(id: String, status: JobStatus)

    public var description: String {
        switch self {
        case .noStateDirectory:
            return "no directory for the local queue: set LAUNCH_AGENT_STATE_DIR, XDG_STATE_HOME or HOME"
        case .io(let operation, let path, let code):
            return "could not \(operation) \(path): \(String(cString: strerror(code)))"
        case .corruptRecord(let path, let reason):
            return "job record \(path) is unreadable: \(reason)"
        case .notFound(let id):
            return "no job '\(id)' in the local queue"
        case .ambiguous(let prefix, let matches):
            return "'\(prefix)' matches several jobs (\(matches.joined(separator: ", "))); give more of the id"
        case .invalidID(let text):
            return "'\(text)' is not a job id: ids look like j-20260101120000-1a2b3c"
        case .notCancellable(let id, let status):
            return "job \(id) is already \(status.rawValue); there is nothing to cancel"
        }
    }
}
