/// Creates the components a config names, handing each plugin its section,
/// and turns a plugin's refusal into a `FILE:LINE:COL` diagnostic.
public enum ComponentFactory {
    /// The JSON `create` receives (plugin-sdk/docs/interfaces.md, "create").
    static func createRequest(_ section: PluginSection) -> JSONValue {
        guard case .object(var members) = section.createRequest else { return section.createRequest }
        members["component"] = .object(["kind": .string(section.kind), "name": .string(section.name)])
        members["agent"] = .object(["version": .string(AgentVersion.current), "abi": .string(AgentVersion.abi)])
        return .object(members)
    }

    /// Creates the component for `section`, or explains why it could not be.
    public static func create(_ section: PluginSection, from plugins: PluginSet) throws(ConfigError) -> ComponentInstance {
        guard let (library, component) = plugins.component(kind: section.kind, name: section.name) else {
            // AgentConfig.validateComponents reports this with installed names.
            throw ConfigError([section.diagnostic(forCreatePointer: nil, message: "no loaded plugin provides it")])
        }
        do {
            return try ComponentInstance(library: library, component: component, config: createRequest(section))
        } catch {
            let message = error.kind == .reported(status: -10)
                ? error.message
                : "\(error.message) (\(error.plugin), create)"
            throw ConfigError([section.diagnostic(forCreatePointer: error.pointer, message: message)])
        }
    }

    /// Every diagnostic the config's plugins raise about their own sections.
    public static func check(_ config: AgentConfig, plugins: PluginSet) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        let sections: [PluginSection]
        do { sections = try config.componentSections(plugins: plugins) } catch {
            return ConfigDiagnostic.sorted(error.diagnostics)
        }
        for section in sections {
            do {
                _ = try create(section, from: plugins)
            } catch {
                out += error.diagnostics
            }
        }
        return ConfigDiagnostic.sorted(out)
    }
}
