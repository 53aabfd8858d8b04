#if canImport(Glibc)
import Glibc
#endif

/// The agent process working on a job, recorded in the job so that another
/// agent can tell, after a crash, whether that process still exists.
///
/// A pid alone is not enough: pids are reused. The process start time from
/// `/proc/<pid>/stat` (clock ticks since boot) and the kernel's boot id
/// identify one process for as long as the machine is up.
public struct Claimant: Sendable, Equatable {
    /// The agent's own name for itself (from the CLI), for people reading records.
    public var agentID: String
    public var pid: Int32
    /// Field 22 of `/proc/<pid>/stat`: when the process started, in clock ticks after boot.
    public var startTime: UInt64
    /// `/proc/sys/kernel/random/boot_id`: a new value after every reboot.
    public var bootID: String
    public var host: String

    public init(agentID: String, pid: Int32, startTime: UInt64, bootID: String, host: String) {
        self.agentID = agentID
        self.pid = pid
        self.startTime = startTime
        self.bootID = bootID
        self.host = host
    }

    /// This process.
    public static func current(agentID: String) -> Claimant {
        let pid = getpid()
        return Claimant(agentID: agentID, pid: pid, startTime: ProcStat.read(pid: pid)?.startTime ?? 0,
                        bootID: ProcStat.bootID(), host: ProcStat.hostName())
    }

    /// True while the very process that claimed the job runs on this boot of
    /// this machine; a zombie counts as gone.
    public var isAlive: Bool {
        guard bootID == ProcStat.bootID(), let stat = ProcStat.read(pid: pid) else { return false }
        return stat.startTime == startTime && stat.state != "Z" && stat.state != "X"
    }
}

/// The two fields of `/proc/<pid>/stat` the queue needs.
enum ProcStat {
    struct Fields {
        var state: Character
        var startTime: UInt64
    }

    static func read(pid: Int32) -> Fields? {
        guard let bytes = readSmallFile("/proc/\(pid)/stat") else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Fields after the command name, which is in parentheses and may itself
    /// contain spaces and ')': so split after the *last* ')'.
    static func parse(_ line: String) -> Fields? {
        guard let close = line.lastIndex(of: ")") else { return nil }
        let rest = line[line.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
        guard rest.count > 19, let state = rest[0].first, let start = UInt64(rest[19]) else { return nil }
        return Fields(state: state, startTime: start)
    }

    static func bootID() -> String {
        guard let bytes = readSmallFile("/proc/sys/kernel/random/boot_id") else { return "" }
        return String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func readSmallFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return out
    }
}
