import LaunchAgentPluginKit

/// The docker plugin: builder `docker`, for any docker-compatible CLI (docker, podman).
let dockerPlugin = Plugin(
    id: "dev.launch-agent.docker",
    name: "docker",
    version: "0.1.0",
    vendor: "launch-agent",
    components: [
        .builder("docker", summary: "builds and pushes with a docker-compatible CLI (docker, podman)", create: DockerBuilder.init),
    ]
)

@c(launch_agent_plugin_entry_v1)
public func launchAgentPluginEntry() -> UnsafeRawPointer {
    dockerPlugin.entry
}
