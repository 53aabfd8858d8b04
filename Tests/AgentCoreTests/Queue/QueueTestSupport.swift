import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// Every queue suite nests in here: `swift test --filter QueueTests`.
@Suite struct QueueTests {}

/// Helpers for queue tests: fresh queues, specs, and child processes.
enum QueueTestSupport {
    /// A queue in a fresh directory; remove `dir` when done.
    static func makeQueue() throws -> (queue: LocalQueue, dir: String) {
        let dir = TestSupport.makeTempDir("la-queue")
        return (try LocalQueue(stateDirectory: dir + "/state"), dir + "/state")
    }

    static func spec(_ n: Int = 0) -> JobSpec {
        var spec = JobSpec(source: .path("/work/proj"), entryPoint: ["python", "train.py"])
        spec.args = ["--n", String(n)]
        return spec
    }

    /// This test binary, run again as a child in one of the modes of
    /// `QueueChildProcess`; returns the child's pid. It runs detached from
    /// us (through `sh ... &`), so killing it leaves no zombie here.
    static func spawnChild(mode: String, stateDir: String, out: String) -> Int32 {
        let exe = selfExecutable()
        let r = TestSupport.shell("LA_QUEUE_CHILD_MODE='\(mode)' LA_QUEUE_CHILD_STATE='\(stateDir)' LA_QUEUE_CHILD_OUT='\(out)' "
            + "'\(exe)' --testing-library swift-testing --filter 'QueueChildProcess' >/dev/null 2>&1 & echo $!")
        return Int32(r.output.filter(\.isNumber)) ?? -1
    }

    static func selfExecutable() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Waits (up to `seconds`) until `path` contains `text`.
    static func waitFor(_ text: String, in path: String, seconds: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: path), String(decoding: data, as: UTF8.self).contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// SIGKILL, then wait until the process is gone, or a zombie whose
    /// other threads have exited too (they share its descriptors, and so its
    /// locks, until the last one ends).
    static func killHard(_ pid: Int32) {
        kill(pid, SIGKILL)
        for _ in 0..<1000 {
            guard let stat = ProcStat.read(pid: pid) else { return }
            let threads = (try? StateFiles.list("/proc/\(pid)/task").count) ?? 0
            if stat.state == "Z", threads <= 1 { return }
            usleep(10_000)
        }
    }

    static func lines(_ path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// The code the child processes run. Outside a child (no
/// `LA_QUEUE_CHILD_MODE`) it does nothing.
@Suite struct QueueChildProcess {
    @Test func entry() throws {
        let env = ProcessEnvironment.current
        guard let mode = env["LA_QUEUE_CHILD_MODE"], let dir = env["LA_QUEUE_CHILD_STATE"], let out = env["LA_QUEUE_CHILD_OUT"] else { return }
        let queue = try LocalQueue(stateDirectory: dir)
        var log = ""
        func say(_ line: String) {
            log += line + "\n"
            TestSupport.write(log, to: out)
        }
        switch mode {
        case "claim-all":
            // Start together with the other children (the parent creates
            // `go`), then claim everything we can.
            say("ready")
            while JobPaths.kind(of: dir + "/../go") == .missing { usleep(1000) }
            var ids: [String] = []
            while let job = try queue.claim(agentID: "child-\(getpid())") { ids.append(job.id) }
            say(ids.joined(separator: "\n"))
            say("done")
        case "claim-hang", "launch-hang":
            guard let job = try queue.claim(agentID: "child") else { say("empty"); return }
            if mode == "launch-hang" {
                try queue.update(job.id) { r in
                    r.status = .running
                    r.runnerHandle = .object(["pid": 4242, "kind": "local-process"])
                }
            } else {
                try queue.update(job.id) { $0.status = .building }
            }
            say("ready \(job.id)")
            while true { sleep(1000) }
        case "rewrite":
            // Rewrite every record forever, with growing and shrinking bodies,
            // until the parent kills us mid-write.
            let ids = try queue.list().map(\.id)
            say("ready")
            var n = 0
            while true {
                for id in ids {
                    n += 1
                    try queue.update(id) { r in
                        r.reason = String(repeating: "x", count: (n * 7919) % 20_000)
                        r.durations["run"] = Double(n)
                    }
                }
            }
        default:
            say("unknown mode \(mode)")
        }
    }
}
