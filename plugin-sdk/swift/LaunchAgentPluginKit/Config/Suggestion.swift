/// "Did you mean" for misspelt keys.
enum Suggestion {
    /// The candidate closest to `key`, when it is close enough to be a likely typo: the same key with `_`
    /// for `-` or different case, or within a small edit distance.
    static func closest(to key: String, among candidates: some Sequence<String>) -> String? {
        let normalizedKey = normalize(key)
        var best: (candidate: String, distance: Int)?
        for candidate in Set(candidates).sorted() where candidate != key {
            let normalized = normalize(candidate)
            let distance = normalized == normalizedKey ? 0 : editDistance(normalizedKey, normalized)
            let limit = max(1, min(3, max(normalized.count, normalizedKey.count) / 3))
            guard distance <= limit else { continue }
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        return best?.candidate
    }

    private static func normalize(_ key: String) -> [Character] {
        Array(key.lowercased().map { $0 == "_" || $0 == " " ? "-" : $0 })
    }

    /// Optimal-string-alignment distance (Levenshtein plus adjacent swaps).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}

/// Escapes one reference token of an RFC 6901 JSON pointer.
func jsonPointerToken(_ key: String) -> String {
    key.replacing("~", with: "~0").replacing("/", with: "~1")
}
