/// The images a Dockerfile pulls from outside the context, found the way
/// BuildKit reads them: parser directives (`# syntax=`, `# escape=`), line
/// continuations, comments, global `ARG`s (build args override defaults) and
/// `FROM [--platform=…] image [AS name]`. `FROM scratch` and `FROM <earlier
/// stage>` are not images. `COPY --from=<image>` and `RUN --mount=…,from=<image>`
/// pull images too, and so does the `# syntax=` frontend.
public struct DockerfileImages: Sendable, Equatable {
    /// External image references in order of first appearance, expanded, without duplicates.
    public var images: [String] = []
    /// Stage names (lowercased), in order.
    public var stages: [String] = []
    /// Things that decide the image but cannot be part of the tag (e.g. `ADD <url>` without `--checksum`).
    public var warnings: [String] = []

    /// Parses `text`; `path` only names the file in errors.
    public init(text: String, path: String = "Dockerfile", buildArgs: [String: String] = [:]) throws(BuildContextError) {
        let (directives, lines) = Self.logicalLines(text)
        if let syntax = directives["syntax"], !syntax.isEmpty { add(syntax) }
        var globals: [String: String] = [:]
        var stageArgs: [String: String] = [:]
        var seenFrom = false
        func fail(_ line: Int, _ reason: String) -> BuildContextError { .invalidDockerfile(path: path, line: line, reason: reason) }

        for (lineNumber, line) in lines {
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let instruction = words.first?.uppercased() else { continue }
            let rest = Array(words.dropFirst())
            func expand(_ s: String, _ vars: [String: String]) throws(BuildContextError) -> String {
                do { return try VariableExpansion.expand(s, vars) } catch { throw fail(lineNumber, error.reason) }
            }
            switch instruction {
            case "ARG":
                for word in rest {
                    let (name, value) = Self.argument(word)
                    let resolved = buildArgs[name] ?? value ?? (seenFrom ? globals[name] : nil)
                    if seenFrom { stageArgs[name] = resolved } else { globals[name] = resolved }
                }
            case "FROM":
                seenFrom = true
                stageArgs = [:]
                let operands = rest.filter { !$0.hasPrefix("--") }
                guard let raw = operands.first else { throw fail(lineNumber, "FROM needs an image") }
                let image = try expand(raw, globals)
                guard !image.isEmpty else { throw fail(lineNumber, "FROM \(raw) expands to an empty image name") }
                if operands.count >= 3, operands[1].uppercased() == "AS" {
                    stages.append(operands[2].lowercased())
                } else if operands.count != 1 {
                    throw fail(lineNumber, "expected FROM [--platform=<platform>] <image> [AS <name>]")
                } else {
                    stages.append("")
                }
                if !isStageOrScratch(image, before: stages.count - 1) { add(image) }
            case "COPY", "RUN":
                for flag in rest.prefix(while: { $0.hasPrefix("--") }) {
                    var source: String?
                    if flag.hasPrefix("--from=") { source = String(flag.dropFirst(7)) }
                    if flag.hasPrefix("--mount=") {
                        for option in flag.dropFirst(8).split(separator: ",") where option.hasPrefix("from=") {
                            source = String(option.dropFirst(5))
                        }
                    }
                    guard let source else { continue }
                    let ref = try expand(source, globals.merging(stageArgs) { $1 })
                    if !ref.isEmpty, !isStageOrScratch(ref, before: stages.count), !ref.allSatisfy(\.isNumber) { add(ref) }
                }
            case "ADD":
                let hasChecksum = rest.contains { $0.hasPrefix("--checksum=") }
                let sources = rest.filter { !$0.hasPrefix("--") }.dropLast()
                for s in sources where Self.isRemote(s) && !hasChecksum {
                    warnings.append("line \(lineNumber): ADD \(s) fetches content at build time that is not part of the tag")
                }
            default:
                continue
            }
        }
    }

    private mutating func add(_ image: String) { if !images.contains(image) { images.append(image) } }

    private func isStageOrScratch(_ ref: String, before count: Int) -> Bool {
        let lower = ref.lowercased()
        return lower == "scratch" || stages.prefix(count).contains(lower)
    }

    private static func isRemote(_ s: String) -> Bool {
        let t = s.trimmingPrefix("[").trimmingPrefix("\"")
        return t.hasPrefix("http://") || t.hasPrefix("https://") || t.hasPrefix("git@") || t.hasPrefix("git://")
    }

    /// `NAME=value` (quotes stripped) or `NAME`.
    private static func argument(_ word: String) -> (String, String?) {
        guard let eq = word.firstIndex(of: "=") else { return (word, nil) }
        var value = String(word[word.index(after: eq)...])
        if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
            value = String(value.dropFirst().dropLast())
        }
        return (String(word[..<eq]), value)
    }

    /// Parser directives, then instructions with continuations joined and
    /// comment lines removed, each with its first line number.
    static func logicalLines(_ text: String) -> (directives: [String: String], lines: [(Int, String)]) {
        var directives: [String: String] = [:]
        var escape: Character = "\\"
        var inDirectives = true
        var lines: [(Int, String)] = []
        var current: String?
        var start = 0
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.drop(while: \.isWhitespace)
            if inDirectives {
                if trimmed.hasPrefix("#"), let (key, value) = directive(trimmed.dropFirst()), directives[key] == nil {
                    directives[key] = value
                    if key == "escape", value == "`" { escape = "`" }
                    continue
                }
                inDirectives = false
            }
            if trimmed.hasPrefix("#") || (current != nil && trimmed.isEmpty) { continue }
            if current == nil { start = index + 1 }
            var body = line
            while let last = body.last, last == " " || last == "\t" { body.removeLast() }
            if body.last == escape {
                body.removeLast()
                current = (current ?? "") + body + " "
            } else {
                lines.append((start, (current ?? "") + body))
                current = nil
            }
        }
        if let current { lines.append((start, current)) }
        return (directives, lines)
    }

    /// `key=value` of a `# key=value` parser directive (key lowercased).
    private static func directive(_ s: Substring) -> (String, String)? {
        guard let eq = s.firstIndex(of: "=") else { return nil }
        let key = s[..<eq].trimmingCharacters(in: \.isWhitespace)
        guard ["syntax", "escape", "check"].contains(key.lowercased()) else { return nil }
        return (key.lowercased(), s[s.index(after: eq)...].trimmingCharacters(in: \.isWhitespace))
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in predicate: (Character) -> Bool) -> String {
        String(drop(while: predicate).reversed().drop(while: predicate).reversed())
    }
}
