import LaunchAgentPluginKit

/// The noop plugin: builder `noop`, for agents that never build images (every job names a prebuilt
/// `docker_image`). It is also the smallest complete Swift plugin, the one to copy.
let noopPlugin = Plugin(
    id: "dev.launch-agent.noop",
    name: "noop",
    version: "0.1.0",
    vendor: "launch-agent",
    components: [
        .builder("noop", summary: "builds nothing; every job must name a prebuilt docker_image", create: NoopBuilder.init),
    ]
)

/// The library's one exported symbol. It must be `public`: an internal `@c` function is missing from the
/// dynamic symbol table of a release build.
@c(launch_agent_plugin_entry_v1)
public func launchAgentPluginEntry() -> UnsafeRawPointer {
    noopPlugin.entry
}
