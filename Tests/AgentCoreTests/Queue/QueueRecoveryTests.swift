import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

extension QueueTests {
    @Suite struct Recovery {
        @Test func aKilledAgentsUnlaunchedJobIsQueuedAgain() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let job = try queue.submit(QueueTestSupport.spec())
            let out = dir + "/../child.out"
            let pid = QueueTestSupport.spawnChild(mode: "claim-hang", stateDir: dir, out: out)
            #expect(QueueTestSupport.waitFor("ready \(job.id)", in: out))
            let taken = try queue.show(job.id)
            #expect(taken.status == .building)
            #expect(taken.claimedBy?.pid == pid)
            // Alive and holding its lease: not ours to take.
            #expect(try queue.recoverAbandoned(agentID: "me") == RecoveryReport())
            #expect(try queue.claim(agentID: "me") == nil)

            QueueTestSupport.killHard(pid)
            let report = try queue.recoverAbandoned(agentID: "me")
            #expect(report.requeued.map(\.id) == [job.id])
            let requeued = try queue.show(job.id)
            #expect(requeued.status == .queued)
            #expect(requeued.claimedBy == nil)
            #expect(requeued.attempts == 1)
            #expect(requeued.reason == "queued again: agent child (pid \(pid)) stopped (attempt 1 of 3)")
            let again = try #require(try queue.claim(agentID: "me"))
            #expect(again.id == job.id)
            #expect(again.attempts == 2)
            #expect(again.reason == nil)
        }

        @Test func aKilledAgentsLaunchedJobIsReattachedNotRelaunched() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let job = try queue.submit(QueueTestSupport.spec())
            let out = dir + "/../child.out"
            let pid = QueueTestSupport.spawnChild(mode: "launch-hang", stateDir: dir, out: out)
            #expect(QueueTestSupport.waitFor("ready", in: out))
            QueueTestSupport.killHard(pid)
            let report = try queue.recoverAbandoned(agentID: "me")
            #expect(report.requeued.isEmpty)
            let reattached = try #require(report.reattach.first)
            #expect(reattached.id == job.id)
            #expect(reattached.status == .running)
            #expect(reattached.runnerHandle == .object(["pid": 4242, "kind": "local-process"]))
            #expect(reattached.claimedBy == Claimant.current(agentID: "me"))
            #expect(reattached.attempts == 1)
            #expect(queue.holdsLease(job.id))
            // A second agent finds nothing to do: we hold it now.
            let other = try LocalQueue(stateDirectory: dir)
            #expect(try other.recoverAbandoned(agentID: "other") == RecoveryReport())
        }

        @Test func pidReuseIsNotMistakenForLife() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let job = try queue.submit(QueueTestSupport.spec())
            _ = try queue.claim(agentID: "me")
            queue.release(job.id)
            // Lease free but the claimant (this very process) runs: leave it.
            #expect(try queue.recoverAbandoned(agentID: "me").requeued.isEmpty)
            // Same pid, other start time: a different process now has the pid.
            try queue.update(job.id) { $0.claimedBy?.startTime += 1 }
            #expect(try queue.recoverAbandoned(agentID: "me").requeued.map(\.id) == [job.id])
            // Same for a claim from before a reboot.
            _ = try queue.claim(agentID: "me")
            queue.release(job.id)
            try queue.update(job.id) { $0.claimedBy?.bootID = "another-boot" }
            #expect(try queue.recoverAbandoned(agentID: "me").requeued.map(\.id) == [job.id])
        }

        @Test func givingUpAndCancelling() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let dead = Claimant(agentID: "gone", pid: 999_999, startTime: 1, bootID: ProcStat.bootID(), host: "h")
            #expect(!dead.isAlive)
            func abandoned(_ mutate: (inout JobRecord) -> Void) throws -> String {
                let id = try queue.submit(QueueTestSupport.spec()).id
                try queue.update(id) { r in
                    r.claimedBy = dead
                    r.attempts = 1
                    mutate(&r)
                }
                return id
            }
            let tired = try abandoned { $0.attempts = 3; $0.status = .pushing }
            let unknownLaunch = try abandoned { $0.status = .running }
            let cancelledEarly = try abandoned { $0.status = .building; $0.cancelRequested = true }
            let cancelledLaunched = try abandoned { r in
                r.status = .running
                r.cancelRequested = true
                r.runnerHandle = .object(["id": "x"])
            }
            let report = try queue.recoverAbandoned(agentID: "me")
            #expect(report.failed.map(\.id).sorted() == [tired, unknownLaunch].sorted())
            #expect(report.cancelled.map(\.id) == [cancelledEarly])
            #expect(report.reattach.map(\.id) == [cancelledLaunched])
            let t = try queue.show(tired)
            #expect(t.status == .failed && t.stage == .agent && t.finishedAt != nil)
            #expect(t.reason == "agent gone (pid 999999) stopped while working on it; given up after 3 attempts")
            let u = try queue.show(unknownLaunch)
            #expect(u.status == .failed && u.stage == .agent)
            #expect(u.reason == "agent gone (pid 999999) stopped while launching it and recorded no runner handle; "
                + "it is not launched again, as it may already be running")
            #expect(try queue.show(cancelledEarly).status == .cancelled)
            #expect(try queue.show(cancelledLaunched).cancelRequested)
        }

        @Test func claimantIdentity() throws {
            let me = Claimant.current(agentID: "x")
            #expect(me.pid == getpid())
            #expect(me.startTime > 0)
            #expect(!me.bootID.isEmpty)
            #expect(me.isAlive)
            // The command name may hold spaces and parentheses.
            let fields = try #require(ProcStat.parse("42 (my (odd) prog) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10"))
            #expect(fields.state == "S")
            #expect(fields.startTime == 987654)
            #expect(ProcStat.parse("42 (x) S 1") == nil)
        }
    }
}
