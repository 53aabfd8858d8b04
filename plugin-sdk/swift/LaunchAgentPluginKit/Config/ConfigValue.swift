/// A type a ``ConfigReader`` can read: `String`, `Bool`, `Int`, `Int64`, `Double`, ``JSONValue``, arrays and
/// string-keyed dictionaries of these, and any `String`-backed `CaseIterable` enum you declare conformance for:
///
/// ```swift
/// enum PullPolicy: String, CaseIterable, ConfigValue { case always, never, ifNotPresent = "if-not-present" }
/// let policy = try config.optional("pull-policy", as: PullPolicy.self) ?? .always
/// ```
public protocol ConfigValue {
    /// The value, or nil when `json` has the wrong type or is out of range.
    init?(json: JSONValue)
    /// What a valid value looks like, for "must be …" messages ("a string", "'always' or 'never'").
    static var expectation: String { get }
}

extension String: ConfigValue {
    public init?(json: JSONValue) {
        guard case .string(let s) = json else { return nil }
        self = s
    }
    public static var expectation: String { "a string" }
}

extension Bool: ConfigValue {
    public init?(json: JSONValue) {
        guard case .bool(let b) = json else { return nil }
        self = b
    }
    public static var expectation: String { "true or false" }
}

extension Int: ConfigValue {
    public init?(json: JSONValue) {
        guard let i = json.intValue, let value = Int(exactly: i) else { return nil }
        self = value
    }
    public static var expectation: String { "an integer" }
}

extension Int64: ConfigValue {
    public init?(json: JSONValue) {
        guard let i = json.intValue else { return nil }
        self = i
    }
    public static var expectation: String { "an integer" }
}

extension Double: ConfigValue {
    public init?(json: JSONValue) {
        guard let d = json.doubleValue else { return nil }
        self = d
    }
    public static var expectation: String { "a number" }
}

extension JSONValue: ConfigValue {
    public init?(json: JSONValue) { self = json }
    public static var expectation: String { "any value" }
}

extension Array: ConfigValue where Element: ConfigValue {
    public init?(json: JSONValue) {
        guard case .array(let items) = json else { return nil }
        var out: [Element] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let element = Element(json: item) else { return nil }
            out.append(element)
        }
        self = out
    }
    public static var expectation: String { "a list of \(plural(Element.expectation))" }
}

extension Dictionary: ConfigValue where Key == String, Value: ConfigValue {
    public init?(json: JSONValue) {
        guard case .object(let members) = json else { return nil }
        var out: [String: Value] = [:]
        for (key, member) in members {
            guard let value = Value(json: member) else { return nil }
            out[key] = value
        }
        self = out
    }
    public static var expectation: String { "a mapping of \(plural(Value.expectation))" }
}

extension ConfigValue where Self: RawRepresentable, Self.RawValue == String, Self: CaseIterable {
    public init?(json: JSONValue) {
        guard case .string(let s) = json, let value = Self(rawValue: s) else { return nil }
        self = value
    }
    public static var expectation: String {
        let names = allCases.map { "'\($0.rawValue)'" }
        guard names.count > 1 else { return names.first ?? "nothing" }
        return (names.count > 2 ? "one of " : "") + names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// "a string" → "strings", "an integer" → "integers" (for list/mapping expectations).
private func plural(_ expectation: String) -> String {
    for article in ["a ", "an "] where expectation.hasPrefix(article) {
        return String(expectation.dropFirst(article.count)) + "s"
    }
    return expectation
}
