/// A JSON document, as it crosses the plugin ABI.
///
/// Every request a plugin receives and every result it returns is UTF-8 JSON. The kit parses requests into
/// `JSONValue` and serializes results from it, so a plugin never needs Foundation's coders.
///
/// Integers are kept apart from floating-point numbers so that `max_jobs: 4` round-trips exactly. Objects
/// serialize with sorted keys, so the same value always produces the same bytes. Literals work:
///
/// ```swift
/// let result: JSONValue = ["image": .string(image), "digest": nil, "pushed": true]
/// ```
public enum JSONValue: Equatable, Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object, or nil (also when `self` is not an object).
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, when `self` is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, when `self` is an integer (or a double with no fractional part).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }

    /// The number, when `self` is an integer or a double.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The boolean, when `self` is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, when `self` is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, when `self` is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool { self == .null }

    /// The JSON type in the words error messages use ("a string", "a mapping").
    public var typeDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "a mapping"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue {
    /// `.string(value)`, or `.null` when `value` is nil.
    public init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }

    /// `.int(value)`, or `.null` when `value` is nil.
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }

    /// An array of strings.
    public init(_ values: [String]) { self = .array(values.map(JSONValue.string)) }

    /// An object of strings.
    public init(_ values: [String: String]) { self = .object(values.mapValues(JSONValue.string)) }
}

extension JSONValue: CustomStringConvertible {
    /// The compact serialization.
    public var description: String { serialized }
}
