import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ServicesProcessRunnerTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func reportsExitCodes() throws {
        #expect(try ProcessRunner.run(argv: ["true"]) == .exited(0))
        #expect(try ProcessRunner.run(argv: ["sh", "-c", "exit 3"]) == .exited(3))
        #expect(try ProcessRunner.run(argv: ["sh", "-c", "exit 255"]).code == 255)
    }

    @Test func reportsDeathBySignal() throws {
        let status = try ProcessRunner.run(argv: ["sh", "-c", "kill -TERM $$"])
        #expect(status == .signaled(SIGTERM))
        #expect(status.code == -SIGTERM)
        #expect(try ProcessRunner.run(argv: ["sh", "-c", "kill -KILL $$"]).code == -9)
    }

    @Test func keepsStdoutAndStderrApart() throws {
        let out = try ProcessRunner.capture(argv: ["sh", "-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2"])
        #expect(out.status == .exited(0))
        #expect(text(out.stdout) == "out1\nout2\n")
        #expect(text(out.stderr) == "err1\nerr2\n")
        #expect(!out.truncated)
    }

    @Test func streamsOutputWhileTheProgramRuns() throws {
        let start = ContinuousClock.now
        var firstChunkAt: Duration?
        var all: [UInt8] = []
        let status = try ProcessRunner.run(argv: ["sh", "-c", "echo first; sleep 1; echo second"], onStdout: { chunk in
            if firstChunkAt == nil { firstChunkAt = servicesElapsed(since: start) }
            all += chunk
        })
        #expect(status == .exited(0))
        #expect(text(all) == "first\nsecond\n")
        let first = try #require(firstChunkAt)
        #expect(first < .milliseconds(800), "first output arrived only after \(first)")
        #expect(servicesElapsed(since: start) >= .seconds(1))
    }

    @Test func aHandlerThrowingStopRequestStopsTheProgram() throws {
        var chunks = 0
        let start = ContinuousClock.now
        let error = #expect(throws: ProcessError.self) {
            try ProcessRunner.run(argv: ["yes"], killGrace: .seconds(5), onStdout: { (_: UnsafeRawBufferPointer) throws(ProcessRunner.StopRequest) in
                chunks += 1
                throw ProcessRunner.StopRequest()
            })
        }
        guard case .stopped(let message, let status)? = error else { Issue.record("expected stopped, got \(String(describing: error))"); return }
        #expect(status == .signaled(SIGTERM))
        #expect(message.hasPrefix("yes: stopped"))
        #expect(chunks == 1)
        #expect(servicesElapsed(since: start) < .seconds(3))
    }

    @Test func deliversStdinLargerThanAPipeBuffer() throws {
        // 1 MiB in and out at once: written and read interleaved, or it deadlocks.
        let input = servicesTestBytes(1 << 20, seed: 5)
        let out = try ProcessRunner.capture(argv: ["cat"], stdin: input, timeout: .seconds(20))
        #expect(out.status == .exited(0))
        #expect(out.stdout == input)
    }

    @Test func aChildThatIgnoresStdinDoesNotKillTheAgent() throws {
        // The write hits EPIPE; SIGPIPE must not take the test process down.
        let status = try ProcessRunner.run(argv: ["true"], stdin: servicesTestBytes(1 << 20))
        #expect(status == .exited(0))
        // The child starts with default SIGPIPE handling: `yes | head` style exit.
        let out = try ProcessRunner.capture(argv: ["sh", "-c", "yes | head -c 5 >/dev/null; echo done"], timeout: .seconds(10))
        #expect(text(out.stdout) == "done\n")
    }

    @Test func noStdinMeansImmediateEOF() throws {
        let out = try ProcessRunner.capture(argv: ["cat"], timeout: .seconds(5))
        #expect(out.status == .exited(0))
        #expect(out.stdout.isEmpty)
    }

    @Test func environmentIsReplacedOrMerged() throws {
        let only = try ProcessRunner.capture(argv: ["/usr/bin/env"], env: ["FOO": "bar", "B": "2"], inheritEnvironment: false)
        #expect(text(only.stdout) == "B=2\nFOO=bar\n")
        // PATH comes from the agent's own environment; FOO from the request.
        let path = String(cString: getenv("PATH"))
        let merged = try ProcessRunner.capture(
            argv: ["sh", "-c", #"echo "$PATH|$FOO""#], env: ["FOO": "override"], inheritEnvironment: true)
        #expect(text(merged.stdout) == "\(path)|override\n")
    }

    @Test func childPATHIsUsedForLookup() throws {
        let dir = servicesTempDirectory()
        let script = dir + "/la-services-hello"
        servicesWriteFile(script, Array("#!/bin/sh\necho hello from path\n".utf8))
        chmod(script, 0o755)
        defer { unlink(script); rmdir(dir) }
        let out = try ProcessRunner.capture(argv: ["la-services-hello"], env: ["PATH": dir + ":/usr/bin:/bin"])
        #expect(text(out.stdout) == "hello from path\n")
    }

    @Test func runsInTheGivenDirectory() throws {
        let dir = servicesTempDirectory()
        defer { rmdir(dir) }
        let out = try ProcessRunner.capture(argv: ["pwd", "-P"], cwd: dir)
        let resolved = try #require(realpath(dir, nil))
        defer { free(resolved) }
        #expect(text(out.stdout) == String(cString: resolved) + "\n")
        let missing = #expect(throws: ProcessError.self) { try ProcessRunner.run(argv: ["pwd"], cwd: dir + "/nope") }
        guard case .invalidArgument(let m)? = missing else { Issue.record("expected invalidArgument, got \(String(describing: missing))"); return }
        #expect(m.contains("working directory"))
    }

    @Test func unknownProgramIsNotFoundWithAClearMessage() throws {
        let error = #expect(throws: ProcessError.self) {
            try ProcessRunner.run(argv: ["la-no-such-program-xyz", "--version"], env: ["PATH": "/usr/bin:/bin"])
        }
        guard case .notFound(let message)? = error else { Issue.record("expected notFound, got \(String(describing: error))"); return }
        #expect(message == "la-no-such-program-xyz: not found in PATH (/usr/bin:/bin)")

        let absolute = #expect(throws: ProcessError.self) { try ProcessRunner.run(argv: ["/nonexistent/docker"]) }
        guard case .notFound(let m2)? = absolute else { Issue.record("expected notFound, got \(String(describing: absolute))"); return }
        #expect(m2.contains("/nonexistent/docker") && m2.contains("No such file"))

        let empty = #expect(throws: ProcessError.self) { try ProcessRunner.run(argv: []) }
        guard case .invalidArgument? = empty else { Issue.record("expected invalidArgument"); return }
    }

    @Test func aNonExecutableFileIsNotFound() throws {
        let dir = servicesTempDirectory()
        let file = dir + "/la-services-noexec"
        servicesWriteFile(file, Array("#!/bin/sh\n".utf8))
        defer { unlink(file); rmdir(dir) }
        let error = #expect(throws: ProcessError.self) { try ProcessRunner.run(argv: ["la-services-noexec"], env: ["PATH": dir]) }
        guard case .notFound(let m)? = error else { Issue.record("expected notFound"); return }
        #expect(m.contains("not executable"))
    }

    @Test func timeoutKillsTheWholeProcessGroupQuickly() throws {
        let start = ContinuousClock.now
        var out: [UInt8] = []
        let error = #expect(throws: ProcessError.self) {
            // The grandchild `sleep 60` shares the group; it must die too.
            try ProcessRunner.run(argv: ["sh", "-c", "sleep 60 & echo $!; sleep 60; wait"],
                                  timeout: .milliseconds(300), killGrace: .seconds(5), onStdout: { out += $0 })
        }
        #expect(servicesElapsed(since: start) < .seconds(3))
        guard case .timedOut(let message, let status)? = error else { Issue.record("expected timedOut, got \(String(describing: error))"); return }
        #expect(status == .signaled(SIGTERM))
        #expect(message.contains("timed out"))
        let grandchild = try #require(pid_t(text(out).split(separator: "\n").first.map(String.init) ?? ""))
        #expect(processIsGone(grandchild), "grandchild \(grandchild) survived the timeout")
    }

    @Test func sigkillFollowsTheGracePeriod() throws {
        let start = ContinuousClock.now
        let error = #expect(throws: ProcessError.self) {
            // Ignoring SIGTERM is inherited by sleep, so only SIGKILL ends them.
            try ProcessRunner.run(argv: ["sh", "-c", "trap '' TERM; sleep 60"], timeout: .milliseconds(200), killGrace: .milliseconds(400))
        }
        let elapsed = servicesElapsed(since: start)
        guard case .timedOut(_, let status)? = error else { Issue.record("expected timedOut, got \(String(describing: error))"); return }
        #expect(status == .signaled(SIGKILL))
        #expect(elapsed >= .milliseconds(550) && elapsed < .seconds(3))
    }

    @Test func cancelStopsTheProgram() throws {
        let start = ContinuousClock.now
        let error = #expect(throws: ProcessError.self) {
            try ProcessRunner.run(argv: ["sleep", "60"], cancel: { servicesElapsed(since: start) > .milliseconds(300) })
        }
        guard case .cancelled(_, let status)? = error else { Issue.record("expected cancelled, got \(String(describing: error))"); return }
        #expect(status == .signaled(SIGTERM))
        #expect(servicesElapsed(since: start) < .seconds(2))
    }

    @Test func noDescriptorsLeakIntoTheChild() throws {
        // A descriptor the agent opened without O_CLOEXEC.
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        #expect(leaky > 2)
        let out = try ProcessRunner.capture(argv: ["ls", "/proc/self/fd"])
        let fds = Set(text(out.stdout).split(separator: "\n").compactMap { Int32($0) })
        // 0-2 are the pipes; ls itself holds one more for the directory it lists.
        #expect(fds.isSubset(of: [0, 1, 2, 3]), "child saw descriptors \(fds.sorted())")
        #expect(!fds.contains(leaky) || leaky == 3)
    }

    @Test func theChildLeadsItsOwnProcessGroup() throws {
        // Field 5 of /proc/PID/stat is the process group.
        let out = try ProcessRunner.capture(argv: ["sh", "-c", "echo $$; cut -d' ' -f5 /proc/$$/stat"])
        let lines = text(out.stdout).split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines[0] == lines[1], "pid/pgid: \(lines)")
        #expect(lines.first != String(getpgrp()))
    }

    @Test func aGrandchildHoldingThePipesDoesNotHangTheRun() throws {
        let start = ContinuousClock.now
        let out = try ProcessRunner.capture(argv: ["sh", "-c", "(sleep 4 &); echo parent done"], timeout: .seconds(30))
        #expect(out.status == .exited(0))
        #expect(text(out.stdout) == "parent done\n")
        #expect(servicesElapsed(since: start) < .milliseconds(3500))
    }

    @Test func captureTruncatesAtTheLimit() throws {
        let out = try ProcessRunner.capture(argv: ["sh", "-c", "head -c 100000 /dev/zero"], outputLimit: 1000)
        #expect(out.stdout.count == 1000)
        #expect(out.truncated)
    }

    /// Gone, or a zombie waiting for a reaper that is not us.
    func processIsGone(_ pid: pid_t) -> Bool {
        // Give the kernel a moment to deliver the signal.
        for _ in 0..<20 {
            if kill(pid, 0) != 0 { return true }
            let fd = open("/proc/\(pid)/stat", O_RDONLY)
            if fd < 0 { return true }
            var buf = [UInt8](repeating: 0, count: 512)
            let n = read(fd, &buf, 512)
            close(fd)
            let stat = String(decoding: buf.prefix(max(0, n)), as: UTF8.self)
            if let paren = stat.lastIndex(of: ")"), stat[stat.index(paren, offsetBy: 2)] == "Z" { return true }
            usleep(50_000)
        }
        return false
    }
}

