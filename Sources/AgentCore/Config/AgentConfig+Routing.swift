extension AgentConfig {
    /// Every component the config uses, ready to create: the `builder`,
    /// `environment` and `registry` blocks that name a `type`, then the
    /// registry serving `builder.destination` and the context store serving
    /// `builder.build-context-store`, chosen by URI (interfaces.md §3) when no
    /// `type` names them.
    ///
    /// A destination no registry component serves is fine (the host's OCI
    /// client and the docker config handle it); a context store nothing
    /// serves, or a URI two libraries serve equally well, is an error at the
    /// value's line and column.
    public func componentSections(plugins: PluginSet) throws(ConfigError) -> [PluginSection] {
        var sections = pluginSections
        var problems: [ConfigDiagnostic] = []
        if registryType == nil, let destination = builder.destination {
            do {
                if let route = try plugins.route(kind: "registry", uri: destination) {
                    sections.append(defaultPluginSection(kind: "registry", name: route.component.name))
                }
            } catch {
                problems.append(diagnostic(at: "destination", error.description))
            }
        }
        if let store = builder.buildContextStore {
            do {
                if let route = try plugins.route(kind: "context-store", uri: store.uri) {
                    sections.append(defaultPluginSection(kind: "context-store", name: route.component.name))
                } else if store.componentName.map({ plugins.component(kind: "context-store", name: $0) != nil }) ?? true {
                    // (A shipped store that is not installed at all is reported by validateComponents.)
                    let installed = (plugins.installed["context-store"] ?? []).sorted()
                    problems.append(diagnostic(at: "build-context-store",
                                               "no installed context store serves \(URIRouting.authorityKey(store.uri)) (installed: \(installed.isEmpty ? "none" : installed.joined(separator: ", "))); install the plugin that serves it"))
                }
            } catch {
                problems.append(diagnostic(at: "build-context-store", error.description))
            }
        }
        guard problems.isEmpty else { throw ConfigError(problems) }
        return sections
    }

    /// The section of `kind` among `componentSections`, if the config uses one.
    public func componentSection(kind: String, plugins: PluginSet) throws(ConfigError) -> PluginSection? {
        try componentSections(plugins: plugins).first { $0.kind == kind }
    }

    private func diagnostic(at builderKey: String, _ message: String) -> ConfigDiagnostic {
        let mark = section("builder")?.value.pair(builderKey)?.value.mark
        let location = file.flatMap { f in mark.map { ConfigLocation(file: f, mark: $0) } }
        return ConfigDiagnostic(at: location, "builder.\(builderKey): \(message)")
    }
}
