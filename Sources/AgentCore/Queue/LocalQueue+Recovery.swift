/// What `recoverAbandoned` did, job by job.
public struct RecoveryReport: Sendable, Equatable {
    /// Launched jobs now claimed by this agent: watch them through their
    /// `runnerHandle` instead of launching them again.
    public var reattach: [JobRecord] = []
    /// Jobs that had not been launched, back in `queued`.
    public var requeued: [JobRecord] = []
    /// Jobs given up at stage `agent` (too many attempts, or a launch whose
    /// outcome is unknown).
    public var failed: [JobRecord] = []
    /// Jobs whose cancellation was requested before their agent stopped.
    public var cancelled: [JobRecord] = []
    /// Leftover temporary files removed (from writers that died mid-write).
    public var removedTempFiles: [String] = []

    public init() {}
}

extension LocalQueue {
    /// Takes up jobs whose agent is gone. Call it at start-up (and now and
    /// then while running, to take over from agents that die meanwhile).
    ///
    /// A job is abandoned when its lease is free *and* the claimant recorded
    /// in it (pid, process start time, boot id) no longer runs. Then:
    /// - with a `runnerHandle`, it was launched: this agent claims it and
    ///   returns it in `reattach`, to be watched, never launched twice;
    /// - with `cancelRequested`, it becomes `cancelled` (or, if launched, is
    ///   re-attached so the pipeline can stop it);
    /// - `running` without a handle means the launch may have happened: it
    ///   fails at stage `agent` rather than risk running twice;
    /// - otherwise it returns to `queued`, unless it has been claimed
    ///   `maxAttempts` times, when it fails at stage `agent`.
    public func recoverAbandoned(agentID: String) throws(QueueError) -> RecoveryReport {
        try locked { () throws(QueueError) -> RecoveryReport in
            var report = RecoveryReport()
            report.removedTempFiles = try removeTempFiles()
            let records = try listing().records
            try rebuildIndex(records)
            for record in records where !record.status.isTerminal {
                guard record.claimedBy != nil || record.status != .queued, !holdsLease(record.id) else { continue }
                guard let lease = try FileLock(path: leasePath(record.id), wait: false) else { continue }
                if let claimant = record.claimedBy, claimant.isAlive { continue }
                var r = record
                let who = record.claimedBy.map { "agent \($0.agentID) (pid \($0.pid))" } ?? "its agent"
                r.updatedAt = Timestamp.now()
                if record.runnerHandle != nil {
                    r.claimedBy = Claimant.current(agentID: agentID)
                    r.reason = "re-attached after \(who) stopped"
                    try write(r)
                    let fd = lease.take()
                    leases.withLock { $0[r.id] = fd }
                    report.reattach.append(r)
                    continue
                }
                if record.cancelRequested {
                    r.status = .cancelled
                    r.reason = "cancelled; \(who) stopped before launching it"
                } else if record.status == .running {
                    r.fail(.agent, "\(who) stopped while launching it and recorded no runner handle; "
                        + "it is not launched again, as it may already be running")
                } else if record.attempts >= Self.maxAttempts {
                    r.fail(.agent, "\(who) stopped while working on it; given up after \(record.attempts) attempts")
                } else {
                    r.status = .queued
                    r.claimedBy = nil
                    r.startedAt = nil
                    r.reason = "queued again: \(who) stopped (attempt \(record.attempts) of \(Self.maxAttempts))"
                }
                if r.status.isTerminal { r.finishedAt = r.updatedAt }
                switch r.status {
                case .cancelled: report.cancelled.append(r)
                case .failed: report.failed.append(r)
                default: report.requeued.append(r)
                }
                try write(r)
                _ = consume lease
                if r.status.isTerminal { try dropLease(r.id) }
            }
            return report
        }
    }

    /// Temporary files in `jobs/`: under the queue lock no write is in
    /// progress, so any that exist were left by a writer that died.
    private func removeTempFiles() throws(QueueError) -> [String] {
        var removed: [String] = []
        for name in try StateFiles.list(jobsDirectory) where name.hasPrefix(".") && name.hasSuffix(StateFiles.tempSuffix) {
            StateFiles.remove("\(jobsDirectory)/\(name)")
            removed.append(name)
        }
        return removed.sorted()
    }
}
