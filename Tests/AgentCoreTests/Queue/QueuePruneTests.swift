import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

extension QueueTests {
    @Suite struct Prune {
        @Test func removesEndedJobsPastTheAgeBeyondKeepAndNothingElse() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let now = Date()
            var ended: [String] = []
            for (n, hoursAgo) in [30.0, 20, 10, 1].enumerated() {
                let r = try queue.submit(QueueTestSupport.spec(n))
                try queue.createLog(for: r.id)
                try queue.update(r.id) { rec in
                    rec.status = n == 1 ? .failed : .finished
                    rec.finishedAt = now.addingTimeInterval(-hoursAgo * 3600)
                }
                ended.append(r.id)
            }
            let waiting = try queue.submit(QueueTestSupport.spec(9))
            let running = try queue.submit(QueueTestSupport.spec(10))
            try queue.update(running.id) { $0.status = .running }

            // Older than 5 h: the 30 h, 20 h and 10 h jobs; keep 1 keeps the newest of all ended (1 h) anyway.
            let report = try queue.prune(olderThan: 5 * 3600, keep: 2, now: now)
            #expect(report.removed == [ended[0], ended[1]].sorted())
            #expect(report.kept == 2)
            let left = Set(try queue.list().map(\.id))
            #expect(left == [ended[2], ended[3], waiting.id, running.id])
            #expect(access(queue.logPath(for: ended[0]), F_OK) != 0)
            #expect(access(queue.logPath(for: ended[3]), F_OK) == 0)
            #expect(try queue.claim(agentID: "a")?.id == waiting.id)
        }
    }
}
