#if canImport(Glibc)
import Glibc
#endif

/// The queued-job index: `queued/<id>`, one empty file per job an agent may
/// claim, so that `claim` reads the waiting records instead of every record
/// ever kept (finished records stay for `jobs list`).
///
/// The records are the truth; the index only says where to look. It is kept
/// in step by `write` (every record change goes through it, under the queue
/// lock), `claim` drops stale entries it meets, and `recoverAbandoned` —
/// which every `agent run` calls first and which reads every record anyway —
/// rebuilds it, so a crash between a record write and its index entry costs
/// at most one agent start.
extension LocalQueue {
    var queuedDirectory: String { stateDirectory + "/queued" }

    func indexPath(_ id: String) -> String { "\(queuedDirectory)/\(id)" }

    /// Whether an agent may take this job now.
    static func isClaimable(_ record: JobRecord) -> Bool {
        record.status == .queued && record.claimedBy == nil && !record.cancelRequested
    }

    /// Adds or removes the job's index entry to match its record.
    func syncIndex(_ record: JobRecord) throws(QueueError) {
        let path = indexPath(record.id)
        if Self.isClaimable(record) {
            let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
            close(fd)
        } else {
            StateFiles.remove(path)
        }
    }

    /// Ids in the index, oldest submission second first.
    func indexedIDs() throws(QueueError) -> [String] {
        try StateFiles.list(queuedDirectory).filter(JobID.isWellFormed).sorted()
    }

    /// Makes the index match `records` (all of them): entries for claimable
    /// jobs, none for the rest.
    func rebuildIndex(_ records: [JobRecord]) throws(QueueError) {
        let claimable = Set(records.filter(Self.isClaimable).map(\.id))
        for id in try indexedIDs() where !claimable.contains(id) { StateFiles.remove(indexPath(id)) }
        let present = Set(try indexedIDs())
        for record in records where claimable.contains(record.id) && !present.contains(record.id) { try syncIndex(record) }
    }

    /// True when some job waits to be claimed (cheap: reads the index only).
    public func hasQueuedJobs() throws(QueueError) -> Bool {
        try !indexedIDs().isEmpty
    }
}
