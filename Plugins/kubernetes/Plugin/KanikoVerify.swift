#if canImport(Glibc)
import Glibc
#endif
import KubeCore
import LaunchAgentPluginKit

/// `builder.verify` for kaniko: the cluster answers, and this identity may create the builder's Jobs and
/// Secrets in its namespace.
///
/// Permissions are proven with server-side dry-run creates (`?dryRun=All`) of the very objects a build
/// makes: the API server runs authorization, admission and schema validation and stores nothing (so verify
/// changes nothing). SelfSubjectAccessReview would need no sample object, but not every server serves it
/// (the test harness does not), and the dry run also catches a `kaniko-config` the schema rejects.
struct KanikoVerify {
    let builder: KanikoBuilder

    func run(_ call: Call) throws -> VerifyReport {
        let client: KubeClient
        do { client = try builder.client(call) } catch let error as PluginError {
            return VerifyReport([.failed("Kubernetes config", error.message,
                                         fix: "set KUBECONFIG or builder.kubeconfig/context, or run the agent in a pod with a service account")])
        }
        let namespace = builder.namespace ?? client.defaultNamespace
        var settings = builder.settings
        settings.namespace = namespace
        var checks: [VerifyReport.Check] = []

        do {
            let jobs = try client.list(.jobs, namespace: namespace, labelSelector: "app.kubernetes.io/managed-by=launch-agent")
            checks.append(.passed("Kubernetes API", "\(client.config.server) (\(client.config.source)): \(jobs.items.count) launch-agent Job(s) in namespace '\(namespace)'"))
        } catch {
            try call.checkCancellation()
            checks.append(.failed("Kubernetes API", error.message, fix: fix(for: error, namespace: namespace)))
            return VerifyReport(checks)
        }

        let name = KanikoNames.jobName(prefix: settings.buildJobName, jobID: "verify")
        let build = KanikoBuild(jobID: "verify", context: "s3://launch-agent-verify/context.tar.gz",
                                image: "registry.invalid/launch-agent/verify:dry-run", platform: nil,
                                dockerConfigSecret: KanikoNames.secretName(jobName: name))
        let job = KanikoManifest.job(name: name, settings: settings, build: build)
        checks.append(dryRun(client, .jobs, job, namespace: namespace, call: call))
        let secret = KanikoManifest.dockerConfigSecret(name: KanikoNames.secretName(jobName: name), namespace: namespace,
                                                       jobID: "verify", server: "registry.invalid", username: "verify",
                                                       password: "dry-run-only")
        checks.append(dryRun(client, .secrets, secret, namespace: namespace, call: call))

        if let pvc = settings.contextPVC {
            if access(pvc.agentMountPath, W_OK) == 0 {
                checks.append(.passed("context PVC", "claim '\(pvc.claim)' mounted writable at \(pvc.agentMountPath)"))
            } else {
                checks.append(.failed("context PVC", "\(pvc.agentMountPath) is not writable: \(String(cString: strerror(errno)))",
                                      fix: "mount PersistentVolumeClaim '\(pvc.claim)' at \(pvc.agentMountPath) in the agent's pod, writable"))
            }
        }
        try call.checkCancellation()
        return VerifyReport(checks)
    }

    private func dryRun(_ client: KubeClient, _ resource: KubeResource, _ object: KubeJSON, namespace: String, call: Call) -> VerifyReport.Check {
        let check = "create \(resource.plural) in '\(namespace)'"
        do {
            _ = try client.createDryRun(resource, namespace: namespace, object)
            return .passed(check, "a server-side dry run of the builder's \(resource.kind) was accepted")
        } catch {
            return .failed(check, error.message, fix: fix(for: error, namespace: namespace))
        }
    }

    private func fix(for error: KubeError, namespace: String) -> String? {
        switch error.kind {
        case .forbidden:
            return "grant the agent's identity create, get, list, watch and delete on jobs, create/delete on secrets and get on pods and pods/log in namespace '\(namespace)' (docs/kaniko.md)"
        case .unauthorized: return "renew the credentials of the kubeconfig context (token, exec plugin) or the service account"
        case .invalid: return "fix kaniko-config: the API server rejects the Job it makes"
        case .notFound: return "create namespace '\(namespace)' or set builder.namespace"
        case .io: return "check that the API server is reachable from the agent (network, proxy, SSL_CERT_FILE holding the cluster CA)"
        default: return nil
        }
    }
}
