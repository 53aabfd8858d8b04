import LaunchAgentPluginKit

/// Runner `local-process`.
///
/// The job runs detached from the agent, in its own session, so that an agent restart neither kills
/// nor loses it: `launch` returns a handle (pid, process start time, state directory) that the host
/// persists, and `watch` — from this agent or a restarted one — follows the process through that
/// handle. The process's exit status is written to `<state dir>/exit` by a small shell wrapper, since
/// only a parent can `wait` for a child.
struct LocalProcessRunner: Runner {
    let host: Host
    let stateRoot: String

    init(_ context: ComponentContext) throws {
        try context.config.rejectUnknownKeys()
        host = context.host
        stateRoot = RunnerState.root()
    }

    func verify(_ call: Call) throws -> VerifyReport {
        VerifyReport([.passed("local processes", "jobs run as this agent's user in \(stateRoot)")])
    }

    func launch(_ request: LaunchRequest, _ call: Call) throws -> LaunchResult {
        let argv = request.entryPoint + request.args
        guard !argv.isEmpty else {
            throw PluginError(.invalidArgument, "the job has no entry_point: local-process needs a command to run")
        }
        guard let workdir = request.workdir else {
            throw PluginError(.invalidArgument, "the job has no source directory: local-process runs jobs from a local path or git source")
        }
        if let image = request.image { call.log("local-process ignores the image \(image) and runs the entry point directly", level: .warning) }
        let dir = try RunnerState.makeDirectory(root: stateRoot, jobID: request.jobID)
        // The wrapper records the exit status; `setsid` gives the job its own session and process group,
        // so that cancel can signal the whole tree and the agent's own signals never reach it.
        let script = """
            d=$1; cd "$2" || { echo 127 > "$d/exit"; exit 0; }; shift 2
            setsid sh -c '"$@" >>"$0/output.log" 2>&1 </dev/null; echo $? > "$0/exit.tmp" && mv "$0/exit.tmp" "$0/exit"' "$d" "$@" </dev/null >/dev/null 2>&1 &
            echo $!
            """
        let result = try host.process().run(
            ProcessRequest(["/bin/sh", "-c", script, "sh", dir, workdir] + argv, environment: request.env),
            call: call, output: .capture)
        guard result.succeeded, let pid = Int32(result.stdoutText.trimmingWhitespace) else {
            throw PluginError(.io, "could not start \(argv[0]): \(result.stderrText.trimmingWhitespace)")
        }
        let started = ProcessTable.startTime(pid) ?? 0
        call.log("started \(argv.joined(separator: " ")) as pid \(pid) in \(workdir)")
        return LaunchResult(handle: ["pid": .int(Int64(pid)), "start_time": .int(Int64(started)), "dir": .string(dir)])
    }

    func watch(_ request: WatchRequest, _ call: Call) throws -> RunOutcome {
        let handle = try RunnerHandle(request.handle)
        var log = LogFollower(path: handle.dir + "/output.log", checkpoint: handle.dir + "/forwarded")
        while true {
            log.forward { call.log($0) }
            if let code = RunnerState.exitCode(in: handle.dir) {
                log.forward(flush: true) { call.log($0) }
                if RunnerState.wasCancelled(handle.dir) { return RunOutcome(state: .cancelled, exitCode: code, reason: "cancelled") }
                return code == 0
                    ? RunOutcome(state: .finished, exitCode: 0)
                    : RunOutcome(state: .failed, exitCode: code, reason: RunnerState.describe(exitCode: code))
            }
            if !ProcessTable.isAlive(handle.pid, startTime: handle.startTime) {
                // The wrapper may have written `exit` between the two checks.
                if RunnerState.exitCode(in: handle.dir) != nil { continue }
                log.forward(flush: true) { call.log($0) }
                if RunnerState.wasCancelled(handle.dir) { return RunOutcome(state: .cancelled, reason: "cancelled") }
                return RunOutcome(state: .lost, reason: "process \(handle.pid) ended without recording an exit status (killed with its wrapper?)")
            }
            try call.checkCancellation()
            ProcessTable.sleep(milliseconds: 200)
        }
    }

    func cancel(_ request: CancelRequest, _ call: Call) throws {
        let handle = try RunnerHandle(request.handle)
        RunnerState.markCancelled(handle.dir)
        guard ProcessTable.isAlive(handle.pid, startTime: handle.startTime) else { return }
        ProcessTable.signalGroup(handle.pid, SIGTERM_VALUE)
        let grace = request.gracePeriodMilliseconds ?? 10_000
        var waited = 0
        while waited < grace, ProcessTable.isAlive(handle.pid, startTime: handle.startTime) {
            ProcessTable.sleep(milliseconds: 100)
            waited += 100
        }
        if ProcessTable.isAlive(handle.pid, startTime: handle.startTime) {
            call.log("pid \(handle.pid) ignored SIGTERM for \(grace) ms; sending SIGKILL", level: .warning)
            ProcessTable.signalGroup(handle.pid, SIGKILL_VALUE)
        }
    }
}

/// The persisted handle: what `launch` returned.
struct RunnerHandle {
    let pid: Int32
    let startTime: UInt64
    let dir: String

    init(_ json: JSONValue) throws {
        guard case .object(let o) = json, case .int(let pid)? = o["pid"], case .string(let dir)? = o["dir"] else {
            throw PluginError(.invalidArgument, "the handle is not one local-process made (needs pid and dir)")
        }
        self.pid = Int32(pid)
        self.dir = dir
        if case .int(let t)? = o["start_time"] { startTime = UInt64(t) } else { startTime = 0 }
    }
}
