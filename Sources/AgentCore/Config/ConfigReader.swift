/// Typed reads from YAML nodes that record a diagnostic instead of stopping,
/// so one `config validate` run lists every problem.
///
/// Messages name the key and the expected and actual *types*, never the value:
/// a value under a key like `api_key` must not end up in a CI log.
struct ConfigReader {
    let file: String
    var diagnostics: [ConfigDiagnostic] = []

    func location(_ mark: YAMLMark) -> ConfigLocation { ConfigLocation(file: file, mark: mark) }

    mutating func error(at mark: YAMLMark, _ message: String, notes: [ConfigDiagnostic.Note] = []) {
        diagnostics.append(ConfigDiagnostic(at: location(mark), message, notes: notes))
    }

    mutating func warning(at mark: YAMLMark, _ message: String, notes: [ConfigDiagnostic.Note] = []) {
        diagnostics.append(ConfigDiagnostic(.warning, at: location(mark), message, notes: notes))
    }

    mutating func typeError(_ name: String, expected: String, got node: YAMLNode, notes: [ConfigDiagnostic.Note] = []) {
        var notes = notes
        if let s = node.scalar, s.style != .plain, case .string = s.value,
           YAMLScalarResolver.resolvePlain(s.text) != .string(s.text) {
            notes.append(.init("a quoted value is always a string; remove the quotes"))
        }
        error(at: node.mark, "\(name) must be \(expected), got \(node.typeDescription)", notes: notes)
    }

    /// Any scalar but null, as written: a plain `1.10` stays "1.10", which is
    /// what someone who typed a queue or entity name meant.
    mutating func string(_ node: YAMLNode, _ name: String) -> String? {
        guard let s = node.scalar, s.value != .null else {
            if !node.isNull { typeError(name, expected: "a string", got: node) }
            return nil
        }
        return s.text
    }

    mutating func int(_ node: YAMLNode, _ name: String) -> Int? {
        if case .int(let i)? = node.scalar?.value, let value = Int(exactly: i) { return value }
        if !node.isNull { typeError(name, expected: "an integer", got: node) }
        return nil
    }

    mutating func number(_ node: YAMLNode, _ name: String) -> Double? {
        switch node.scalar?.value {
        case .int(let i)?: return Double(i)
        case .double(let d)? where d.isFinite: return d
        case .double?:
            error(at: node.mark, "\(name) must be a finite number")
            return nil
        default:
            if !node.isNull { typeError(name, expected: "a number", got: node) }
            return nil
        }
    }

    mutating func bool(_ node: YAMLNode, _ name: String) -> Bool? {
        if case .bool(let b)? = node.scalar?.value { return b }
        if node.isNull { return nil }
        var notes: [ConfigDiagnostic.Note] = []
        if let s = node.scalar, s.style == .plain, ["yes", "no", "on", "off", "y", "n"].contains(s.text.lowercased()) {
            notes.append(.init("only true and false are booleans (YAML 1.2); yes/no/on/off are strings"))
        }
        typeError(name, expected: "true or false", got: node, notes: notes)
        return nil
    }

    /// A list of strings; a lone string is an error rather than a one-item
    /// list, because `queues: a, b` would otherwise become one odd queue name.
    mutating func stringList(_ node: YAMLNode, _ name: String) -> [String]? {
        guard let items = node.items else {
            if !node.isNull {
                typeError(name, expected: "a list of strings", got: node,
                          notes: [.init("write a YAML list, e.g. '\(name): [first, second]'")])
            }
            return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            if item.isNull {
                error(at: item.mark, "\(name)[\(i)] must be a string, got null")
            } else if let s = string(item, "\(name)[\(i)]") {
                out.append(s)
            }
        }
        return out
    }

    /// A mapping, or nil for an absent or null section.
    mutating func mapping(_ node: YAMLNode, _ name: String, example: String) -> [YAMLPair]? {
        if let pairs = node.pairs { return pairs }
        if !node.isNull {
            typeError(name, expected: "a mapping", got: node, notes: [.init("write it as a mapping, e.g. '\(example)'")])
        }
        return nil
    }
}
