import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

extension QueueTests {
    /// The `queued/` index: claims read it, the records stay the truth.
    @Suite struct Index {
        func entries(_ queue: LocalQueue) throws -> [String] { try queue.indexedIDs() }

        @Test func entriesFollowTheRecords() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let a = try queue.submit(QueueTestSupport.spec(1))
            let b = try queue.submit(QueueTestSupport.spec(2))
            #expect(try entries(queue) == [a.id, b.id].sorted())
            #expect(try queue.hasQueuedJobs())
            _ = try queue.claim(agentID: "agent-1")
            #expect(try entries(queue) == [b.id])
            try queue.cancel(b.id)
            #expect(try entries(queue).isEmpty)
            #expect(try !queue.hasQueuedJobs())
            // Handed back to the queue: claimable again.
            try queue.update(a.id) { r in
                r.status = .queued
                r.claimedBy = nil
            }
            #expect(try entries(queue) == [a.id])
        }

        @Test func aStaleEntryIsDroppedWhenAClaimMeetsIt() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let a = try queue.submit(QueueTestSupport.spec(1))
            // As if the agent died between writing a finished record and removing the entry.
            var done = try queue.read(a.id)
            done.status = .finished
            try StateFiles.writeAtomically(Array((done.json.serialized + "\n").utf8), to: queue.recordPath(a.id))
            #expect(try entries(queue) == [a.id])
            #expect(try queue.claim(agentID: "agent-1") == nil)
            #expect(try entries(queue).isEmpty)
        }

        @Test func aMissingEntryIsRestoredByRecovery() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let a = try queue.submit(QueueTestSupport.spec(1))
            unlink(queue.indexPath(a.id))   // a crash between the record and its entry
            #expect(try queue.claim(agentID: "agent-1") == nil)
            _ = try queue.recoverAbandoned(agentID: "agent-1")
            #expect(try queue.claim(agentID: "agent-1")?.id == a.id)
        }
    }
}
