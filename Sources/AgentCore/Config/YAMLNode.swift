/// A position in a YAML source, 1-based, as printed in `FILE:LINE:COL` diagnostics.
public struct YAMLMark: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: YAMLMark, b: YAMLMark) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// One node of a parsed YAML document, with aliases already expanded.
///
/// Every node keeps the mark where its text starts, so any value the config
/// loader or a plugin rejects can be reported as `FILE:LINE:COL`.
public struct YAMLNode: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Pairs in document order; keys are unique (the parser rejects duplicates).
        case mapping([YAMLPair])
    }

    public var mark: YAMLMark
    public var content: Content

    public init(mark: YAMLMark, content: Content) {
        self.mark = mark
        self.content = content
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var pairs: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// True for `~`, `null`, an empty value, or an explicit `!!null`.
    public var isNull: Bool { scalar?.value == .null }

    /// The pair whose key text is `key`, if this node is a mapping.
    public func pair(_ key: String) -> YAMLPair? {
        pairs?.first { $0.keyText == key }
    }

    /// The type as users read it in messages ("a string", "a list").
    public var typeDescription: String {
        switch content {
        case .scalar(let s): return s.value.typeDescription
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// A key and its value, each with its own mark.
public struct YAMLPair: Sendable, Equatable {
    public var key: YAMLNode
    public var value: YAMLNode

    /// The key as text: the scalar as written (unquoted), which is also its
    /// name once the mapping becomes a JSON object.
    public var keyText: String { key.scalar?.text ?? "" }
}

/// A scalar: its text as written, how it was quoted, and what it resolves to.
public struct YAMLScalar: Sendable, Equatable {
    /// Quoting matters: `"4"` is a string while `4` is an integer.
    public enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var text: String
    public var style: Style
    public var value: YAMLScalarValue

    public init(text: String, style: Style, value: YAMLScalarValue) {
        self.text = text
        self.style = style
        self.value = value
    }
}

/// A resolved scalar under the YAML 1.2 core schema.
public enum YAMLScalarValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    public var typeDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        }
    }

    public var json: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        }
    }
}

extension YAMLNode {
    /// The node as JSON: mappings become objects keyed by key text.
    public var json: JSONValue {
        switch content {
        case .scalar(let s): return s.value.json
        case .sequence(let items): return .array(items.map(\.json))
        case .mapping(let pairs):
            var members: [String: JSONValue] = [:]
            for pair in pairs { members[pair.keyText] = pair.value.json }
            return .object(members)
        }
    }
}
