/// A plugin library: its identity and the components it provides.
///
/// Declare one per library and hand its ``entry`` out from the one symbol the library exports:
///
/// ```swift
/// import LaunchAgentPluginKit
///
/// let plugin = Plugin(
///     id: "dev.launch-agent.noop", name: "noop", version: "0.1.0", vendor: "launch-agent",
///     components: [.builder("noop", summary: "builds nothing") { try NoopBuilder($0) }]
/// )
///
/// @c(launch_agent_plugin_entry_v1)
/// public func launchAgentPluginEntry() -> UnsafeRawPointer { plugin.entry }
/// ```
///
/// The entry function must be `public` (an internal `@c`/`@_cdecl` function is missing from the release
/// build's dynamic symbol table) and must do nothing but return ``entry``.
public struct Plugin: Sendable {
    /// Reverse-DNS library ID, e.g. "dev.launch-agent.aws"; the host refuses two libraries with one ID.
    public let id: String
    /// Short human name, e.g. "aws".
    public let name: String
    /// The library's own semver, e.g. "0.1.0".
    public let version: String
    /// Who ships it; may be nil.
    public let vendor: String?
    /// The oldest host ABI minor (`LA_ABI_MINOR`) this library works with.
    public let minHostMinor: Int
    /// The components, in the order `create`'s `component_index` counts them.
    public let components: [Component]
    let initialize: (@Sendable (Host, Call) throws -> Void)?

    /// Describes a plugin. `initialize`, when given, runs once after the host accepted the library and
    /// before any component is created (`la_plugin_v1.init`); throwing from it marks the whole library
    /// FAILED_INIT with the error's message.
    public init(id: String, name: String, version: String, vendor: String? = nil, minHostMinor: Int = 0,
                components: [Component], initialize: (@Sendable (Host, Call) throws -> Void)? = nil) {
        self.id = id
        self.name = name
        self.version = version
        self.vendor = vendor
        self.minHostMinor = minHostMinor
        self.components = components
        self.initialize = initialize
    }

    /// The `la_plugin_v1` descriptor to return from `launch_agent_plugin_entry_v1`.
    ///
    /// The first access builds the descriptor (thread-safe) and installs this plugin as the library's one
    /// plugin; every later access, from any thread and any copy, returns the same never-freed pointer.
    public var entry: UnsafeRawPointer { Installation.install(self).descriptor }
}
