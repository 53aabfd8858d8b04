import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `agent run`: takes jobs from the queue and runs up to `max_jobs` at once.
///
/// Idle, it sleeps on inotify (no polling). On SIGTERM it stops taking jobs,
/// hands builds in flight back to the queue, and leaves running jobs running:
/// their handles are in the queue, and the next agent re-attaches to them.
public final class AgentLoop: Sendable {
    public let runtime: AgentRuntime
    private let stopping = CallCancellation()
    private let watcher: DirectoryWatcher
    private let active = Mutex<Int>(0)
    private let failures = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)

    public init(runtime: AgentRuntime) {
        self.runtime = runtime
        watcher = DirectoryWatcher(directory: runtime.queue.jobsDirectory)
    }

    /// Asks the loop to stop (from a signal handler's queue).
    public func stop() {
        stopping.cancel()
        watcher.wake()
    }

    /// Runs until stopped; with `once`, until the queue is empty and every
    /// job taken has ended. Returns the number of jobs that failed.
    public func run(once: Bool) -> Int {
        let log = AgentLog.shared
        log.info("agent \(runtime.agentID): \(runtime.builderChoice); max_jobs \(runtime.config.maxJobs)")
        recover()
        while !stopping.isCancelled {
            let running = active.withLock { $0 }
            if runtime.config.maxJobs.allows(running: running), let record = claimNext() {
                start(record, reattach: false)
                continue
            }
            if once, running == 0, (try? runtime.queue.hasQueuedJobs()) != true { break }
            watcher.wait(timeoutMilliseconds: running > 0 ? 1_000 : 30_000)
        }
        // Wait for in-flight jobs: builds hand themselves back, watches return.
        while active.withLock({ $0 }) > 0 { finished.wait() ; finished.signal(); watcher.wait(timeoutMilliseconds: 100) }
        return failures.load(ordering: .relaxed)
    }

    private func recover() {
        do {
            let report = try runtime.queue.recoverAbandoned(agentID: runtime.agentID)
            for r in report.requeued { AgentLog.shared.warning("job \(r.id) was abandoned by a dead agent; requeued (attempt \(r.attempts))") }
            for r in report.failed { AgentLog.shared.warning("job \(r.id) was abandoned by a dead agent and failed: \(r.reason ?? "")") }
            for r in report.reattach {
                AgentLog.shared.info("job \(r.id) is still running from a previous agent; re-attaching")
                start(r, reattach: true)
            }
        } catch {
            AgentLog.shared.error("recovering abandoned jobs: \(error)")
        }
    }

    private func claimNext() -> JobRecord? {
        do { return try runtime.queue.claim(agentID: runtime.agentID) } catch {
            AgentLog.shared.error("claiming a job: \(error)")
            return nil
        }
    }

    private func start(_ record: JobRecord, reattach: Bool) {
        active.withLock { $0 += 1 }
        let pipeline = JobPipeline(runtime: runtime, record: record, log: JobLog(path: record.logPath), stopping: stopping)
        Thread.detach { [self] in
            if reattach { pipeline.reattach() } else { pipeline.run() }
            let status = (try? runtime.queue.show(record.id))?.status
            if status == .failed { failures.add(1, ordering: .relaxed) }
            AgentLog.shared.info("job \(record.id): \(status?.rawValue ?? "?")")
            active.withLock { $0 -= 1 }
            finished.signal()
            watcher.wake()
        }
    }
}
