import LaunchAgentPluginKit

/// The Kubernetes plugin: runner `kubernetes` (a batch/v1 Job per launch) and builder `kaniko`, on one client
/// (KubeCore: kubeconfig, exec credential plugins, in-cluster service accounts).
let kubernetesPlugin = Plugin(
    id: "dev.launch-agent.kubernetes",
    name: "kubernetes",
    version: "0.1.0",
    vendor: "launch-agent",
    components: [
        .runner("kubernetes", summary: "runs each job as a batch/v1 Job (resource_args.kubernetes), status from watches, logs from the pods",
                concurrent: true, create: KubernetesRunner.init),
        .builder("kaniko", summary: "builds in the cluster: a kaniko Job per build (context from the context store or a PVC, push credentials in a dockerconfigjson Secret), cleaned up after", create: KanikoBuilder.init),
    ]
)

@c(launch_agent_plugin_entry_v1)
public func launchAgentPluginEntry() -> UnsafeRawPointer {
    kubernetesPlugin.entry
}
