import FoundationEssentials

/// A JSON value: the objects KubeCore sends to and receives from the API server.
///
/// KubeCore links neither the plugin kit nor the host, so it has its own value type (the kit's and the host's
/// `JSONValue` cannot be shared across that boundary). The plugin converts with ``serialized`` / ``init(parsing:)``.
public enum KubeJSON: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([KubeJSON])
    case object([String: KubeJSON])

    /// Parses JSON text; throws ``KubeError`` of kind `.decoding` with what was wrong.
    public init(parsing bytes: some Collection<UInt8>) throws(KubeError) {
        do {
            self = try JSONDecoder().decode(KubeJSON.self, from: Data(bytes))
        } catch {
            throw KubeError(.decoding, "not valid JSON: \(error)")
        }
    }

    /// Parses JSON text.
    public init(parsing text: String) throws(KubeError) { try self.init(parsing: Array(text.utf8)) }

    /// Compact JSON text with sorted keys (deterministic, so tests and hashes can compare it).
    public var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }

    /// ``serialized`` as bytes, for a request body.
    public var serializedBytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? Array("null".utf8)
    }

    /// The member `key` of an object (nil for other values or a missing key).
    public subscript(_ key: String) -> KubeJSON? {
        get { if case .object(let o) = self { return o[key] } else { return nil } }
        set {
            guard case .object(var o) = self else { return }
            o[key] = newValue
            self = .object(o)
        }
    }

    /// The value at a path of object keys: `job["status", "succeeded"]`.
    public subscript(_ first: String, _ rest: String...) -> KubeJSON? {
        var value = self[first]
        for key in rest { value = value?[key] }
        return value
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// An integer, also from a whole double.
    public var intValue: Int? {
        switch self {
        case .int(let i): return Int(exactly: i)
        case .double(let d): return Int(exactly: d)
        default: return nil
        }
    }
    public var arrayValue: [KubeJSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: [String: KubeJSON]? { if case .object(let o) = self { return o } else { return nil } }
    public var isNull: Bool { self == .null }

    /// "an object", "a string", … for error messages.
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    /// `self` with `other` merged in, RFC 7386 style (JSON merge patch): objects merge key by key, `null`
    /// removes a key, anything else replaces.
    public func merging(_ other: KubeJSON) -> KubeJSON {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (key, value) in theirs {
            if value == .null { mine[key] = nil } else { mine[key] = (mine[key] ?? .null).merging(value) }
        }
        return .object(mine)
    }
}

extension KubeJSON: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([KubeJSON].self) { self = .array(a); return }
        self = .object(try c.decode([String: KubeJSON].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension KubeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: KubeJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, KubeJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
    public init(nilLiteral: ()) { self = .null }
}
