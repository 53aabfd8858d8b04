#if canImport(Glibc)
import Glibc
#endif

extension LocalQueue {
    /// Takes the oldest queued job for this agent, or returns nil when none waits.
    ///
    /// The returned record has `claimedBy` set to this process, `attempts`
    /// one higher and `startedAt` set; its status is still `queued` until the
    /// pipeline moves it on with `update`. This instance holds the job's lease
    /// until the job reaches a terminal status or `release` is called.
    public func claim(agentID: String) throws(QueueError) -> JobRecord? {
        try locked { () throws(QueueError) -> JobRecord? in
            var waiting: [JobRecord] = []
            for id in try indexedIDs() {
                // A record that is gone, unreadable or no longer claimable leaves a stale entry: drop it.
                guard let record = try? read(path: recordPath(id)), Self.isClaimable(record) else {
                    StateFiles.remove(indexPath(id))
                    continue
                }
                waiting.append(record)
            }
            waiting.sort { ($0.submittedAt, $0.id) < ($1.submittedAt, $1.id) }
            for candidate in waiting {
                guard let lease = try FileLock(path: leasePath(candidate.id), wait: false) else { continue }
                var record = candidate
                record.claimedBy = Claimant.current(agentID: agentID)
                record.attempts += 1
                record.startedAt = record.startedAt ?? Timestamp.now()
                record.reason = nil
                record.updatedAt = Timestamp.now()
                try write(record)
                let fd = lease.take()
                leases.withLock { $0[record.id] = fd }
                return record
            }
            return nil
        }
    }

    /// Changes a record under the queue lock and writes it atomically.
    ///
    /// `updatedAt` is set; reaching a terminal status sets `finishedAt` (if
    /// unset) and gives up the lease. The id cannot be changed.
    @discardableResult
    public func update(_ id: String, _ mutate: (inout JobRecord) -> Void) throws(QueueError) -> JobRecord {
        let record = try locked { () throws(QueueError) -> JobRecord in
            var record = try read(id)
            mutate(&record)
            record.id = id
            record.updatedAt = Timestamp.now()
            if record.status.isTerminal, record.finishedAt == nil { record.finishedAt = record.updatedAt }
            try write(record)
            if record.status.isTerminal { try dropLease(id) }
            return record
        }
        return record
    }

    /// Gives up this instance's lease on a job without changing its record,
    /// for a clean shutdown that leaves launched jobs running: once this
    /// process has exited, the next agent's `recoverAbandoned` takes them up.
    public func release(_ id: String) {
        if let fd = leases.withLock({ $0.removeValue(forKey: id) }) { close(fd) }
    }

    /// True while this instance holds the job's lease.
    public func holdsLease(_ id: String) -> Bool {
        leases.withLock { $0[id] != nil }
    }

    /// Cancels a job: a queued job that no agent has taken becomes
    /// `cancelled` at once; a job an agent works on gets `cancelRequested`,
    /// which the pipeline polls. Accepts unique id prefixes.
    ///
    /// - Throws: `.notCancellable` for a job that already ended.
    @discardableResult
    public func cancel(_ idOrPrefix: String) throws(QueueError) -> JobRecord {
        try locked { () throws(QueueError) -> JobRecord in
            var record = try read(try resolve(idOrPrefix))
            if record.status.isTerminal { throw .notCancellable(id: record.id, status: record.status) }
            let now = Timestamp.now()
            if record.status == .queued, record.claimedBy == nil {
                record.status = .cancelled
                record.reason = "cancelled before an agent took it"
                record.finishedAt = now
            } else {
                record.cancelRequested = true
            }
            record.updatedAt = now
            try write(record)
            if record.status.isTerminal { try dropLease(record.id) }
            return record
        }
    }

    /// Closes our lease on a job that ended and removes its file. Called under
    /// the queue lock, so no other agent opens that file meanwhile; a lease
    /// someone else still holds is left alone.
    func dropLease(_ id: String) throws(QueueError) {
        if let fd = leases.withLock({ $0.removeValue(forKey: id) }) {
            StateFiles.remove(leasePath(id))
            close(fd)
        } else if let other = try FileLock(path: leasePath(id), wait: false) {
            StateFiles.remove(leasePath(id))
            _ = consume other
        }
    }
}
