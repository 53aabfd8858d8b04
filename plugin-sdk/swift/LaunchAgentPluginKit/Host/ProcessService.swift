internal import LaunchAgentABI

/// Child processes through the host (`launch-agent.process/1`).
///
/// The host spawns the program (looked up in `PATH`), streams its output back, and stops its whole process
/// group when the call is cancelled or the timeout passes (SIGTERM, then SIGKILL after the grace period).
///
/// ```swift
/// let result = try host.process().run(
///     ProcessRequest(["docker", "login", "--username", auth.username, "--password-stdin", auth.server],
///                    stdin: Array(auth.password.utf8)),
///     call: call)
/// guard result.exitStatus == 0 else { throw PluginError(.auth, "docker login to \(auth.server) failed") }
/// ```
///
/// Pass secrets on stdin or in ``ProcessRequest/environment``, never in argv (argv is visible to every user
/// of the machine).
///
/// Failures throw a ``PluginError`` carrying the host's own message (which names `argv[0]`), so a plugin
/// can catch it, wrap it or retry; ``PluginError/retryable`` is the host's own verdict (its `on_error`
/// details), true when the system refused to start the program (`.io`). To stop a program early (it printed
/// what you waited for), throw from an `onStdout`/`onStderr` handler: the host stops the program's process
/// group and `run` rethrows your error.
public struct ProcessService: @unchecked Sendable {
    let host: Host
    let table: UnsafePointer<la_process_v1>

    /// Runs the program to completion. With ``ProcessOutput/log`` (the default) each output line goes to
    /// ``Call/log(_:level:)``; with ``ProcessOutput/capture`` it is collected in the result.
    ///
    /// Returns whatever the exit status; throws ``PluginError/Code/notFound`` when `argv[0]` cannot be
    /// executed and `.cancelled`/`.timeout` when the program was stopped.
    public func run(_ request: ProcessRequest, call: Call, output: ProcessOutput = .log) throws -> ProcessResult {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var stdoutLines = LineSplitter()
        var stderrLines = LineSplitter()
        let log = output == .log || output == .logAndCapture
        let capture = output == .capture || output == .logAndCapture
        let status = try run(
            request, call: call,
            onStdout: { chunk in
                if capture { stdout.append(contentsOf: chunk) }
                if log { stdoutLines.feed(chunk) { call.log($0, level: .info) } }
            },
            onStderr: { chunk in
                if capture { stderr.append(contentsOf: chunk) }
                if log { stderrLines.feed(chunk) { call.log($0, level: .info) } }
            })
        if log {
            stdoutLines.finish { call.log($0, level: .info) }
            stderrLines.finish { call.log($0, level: .info) }
        }
        return ProcessResult(exitStatus: status, stdout: stdout, stderr: stderr)
    }

    /// Runs the program to completion, handing raw output chunks to the handlers (on this thread), and
    /// returns the exit status: 0…255, or the negated signal number when a signal ended the program.
    ///
    /// An error thrown by a handler stops the program (SIGTERM to its process group, SIGKILL after
    /// ``ProcessRequest/killGraceMilliseconds``), no more output is handed over, and the error is rethrown.
    public func run(_ request: ProcessRequest, call: Call,
                    onStdout: (UnsafeRawBufferPointer) throws -> Void,
                    onStderr: (UnsafeRawBufferPointer) throws -> Void) throws -> Int32 {
        guard let run = table.pointee.run else { throw PluginError(.unsupported, "the host's process service has no run function") }
        guard !request.argv.isEmpty else { throw PluginError(.internal, "ProcessRequest.argv is empty") }
        var exitStatus: Int32 = 0
        let (status, stop, failure): (la_status, (any Error)?, HostServiceFailure?) = withoutActuallyEscaping(onStdout) { onStdout in
            withoutActuallyEscaping(onStderr) { onStderr in
                let sink = ProcessSinkState(onStdout: onStdout, onStderr: onStderr)
                let status: la_status = withExtendedLifetime(sink) {
                    var rawSink = la_process_sink_v1()
                    rawSink.struct_size = structSize(la_process_sink_v1.self)
                    rawSink.ctx = Unmanaged.passUnretained(sink).toOpaque()
                    rawSink.on_stdout = { ctx, chunk in
                        guard let ctx else { return 0 }
                        let sink = Unmanaged<ProcessSinkState>.fromOpaque(ctx).takeUnretainedValue()
                        return sink.deliver(chunk, to: sink.onStdout)
                    }
                    rawSink.on_stderr = { ctx, chunk in
                        guard let ctx else { return 0 }
                        let sink = Unmanaged<ProcessSinkState>.fromOpaque(ctx).takeUnretainedValue()
                        return sink.deliver(chunk, to: sink.onStderr)
                    }
                    rawSink.on_error = { ctx, code, message, details in
                        guard let ctx else { return }
                        Unmanaged<ProcessSinkState>.fromOpaque(ctx).takeUnretainedValue().failure =
                            HostServiceFailure(code: code, message: message, details: details)
                    }
                    return request.json.serialized.withLAStr { requestJSON in
                        request.stdin.withLAStr { stdin in
                            withUnsafePointer(to: &rawSink) { run(host.raw, call.raw, requestJSON, stdin, $0, &exitStatus) }
                        }
                    }
                }
                return (status, sink.stop, sink.failure)
            }
        }
        if let stop { throw stop }
        guard status == LA_OK else { throw hostServiceError(status, failure, service: "process") }
        return exitStatus
    }
}

private final class ProcessSinkState {
    let onStdout: (UnsafeRawBufferPointer) throws -> Void
    let onStderr: (UnsafeRawBufferPointer) throws -> Void
    /// What a handler threw: the plugin's reason for stopping the program.
    var stop: (any Error)?
    /// What the host reported through `on_error`.
    var failure: HostServiceFailure?

    init(onStdout: @escaping (UnsafeRawBufferPointer) throws -> Void, onStderr: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.onStdout = onStdout
        self.onStderr = onStderr
    }

    /// Hands `chunk` to `handler`; 0 to go on, 1 (stop the program) once a handler threw.
    func deliver(_ chunk: la_str, to handler: (UnsafeRawBufferPointer) throws -> Void) -> Int32 {
        guard stop == nil else { return 1 }
        do {
            try handler(chunk.rawBuffer)
            return 0
        } catch {
            stop = error
            return 1
        }
    }
}

/// What ``ProcessService/run(_:call:output:)`` does with the program's output.
public enum ProcessOutput: Sendable, Equatable {
    /// Each line of stdout and stderr goes to the job log (``Call/log(_:level:)``).
    case log
    /// Output is collected in ``ProcessResult/stdout`` and ``ProcessResult/stderr``.
    case capture
    /// Both.
    case logAndCapture
    /// Output is dropped.
    case discard
}

/// A program to run with ``ProcessService``.
public struct ProcessRequest: Sendable, Equatable {
    /// The program and its arguments; `argv[0]` is looked up in `PATH`.
    public var argv: [String]
    /// Variables to set (on top of the agent's own when ``inheritEnvironment``).
    public var environment: [String: String]
    /// Start from the agent's environment (true) or from an empty one (false).
    public var inheritEnvironment: Bool
    /// The working directory; nil for the agent's.
    public var workingDirectory: String?
    /// Stop the program after this long; nil for no timeout.
    public var timeoutMilliseconds: Int?
    /// Time between SIGTERM and SIGKILL when stopping; nil for the host's default (10 s).
    public var killGraceMilliseconds: Int?
    /// Written to the program's stdin, which is then closed. The place for passwords.
    public var stdin: [UInt8]

    public init(_ argv: [String], environment: [String: String] = [:], inheritEnvironment: Bool = true,
                workingDirectory: String? = nil, timeoutMilliseconds: Int? = nil,
                killGraceMilliseconds: Int? = nil, stdin: [UInt8] = []) {
        self.argv = argv
        self.environment = environment
        self.inheritEnvironment = inheritEnvironment
        self.workingDirectory = workingDirectory
        self.timeoutMilliseconds = timeoutMilliseconds
        self.killGraceMilliseconds = killGraceMilliseconds
        self.stdin = stdin
    }

    /// The service's request JSON.
    var json: JSONValue {
        var members: [String: JSONValue] = [
            "argv": JSONValue(argv), "env": JSONValue(environment), "inherit_env": .bool(inheritEnvironment),
        ]
        if let workingDirectory { members["cwd"] = .string(workingDirectory) }
        if let timeoutMilliseconds { members["timeout_ms"] = .int(Int64(timeoutMilliseconds)) }
        if let killGraceMilliseconds { members["kill_grace_ms"] = .int(Int64(killGraceMilliseconds)) }
        return .object(members)
    }
}

/// How a program ended.
public struct ProcessResult: Sendable, Equatable {
    /// The exit code (0…255), or the negated signal number when a signal ended the program (-9 for SIGKILL).
    public var exitStatus: Int32
    /// Collected stdout (with ``ProcessOutput/capture``).
    public var stdout: [UInt8]
    /// Collected stderr (with ``ProcessOutput/capture``).
    public var stderr: [UInt8]

    public init(exitStatus: Int32, stdout: [UInt8] = [], stderr: [UInt8] = []) {
        self.exitStatus = exitStatus
        self.stdout = stdout
        self.stderr = stderr
    }

    /// True when the program exited with status 0.
    public var succeeded: Bool { exitStatus == 0 }
    /// ``stdout`` decoded as UTF-8.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// ``stderr`` decoded as UTF-8.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Turns output chunks into lines (without the newline; a trailing `\r` is dropped).
struct LineSplitter {
    private var pending: [UInt8] = []
    static let maxLine = 64 * 1024

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (String) -> Void) {
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                flush(emit)
            } else {
                pending.append(byte)
                if pending.count >= LineSplitter.maxLine { flush(emit) }
            }
        }
    }

    mutating func finish(_ emit: (String) -> Void) {
        if !pending.isEmpty { flush(emit) }
    }

    private mutating func flush(_ emit: (String) -> Void) {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        emit(String(decoding: pending, as: UTF8.self))
        pending.removeAll(keepingCapacity: true)
    }
}
