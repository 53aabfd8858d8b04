/// One component's share of the config, ready to hand to its plugin, and the
/// way back from a plugin's complaint to the user's YAML.
///
/// The host creates a component with the JSON object
/// `{"config": config, "settings": settings, ...}`. When `create` fails with a
/// `"pointer"` detail into that object, `diagnostic(forCreatePointer:message:)`
/// turns it into `FILE:LINE:COL: error: ...` at the value the plugin named.
public struct PluginSection: Sendable {
    /// "builder", "environment" or "registry".
    public let kind: String
    /// The component name, e.g. "kaniko".
    public let name: String
    /// The block as JSON, minus the keys the host owns (for a builder: `type`,
    /// `destination`, `platform`, `build-context-store`; otherwise `type`).
    public let config: JSONValue
    /// Settings every component receives: `destination`, `platform`,
    /// `build_context_store` (each only when set) and `environment` (the whole
    /// block including `type`, when there is one).
    public let settings: JSONValue

    let file: String?
    let section: YAMLPair?
    let settingSources: [String: YAMLPair]
    let secrets: [String]

    /// `{"config": ..., "settings": ...}`; the host may add members that never
    /// carry pointers.
    public var createRequest: JSONValue { .object(["config": config, "settings": settings]) }

    /// A diagnostic for a pointer into `createRequest` (`/config/...` or
    /// `/settings/...`), at the deepest YAML node on the path; with no usable
    /// pointer, at the section's key. The message gets the component's name in
    /// front and any secret value from the config replaced by `<redacted>`.
    public func diagnostic(forCreatePointer pointer: String?, message: String,
                           severity: ConfigDiagnostic.Severity = .error) -> ConfigDiagnostic {
        let text = "\(kind) '\(name)': \(SecretNames.scrub(message, secrets: secrets))"
        let location = mark(forCreatePointer: pointer ?? "").flatMap { mark in file.map { ConfigLocation(file: $0, mark: mark) } }
        return ConfigDiagnostic(severity, at: location, text)
    }

    /// The mark `pointer` (into `createRequest`) resolves to, or nil when the
    /// section was not written in a file (a default component).
    public func mark(forCreatePointer pointer: String) -> YAMLMark? {
        let tokens = YAMLPointer.tokens(pointer)
        let fallback = section?.key.mark
        switch tokens.first {
        case "config":
            guard let section else { return nil }
            return YAMLPointer.mark(of: tokens.dropFirst(), in: section.value, viaKey: section.key.mark)
        case "settings":
            guard tokens.count > 1, let source = settingSources[tokens[1]] else { return fallback }
            return YAMLPointer.mark(of: tokens.dropFirst(2), in: source.value, viaKey: source.key.mark)
        default:
            return fallback
        }
    }

    /// Same as `mark(forCreatePointer:)` for a pointer relative to `config`.
    public func mark(forConfigPointer pointer: String) -> YAMLMark? {
        mark(forCreatePointer: "/config" + pointer)
    }
}

extension AgentConfig {
    /// Sections whose `type` names a component, in builder, environment,
    /// registry order.
    public var pluginSections: [PluginSection] {
        ComponentSections.kinds.compactMap { pluginSection(kind: $0) }
    }

    /// The section of `kind` when the config names its component, else nil.
    public func pluginSection(kind: String) -> PluginSection? {
        let name: String?
        switch kind {
        case "builder": name = builder.type
        case "environment": name = environmentType
        case "registry": name = registryType
        default: name = nil
        }
        guard let name else { return nil }
        return makeSection(kind: kind, name: name, section: section(kind))
    }

    /// A section for a component the pipeline chose itself (the default
    /// builder): an empty config, and the same shared settings.
    public func defaultPluginSection(kind: String, name: String) -> PluginSection {
        makeSection(kind: kind, name: name, section: nil)
    }

    /// The settings object every component receives.
    public var componentSettings: JSONValue {
        var members: [String: JSONValue] = [:]
        if let d = builder.destination { members["destination"] = .string(d) }
        if !builder.platforms.isEmpty { members["platform"] = .string(builder.platforms.joined(separator: ",")) }
        if let s = builder.buildContextStore { members["build_context_store"] = .string(s.uri) }
        if environmentType != nil, let env = section("environment") { members["environment"] = env.value.json }
        if secureMode { members["secure_mode"] = .bool(true) }
        return .object(members)
    }

    private func makeSection(kind: String, name: String, section: YAMLPair?) -> PluginSection {
        var config: [String: JSONValue] = [:]
        let hostKeys = ComponentSections.hostKeys(kind)
        for pair in section?.value.pairs ?? [] where !hostKeys.contains(pair.keyText) {
            config[pair.keyText] = pair.value.json
        }
        let builderPairs = self.section("builder")?.value
        var sources: [String: YAMLPair] = [:]
        sources["destination"] = builderPairs?.pair("destination")
        sources["platform"] = builderPairs?.pair("platform")
        sources["build_context_store"] = builderPairs?.pair("build-context-store")
        sources["environment"] = self.section("environment")
        sources["secure_mode"] = root?.pair("secure_mode")
        return PluginSection(kind: kind, name: name, config: .object(config), settings: componentSettings,
                             file: file, section: section, settingSources: sources,
                             secrets: root.map { SecretNames.values(in: $0) } ?? [])
    }
}
