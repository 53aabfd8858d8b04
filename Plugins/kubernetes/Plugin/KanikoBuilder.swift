import KubeCore
import LaunchAgentPluginKit

/// Builder `kaniko`: each build is a batch/v1 Job running the kaniko executor in the cluster, reading the
/// context from the context store (or a PVC), pushing with credentials from a dockerconfigjson Secret.
///
/// Config keys (docs/kaniko.md has the whole story): `build-job-name`, `namespace`, `kaniko-image`,
/// `kaniko-config`, `build-timeout`, `secret-name`/`secret-key`, `context-pvc`, `kubeconfig`, `context`.
struct KanikoBuilder: Builder {
    let settings: KanikoSettings
    /// The namespace the user chose (`namespace`, else `kaniko-config` metadata); nil: the cluster config's.
    let namespace: String?
    let host: Host
    /// The cluster (kubeconfig/context keys, else KUBECONFIG, ~/.kube/config, in-cluster), loaded on first use.
    let connection: KubeConnection

    init(_ context: ComponentContext) throws {
        var config = context.config
        let prefix = try config.optional("build-job-name", default: KanikoSettings.defaultBuildJobName)
        guard KanikoNames.isUsablePrefix(prefix) else {
            throw config.error("'build-job-name' needs letters or digits (it prefixes the Job's name)", at: "build-job-name")
        }
        let namespace = try config.optional("namespace", as: String.self)
        if let namespace, !Self.isDNSLabel(namespace) {
            throw config.error("'namespace' must be a DNS-1123 label (lower-case letters, digits, '-'), not '\(namespace)'", at: "namespace")
        }
        let image = try config.optional("kaniko-image", default: KanikoSettings.defaultImage)
        if image.isEmpty || image.contains(" ") {
            throw config.error("'kaniko-image' must be an image reference such as \(KanikoSettings.defaultImage)", at: "kaniko-image")
        }
        var jobConfig = KanikoJobConfig()
        if let raw = config.raw("kaniko-config") {
            do { jobConfig = try KanikoJobConfig(KubeJSON(kit: raw), pointer: config.pointer(to: "kaniko-config")) } catch {
                throw PluginError(.config, error.message, pointer: error.pointer)
            }
        }
        if let namespace, let other = jobConfig.namespace, other != namespace {
            throw config.error("'namespace' is '\(namespace)' but kaniko-config's metadata.namespace is '\(other)'; keep one",
                               at: "namespace")
        }
        let timeout = try config.optional("build-timeout", default: KanikoSettings.defaultTimeoutSeconds)
        if timeout <= 0 { throw config.error("'build-timeout' must be a positive number of seconds", at: "build-timeout") }
        let cloudSecret = try Self.cloudSecret(&config, settings: context.settings)
        let pvc = try Self.contextPVC(&config)
        let kubeconfig = try config.optional("kubeconfig", as: String.self)
        let kubeContext = try config.optional("context", as: String.self)
        try config.rejectUnknownKeys()

        let store = context.settings.buildContextStore
        if store != nil, pvc != nil {
            throw config.error("set either builder.build-context-store or 'context-pvc', not both", at: "context-pvc")
        }
        if store == nil, pvc == nil {
            throw config.error("the executor reads the build context inside the cluster, not from the agent's disk: set builder.build-context-store (s3://…, gs://…, https://<account>.blob.core.windows.net/<container>) or 'context-pvc' (claim, agent-mount-path)",
                               at: nil)
        }
        if context.settings.platforms.count > 1 {
            throw PluginError(.config, "the executor builds one platform per run, and builder.platform lists \(context.settings.platforms.count) (\(context.settings.platforms.joined(separator: ", "))); choose one",
                              pointer: context.settings.pointer(to: "platform"))
        }
        self.namespace = namespace ?? jobConfig.namespace
        settings = KanikoSettings(buildJobName: prefix, namespace: self.namespace ?? "default", image: image, jobConfig: jobConfig,
                                  timeoutSeconds: timeout, contextPVC: pvc, cloudSecret: cloudSecret)
        host = context.host
        connection = KubeConnection(host: context.host, kubeconfig: kubeconfig, context: kubeContext)
    }

    /// `secret-name` + `secret-key` (both or neither), for the cloud the environment or destination names.
    private static func cloudSecret(_ config: inout ConfigReader, settings: Settings) throws -> KanikoCloudSecret? {
        let name = try config.optional("secret-name", as: String.self)
        let key = try config.optional("secret-key", as: String.self)
        guard name != nil || key != nil else { return nil }
        guard let name, let key else {
            throw config.error("'secret-name' and 'secret-key' go together (the Secret and its key holding cloud credentials)",
                               at: name == nil ? "secret-key" : "secret-name")
        }
        let destination = settings.destination ?? ""
        let cloud: KanikoCloudSecret.Cloud
        switch settings.environment?.type {
        case "aws": cloud = .aws
        case "gcp": cloud = .gcp
        default:
            if destination.contains(".dkr.ecr.") { cloud = .aws }
            else if destination.contains("-docker.pkg.dev") || destination.contains("gcr.io") { cloud = .gcp }
            else {
                throw config.error("'secret-name' holds AWS or GCP credentials for the executor; with neither environment.type aws/gcp nor an ECR/Artifact Registry destination, use kaniko-config (env/volumes) instead",
                                   at: "secret-name")
            }
        }
        return KanikoCloudSecret(name: name, key: key, cloud: cloud)
    }

    /// `context-pvc: {claim: NAME, agent-mount-path: /mnt/kaniko}`.
    private static func contextPVC(_ config: inout ConfigReader) throws -> KanikoContextPVC? {
        guard var section = try config.section("context-pvc") else { return nil }
        let claim = try section.required("claim", as: String.self)
        let path = try section.required("agent-mount-path", as: String.self)
        try section.rejectUnknownKeys()
        if !isDNSSubdomain(claim) { throw section.error("'claim' must be a PersistentVolumeClaim name, not '\(claim)'", at: "claim") }
        if !path.hasPrefix("/") { throw section.error("'agent-mount-path' must be an absolute path where the claim is mounted in the agent", at: "agent-mount-path") }
        return KanikoContextPVC(claim: claim, agentMountPath: path)
    }

    static func isDNSLabel(_ s: String) -> Bool { KanikoNames.isDNSLabel(s) }

    static func isDNSSubdomain(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 253 && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    /// The client bound to `call` (its cancellation, its log); the cluster config is loaded on first use.
    func client(_ call: Call) throws -> KubeClient { try connection.client(call) }

    func verify(_ call: Call) throws -> VerifyReport {
        try KanikoVerify(builder: self).run(call)
    }

    func build(_ request: BuildRequest, _ call: Call) throws -> BuildResult {
        try KanikoBuildRun(builder: self, request: request, call: call).run()
    }
}
