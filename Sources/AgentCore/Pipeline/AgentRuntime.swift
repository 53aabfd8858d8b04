import LaunchAgentABI

/// What every job of one agent process shares: the config, the loaded
/// plugins, the queue, the registry client, the chosen builder and the
/// components chosen by URI.
///
/// Components are created per job (as W&B does), so a job's builder or runner
/// instance is never called from two threads at once.
public final class AgentRuntime: Sendable {
    public let config: AgentConfig
    public let plugins: PluginSet
    public let queue: LocalQueue
    public let agentID: String
    let registry: RegistryClient
    let builds = BuildCoordinator()
    /// The builder section to create per job, or nil when jobs cannot be built.
    let builderSection: PluginSection?
    /// Why that builder was chosen, for the log.
    public let builderChoice: String
    /// The environment, registry and context-store components the config uses
    /// (by `type`, or chosen by URI), when it uses them.
    let environmentSection: PluginSection?
    let registrySection: PluginSection?
    let contextStoreSection: PluginSection?
    /// The destination registry's credentials from its registry component.
    let registryAuth: RegistryAuthCache

    public init(config: AgentConfig, plugins: PluginSet, queue: LocalQueue, agentID: String) throws(ConfigError) {
        self.config = config
        self.plugins = plugins
        self.queue = queue
        self.agentID = agentID
        self.registry = RegistryClient()
        (builderSection, builderChoice) = try AgentRuntime.chooseBuilder(config, plugins)
        let sections = try config.componentSections(plugins: plugins)
        environmentSection = sections.first { $0.kind == "environment" }
        registrySection = sections.first { $0.kind == "registry" }
        contextStoreSection = sections.first { $0.kind == "context-store" }
        registryAuth = RegistryAuthCache(section: registrySection, destination: config.builder.destination, plugins: plugins)
    }

    /// Credentials for `registry`: the registry component's for the
    /// destination's registry, else the docker config's; nil when anonymous.
    func registryCredentials(for registry: String, cancellation: CallCancellation? = nil) throws -> RegistryCredentials? {
        if let credentials = try registryAuth.credentials(for: registry, cancellation: cancellation) { return credentials }
        let found = try RegistryCredentialResolver().resolve(registry: registry).credentials
        return found.isAnonymous ? nil : found
    }

    /// `environment.hints` for a workload `consumer` starts elsewhere
    /// (`{"env": {...}, "labels": {...}}`), or nil without an environment
    /// component or when it offers no hints.
    func environmentHints(consumer kind: String, name: String) throws -> JSONValue? {
        guard let environmentSection else { return nil }
        let environment = try ComponentFactory.create(environmentSection, from: plugins)
        let hints: JSONValue
        do {
            hints = try environment.call("hints", request: .object(["consumer": .object(["kind": .string(kind), "name": .string(name)])]),
                                         timeoutSeconds: 30)
        } catch {
            if error.status == LA_ERR_UNSUPPORTED { return nil }
            throw error
        }
        return .object(["env": hints["env"] ?? .object([:]), "labels": hints["labels"] ?? .object([:])])
    }

    /// The configured builder; with no `builder.type`, the seed's default:
    /// docker when a docker engine answers, else noop — and why.
    static func chooseBuilder(_ config: AgentConfig, _ plugins: PluginSet) throws(ConfigError) -> (PluginSection?, String) {
        if let section = config.pluginSection(kind: "builder") {
            _ = try ComponentFactory.create(section, from: plugins)
            return (section, "builder '\(section.name)' from builder.type")
        }
        var why = "the docker plugin is not installed"
        if plugins.component(kind: "builder", name: "docker") != nil {
            let section = config.defaultPluginSection(kind: "builder", name: "docker")
            do {
                let docker = try ComponentFactory.create(section, from: plugins)
                let report = try docker.call("verify", request: .object([:]), timeoutSeconds: 60)
                let failed = report["checks"]?.arrayValue?.first { $0["ok"] != .bool(true) }
                if failed == nil { return (section, "builder 'docker': no builder.type, and the docker engine answers") }
                why = failed?["detail"]?.stringValue ?? "docker verify failed"
            } catch let error as ConfigError {
                why = error.description
            } catch {
                why = "\(error)"
            }
        }
        guard plugins.component(kind: "builder", name: "noop") != nil else {
            return (nil, "no builder: no builder.type, \(why), and the noop plugin is not installed")
        }
        return (config.defaultPluginSection(kind: "builder", name: "noop"), "builder 'noop': no builder.type and \(why)")
    }

    /// A fresh instance of the chosen builder.
    func makeBuilder() throws(ConfigError) -> ComponentInstance? {
        guard let builderSection else { return nil }
        return try ComponentFactory.create(builderSection, from: plugins)
    }

    /// A fresh instance of runner `name` (the job's `resource`).
    func makeRunner(_ name: String) throws(PluginCallError) -> ComponentInstance {
        guard let (library, component) = plugins.component(kind: "runner", name: name) else {
            let installed = plugins.installed["runner"] ?? []
            throw PluginCallError(plugin: "-", component: "runner '\(name)'", operation: "create", kind: .unsupported,
                                  message: "no installed plugin provides it (installed runners: \(installed.isEmpty ? "none" : installed.joined(separator: ", ")))",
                                  pointer: nil)
        }
        let request: JSONValue = .object([
            "component": .object(["kind": "runner", "name": .string(name)]),
            "config": .object([:]),
            "settings": config.componentSettings,
            "agent": .object(["version": .string(AgentVersion.current), "abi": .string(AgentVersion.abi)]),
        ])
        return try ComponentInstance(library: library, component: component, config: request)
    }
}
