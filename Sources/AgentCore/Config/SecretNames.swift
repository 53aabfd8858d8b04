/// Which config keys hold secrets, so their values never reach a message.
///
/// Deliberately over-eager: hiding a harmless `secret-name` costs nothing,
/// echoing a token into a CI log cannot be undone.
enum SecretNames {
    private static let fragments = ["password", "passwd", "secret", "token", "credential", "apikey", "privatekey", "accesskey"]
    private static let words: Set<String> = ["key", "pass", "pwd", "auth", "cert", "private"]

    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        let squashed = lower.filter { $0.isLetter || $0.isNumber }
        if fragments.contains(where: { squashed.contains($0) }) { return true }
        let parts = lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return parts.contains { words.contains(String($0)) }
    }

    /// Scalar texts stored under secret-looking keys anywhere in `node`, so
    /// messages written by plugins can be scrubbed of them.
    static func values(in node: YAMLNode, underSecretKey: Bool = false) -> [String] {
        switch node.content {
        case .scalar(let s):
            return underSecretKey && s.text.count >= 4 ? [s.text] : []
        case .sequence(let items):
            return items.flatMap { values(in: $0, underSecretKey: underSecretKey) }
        case .mapping(let pairs):
            return pairs.flatMap { values(in: $0.value, underSecretKey: underSecretKey || isSecret($0.keyText)) }
        }
    }

    /// `text` with every secret value replaced, longest first so a secret that
    /// contains another is hidden whole.
    static func scrub(_ text: String, secrets: [String]) -> String {
        var out = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where out.contains(secret) {
            out = out.replacing(secret, with: "<redacted>")
        }
        return out
    }
}
