/// Everything a component's `create` closure receives: its config, the host-owned settings, and the host.
///
/// It is decoded from the create document the host passes to `la_plugin_v1.create`:
///
/// ```json
/// {"component": {"kind": "builder", "name": "kaniko"},
///  "config":    {"build-job-name": "build", "kaniko-config": {...}},
///  "settings":  {"destination": "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app",
///                "platform": "linux/amd64", "build_context_store": "s3://contexts/launch",
///                "environment": {"type": "aws", "region": "us-east-1"}},
///  "agent":     {"version": "0.1.0", "abi": "1.0"}}
/// ```
///
/// Errors about the config are ``PluginError/Code/config`` with a JSON pointer into that document:
/// ``ConfigReader`` produces `/config/...` pointers, and ``Settings/pointer(to:)`` `/settings/...` ones.
public struct ComponentContext: Sendable {
    /// The kind being created.
    public let kind: ComponentKind
    /// The component name being created (one plugin may register one factory for several names).
    public let name: String
    /// The plugin-owned keys of the component's YAML section. Read what you support, then call
    /// ``ConfigReader/rejectUnknownKeys()``.
    public var config: ConfigReader
    /// Values the host owns (destination, platform, context store, environment).
    public let settings: Settings
    /// The agent's version, e.g. "0.1.0".
    public let agentVersion: String?
    /// The host, valid for the life of the process: keep it to reach services from operations.
    public let host: Host
    /// The create call itself (log lines go to the agent log). Valid only during `create`.
    public let call: Call
    /// The whole create document, including members newer than this kit.
    public let document: JSONValue

    init(kind: ComponentKind, name: String, document: JSONValue, host: Host, call: Call) {
        self.kind = kind
        self.name = name
        self.document = document
        self.host = host
        self.call = call
        self.config = ConfigReader(document["config"]?.objectValue ?? [:], pointer: "/config",
                                   mode: .config(owner: "\(kind.rawValue) '\(name)'", hostKeys: kind.hostOwnedKeys))
        self.settings = Settings(document["settings"] ?? [:])
        self.agentVersion = document["agent"]?["version"]?.stringValue
    }
}

/// The settings the host resolved from its own keys of the config, shared by all components.
public struct Settings: Sendable, Equatable {
    /// `builder.destination`: where images go, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app`.
    public let destination: String?
    /// `builder.platform` as the host passes it: one platform (`linux/amd64`) or several joined with commas.
    public let platform: String?
    /// ``platform`` split on commas; empty when unset.
    public var platforms: [String] {
        (platform ?? "").split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    }
    /// `builder.build-context-store`, e.g. `s3://contexts/launch`.
    public let buildContextStore: String?
    /// The `environment` section, when there is one.
    public let environment: EnvironmentSettings?
    /// The whole `settings` object, including members newer than this kit.
    public let raw: JSONValue

    init(_ raw: JSONValue) {
        self.raw = raw
        destination = raw["destination"]?.stringValue
        platform = raw["platform"]?.stringValue
        buildContextStore = raw["build_context_store"]?.stringValue
        environment = raw["environment"].flatMap { $0.objectValue == nil ? nil : EnvironmentSettings($0) }
    }

    /// The JSON pointer of a setting, for ``PluginError/pointer``: `pointer(to: "destination")` is
    /// `/settings/destination`; `pointer(to: "environment", "region")` is `/settings/environment/region`.
    public func pointer(to path: String...) -> String {
        "/settings" + path.map { "/" + jsonPointerToken($0) }.joined()
    }
}

/// The `environment` section of the agent config, as the host resolved it.
public struct EnvironmentSettings: Sendable, Equatable {
    /// `environment.type`: "aws", "gcp", "azure", …
    public let type: String?
    /// `environment.region`.
    public let region: String?
    /// Every key of the section.
    public let raw: JSONValue

    init(_ raw: JSONValue) {
        self.raw = raw
        type = raw["type"]?.stringValue
        region = raw["region"]?.stringValue
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
