/// `~/.aws/credentials` and `~/.aws/config`, as the SDKs read them: `[name]` sections in the credentials
/// file, `[profile name]` (and `[default]`) in the config file, `key = value` lines, `#`/`;` comments,
/// indented lines continuing a nested block (kept as text, unused here).
public struct SharedConfigFile: Sendable {
    public let path: String
    public let exists: Bool
    /// Profile name → keys (lower-cased names).
    public let profiles: [String: [String: String]]

    public init(path: String, isConfigFile: Bool) {
        self.path = path
        guard let bytes = readFile(path) else {
            exists = false
            profiles = [:]
            return
        }
        exists = true
        profiles = Self.parse(String(decoding: bytes, as: UTF8.self), isConfigFile: isConfigFile)
    }

    public init(text: String, path: String = "<memory>", isConfigFile: Bool) {
        self.path = path
        exists = true
        profiles = Self.parse(text, isConfigFile: isConfigFile)
    }

    static func parse(_ text: String, isConfigFile: Bool) -> [String: [String: String]] {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = String(rawLine)
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if line.first == " " || line.first == "\t" { continue }   // nested value (e.g. s3 = …)
            if trimmed.hasPrefix("[") {
                guard let close = trimmed.firstIndex(of: "]") else { current = nil; continue }
                let name = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close]).trimmingWhitespace()
                if isConfigFile {
                    if name == "default" {
                        current = "default"
                    } else if name.hasPrefix("profile ") || name.hasPrefix("profile\t") {
                        current = String(name.dropFirst(8)).trimmingWhitespace()
                    } else {
                        current = nil   // [sso-session x], [services x]: not profiles
                    }
                } else {
                    current = name
                }
                if let current, profiles[current] == nil { profiles[current] = [:] }
                continue
            }
            guard let current, let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = String(trimmed[..<eq]).trimmingWhitespace().lowercased()
            var value = String(trimmed[trimmed.index(after: eq)...]).trimmingWhitespace()
            // Inline comments need whitespace before the marker.
            for marker in [" #", " ;", "\t#", "\t;"] {
                if let r = value.range(of: marker) { value = String(value[..<r.lowerBound]).trimmingWhitespace() }
            }
            profiles[current]?[key] = value
        }
        return profiles
    }
}
