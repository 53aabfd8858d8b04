import CYAML

/// A YAML node with the line it started on, so kubeconfig errors can say `FILE:LINE: what is wrong`.
///
/// kubeconfig files are YAML (written by kubectl, `aws eks update-kubeconfig`, `gcloud`), so KubeCore parses
/// them with libyaml itself — the same system library the host links, so the plugin gains no dependency the
/// host does not already load, and exports nothing new.
public indirect enum KubeYAML: Sendable, Equatable {
    /// A scalar: its text, whether it was plain (unquoted: `true`, `3`, `null` keep their YAML meaning), line.
    case scalar(String, plain: Bool, line: Int)
    case sequence([KubeYAML], line: Int)
    /// Keys in file order.
    case mapping([(key: String, value: KubeYAML)], line: Int)

    public static func == (a: KubeYAML, b: KubeYAML) -> Bool { a.json == b.json && a.line == b.line }

    /// 1-based line of the node.
    public var line: Int {
        switch self {
        case .scalar(_, _, let l), .sequence(_, let l), .mapping(_, let l): l
        }
    }

    public subscript(_ key: String) -> KubeYAML? {
        guard case .mapping(let pairs, _) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// The scalar's text (nil for collections and for a plain `null`/`~`/empty scalar).
    public var string: String? {
        guard case .scalar(let s, let plain, _) = self else { return nil }
        if plain && (s.isEmpty || s == "null" || s == "~" || s == "Null" || s == "NULL") { return nil }
        return s
    }

    public var sequence: [KubeYAML]? { if case .sequence(let items, _) = self { return items } else { return nil } }

    /// The node as JSON with YAML 1.1/1.2 core plain-scalar typing (`true`, `42`, `null`).
    public var json: KubeJSON {
        switch self {
        case .scalar(let s, let plain, _):
            guard plain else { return .string(s) }
            switch s {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default:
                if let i = Int64(s) { return .int(i) }
                if s.contains("."), let d = Double(s) { return .double(d) }
                return .string(s)
            }
        case .sequence(let items, _): return .array(items.map(\.json))
        case .mapping(let pairs, _):
            var o: [String: KubeJSON] = [:]
            for p in pairs { o[p.key] = p.value.json }
            return .object(o)
        }
    }

    /// Parses one YAML document (JSON is YAML too). `file` is the name errors print. An empty document is
    /// an empty mapping. Errors: libyaml's own problem text at `file:line:column`, non-scalar keys,
    /// duplicate keys, more than 100,000 nodes after alias expansion.
    public static func parse(_ bytes: [UInt8], file: String) throws(KubeError) -> KubeYAML {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw KubeError(.config, "\(file): cannot start the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        var document = yaml_document_t()
        let loaded: Int32 = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return yaml_parser_load(&parser, &document)
        }
        guard loaded == 1 else {
            let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
            let mark = parser.problem_mark
            let context = parser.context.map { " (\(String(cString: $0)))" } ?? ""
            throw KubeError(.config, "\(file):\(mark.line + 1):\(mark.column + 1): \(problem)\(context)")
        }
        defer { yaml_document_delete(&document) }
        guard let root = yaml_document_get_root_node(&document) else { return .mapping([], line: 1) }
        var budget = 100_000
        return try convert(root, &document, file: file, depth: 0, budget: &budget)
    }

    private static func convert(_ node: UnsafeMutablePointer<yaml_node_t>, _ doc: inout yaml_document_t, file: String,
                                depth: Int, budget: inout Int) throws(KubeError) -> KubeYAML {
        budget -= 1
        let line = Int(node.pointee.start_mark.line) + 1
        guard budget > 0, depth < 200 else { throw KubeError(.config, "\(file):\(line): the document is too large or too deeply nested") }
        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            let s = node.pointee.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            return .scalar(text, plain: s.style == YAML_PLAIN_SCALAR_STYLE, line: line)
        case YAML_SEQUENCE_NODE:
            var items: [KubeYAML] = []
            var p = node.pointee.data.sequence.items.start
            while let cur = p, cur != node.pointee.data.sequence.items.top {
                guard let child = yaml_document_get_node(&doc, cur.pointee) else { break }
                items.append(try convert(child, &doc, file: file, depth: depth + 1, budget: &budget))
                p = cur + 1
            }
            return .sequence(items, line: line)
        case YAML_MAPPING_NODE:
            var pairs: [(key: String, value: KubeYAML)] = []
            var p = node.pointee.data.mapping.pairs.start
            while let cur = p, cur != node.pointee.data.mapping.pairs.top {
                guard let k = yaml_document_get_node(&doc, cur.pointee.key),
                      let v = yaml_document_get_node(&doc, cur.pointee.value) else { break }
                let keyNode = try convert(k, &doc, file: file, depth: depth + 1, budget: &budget)
                guard case .scalar(let key, _, let keyLine) = keyNode else {
                    throw KubeError(.config, "\(file):\(keyNode.line): a mapping key must be a plain string")
                }
                if pairs.contains(where: { $0.key == key }) {
                    throw KubeError(.config, "\(file):\(keyLine): duplicate key '\(key)'")
                }
                pairs.append((key, try convert(v, &doc, file: file, depth: depth + 1, budget: &budget)))
                p = cur + 1
            }
            return .mapping(pairs, line: line)
        default:
            return .scalar("", plain: true, line: line)
        }
    }
}
