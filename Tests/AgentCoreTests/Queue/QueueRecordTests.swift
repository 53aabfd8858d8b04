import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

extension QueueTests {
    @Suite struct Records {
        @Test func submitStoresTheSpecAndShowFindsIt() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let spec = try JobSpec.parse(text: "name: demo\npath: code\nentry_point: [python, t.py]\n", file: "specs/job.yaml",
                                         baseDirectory: "/work/proj/specs")
            let record = try queue.submit(spec)
            #expect(JobID.isWellFormed(record.id))
            #expect(record.status == .queued)
            #expect(record.name == "demo")
            #expect(record.spec["path"] == "/work/proj/specs/code")
            #expect(record.specFile == JobPaths.currentDirectory() + "/specs/job.yaml")
            #expect(record.specText == "name: demo\npath: code\nentry_point: [python, t.py]\n")
            #expect(record.logPath == dir + "/logs/\(record.id).log")
            #expect(JobPaths.kind(of: record.logPath) == .file)
            #expect(record.attempts == 0 && record.claimedBy == nil && !record.cancelRequested)
            #expect(try queue.show(record.id) == record)
            // The record file is private to the agent's user.
            var st = stat()
            #expect(stat(dir + "/jobs/\(record.id).json", &st) == 0 && st.st_mode & 0o777 == 0o600)
            #expect(stat(dir, &st) == 0 && st.st_mode & 0o777 == 0o700)
        }

        @Test func idPrefixes() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let a = try queue.submit(QueueTestSupport.spec(1))
            let b = try queue.submit(QueueTestSupport.spec(2))
            let common = String(zip(a.id, b.id).prefix { $0 == $1 }.map(\.0))
            let shortest = String(a.id.prefix(common.count + 1))
            #expect(try queue.show(shortest).id == a.id)
            #expect(try queue.show(String(a.id.dropFirst(2))).id == a.id)
            #expect(throws: QueueError.ambiguous(common, matches: [a.id, b.id].sorted())) { try queue.show(common) }
            #expect(throws: QueueError.notFound("j-1999")) { try queue.show("j-1999") }
            #expect(throws: QueueError.invalidID("../../etc/passwd")) { try queue.show("../../etc/passwd") }
            #expect(QueueError.ambiguous("j-2", matches: ["j-2a", "j-2b"]).description
                == "'j-2' matches several jobs (j-2a, j-2b); give more of the id")
        }

        @Test func listIsOrderedAndSkipsStrayFiles() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let ids = try (0..<3).map { try queue.submit(QueueTestSupport.spec($0)).id }
            // What a writer killed mid-write leaves: a truncated temporary file.
            let full = try #require(FileManager.default.contents(atPath: dir + "/jobs/\(ids[0]).json"))
            _ = FileManager.default.createFile(atPath: dir + "/jobs/.\(ids[0]).json.999-abc.tmp", contents: full.prefix(full.count / 2))
            _ = FileManager.default.createFile(atPath: dir + "/jobs/.\(ids[1]).json.999-abd.tmp", contents: Data())
            _ = FileManager.default.createFile(atPath: dir + "/jobs/notes.txt", contents: Data("hi".utf8))
            let listing = try queue.listing()
            #expect(listing.records.map(\.id).sorted() == ids.sorted())
            #expect(listing.records.map(\.submittedAt) == listing.records.map(\.submittedAt).sorted())
            #expect(listing.unreadable.isEmpty)
            let report = try queue.recoverAbandoned(agentID: "a")
            #expect(report.removedTempFiles == [".\(ids[0]).json.999-abc.tmp", ".\(ids[1]).json.999-abd.tmp"].sorted())
            #expect(report.requeued.isEmpty && report.reattach.isEmpty)
            // A damaged record is reported, not silently dropped or "fixed".
            _ = FileManager.default.createFile(atPath: dir + "/jobs/\(ids[2]).json", contents: Data("{\"id\": ".utf8))
            let damaged = try queue.listing()
            #expect(damaged.records.count == 2)
            #expect(damaged.unreadable.map(\.path) == [dir + "/jobs/\(ids[2]).json"])
            #expect(damaged.unreadable.first?.reason.hasPrefix("job record \(dir)/jobs/\(ids[2]).json is unreadable: invalid JSON") == true)
        }

        @Test func recordJSONRoundTrips() throws {
            var r = JobRecord(id: "j-20260821101500-0a1b2c", spec: QueueTestSupport.spec().json,
                              submittedAt: try #require(Timestamp.parse("2026-08-21T10:15:00.123Z")), logPath: "/s/logs/x.log")
            r.name = "n"
            r.status = .failed
            r.stage = .build
            r.reason = "docker build exited 1"
            r.specFile = "/a/job.yaml"
            r.specText = "path: .\n"
            r.image = "reg.example.com/ml:0123abcd"
            r.buildSkipped = true
            r.buildSkipReason = "image exists in registry"
            r.runnerHandle = .object(["pid": 12, "pgid": 12])
            r.startedAt = Timestamp.parse("2026-08-21T10:15:01Z")
            r.finishedAt = Timestamp.parse("2026-08-21T10:16:00.5Z")
            r.durations = ["build": 12.5, "push": 3, "run": 0.25]
            r.attempts = 2
            r.claimedBy = Claimant(agentID: "agent-1", pid: 77, startTime: 123456, bootID: "b-id", host: "h")
            r.exitCode = -9
            r.cancelRequested = true
            let text = r.json.serialized
            #expect(try JobRecord(json: JSONValue(parsing: text)) == r)
            #expect(text.contains(#""submitted_at":"2026-08-21T10:15:00.123Z""#))
            #expect(text.contains(#""finished_at":"2026-08-21T10:16:00.500Z""#))
            #expect(throws: JobRecordDecodingError("unknown status 'done'")) {
                try JobRecord(json: JSONValue(parsing: text.replacing(#""status":"failed""#, with: #""status":"done""#)))
            }
            #expect(throws: JobRecordDecodingError("claimed_by.pid must be an integer")) {
                try JobRecord(json: JSONValue(parsing: text.replacing(#""pid":77"#, with: #""pid":"77""#)))
            }
        }

        @Test func timestamps() throws {
            let d = try #require(Timestamp.parse("1999-12-31T23:59:59.999Z"))
            #expect(Timestamp.format(d) == "1999-12-31T23:59:59.999Z")
            #expect(Timestamp.compact(d) == "19991231235959")
            #expect(Timestamp.parse("1999-12-31T23:59:59Z").map(Timestamp.format) == "1999-12-31T23:59:59.000Z")
            #expect(Timestamp.parse("1999-12-31 23:59:59Z") == nil)
            #expect(Timestamp.parse("1999-12-31T23:59:59+01:00") == nil)
            let now = Timestamp.now()
            #expect(Timestamp.parse(Timestamp.format(now)) == now)
        }

        @Test func specSurvivesTheQueueWithItsMarks() throws {
            let (queue, dir) = try QueueTestSupport.makeQueue()
            defer { TestSupport.shell("rm -rf '\(dir)/..'") }
            let text = "path: /work/proj\nentry_point: [python, t.py]\nresource: kubernetes\nresource_args:\n  kubernetes:\n    replicas: 3\n"
            let spec = try JobSpec.parse(text: text, file: "/specs/job.yaml")
            let stored = try queue.show(try queue.submit(spec).id)
            let again = try stored.jobSpec()
            #expect(again == spec)
            #expect(again.diagnostic(atPointer: "/resource_args/kubernetes/replicas", "too many").description
                == "/specs/job.yaml:6:15: error: too many")
            // A spec built in code has no text; it comes back from the JSON.
            let inCode = try queue.submit(QueueTestSupport.spec(5))
            #expect(try queue.show(inCode.id).jobSpec() == QueueTestSupport.spec(5))
        }

        @Test func stateDirectoryChoice() {
            #expect(LocalQueue.defaultStateDirectory(environment: ["LAUNCH_AGENT_STATE_DIR": "/x", "XDG_STATE_HOME": "/y", "HOME": "/h"]) == "/x")
            #expect(LocalQueue.defaultStateDirectory(environment: ["XDG_STATE_HOME": "/y", "HOME": "/h"]) == "/y/launch-agent")
            #expect(LocalQueue.defaultStateDirectory(environment: ["XDG_STATE_HOME": "rel", "HOME": "/h"]) == "/h/.local/state/launch-agent")
            #expect(LocalQueue.defaultStateDirectory(environment: [:]) == nil)
            #expect(throws: QueueError.noStateDirectory) { try LocalQueue(environment: [:]) }
        }
    }
}
