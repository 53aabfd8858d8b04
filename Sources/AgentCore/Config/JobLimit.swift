/// How many jobs (or sweep schedulers) may run at once.
///
/// W&B writes "unlimited" as `-1`; the enum keeps callers from comparing
/// against a magic number.
public enum JobLimit: Sendable, Equatable, CustomStringConvertible {
    case unlimited
    case atMost(Int)

    /// `-1` → unlimited, `n >= 0` → at most n, anything else → nil.
    public init?(_ value: Int) {
        if value == -1 {
            self = .unlimited
        } else if value >= 0 {
            self = .atMost(value)
        } else {
            return nil
        }
    }

    /// True when one more job may start while `running` are running.
    public func allows(running: Int) -> Bool {
        switch self {
        case .unlimited: return true
        case .atMost(let n): return running < n
        }
    }

    public var description: String {
        switch self {
        case .unlimited: return "-1"
        case .atMost(let n): return String(n)
        }
    }
}
