#if canImport(Glibc)
import Glibc
#endif

/// The process environment as a dictionary (FoundationEssentials' ProcessInfo
/// would do too; this avoids copying it more than once per process).
public enum ProcessEnvironment {
    public static let current: [String: String] = {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                env[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return env
    }()
}
