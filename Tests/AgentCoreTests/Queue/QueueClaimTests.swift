import Dispatch
import FoundationEssentials
import Synchronization
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

extension QueueTests {
    @Suite struct Claims {
        @Test func oldestFirstThenThroughTheStatuses() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let first = try queue.submit(QueueTestSupport.spec(1))
            let second = try queue.submit(QueueTestSupport.spec(2))
            let claimed = try #require(try queue.claim(agentID: "agent-1"))
            #expect(claimed.id == first.id)
            #expect(claimed.status == .queued)
            #expect(claimed.attempts == 1)
            #expect(claimed.claimedBy == Claimant.current(agentID: "agent-1"))
            #expect(claimed.startedAt != nil)
            #expect(queue.holdsLease(first.id))
            #expect(try queue.claim(agentID: "agent-1")?.id == second.id)
            #expect(try queue.claim(agentID: "agent-1") == nil)

            try queue.update(first.id) { $0.status = .building }
            try queue.update(first.id) { r in
                r.status = .pushing
                r.image = "reg/ml:abc"
                r.durations["build"] = 4.5
            }
            try queue.update(first.id) { r in
                r.status = .running
                r.runnerHandle = .object(["pid": 99])
            }
            let done = try queue.update(first.id) { r in
                r.status = .finished
                r.exitCode = 0
                r.id = "j-tampered"
            }
            #expect(done.id == first.id)
            #expect(done.finishedAt != nil)
            #expect(!queue.holdsLease(first.id))
            #expect(JobPaths.kind(of: dir + "/leases/\(first.id).lock") == .missing)
            #expect(try queue.show(first.id) == done)
            #expect(throws: QueueError.notFound("j-20000101000000-000000")) {
                try queue.update("j-20000101000000-000000") { $0.status = .failed }
            }
        }

        @Test func threadsNeverShareAJob() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let submitted = try (0..<40).map { try queue.submit(QueueTestSupport.spec($0)).id }
            let claimed = Mutex<[String]>([])
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { worker in
                do {
                    // Each worker is its own agent, with its own queue object and lock descriptors.
                    let mine = try LocalQueue(stateDirectory: dir)
                    while let job = try mine.claim(agentID: "worker-\(worker)") {
                        claimed.withLock { $0.append(job.id) }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let ids = claimed.withLock { $0 }
            #expect(ids.count == 40)
            #expect(Set(ids) == Set(submitted))
        }

        @Test func processesNeverShareAJob() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let submitted = try (0..<60).map { try queue.submit(QueueTestSupport.spec($0)).id }
            let outs = (0..<4).map { "\(dir)/../child-\($0).out" }
            for out in outs { _ = QueueTestSupport.spawnChild(mode: "claim-all", stateDir: dir, out: out) }
            for out in outs { #expect(QueueTestSupport.waitFor("ready", in: out)) }
            TestSupport.write("", to: dir + "/../go")
            for out in outs { #expect(QueueTestSupport.waitFor("done", in: out)) }
            let ids = outs.flatMap { QueueTestSupport.lines($0) }.filter { $0 != "done" && $0 != "ready" }
            #expect(ids.count == 60)
            #expect(Set(ids) == Set(submitted))
            let records = try queue.list()
            #expect(records.allSatisfy { $0.attempts == 1 && $0.claimedBy != nil })
            // They really competed: the jobs are spread over several processes.
            #expect(Set(records.compactMap { $0.claimedBy?.pid }).count >= 2)
        }

        @Test func cancel() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let waiting = try queue.submit(QueueTestSupport.spec(1))
            let working = try queue.submit(QueueTestSupport.spec(2))
            // Queued and untaken: cancelled at once, and never claimed.
            let cancelled = try queue.cancel(String(waiting.id.dropFirst(2)))
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.finishedAt != nil)
            #expect(cancelled.reason == "cancelled before an agent took it")
            #expect(try queue.claim(agentID: "a")?.id == working.id)
            // Taken: the agent is asked to stop it.
            try queue.update(working.id) { $0.status = .running }
            let requested = try queue.cancel(working.id)
            #expect(requested.status == .running)
            #expect(requested.cancelRequested)
            #expect(queue.holdsLease(working.id))
            try queue.update(working.id) { $0.status = .cancelled }
            #expect(throws: QueueError.notCancellable(id: working.id, status: .cancelled)) { try queue.cancel(working.id) }
            #expect(QueueError.notCancellable(id: "j-1", status: .finished).description == "job j-1 is already finished; there is nothing to cancel")
        }
    }
}
