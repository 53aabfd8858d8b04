import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

extension QueueTests {
    /// A writer killed at any moment leaves every record whole.
    @Suite struct CrashSafety {
        @Test(arguments: [150_000, 400_000, 900_000] as [UInt32])
        func killNineMidWriteLeavesEveryRecordReadable(afterMicroseconds delay: UInt32) throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let ids = try (0..<8).map { try queue.submit(QueueTestSupport.spec($0)).id }.sorted()
            let out = dir + "/../child.out"
            let pid = QueueTestSupport.spawnChild(mode: "rewrite", stateDir: dir, out: out)
            #expect(QueueTestSupport.waitFor("ready", in: out))
            // Readers never see a half-written record, even mid-rewrite...
            var reads = 0
            let deadline = Date().addingTimeInterval(Double(delay) / 1_000_000)
            while Date() < deadline {
                let listing = try queue.listing()
                #expect(listing.unreadable.isEmpty)
                #expect(listing.records.map(\.id).sorted() == ids)
                reads += 1
            }
            #expect(reads > 0)
            // ...and neither does anyone after the writer dies mid-write.
            QueueTestSupport.killHard(pid)
            let after = try queue.listing()
            #expect(after.unreadable.isEmpty)
            #expect(after.records.map(\.id).sorted() == ids)
            #expect(after.records.contains { ($0.durations["run"] ?? 0) > 0 })
            // The kill usually lands mid-write (a temporary file is left); recovery removes it.
            _ = try queue.recoverAbandoned(agentID: "me")
            let left = try StateFiles.list(dir + "/jobs").filter { $0.hasSuffix(".tmp") }
            #expect(left.isEmpty)
        }
    }
}
