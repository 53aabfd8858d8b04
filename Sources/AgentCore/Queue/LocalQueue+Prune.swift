import FoundationEssentials

extension LocalQueue {
    /// What `prune` removed.
    public struct PruneReport: Sendable, Equatable {
        /// Ids of the removed jobs, oldest first.
        public var removed: [String] = []
        /// Finished records kept (younger than the cut-off, or within `keep`).
        public var kept = 0
    }

    /// Removes ended jobs (finished, failed, cancelled) and their logs: those
    /// that ended before `olderThan` ago, beyond the `keep` most recent ones.
    /// Jobs that have not ended are never touched. Runs under the queue lock,
    /// so it is safe beside running agents.
    public func prune(olderThan age: TimeInterval, keep: Int = 0, now: Date = Date()) throws(QueueError) -> PruneReport {
        try locked { () throws(QueueError) -> PruneReport in
            let ended = try listing().records
                .filter { $0.status.isTerminal }
                .sorted { ($0.finishedAt ?? $0.updatedAt, $0.id) > ($1.finishedAt ?? $1.updatedAt, $1.id) }
            var report = PruneReport()
            for (rank, record) in ended.enumerated() {
                let end = record.finishedAt ?? record.updatedAt
                guard rank >= keep, now.timeIntervalSince(end) >= age else {
                    report.kept += 1
                    continue
                }
                StateFiles.remove(recordPath(record.id))
                StateFiles.remove(logPath(for: record.id))
                StateFiles.remove(indexPath(record.id))
                report.removed.append(record.id)
            }
            report.removed.sort()
            return report
        }
    }
}
