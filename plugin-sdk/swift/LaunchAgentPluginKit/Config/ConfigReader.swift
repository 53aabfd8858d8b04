/// Reads a component's config mapping with errors the host can point at.
///
/// The host hands a component the plugin-owned keys of its YAML section as the `config` member of the create
/// document (see ``ComponentContext``). Read every key you support, then reject the rest:
///
/// ```swift
/// var config = context.config
/// let namespace = try config.optional("namespace", as: String.self) ?? "wandb"
/// let timeout = try config.optional("timeout-seconds", default: 1800)
/// try config.rejectUnknownKeys()
/// ```
///
/// Every error is a ``PluginError`` with code ``PluginError/Code/config`` and a JSON pointer into the create
/// document (`/config/namespace`), which the host turns into `FILE:LINE:COL: error: MESSAGE`:
/// - a key of the wrong type: `'timeout-seconds' must be an integer, not a string`
/// - a missing required key: `missing key 'namespace' for runner 'kubernetes'` (pointing at the mapping)
/// - an unknown key: `unknown key 'kaniko_config'; did you mean 'kaniko-config'?` (the host prefixes `builder 'kaniko': `)
///
/// A key whose value is `null` (YAML `key:` with nothing after it) counts as absent.
public struct ConfigReader: Sendable {
    enum Mode: Sendable {
        /// A config mapping: errors are LA_ERR_CONFIG with a pointer; `owner` is "builder 'kaniko'".
        case config(owner: String, hostKeys: [String])
        /// An operation's request: errors are LA_ERR_INVALID_ARGUMENT, the path goes into the message.
        case request(operation: String)
    }

    /// The JSON pointer of this mapping in the create document, e.g. `/config` or `/config/resources`.
    public let pointer: String
    let members: [String: JSONValue]
    let mode: Mode
    /// The dotted path of this mapping inside the config ("" at the top, "resources" for a section).
    let path: String
    /// Every key asked for, present or not: the vocabulary for "did you mean".
    private(set) var asked: Set<String> = []

    init(_ members: [String: JSONValue], pointer: String, path: String = "", mode: Mode) {
        self.members = members
        self.pointer = pointer
        self.path = path
        self.mode = mode
    }

    /// The keys present, sorted.
    public var keys: [String] { members.keys.sorted() }

    /// True when `key` is present (and not null).
    public func contains(_ key: String) -> Bool {
        if let value = members[key], !value.isNull { return true }
        return false
    }

    /// The raw value of `key` (nil when absent); marks the key as known.
    public mutating func raw(_ key: String) -> JSONValue? {
        asked.insert(key)
        guard let value = members[key], !value.isNull else { return nil }
        return value
    }

    /// The value of `key`, which must be present and of type `T`.
    public mutating func required<T: ConfigValue>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let value = try optional(key, as: type) else {
            throw missing(key)
        }
        return value
    }

    /// The value of `key` converted to `T`, or nil when absent or null.
    public mutating func optional<T: ConfigValue>(_ key: String, as type: T.Type = T.self) throws -> T? {
        guard let value = raw(key) else { return nil }
        guard let typed = T(json: value) else {
            throw error("\(describe(key)) must be \(T.expectation), not \(ConfigReader.quote(value))", at: key)
        }
        return typed
    }

    /// The value of `key` converted to `T`, or `defaultValue` when absent or null.
    public mutating func optional<T: ConfigValue>(_ key: String, default defaultValue: T) throws -> T {
        try optional(key, as: T.self) ?? defaultValue
    }

    /// A reader for the mapping under `key`, or nil when absent. Call ``rejectUnknownKeys()`` on it too.
    public mutating func section(_ key: String) throws -> ConfigReader? {
        guard let value = raw(key) else { return nil }
        guard case .object(let members) = value else {
            throw error("\(describe(key)) must be a mapping, not \(value.typeDescription)", at: key)
        }
        let childPath = path.isEmpty ? key : "\(path).\(key)"
        let childMode: Mode
        switch mode {
        case .config(let owner, _): childMode = .config(owner: owner, hostKeys: [])
        case .request: childMode = mode
        }
        return ConfigReader(members, pointer: pointer(to: key), path: childPath, mode: childMode)
    }

    /// Throws for the first key (in sorted order) that was never asked for with ``required(_:as:)``,
    /// ``optional(_:as:)``, ``optional(_:default:)``, ``raw(_:)`` or ``section(_:)``.
    public func rejectUnknownKeys() throws {
        guard let unknown = members.keys.sorted().first(where: { !asked.contains($0) }) else { return }
        var message = "unknown key '\(unknown)'\(whereabouts)"
        var vocabulary = asked
        if case .config(_, let hostKeys) = mode { vocabulary.formUnion(hostKeys) }
        if let suggestion = Suggestion.closest(to: unknown, among: vocabulary) {
            message += "; did you mean '\(suggestion)'?"
        } else if asked.isEmpty {
            message += " (this component takes no keys of its own)"
        } else {
            message += " (known keys: \(asked.sorted().joined(separator: ", ")))"
        }
        throw error(message, at: unknown)
    }

    /// The JSON pointer of `key` in this mapping, e.g. `/config/namespace`.
    public func pointer(to key: String) -> String {
        "\(pointer)/\(jsonPointerToken(key))"
    }

    /// An error about the value of `key` (or about this mapping when `key` is nil), for checks beyond
    /// types: `throw config.error("'replicas' must be at least 1", at: "replicas")`.
    public func error(_ message: String, at key: String?) -> PluginError {
        error(message, pointer: key.map { pointer(to: $0) } ?? pointer)
    }

    /// An error about the value at an absolute JSON pointer.
    func error(_ message: String, pointer location: String) -> PluginError {
        switch mode {
        case .config:
            return PluginError(code: .config, message: message, pointer: location)
        case .request(let operation):
            return PluginError(code: .invalidArgument, message: "invalid \(operation) request: \(message) (at \(location.isEmpty ? "/" : location))")
        }
    }

    /// A value as messages show it: `the string 'fast'`, `the integer 3`, `[1,2]`, `a mapping`.
    static func quote(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .int(let i): return "the integer \(i)"
        case .double(let d): return "the number \(d)"
        case .string(let s): return s.count <= 60 ? "the string '\(s)'" : "a string"
        case .array, .object:
            let text = value.serialized
            return text.count <= 60 ? text : value.typeDescription
        }
    }

    private func missing(_ key: String) -> PluginError {
        error("missing key '\(key)'\(whereabouts)", at: nil)
    }

    /// "" / " in 'resources'". Config messages never name the component:
    /// the host puts "builder 'kaniko': " in front of every one.
    private var whereabouts: String {
        path.isEmpty ? "" : " in '\(path)'"
    }

    /// "'timeout'" / "'resources.cpu'".
    private func describe(_ key: String) -> String {
        "'\(path.isEmpty ? key : "\(path).\(key)")'"
    }
}
