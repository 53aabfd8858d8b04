/// "Did you mean" for near-miss names.
enum Suggestions {
    /// The candidate `word` most likely stands for, or nil.
    ///
    /// A hyphen/underscore or case swap always counts (W&B silently ignored
    /// `build_context_store`; we point at `build-context-store` instead), and
    /// so do the leading words of exactly one compound key.
    /// Otherwise the edit distance, counting a swap of two neighbours as one
    /// edit, must be at most 2 and small for the word's length, so `ecr` does
    /// not suggest `gcp`.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let normalized = normalize(word)
        if let exact = candidates.first(where: { normalize($0) == normalized && $0 != word }) {
            return exact
        }
        // `secure` for `secure_mode`: the first words of a compound key.
        let truncated = candidates.filter { normalize($0).hasPrefix(normalized + "-") }
        if normalized.count >= 4, truncated.count == 1 { return truncated[0] }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let d = distance(normalized, normalize(candidate))
            let limit = min(2, max(1, candidate.count / 3))
            if d <= limit, d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.candidate
    }

    /// A ready note line: `did you mean 'x'?`.
    static func note(for word: String, among candidates: [String]) -> String? {
        closest(to: word, among: candidates).map { "did you mean '\($0)'?" }
    }

    static func normalize(_ s: String) -> String {
        String(s.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent swaps).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { rows[i][0] = i }
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d = min(d, rows[i - 2][j - 2] + 1)
                }
                rows[i][j] = d
            }
        }
        return rows[a.count][b.count]
    }
}
