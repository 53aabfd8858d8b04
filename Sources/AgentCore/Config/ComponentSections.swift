/// The blocks whose `type` names a plugin component: which kind each one
/// selects, and the keys the host keeps for itself.
enum ComponentSections {
    static let kinds = ["builder", "environment", "registry"]

    /// W&B names kept working; the value is our component name.
    static let registryAliases = ["gcr": "artifact-registry"]

    static func hostKeys(_ kind: String) -> [String] {
        kind == "builder" ? BuilderConfig.hostKeys : ["type"]
    }

    /// The shipped library that provides a component, for "install X" hints.
    static func library(providing name: String) -> String? {
        let libraries = [
            "noop": "noop", "docker": "docker", "kaniko": "kubernetes",
            "aws": "aws", "ecr": "aws", "s3": "aws",
            "gcp": "gcp", "artifact-registry": "gcp", "gcs": "gcp",
            "azure": "azure", "acr": "azure", "azure-blob": "azure",
            "coreweave": "coreweave",
        ]
        return libraries[name].map { "liblaunch-agent-\($0).so" }
    }

    static func plural(_ kind: String) -> String {
        switch kind {
        case "registry": return "registries"
        case "context-store": return "context stores"
        default: return kind + "s"
        }
    }
}

extension ConfigReader {
    /// Reads `environment` or `registry`: only `type` belongs to the host.
    mutating func componentSection(_ pair: YAMLPair, kind: String, example: String, installed: [String]?) -> String? {
        guard let pairs = mapping(pair.value, kind, example: example) else { return nil }
        var type: String?
        var misspeltType = false
        for p in pairs {
            if p.keyText == "type" {
                type = componentType(p, "\(kind).type")
            } else if Suggestions.closest(to: p.keyText, among: ["type"]) != nil {
                misspeltType = true
                error(at: p.key.mark, "unknown \(kind) key '\(p.keyText)'", notes: [.init("did you mean 'type'?")])
            }
        }
        let hasType = misspeltType || pairs.contains { $0.keyText == "type" && !$0.value.isNull }
        if !hasType, pairs.contains(where: { !$0.value.isNull }) {
            requireType(kind, at: pair.key.mark, installed: installed)
        }
        if kind == "registry", let t = type { return ComponentSections.registryAliases[t] ?? t }
        return type
    }

    mutating func componentType(_ p: YAMLPair, _ name: String) -> String? {
        guard let t = string(p.value, name) else { return nil }
        if t.isEmpty { error(at: p.value.mark, "\(name) must not be empty") }
        return t.isEmpty ? nil : t
    }

    /// W&B accepted a block without `type` and then failed every job; we
    /// refuse it up front.
    mutating func requireType(_ kind: String, at mark: YAMLMark, installed: [String]?) {
        var notes: [ConfigDiagnostic.Note] = []
        switch installed {
        case nil:
            notes.append(.init("set \(kind).type to the \(kind) plugin to use ('agent plugins list' shows them)"))
        case let names? where names.isEmpty:
            notes.append(.init("no \(kind) plugins are installed"))
        case let names?:
            notes.append(.init("installed \(ComponentSections.plural(kind)): \(names.sorted().joined(separator: ", "))"))
        }
        error(at: mark, "\(kind).type is required when \(kind) has other keys", notes: notes)
    }
}
