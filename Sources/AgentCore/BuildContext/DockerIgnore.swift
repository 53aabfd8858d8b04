/// The rules of a `.dockerignore` file, applied with Docker's semantics:
/// lines are trimmed, `#` at the start of a line is a comment, a leading `/`
/// is dropped, patterns are cleaned like Go's `filepath.Clean`, `!` re-includes,
/// and the last pattern that matches a path (or one of its parent directories)
/// decides. `.dockerignore` and the Dockerfile are always sent, as the Docker
/// CLI does by appending `!.dockerignore` and `!<dockerfile>`.
public struct DockerIgnore: Sendable {
    let patterns: [IgnorePattern]
    let hasExclusions: Bool

    /// Parses `.dockerignore` text. `keep` are paths (relative to the context)
    /// that are re-included whatever the patterns say.
    public init(text: [UInt8], keep: [String] = []) throws(BuildContextError) {
        var lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if let first = lines.first, first.starts(with: [0xEF, 0xBB, 0xBF]) { lines[0] = Array(first.dropFirst(3)) }
        var patterns: [IgnorePattern] = []
        for (number, var line) in lines.enumerated() {
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.first == UInt8(ascii: "#") { continue }
            var p = PathBytes.trim(line)
            if p.isEmpty { continue }
            let invert = p[0] == UInt8(ascii: "!")
            if invert { p = PathBytes.trim(Array(p.dropFirst())) }
            if !p.isEmpty {
                p = PathBytes.clean(p)
                if p.count > 1, p[0] == PathBytes.slash { p.removeFirst() }
            }
            if invert { p.insert(UInt8(ascii: "!"), at: 0) }
            guard let pattern = IgnorePattern(p) else {
                throw .invalidDockerignore(line: number + 1, pattern: PathBytes.string(line))
            }
            patterns.append(pattern)
        }
        for path in keep {
            if let pattern = IgnorePattern(Array("!".utf8) + PathBytes.clean(Array(path.utf8))) { patterns.append(pattern) }
        }
        self.patterns = patterns
        self.hasExclusions = patterns.contains(where: \.exclusion)
    }

    /// No patterns: everything is sent.
    public static let empty = DockerIgnore(patterns: [])

    init(patterns: [IgnorePattern]) {
        self.patterns = patterns
        self.hasExclusions = patterns.contains(where: \.exclusion)
    }

    /// Whether `path` (relative, `/`-separated, no trailing `/`) is left out of
    /// the context (patternmatcher's `MatchesOrParentMatches`).
    public func ignores(_ path: String) -> Bool { ignores(bytes: Array(path.utf8)) }

    func ignores(bytes path: [UInt8]) -> Bool {
        guard !patterns.isEmpty else { return false }
        let parents = Self.parentPrefixes(path)
        var matched = false
        for pattern in patterns where pattern.exclusion == matched {
            var hit = pattern.matches(path[...])
            if !hit { hit = parents.contains { pattern.matches(path[..<$0]) } }
            if hit { matched = !pattern.exclusion }
        }
        return matched
    }

    /// For an ignored directory: whether something below it may still be
    /// re-included by a `!` pattern, so that it has to be walked.
    func mayReinclude(below dir: [UInt8]) -> Bool {
        guard hasExclusions else { return false }
        let parts = dir.split(separator: PathBytes.slash)
        return patterns.contains { $0.exclusion && $0.couldMatchBelow(parts) }
    }

    /// End indices of each proper parent directory of `path` (`a`, `a/b` for `a/b/c`).
    private static func parentPrefixes(_ path: [UInt8]) -> [Int] {
        path.indices.filter { path[$0] == PathBytes.slash }
    }
}
