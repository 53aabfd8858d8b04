import LaunchAgentPluginKit

/// The AWS plugin: environment `aws` (registry `ecr` and context store `s3` build on the same core).
let awsPlugin = Plugin(
    id: "dev.launch-agent.aws",
    name: "aws",
    version: "0.1.0",
    vendor: "launch-agent",
    components: [
        .environment("aws", summary: "AWS identity (SigV4, the SDKs' default credential chain), verify with STS GetCallerIdentity",
                     create: AWSEnvironmentComponent.init),
        .contextStore("s3", summary: "build contexts in S3 by digest (multipart, parallel parts, resumable)", uriPatterns: ["s3://*"], create: S3ContextStore.init),
    ]
)

@c(launch_agent_plugin_entry_v1)
public func launchAgentPluginEntry() -> UnsafeRawPointer {
    awsPlugin.entry
}
