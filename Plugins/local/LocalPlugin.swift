import LaunchAgentPluginKit

/// The local plugin: runner `local-process`, which runs a job's entry point on this machine, in the
/// job's source directory, with no container (W&B's `local-process` resource).
let localPlugin = Plugin(
    id: "dev.launch-agent.local",
    name: "local",
    version: "0.1.0",
    vendor: "launch-agent",
    components: [
        .runner("local-process", summary: "runs the entry point as a local process in the job's source directory",
                create: LocalProcessRunner.init),
    ]
)

@c(launch_agent_plugin_entry_v1)
public func launchAgentPluginEntry() -> UnsafeRawPointer {
    localPlugin.entry
}
