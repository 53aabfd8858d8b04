/// Maps RFC 6901 JSON pointers back to YAML marks, so an error a plugin
/// reports against its JSON config prints at the line the user wrote.
enum YAMLPointer {
    /// The unescaped reference tokens of `pointer` (`~1` → `/`, then `~0` → `~`).
    /// A pointer that does not start with `/` names the whole document.
    static func tokens(_ pointer: String) -> [String] {
        guard pointer.hasPrefix("/") else { return [] }
        return pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            String($0).replacing("~1", with: "/").replacing("~0", with: "~")
        }
    }

    /// The mark of the deepest node on the path.
    ///
    /// A scalar is reported at its value. A mapping or list is reported at the
    /// key that holds it (`kaniko-config:` rather than the first line inside
    /// it), which is also where a missing key under it belongs.
    static func mark(of tokens: some Collection<String>, in node: YAMLNode, viaKey: YAMLMark?) -> YAMLMark {
        let here = node.scalar != nil && !node.isNull ? node.mark : (viaKey ?? node.mark)
        guard let token = tokens.first else { return here }
        switch node.content {
        case .mapping(let pairs):
            guard let pair = pairs.first(where: { $0.keyText == token }) else { return here }
            return mark(of: tokens.dropFirst(), in: pair.value, viaKey: pair.key.mark)
        case .sequence(let items):
            guard let i = index(token), i < items.count else { return here }
            return mark(of: tokens.dropFirst(), in: items[i], viaKey: nil)
        case .scalar:
            return here
        }
    }

    /// An array index token: digits, no leading zero (RFC 6901 §4).
    private static func index(_ token: String) -> Int? {
        guard !token.isEmpty, token.allSatisfy(\.isASCII), token.allSatisfy(\.isNumber),
              token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}
