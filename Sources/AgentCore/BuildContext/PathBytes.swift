/// Paths as raw bytes: file names on Linux need not be UTF-8, and the context
/// is sorted bytewise, which `String` comparison does not do.
enum PathBytes {
    static let slash = UInt8(ascii: "/")

    /// Go's `filepath.Clean` on a slash path: collapses `//`, drops `.`,
    /// resolves `..` lexically, removes a trailing `/`; `""` becomes `"."`.
    static func clean(_ path: [UInt8]) -> [UInt8] {
        guard !path.isEmpty else { return Array(".".utf8) }
        let rooted = path.first == slash
        var parts: [ArraySlice<UInt8>] = []
        for part in path.split(separator: slash, omittingEmptySubsequences: true) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual(Array("..".utf8)) {
                if let last = parts.last, !last.elementsEqual(Array("..".utf8)) { parts.removeLast(); continue }
                if rooted { continue }
            }
            parts.append(part)
        }
        var out: [UInt8] = rooted ? [slash] : []
        for (i, part) in parts.enumerated() {
            if i > 0 { out.append(slash) }
            out += part
        }
        return out.isEmpty ? Array(".".utf8) : out
    }

    /// Strips ASCII whitespace at both ends (Go's `strings.TrimSpace` for ASCII).
    static func trim(_ bytes: [UInt8]) -> [UInt8] {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(bytes[first...last])
    }

    /// `a/b` joined; either side may be empty.
    static func join(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        return a + [slash] + b
    }

    /// Whether `target`, read from a symlink at relative path `link`, stays
    /// inside the context root once resolved lexically. Absolute targets leave it.
    static func staysInside(link: [UInt8], target: [UInt8]) -> Bool {
        guard target.first != slash, !target.isEmpty else { return false }
        var depth = link.split(separator: slash).count - 1   // directory holding the link
        for part in target.split(separator: slash, omittingEmptySubsequences: true) {
            if part.elementsEqual([UInt8(ascii: ".")]) { continue }
            if part.elementsEqual(Array("..".utf8)) {
                depth -= 1
                if depth < 0 { return false }
            } else {
                depth += 1
            }
        }
        return true
    }

    static func string(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
}
