/// Chooses registry and context-store components by URI, as
/// plugin-sdk/docs/interfaces.md §3 defines: the URI is reduced to its
/// authority key, each component's `uri_patterns` are globbed against it, and
/// the most specific pattern wins.
public enum URIRouting {
    /// The part of `uri` that patterns match: `scheme://bucket` for a
    /// non-HTTP scheme (`s3://my-contexts`), else `host[:port]` without scheme,
    /// user info or path (`123456789012.dkr.ecr.us-east-1.amazonaws.com`).
    public static func authorityKey(_ uri: String) -> String {
        var rest = Substring(uri)
        if let sep = rest.firstRange(of: "://") {
            let scheme = rest[..<sep.lowerBound].lowercased()
            let after = rest[sep.upperBound...]
            let authority = after.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if scheme != "http" && scheme != "https" { return "\(scheme)://\(authority)" }
            rest = authority
        } else {
            rest = rest.prefix { $0 != "/" }
        }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(rest)
    }

    /// Whether `pattern` matches the whole of `key`: `*` matches any run of
    /// characters, everything else itself, ASCII case-insensitively.
    public static func matches(pattern: String, key: String) -> Bool {
        let p = Array(pattern.utf8).map(lower), k = Array(key.utf8).map(lower)
        // Iterative glob with one backtrack point: linear in practice.
        var pi = 0, ki = 0, star = -1, mark = 0
        while ki < k.count {
            if pi < p.count, p[pi] != UInt8(ascii: "*"), p[pi] == k[ki] {
                pi += 1; ki += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ki; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ki = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// How specific a pattern is: its non-`*` characters.
    static func specificity(_ pattern: String) -> Int { pattern.utf8.filter { $0 != UInt8(ascii: "*") }.count }

    private static func lower(_ c: UInt8) -> UInt8 { (c >= 65 && c <= 90) ? c + 32 : c }

    /// One component that serves a URI, and the pattern that matched.
    public struct Route: Sendable {
        public let library: PluginLibrary
        public let component: PluginLibrary.Component
        public let pattern: String
    }

    /// Why no single component could be chosen.
    public enum RouteError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Two components of different libraries match equally well.
        case ambiguous(kind: String, key: String, first: String, second: String)

        public var description: String {
            switch self {
            case let .ambiguous(kind, key, first, second):
                return "\(key) is served equally well by \(kind) '\(first)' and \(kind) '\(second)'; set the section's `type` to choose one"
            }
        }
    }
}

extension PluginSet {
    /// The loaded component of `kind` whose `uri_patterns` serve `uri` best, or
    /// nil when none does.
    public func route(kind: String, uri: String) throws(URIRouting.RouteError) -> URIRouting.Route? {
        let key = URIRouting.authorityKey(uri)
        var best: URIRouting.Route?
        var tie: URIRouting.Route?
        for library in libraries where library.status == .ok {
            for component in library.components where component.kind == kind {
                for pattern in component.uriPatterns where URIRouting.matches(pattern: pattern, key: key) {
                    let candidate = URIRouting.Route(library: library, component: component, pattern: pattern)
                    guard let current = best else { best = candidate; continue }
                    let a = URIRouting.specificity(pattern), b = URIRouting.specificity(current.pattern)
                    if a > b {
                        best = candidate
                        tie = nil
                    } else if a == b, current.component.name != component.name || current.library.path != library.path {
                        tie = candidate
                    }
                }
            }
        }
        if let best, let tie {
            throw .ambiguous(kind: kind, key: key, first: best.component.name, second: tie.component.name)
        }
        return best
    }
}
