extension AgentConfig {
    /// Checks every component the config names against what is installed.
    ///
    /// - Parameter installed: component names by kind, e.g.
    ///   `["builder": ["docker", "noop"], "environment": ["aws"]]`; a kind that
    ///   is missing counts as "none installed".
    /// - Returns: one error per unknown `builder.type`, `environment.type`,
    ///   `registry.type` and per `build-context-store` whose context-store
    ///   component is missing, at the value's mark, in file order.
    public func validateComponents(installed: [String: [String]]) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        let choices: [(kind: String, name: String?)] = [
            ("builder", builder.type), ("environment", environmentType), ("registry", registryType),
        ]
        for (kind, name) in choices {
            guard let name, let typePair = section(kind)?.value.pair("type") else { continue }
            let names = installed[kind] ?? []
            if names.contains(name) { continue }
            out.append(missing(kind: kind, name: name, shown: "\(kind) type '\(typePair.value.scalar?.text ?? name)'",
                               installed: names, at: typePair.value.mark))
        }
        if let store = builder.buildContextStore, let componentName = store.componentName,
           let pair = section("builder")?.value.pair("build-context-store") {
            let names = installed["context-store"] ?? []
            if !names.contains(componentName) {
                out.append(missing(kind: "context-store", name: componentName,
                                   shown: "context-store '\(componentName)' for builder.build-context-store",
                                   installed: names, at: pair.value.mark))
            }
        }
        return ConfigDiagnostic.sorted(out)
    }

    private func missing(kind: String, name: String, shown: String, installed: [String], at mark: YAMLMark) -> ConfigDiagnostic {
        let location = file.map { ConfigLocation(file: $0, mark: mark) }
        let library = ComponentSections.library(providing: name)
        let plural = ComponentSections.plural(kind)
        if installed.isEmpty {
            let example = library.map { " (\($0))" } ?? ""
            return ConfigDiagnostic(at: location, "unknown \(shown): no \(kind) plugins are installed", notes: [
                .init("install the plugin library that provides it\(example) into the plugins directory"),
            ], reason: .componentNotInstalled)
        }
        var notes: [ConfigDiagnostic.Note] = []
        if let suggestion = Suggestions.note(for: name, among: installed) { notes.append(.init(suggestion)) }
        if let library { notes.append(.init("'\(name)' is provided by \(library); install it into the plugins directory")) }
        notes.append(.init("installed \(plural): \(installed.sorted().joined(separator: ", "))"))
        return ConfigDiagnostic(at: location, "unknown \(shown)", notes: notes, reason: .componentNotInstalled)
    }
}
