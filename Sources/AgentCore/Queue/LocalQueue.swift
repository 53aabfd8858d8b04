import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The embedded job queue: durable, crash-safe, on one machine, no server.
///
/// Layout under the state directory (docs/jobs.md):
///
///     jobs/<id>.json     one record per job, replaced atomically
///     leases/<id>.lock   flock-ed by the agent working on the job
///     logs/<id>.log      the job's output
///     queued/<id>        empty: the job waits to be claimed (an index; see LocalQueue+Index)
///     queue.lock         flock-ed around every read-modify-write
///
/// Every change happens under `queue.lock`, so two agents (or threads) never
/// hand out one job twice and never lose each other's updates. The agent that
/// claims a job also holds its lease until the job ends; the kernel drops the
/// lease when that process dies, however it dies, which is how
/// `recoverAbandoned(agentID:)` tells an abandoned job from a busy one.
public final class LocalQueue: Sendable {
    /// Claims of one job before it fails at stage `agent` (see `recoverAbandoned`).
    public static let maxAttempts = 3

    public let stateDirectory: String
    public var jobsDirectory: String { stateDirectory + "/jobs" }
    public var logsDirectory: String { stateDirectory + "/logs" }
    var leasesDirectory: String { stateDirectory + "/leases" }
    var lockPath: String { stateDirectory + "/queue.lock" }

    /// Leases this instance holds: job id → locked descriptor.
    let leases = Mutex<[String: Int32]>([:])

    /// `LAUNCH_AGENT_STATE_DIR`, else `$XDG_STATE_HOME/launch-agent` (when
    /// absolute, as the XDG spec requires), else `$HOME/.local/state/launch-agent`.
    public static func defaultStateDirectory(environment: [String: String]) -> String? {
        if let dir = environment["LAUNCH_AGENT_STATE_DIR"], !dir.isEmpty { return dir }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/launch-agent" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.local/state/launch-agent" }
        return nil
    }

    /// Opens (creating, mode 0700) the queue in `stateDirectory`; a relative
    /// path is made absolute against the working directory.
    public init(stateDirectory: String) throws(QueueError) {
        self.stateDirectory = JobPaths.absolute(stateDirectory, relativeTo: JobPaths.currentDirectory())
        for dir in [self.stateDirectory, jobsDirectory, leasesDirectory, logsDirectory, queuedDirectory] {
            try StateFiles.makeDirectory(dir)
        }
    }

    /// Opens the queue in `defaultStateDirectory(environment:)`.
    public convenience init(environment: [String: String] = ProcessEnvironment.current) throws(QueueError) {
        guard let dir = Self.defaultStateDirectory(environment: environment) else { throw .noStateDirectory }
        try self.init(stateDirectory: dir)
    }

    deinit {
        leases.withLock { held in
            for fd in held.values { close(fd) }
        }
    }

    func recordPath(_ id: String) -> String { "\(jobsDirectory)/\(id).json" }
    func leasePath(_ id: String) -> String { "\(leasesDirectory)/\(id).lock" }

    /// `<state>/logs/<id>.log`.
    public func logPath(for id: String) -> String { "\(logsDirectory)/\(id).log" }

    /// Creates the job's log file (mode 0600) if it does not exist; returns its path.
    @discardableResult
    public func createLog(for id: String) throws(QueueError) -> String {
        let path = logPath(for: id)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
        close(fd)
        return path
    }

    /// Runs `body` holding `queue.lock`.
    func locked<T>(_ body: () throws(QueueError) -> T) throws(QueueError) -> T {
        guard let lock = try FileLock(path: lockPath, wait: true) else { throw .io(operation: "lock", path: lockPath, errno: EWOULDBLOCK) }
        let result = try body()
        _ = consume lock
        return result
    }
}
