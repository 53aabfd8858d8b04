/// Dockerfile variable substitution for image references: `$NAME`,
/// `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`,
/// `${NAME+word}`, `${NAME:?message}`; `\$` is a literal `$`. Unset
/// variables expand to the empty string, as in BuildKit.
enum VariableExpansion {
    struct Failure: Error { let reason: String }

    static func expand(_ text: String, _ vars: [String: String]) throws(Failure) -> String {
        let s = Array(text.unicodeScalars)
        var i = 0
        return try expand(s, &i, vars, stopAtBrace: false)
    }

    private static func expand(_ s: [Unicode.Scalar], _ i: inout Int, _ vars: [String: String], stopAtBrace: Bool) throws(Failure) -> String {
        var out = String.UnicodeScalarView()
        while i < s.count {
            let c = s[i]
            if stopAtBrace && c == "}" { return String(out) }
            if c == "\\", i + 1 < s.count, s[i + 1] == "$" { out.append("$"); i += 2; continue }
            guard c == "$", i + 1 < s.count else { out.append(c); i += 1; continue }
            i += 1
            if s[i] == "{" {
                i += 1
                let name = readName(s, &i)
                guard !name.isEmpty else { throw Failure(reason: "bad substitution in \(text(s))") }
                var op = ""
                if i < s.count, s[i] == ":" { op = ":"; i += 1 }
                if i < s.count, "-+?".unicodeScalars.contains(s[i]) { op.append(Character(s[i])); i += 1 }
                let word = op.isEmpty ? "" : try expand(s, &i, vars, stopAtBrace: true)
                guard i < s.count, s[i] == "}" else { throw Failure(reason: "missing } in \(text(s))") }
                i += 1
                let value = vars[name]
                let setNonEmpty = !(value ?? "").isEmpty
                switch op {
                case "": out.append(contentsOf: (value ?? "").unicodeScalars)
                case ":-": out.append(contentsOf: (setNonEmpty ? value! : word).unicodeScalars)
                case "-": out.append(contentsOf: (value ?? word).unicodeScalars)
                case ":+": if setNonEmpty { out.append(contentsOf: word.unicodeScalars) }
                case "+": if value != nil { out.append(contentsOf: word.unicodeScalars) }
                case ":?", "?":
                    guard op == "?" ? value != nil : setNonEmpty else {
                        throw Failure(reason: "\(name): \(word.isEmpty ? "is not set" : word)")
                    }
                    out.append(contentsOf: value!.unicodeScalars)
                default: throw Failure(reason: "unsupported substitution ${\(name)\(op)…} in \(text(s))")
                }
            } else {
                let name = readName(s, &i)
                if name.isEmpty { out.append("$") } else { out.append(contentsOf: (vars[name] ?? "").unicodeScalars) }
            }
        }
        return String(out)
    }

    private static func readName(_ s: [Unicode.Scalar], _ i: inout Int) -> String {
        var name = ""
        func isWord(_ c: Unicode.Scalar) -> Bool { c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || isDigit(c) }
        func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
        while i < s.count, isWord(s[i]), !(name.isEmpty && isDigit(s[i])) {
            name.unicodeScalars.append(s[i]); i += 1
        }
        return name
    }

    private static func text(_ s: [Unicode.Scalar]) -> String { String(String.UnicodeScalarView(s)) }
}
