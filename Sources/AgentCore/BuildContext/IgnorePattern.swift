/// One `.dockerignore` pattern, matched the way moby/patternmatcher does:
/// `*` and `?` never cross `/`, `**` spans directories, `[...]` classes,
/// `\` escapes, and the same exact/prefix/suffix shortcuts (with their quirks,
/// e.g. `**foo` matching `barfoo`) so that we ignore exactly what Docker ignores.
struct IgnorePattern: Sendable {
    enum Kind: Sendable { case exact, prefix, suffix, glob }
    enum Token: Sendable, Equatable {
        case byte(UInt8)
        case anyChar               // ?      one character except /
        case star                  // *      any run without /
        case dirs                  // **/    empty, or anything ending in /
        case anything              // **     at the end
        case set(negated: Bool, ranges: [ClosedRange<UInt8>])
    }

    /// The cleaned pattern without its `!`.
    let text: [UInt8]
    let exclusion: Bool
    let kind: Kind
    let tokens: [Token]
    /// `text` split at `/`, for partial matches of directories.
    let components: [[UInt8]]

    /// `nil` when the pattern is malformed (unclosed `[`, empty class, lone `!`).
    init?(_ raw: [UInt8]) {
        var p = PathBytes.clean(PathBytes.trim(raw))
        var exclusion = false
        if p.first == UInt8(ascii: "!") {
            guard p.count > 1 else { return nil }
            exclusion = true
            p.removeFirst()
        }
        guard let (kind, tokens) = Self.compile(p) else { return nil }
        self.text = p
        self.exclusion = exclusion
        self.kind = kind
        self.tokens = tokens
        self.components = p.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
    }

    func matches(_ path: ArraySlice<UInt8>) -> Bool {
        switch kind {
        case .exact: return path.elementsEqual(text)
        case .prefix: return path.starts(with: text.dropLast(2))
        case .suffix:
            let suffix = text.dropFirst(2)
            if path.count >= suffix.count, path.suffix(suffix.count).elementsEqual(suffix) { return true }
            return suffix.first == UInt8(ascii: "/") && path.elementsEqual(suffix.dropFirst())
        case .glob: return Self.run(tokens[...], path)
        }
    }

    /// Whether this pattern could match something strictly below directory
    /// `dir` (used to decide whether an ignored directory must still be walked).
    func couldMatchBelow(_ dir: [ArraySlice<UInt8>]) -> Bool {
        for (i, d) in dir.enumerated() {
            guard i < components.count else { return false }
            let c = components[i]
            if c.count >= 2, c.indices.dropLast().contains(where: { c[$0] == 42 && c[$0 + 1] == 42 }) { return true }
            guard let (_, t) = Self.compile(c), Self.run(t[...], d) else { return false }
        }
        return components.count > dir.count
    }

    // MARK: compile (mirrors patternmatcher's Pattern.compile)

    private static func compile(_ p: [UInt8]) -> (Kind, [Token])? {
        var kind = Kind.exact
        var tokens: [Token] = []
        var i = 0
        var index = 0
        while i < p.count {
            defer { index += 1 }
            let ch = p[i]
            i += 1
            switch ch {
            case UInt8(ascii: "*"):
                if i < p.count, p[i] == UInt8(ascii: "*") {
                    i += 1
                    if i < p.count, p[i] == UInt8(ascii: "/") { i += 1 }
                    if i == p.count {
                        if kind == .exact { kind = .prefix } else { tokens.append(.anything); kind = .glob }
                    } else {
                        tokens.append(.dirs)
                        kind = .glob
                    }
                    if index == 0 { kind = .suffix }
                } else {
                    tokens.append(.star)
                    kind = .glob
                }
            case UInt8(ascii: "?"):
                tokens.append(.anyChar)
                kind = .glob
            case UInt8(ascii: "\\"):
                if i < p.count {
                    tokens.append(.byte(p[i]))
                    i += 1
                    kind = .glob
                } else {
                    tokens.append(.byte(ch))
                }
            case UInt8(ascii: "["):
                guard let (set, next) = parseSet(p, from: i) else { return nil }
                tokens.append(set)
                i = next
                kind = .glob
            default:
                tokens.append(.byte(ch))
            }
        }
        return (kind, tokens)
    }

    /// `[` already consumed; returns the set and the index after `]`.
    private static func parseSet(_ p: [UInt8], from start: Int) -> (Token, Int)? {
        var i = start
        var negated = false
        if i < p.count, p[i] == UInt8(ascii: "^") { negated = true; i += 1 }
        var ranges: [ClosedRange<UInt8>] = []
        while i < p.count, p[i] != UInt8(ascii: "]") {
            var lo = p[i]
            if lo == UInt8(ascii: "\\") { i += 1; guard i < p.count else { return nil }; lo = p[i] }
            i += 1
            var hi = lo
            if i + 1 < p.count, p[i] == UInt8(ascii: "-"), p[i + 1] != UInt8(ascii: "]") {
                hi = p[i + 1]
                if hi == UInt8(ascii: "\\") { i += 1; guard i + 1 < p.count else { return nil }; hi = p[i + 1] }
                i += 2
                guard lo <= hi else { return nil }
            }
            ranges.append(lo...hi)
        }
        guard i < p.count, !ranges.isEmpty else { return nil }
        return (.set(negated: negated, ranges: ranges), i + 1)
    }

    // MARK: match (set-of-positions simulation, no backtracking blow-up)

    private static func run(_ tokens: ArraySlice<Token>, _ path: ArraySlice<UInt8>) -> Bool {
        let n = path.count
        let base = path.startIndex
        var current = [Bool](repeating: false, count: n + 1)
        current[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: n + 1)
            var any = false
            for p in 0...n where current[p] {
                switch token {
                case .byte(let b):
                    if p < n, path[base + p] == b { next[p + 1] = true; any = true }
                case .anyChar:
                    if p < n, path[base + p] != UInt8(ascii: "/") {
                        var q = p + 1
                        while q < n, path[base + q] & 0xC0 == 0x80 { q += 1 }  // one UTF-8 character
                        next[q] = true; any = true
                    }
                case .star:
                    var q = p
                    next[q] = true; any = true
                    while q < n, path[base + q] != UInt8(ascii: "/") { q += 1; next[q] = true }
                case .dirs:
                    next[p] = true; any = true
                    for q in p..<n where path[base + q] == UInt8(ascii: "/") { next[q + 1] = true }
                case .anything:
                    for q in p...n { next[q] = true }
                    any = true
                case .set(let negated, let ranges):
                    if p < n, ranges.contains(where: { $0.contains(path[base + p]) }) != negated {
                        next[p + 1] = true; any = true
                    }
                }
            }
            guard any else { return false }
            current = next
        }
        return current[n]
    }
}
