#if canImport(Glibc)
import Glibc
#endif

/// Why a program did not run to completion.
///
/// Messages name the program (argv[0]) but never its other arguments or its
/// environment, where credentials may sit.
public enum ProcessError: Error, CustomStringConvertible, Sendable {
    /// The request itself is unusable (empty argv, NUL bytes, missing cwd).
    case invalidArgument(String)
    /// argv[0] cannot be executed: not in PATH, not executable, bad format.
    case notFound(String)
    /// The system refused to start it (out of processes, fds, memory).
    case spawnFailed(String)
    /// The timeout passed; the process group was stopped and ended with `status`.
    case timedOut(String, status: ProcessRunner.ExitStatus)
    /// `cancel()` became true; the process group was stopped and ended with `status`.
    case cancelled(String, status: ProcessRunner.ExitStatus)
    /// An output handler threw ``ProcessRunner/StopRequest``; the process
    /// group was stopped and ended with `status`.
    case stopped(String, status: ProcessRunner.ExitStatus)

    public var description: String {
        switch self {
        case .invalidArgument(let m), .notFound(let m), .spawnFailed(let m),
             .timedOut(let m, _), .cancelled(let m, _), .stopped(let m, _):
            return m
        }
    }
}

/// Runs a program to completion with `posix_spawn`, streaming its output.
///
/// The child leads its own process group, so a stop reaches everything it
/// started (a `docker` CLI's helpers, a shell's children): SIGTERM to the
/// group, SIGKILL after the grace period. Only the three pipes reach the
/// child; every other descriptor is closed in it. The caller's thread does the
/// work: one `poll` loop writes stdin, reads stdout and stderr, and wakes at
/// least every 100 ms to check cancellation and the deadline.
public enum ProcessRunner {
    /// How the program ended.
    public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        /// The ABI's encoding: the exit code (0...255) or the negated signal number.
        public var code: Int32 {
            switch self {
            case .exited(let c): return c
            case .signaled(let s): return -s
            }
        }

        public var description: String {
            switch self {
            case .exited(let c): return "exit code \(c)"
            case .signaled(let s): return "signal \(s)"
            }
        }
    }

    /// Thrown by an `onStdout` or `onStderr` handler to stop the program
    /// early (it printed what the caller waited for, or too much): its
    /// process group gets SIGTERM at once and SIGKILL after the grace period,
    /// the handlers get no more output, and `run` throws
    /// ``ProcessError/stopped(_:status:)``.
    public struct StopRequest: Error, Sendable {
        public init() {}
    }

    /// Everything a program printed, collected by `capture`.
    public struct Output: Sendable {
        public var status: ExitStatus
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        /// Output beyond the limit was dropped (the program still ran to the end).
        public var truncated: Bool
    }

    /// Once the program has exited, how long to keep reading pipes that a
    /// process outside our control (a daemonised grandchild) still holds open.
    static let orphanDrainDelay: Duration = .seconds(2)

    /// Runs `argv` (argv[0] looked up in PATH — the child's PATH when `env`
    /// sets one) and returns how it ended, whatever the exit code.
    ///
    /// - Parameters:
    ///   - env: variables to set; with `inheritEnvironment` they override the
    ///     agent's own, without it they are the whole environment.
    ///   - stdin: written to the child's stdin, which is then closed. Pass
    ///     secrets here, never in argv (argv is visible in `ps`).
    ///   - timeout: nil for none.
    ///   - killGrace: between SIGTERM and SIGKILL when stopping.
    ///   - onStdout, onStderr: output chunks as they arrive, on this thread;
    ///     throw ``StopRequest`` to stop the program.
    public static func run(
        argv: [String],
        env: [String: String] = [:],
        inheritEnvironment: Bool = true,
        cwd: String? = nil,
        stdin: [UInt8] = [],
        timeout: Duration? = nil,
        killGrace: Duration = .seconds(10),
        cancel: () -> Bool = { false },
        onStdout: (UnsafeRawBufferPointer) throws(StopRequest) -> Void = { _ in },
        onStderr: (UnsafeRawBufferPointer) throws(StopRequest) -> Void = { _ in }
    ) throws(ProcessError) -> ExitStatus {
        let child = try SpawnedChild.spawn(argv: argv, env: env, inheritEnvironment: inheritEnvironment, cwd: cwd, hasStdin: !stdin.isEmpty)
        return try child.supervise(
            stdin: stdin, timeout: timeout, killGrace: killGrace, cancel: cancel, onStdout: onStdout, onStderr: onStderr)
    }

    /// `run`, collecting stdout and stderr (each up to `outputLimit` bytes).
    public static func capture(
        argv: [String],
        env: [String: String] = [:],
        inheritEnvironment: Bool = true,
        cwd: String? = nil,
        stdin: [UInt8] = [],
        timeout: Duration? = nil,
        killGrace: Duration = .seconds(10),
        outputLimit: Int = 16 << 20,
        cancel: () -> Bool = { false }
    ) throws(ProcessError) -> Output {
        var out: [UInt8] = []
        var err: [UInt8] = []
        var truncated = false
        func keep(_ chunk: UnsafeRawBufferPointer, in buffer: inout [UInt8]) {
            let room = max(0, outputLimit - buffer.count)
            if chunk.count > room { truncated = true }
            buffer.append(contentsOf: chunk.prefix(room))
        }
        let status = try run(
            argv: argv, env: env, inheritEnvironment: inheritEnvironment, cwd: cwd, stdin: stdin,
            timeout: timeout, killGrace: killGrace, cancel: cancel,
            onStdout: { keep($0, in: &out) }, onStderr: { keep($0, in: &err) })
        return Output(status: status, stdout: out, stderr: err, truncated: truncated)
    }
}

/// A started child: its pid (= its process group id) and the parent's ends
/// of its three pipes.
private struct SpawnedChild {
    let program: String
    let pid: pid_t
    var stdinFD: Int32
    var stdoutFD: Int32
    var stderrFD: Int32

    // MARK: Spawning

    static func spawn(
        argv: [String], env: [String: String], inheritEnvironment: Bool, cwd: String?, hasStdin: Bool
    ) throws(ProcessError) -> SpawnedChild {
        guard let program = argv.first, !program.isEmpty else {
            throw .invalidArgument("cannot run a program: argv is empty or argv[0] is an empty string")
        }
        if let i = argv.firstIndex(where: { $0.utf8.contains(0) }) {
            throw .invalidArgument("\(program): argument \(i) contains a NUL byte")
        }
        for (key, value) in env {
            guard !key.isEmpty, !key.utf8.contains(where: { $0 == UInt8(ascii: "=") || $0 == 0 }) else {
                throw .invalidArgument("\(program): environment variable name \"\(key)\" is empty or contains '=' or NUL")
            }
            guard !value.utf8.contains(0) else {
                throw .invalidArgument("\(program): environment variable \(key) contains a NUL byte")
            }
        }
        if let cwd {
            var info = stat()
            guard !cwd.utf8.contains(0), stat(cwd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw .invalidArgument("\(program): working directory \(cwd) does not exist or is not a directory")
            }
        }

        let environment = childEnvironment(env, inherit: inheritEnvironment)
        let searchPath = env["PATH"] ?? getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        let executable = try resolve(program, searchPath: searchPath)

        let stdinPipe = try makePipe(program)
        let stdoutPipe: (read: Int32, write: Int32)
        let stderrPipe: (read: Int32, write: Int32)
        do throws(ProcessError) {
            stdoutPipe = try makePipe(program)
            do throws(ProcessError) { stderrPipe = try makePipe(program) } catch {
                close(stdoutPipe.read); close(stdoutPipe.write); throw error
            }
        } catch {
            close(stdinPipe.read); close(stdinPipe.write); throw error
        }
        let childEnds = [stdinPipe.read, stdoutPipe.write, stderrPipe.write]
        defer { for fd in childEnds { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, target) in zip(childEnds, [Int32(0), 1, 2]) {
            posix_spawn_file_actions_adddup2(&actions, fd, target)
        }
        if let cwd {
            guard let addchdir = SpawnSymbols.addchdir else {
                closeParentEnds(stdinPipe, stdoutPipe, stderrPipe)
                throw .spawnFailed("\(program): this C library cannot set a child's working directory (needs glibc 2.29)")
            }
            _ = cwd.withCString { addchdir(&actions, $0) }
        }
        // Descriptors the host opened without O_CLOEXEC (sockets, plugin
        // files) must not leak into the child.
        if let closefrom = SpawnSymbols.addclosefrom { _ = closefrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        // A fresh program starts with no blocked signals and default handling
        // (the host may block or ignore SIGPIPE, SIGTERM, ...; ignoring is inherited).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        var pid: pid_t = 0
        let result = withCStringArray(argv) { cArgv in
            withCStringArray(environment) { cEnv in
                posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnv)
            }
        }
        guard result == 0 else {
            closeParentEnds(stdinPipe, stdoutPipe, stderrPipe)
            let reason = String(cString: strerror(result))
            switch result {
            case ENOENT, EACCES, ENOEXEC, ENOTDIR, ELOOP, ENAMETOOLONG, EISDIR, ETXTBSY:
                throw .notFound("\(program): cannot be executed (\(executable): \(reason))")
            default:
                throw .spawnFailed("\(program): could not start (\(reason))")
            }
        }
        var child = SpawnedChild(program: program, pid: pid, stdinFD: stdinPipe.write, stdoutFD: stdoutPipe.read, stderrFD: stderrPipe.read)
        for fd in [child.stdinFD, child.stdoutFD, child.stderrFD] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        if !hasStdin {
            close(child.stdinFD)  // the child reads EOF at once
            child.stdinFD = -1
        }
        return child
    }

    private static func closeParentEnds(_ pipes: (read: Int32, write: Int32)...) {
        close(pipes[0].write)
        close(pipes[1].read)
        close(pipes[2].read)
    }

    /// The child's environment as "KEY=VALUE" strings: the agent's own (when
    /// inherited) with `overrides` replacing or adding variables.
    private static func childEnvironment(_ overrides: [String: String], inherit: Bool) -> [String] {
        var result: [String] = []
        // clearenv() leaves `environ` NULL, which Swift imports as non-optional.
        if inherit, Int(bitPattern: environ) != 0 {
            var entry = environ
            while let cString = entry.pointee {
                let pair = String(cString: cString)
                let key = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? pair
                if overrides[key] == nil { result.append(pair) }
                entry += 1
            }
        }
        for key in overrides.keys.sorted() { result.append("\(key)=\(overrides[key]!)") }
        return result
    }

    /// The file to execute for `program`: itself when it contains a slash,
    /// else the first executable regular file named so in `searchPath`.
    private static func resolve(_ program: String, searchPath: String) throws(ProcessError) -> String {
        if program.contains("/") { return program }
        var notExecutable: String?
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + program
            var info = stat()
            guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return candidate }
            notExecutable = notExecutable ?? candidate
        }
        if let notExecutable {
            throw .notFound("\(program): \(notExecutable) is in PATH but not executable (permission denied)")
        }
        throw .notFound("\(program): not found in PATH (\(searchPath))")
    }

    /// A close-on-exec pipe whose ends are never 0, 1 or 2 (when the agent
    /// itself runs with those closed, a pipe could land there and be
    /// clobbered by the child's dup2s).
    private static func makePipe(_ program: String) throws(ProcessError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let ok: Bool
        if let pipe2 = SpawnSymbols.pipe2 {
            ok = pipe2(&fds, O_CLOEXEC) == 0
        } else {
            ok = pipe(&fds) == 0
            if ok { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        }
        guard ok else { throw .spawnFailed("\(program): cannot create a pipe (\(String(cString: strerror(errno))))") }
        for i in 0..<2 where fds[i] < 3 {
            let moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)
            close(fds[i])
            fds[i] = moved
        }
        guard fds[0] >= 0, fds[1] >= 0 else {
            for fd in fds where fd >= 0 { close(fd) }
            throw .spawnFailed("\(program): cannot create a pipe (\(String(cString: strerror(errno))))")
        }
        return (fds[0], fds[1])
    }

    private static func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    // MARK: Supervising

    private enum Stop { case timeout, cancelled, requested }

    /// Feeds stdin, drains stdout/stderr, enforces the deadline, then reaps.
    func supervise(
        stdin: [UInt8], timeout: Duration?, killGrace: Duration,
        cancel: () -> Bool,
        onStdout: (UnsafeRawBufferPointer) throws(ProcessRunner.StopRequest) -> Void,
        onStderr: (UnsafeRawBufferPointer) throws(ProcessRunner.StopRequest) -> Void
    ) throws(ProcessError) -> ProcessRunner.ExitStatus {
        var stdinFD = self.stdinFD, stdoutFD = self.stdoutFD, stderrFD = self.stderrFD
        defer { for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) } }

        // A write to a pipe whose reader exited raises SIGPIPE, which would
        // kill the agent. Block it on this thread while we write and swallow
        // the one our writes may have raised; EPIPE then tells us instead.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var savedMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &savedMask)
        var sawBrokenPipe = false
        defer {
            if sawBrokenPipe, sigismember(&savedMask, SIGPIPE) == 0 {
                var pending = sigset_t()
                sigpending(&pending)
                if sigismember(&pending, SIGPIPE) == 1 {
                    var now = timespec(tv_sec: 0, tv_nsec: 0)
                    _ = sigtimedwait(&pipeSignal, nil, &now)
                }
            }
            pthread_sigmask(SIG_SETMASK, &savedMask, nil)
        }

        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        var written = 0
        var exit: ProcessRunner.ExitStatus?
        var exitedAt: ContinuousClock.Instant?
        var stop: Stop?
        /// A handler threw StopRequest: stop at the top of the next round, and deliver nothing more.
        var stopRequested = false
        var termSentAt = clock.now
        var killSent = false
        let bufferSize = 64 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }

        while true {
            if exit == nil, let status = peekExit() {
                exit = status
                exitedAt = clock.now
            }
            if exit != nil, stdoutFD < 0, stderrFD < 0 { break }
            let now = clock.now
            if let exitedAt, now - exitedAt >= ProcessRunner.orphanDrainDelay {
                // The leader is gone but something still holds its pipes. If we
                // were stopping the group, make sure nothing of it survives.
                if stop != nil, !killSent { signalGroup(SIGKILL) }
                break
            }
            if stop == nil {
                if stopRequested {
                    stop = .requested
                } else if cancel() {
                    stop = .cancelled
                } else if let deadline, now >= deadline {
                    stop = .timeout
                }
                if stop != nil {
                    // The unreaped leader keeps the group id reserved, so this
                    // cannot hit an unrelated group even if it just exited.
                    signalGroup(SIGTERM)
                    termSentAt = now
                }
            } else if !killSent, now - termSentAt >= killGrace {
                signalGroup(SIGKILL)
                killSent = true
            }

            var fds: [pollfd] = []
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready < 0 { continue }  // EINTR: go round and re-check everything

            for entry in fds where entry.revents != 0 {
                if entry.fd == stdinFD {
                    let n = stdin.withUnsafeBytes { bytes in
                        write(stdinFD, bytes.baseAddress! + written, min(bytes.count - written, bufferSize))
                    }
                    if n > 0 { written += n }
                    if n < 0, errno == EAGAIN || errno == EINTR { continue }
                    if n < 0 || written == stdin.count {
                        if n < 0, errno == EPIPE { sawBrokenPipe = true }
                        close(stdinFD)  // all written, or the child closed its stdin
                        stdinFD = -1
                    }
                    continue
                }
                let isStdout = entry.fd == stdoutFD
                let n = read(entry.fd, buffer, bufferSize)
                if n > 0 {
                    guard !stopRequested else { continue }  // drained, not delivered
                    let chunk = UnsafeRawBufferPointer(start: buffer, count: n)
                    do throws(ProcessRunner.StopRequest) {
                        if isStdout { try onStdout(chunk) } else { try onStderr(chunk) }
                    } catch {
                        stopRequested = true
                    }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(entry.fd)
                    if isStdout { stdoutFD = -1 } else { stderrFD = -1 }
                }
            }
        }

        // Reap the zombie now that the group no longer needs its id.
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        let status = exit!
        // A stop asked for in the last round, as the program ended on its
        // own, is still the caller's stop: it saw output it did not want.
        if stop == nil, stopRequested { stop = .requested }
        switch stop {
        case .timeout?:
            throw .timedOut("\(program): timed out after \(timeout!) and was stopped (\(status))", status: status)
        case .cancelled?:
            throw .cancelled("\(program): cancelled and stopped (\(status))", status: status)
        case .requested?:
            throw .stopped("\(program): stopped at the output handler's request (\(status))", status: status)
        case nil:
            return status
        }
    }

    /// Signals the child's process group; should the group be gone (only the
    /// zombie leader left, or setpgid refused), the child itself.
    private func signalGroup(_ signal: Int32) {
        if killpg(pid, signal) != 0 { kill(pid, signal) }
    }

    /// How the child ended, if it has — without reaping it (WNOWAIT), so its
    /// pid and process group id stay reserved while we may still signal the group.
    private func peekExit() -> ProcessRunner.ExitStatus? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
              info._sifields._sigchld.si_pid == pid else { return nil }
        let value = info._sifields._sigchld.si_status
        return info.si_code == Int32(CLD_EXITED) ? .exited(value) : .signaled(value)
    }
}

/// glibc functions the Glibc module hides behind _GNU_SOURCE, looked up once.
private enum SpawnSymbols {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2")
    static let addchdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    static let addclosefrom: AddClosefrom? = symbol("posix_spawn_file_actions_addclosefrom_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let process = dlopen(nil, RTLD_NOW), let address = dlsym(process, name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }
}
