#if canImport(Glibc)
import Glibc
#endif

let SIGTERM_VALUE: Int32 = 15
let SIGKILL_VALUE: Int32 = 9

/// Processes by pid, told apart from later processes that reuse the pid by their start time.
enum ProcessTable {
    /// Field 22 of /proc/<pid>/stat (clock ticks after boot), or nil when there is no such process.
    static func startTime(_ pid: Int32) -> UInt64? {
        stat(pid).flatMap { fields in fields.count > 19 ? UInt64(fields[19]) : nil }
    }

    /// Running (not a zombie) and, when `startTime` is known, the same process that was launched.
    static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
        guard let fields = stat(pid), fields.count > 19 else { return false }
        if fields[0] == "Z" || fields[0] == "X" { return false }
        return startTime == 0 || UInt64(fields[19]) == startTime
    }

    /// Signals the job's process group (its pid: the wrapper is a session leader).
    static func signalGroup(_ pid: Int32, _ signal: Int32) {
        _ = kill(-pid, signal)
    }

    static func sleep(milliseconds: Int) {
        var ts = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        nanosleep(&ts, nil)
    }

    /// The fields after the command name (which may hold spaces and parentheses): state is [0].
    private static func stat(_ pid: Int32) -> [Substring]? {
        guard let text = RunnerState.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}
