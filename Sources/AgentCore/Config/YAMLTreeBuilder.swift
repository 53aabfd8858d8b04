import CYAML

/// Turns libyaml events into a `YAMLNode` tree. Problems that leave the tree
/// usable (duplicate keys, bad merges, bad tags) are collected so one run
/// reports them all; anything else stops at once.
struct YAMLTreeBuilder {
    private enum Frame {
        case sequence(mark: YAMLMark, anchor: String?, start: Int, items: [YAMLNode])
        case mapping(mark: YAMLMark, anchor: String?, start: Int, pairs: [YAMLPair], key: YAMLNode?)
    }

    let file: String
    let bytes: [UInt8]
    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var nodeCount = 0
    private var documents = 0
    private var root: YAMLNode?
    private var problems: [ConfigDiagnostic] = []

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    func location(_ mark: YAMLMark) -> ConfigLocation { ConfigLocation(file: file, mark: mark) }

    /// Returns true at the end of the stream.
    mutating func handle(_ event: yaml_event_t) throws(ConfigError) -> Bool {
        let mark = YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            if documents > 0 {
                throw ConfigError(problems + [ConfigDiagnostic(at: location(mark),
                    "found a second YAML document; the config file must hold exactly one",
                    notes: [.init("remove the '---' line and merge the documents into one mapping")])])
            }
        case YAML_DOCUMENT_END_EVENT:
            documents += 1
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            let style = Self.style(s.style)
            let (value, problem) = YAMLScalarResolver.resolve(text, plain: style == .plain, tag: Self.string(s.tag))
            if let problem { problems.append(ConfigDiagnostic(at: location(mark), problem)) }
            try count(1, at: mark)
            try add(YAMLNode(mark: mark, content: .scalar(YAMLScalar(text: text, style: style, value: value))),
                    anchor: Self.string(s.anchor), size: 1)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            try open(mark: mark, tag: Self.string(s.tag), allowed: "tag:yaml.org,2002:seq")
            stack.append(.sequence(mark: mark, anchor: Self.string(s.anchor), start: nodeCount, items: []))
        case YAML_MAPPING_START_EVENT:
            let s = event.data.mapping_start
            try open(mark: mark, tag: Self.string(s.tag), allowed: "tag:yaml.org,2002:map")
            stack.append(.mapping(mark: mark, anchor: Self.string(s.anchor), start: nodeCount, pairs: [], key: nil))
        case YAML_SEQUENCE_END_EVENT:
            guard case .sequence(let m, let anchor, let start, let items) = stack.removeLast() else { break }
            try add(YAMLNode(mark: m, content: .sequence(items)), anchor: anchor, size: nodeCount - start + 1)
        case YAML_MAPPING_END_EVENT:
            guard case .mapping(let m, let anchor, let start, let pairs, _) = stack.removeLast() else { break }
            try add(YAMLNode(mark: m, content: .mapping(merged(pairs))), anchor: anchor, size: nodeCount - start + 1)
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw ConfigError(problems + [ConfigDiagnostic(at: location(mark),
                    "alias '*\(name)' does not refer to an anchor defined before it")])
            }
            try count(target.size, at: mark)
            try add(target.node, anchor: nil, size: target.size)
        default:
            break
        }
        return false
    }

    /// The tree once the stream ended, or every collected problem.
    func finish() throws(ConfigError) -> YAMLNode? {
        if !problems.isEmpty { throw ConfigError(problems) }
        if let root, root.isNull { return nil }
        return root
    }

    /// libyaml's own words at its own position, plus anything collected so far.
    func syntaxError(_ parser: yaml_parser_t) -> ConfigError {
        let problem = Self.string(parser.problem) ?? "unknown error"
        var mark = YAMLMark(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        var index = Int(parser.problem_mark.index)
        if parser.error == YAML_READER_ERROR {
            index = Int(parser.problem_offset)
            mark = markAt(byteOffset: index)
        }
        var notes: [ConfigDiagnostic.Note] = []
        if let context = Self.string(parser.context) {
            let contextMark = YAMLMark(line: Int(parser.context_mark.line) + 1, column: Int(parser.context_mark.column) + 1)
            if contextMark != mark { notes.append(.init(context, at: location(contextMark))) }
        }
        if index < bytes.count, bytes[index] == 0x09 {
            notes.append(.init("YAML does not allow tabs for indentation; use spaces"))
        }
        return ConfigError(problems + [ConfigDiagnostic(at: location(mark), "could not parse YAML: \(problem)", notes: notes)])
    }

    // MARK: - Building

    private mutating func open(mark: YAMLMark, tag: String?, allowed: String) throws(ConfigError) {
        if let tag, tag != "!", tag != allowed {
            problems.append(ConfigDiagnostic(at: location(mark), "unsupported YAML tag '\(YAMLScalarResolver.shortTag(tag))'"))
        }
        if stack.count >= YAMLParser.maxDepth {
            throw ConfigError(problems + [ConfigDiagnostic(at: location(mark),
                "YAML is nested more than \(YAMLParser.maxDepth) levels deep")])
        }
        try count(1, at: mark)
    }

    private mutating func count(_ n: Int, at mark: YAMLMark) throws(ConfigError) {
        nodeCount += n
        if nodeCount > YAMLParser.maxNodes {
            throw ConfigError(problems + [ConfigDiagnostic(at: location(mark),
                "YAML expands to more than \(YAMLParser.maxNodes) nodes",
                notes: [.init("aliases ('*name') are expanded; check for aliases that refer to each other many times")])])
        }
    }

    private mutating func add(_ node: YAMLNode, anchor: String?, size: Int) throws(ConfigError) {
        if let anchor { anchors[anchor] = (node, size) }
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(let m, let a, let s, var items):
            items.append(node)
            stack.append(.sequence(mark: m, anchor: a, start: s, items: items))
        case .mapping(let m, let a, let s, var pairs, let key):
            guard let key else {
                stack.append(.mapping(mark: m, anchor: a, start: s, pairs: pairs, key: node))
                return
            }
            if let keyScalar = key.scalar {
                if let first = pairs.first(where: { $0.key.scalar?.text == keyScalar.text }) {
                    problems.append(ConfigDiagnostic(at: location(key.mark), "duplicate key '\(keyScalar.text)'",
                        notes: [.init("'\(keyScalar.text)' is first defined here", at: location(first.key.mark))]))
                } else {
                    pairs.append(YAMLPair(key: key, value: node))
                }
            } else {
                problems.append(ConfigDiagnostic(at: location(key.mark),
                    "a mapping key must be a scalar, not \(key.typeDescription)"))
            }
            stack.append(.mapping(mark: m, anchor: a, start: s, pairs: pairs, key: nil))
        }
    }

    /// Applies `<<` merge keys: keys written in the mapping win, then earlier
    /// merged mappings over later ones, as in PyYAML (which W&B configs use).
    private mutating func merged(_ pairs: [YAMLPair]) -> [YAMLPair] {
        func isMerge(_ p: YAMLPair) -> Bool { p.keyText == "<<" && p.key.scalar?.style == .plain }
        guard pairs.contains(where: isMerge) else { return pairs }
        var taken = Set(pairs.filter { !isMerge($0) }.map(\.keyText))
        var out: [YAMLPair] = []
        for pair in pairs {
            guard isMerge(pair) else {
                out.append(pair)
                continue
            }
            let sources = pair.value.pairs.map { [$0] } ?? pair.value.items?.compactMap(\.pairs)
            guard let sources, sources.count == (pair.value.items?.count ?? 1) else {
                problems.append(ConfigDiagnostic(at: location(pair.value.mark),
                    "a merge key '<<' takes a mapping or a list of mappings, not \(pair.value.typeDescription)"))
                continue
            }
            for source in sources {
                for p in source where !taken.contains(p.keyText) {
                    taken.insert(p.keyText)
                    out.append(p)
                }
            }
        }
        return out
    }

    // MARK: - libyaml helpers

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: $0) }
    }

    private static func string(_ p: UnsafePointer<CChar>?) -> String? {
        p.map { String(cString: $0) }
    }

    private static func style(_ s: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch s {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    /// Reader errors (bad UTF-8) come with a byte offset only.
    private func markAt(byteOffset: Int) -> YAMLMark {
        var line = 1, column = 1
        for b in bytes.prefix(byteOffset) {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }
}
