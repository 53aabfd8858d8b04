#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The agent's own log: one line per message on stderr, secrets redacted.
///
/// Plugins reach it through `la_host_v1.log`; the host writes to it directly.
/// Lines are written with a single `write(2)` each so that lines from plugin
/// threads never interleave mid-line.
public final class AgentLog: Sendable {
    /// Severity, matching the ABI's `LA_LOG_*` values.
    public enum Level: Int32, Sendable, Comparable {
        case error = 0, warning, info, debug, trace

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        var label: String {
            switch self {
            case .error: return "error"
            case .warning: return "warning"
            case .info: return "info"
            case .debug: return "debug"
            case .trace: return "trace"
            }
        }
    }

    /// The process-wide log.
    public static let shared = AgentLog()

    private let threshold = Atomic<Int32>(Level.warning.rawValue)

    /// Lines at `level` or more severe are written.
    public var level: Level {
        get { Level(rawValue: threshold.load(ordering: .relaxed)) ?? .warning }
        set { threshold.store(newValue.rawValue, ordering: .relaxed) }
    }

    public func log(_ level: Level, _ message: String, source: String? = nil) {
        guard level <= self.level else { return }
        let prefix = source.map { "[\($0)] " } ?? ""
        var line = "agent: \(level.label): \(prefix)\(Redactor.shared.redact(message))"
        if !line.hasSuffix("\n") { line += "\n" }
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = write(2, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    public func error(_ message: String) { log(.error, message) }
    public func warning(_ message: String) { log(.warning, message) }
    public func info(_ message: String) { log(.info, message) }
    public func debug(_ message: String) { log(.debug, message) }
}
