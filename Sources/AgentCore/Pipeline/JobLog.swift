import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// A job's log file: agent lines, build output and run output, each line
/// timestamped, secrets redacted. Safe to write from several threads.
public final class JobLog: Sendable {
    public let path: String
    private let fd: Int32

    public init(path: String) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends one line as `2026-11-29T21:40:00Z [stage] text` (O_APPEND keeps lines whole).
    public func write(_ stage: String, _ text: String) {
        guard fd >= 0 else { return }
        let stamp = Date().formatted(.iso8601)
        var bytes = Array("\(stamp) [\(stage)] \(Redactor.shared.redact(text))\n".utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// A sink for plugin log lines of one stage.
    public func sink(_ stage: String) -> @Sendable (AgentLog.Level, String) -> Void {
        { [self] level, line in
            write(stage, level <= .warning ? "\(level == .error ? "error" : "warning"): \(line)" : line)
        }
    }
}
