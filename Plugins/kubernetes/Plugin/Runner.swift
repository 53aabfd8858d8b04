import KubeCore
import LaunchAgentPluginKit
import Synchronization

/// Runner `kubernetes`: each launch is a batch/v1 Job (``RunnerJob``), followed by watches with
/// resourceVersion, its pods' logs copied into the job log.
///
/// Config (all optional): `kubeconfig` (a file; default KUBECONFIG, ~/.kube/config, then in-cluster),
/// `context`, `namespace` (when the job names none; default the context's), `secure` (default true: refuse
/// pods that reach into the node; W&B's top-level `secure_mode: true` forces it). Thread-safe (`concurrent: true`): every operation builds its own
/// request state; the shared parts (connection, the cancelled set) are locked.
final class KubernetesRunner: Runner, Sendable {
    let connection: KubeConnection
    let namespace: String?
    let secure: Bool
    /// Handles cancelled by this process, so a watch in another thread reports `cancelled`, not `lost`. Per
    /// process, not per instance: the agent may cancel through another instance than the one watching.
    static let cancelledHandles = Mutex<Set<String>>([])

    init(_ context: ComponentContext) throws {
        var config = context.config
        let kubeconfig: String? = try config.optional("kubeconfig")
        let kubeContext: String? = try config.optional("context")
        namespace = try config.optional("namespace")
        let configured: Bool? = try config.optional("secure")
        try config.rejectUnknownKeys()
        // W&B's `secure_mode: true` (settings) forces it on; the runner's own `secure` defaults to on as well.
        let secureMode = context.document["settings"]?["secure_mode"]?.boolValue == true
        if secureMode && configured == false {
            throw PluginError(.config, "secure: false contradicts secure_mode: true in this config; remove one of them",
                              pointer: config.pointer(to: "secure"))
        }
        secure = secureMode || (configured ?? true)
        connection = KubeConnection(host: context.host, kubeconfig: kubeconfig, context: kubeContext)
    }

    func verify(_ call: Call) throws -> VerifyReport {
        let client: KubeClient
        switch Result(catching: { try connection.client(call) }) {
        case .success(let c): client = c
        case .failure(let error):
            let message = (error as? PluginError)?.message ?? "\(error)"
            return VerifyReport([.failed("cluster configuration", message,
                                         fix: "point KUBECONFIG at a kubeconfig, or run the agent in a pod with a service account")])
        }
        let ns = namespace ?? client.defaultNamespace
        var checks: [VerifyReport.Check] = [.passed("cluster configuration", "\(client.config.source), server \(client.config.server)")]
        switch Result(catching: { try client.list(.jobs, namespace: ns, labelSelector: RunnerJob.jobIDLabel) }) {
        case .success: checks.append(.passed("list jobs", "namespace '\(ns)'"))
        case .failure(let error):
            let message = (error as? KubeError)?.message ?? "\(error)"
            checks.append(.failed("list jobs", message, fix: "grant the Role in docs/kubernetes.md in namespace '\(ns)'"))
        }
        return VerifyReport(checks)
    }

    // MARK: launch

    func launch(_ request: LaunchRequest, _ call: Call) throws -> LaunchResult {
        let client = try connection.client(call)
        let planned = try RunnerJob.build(request, defaultNamespace: namespace ?? client.defaultNamespace, secure: secure)
        if let password = request.raw["registry_auth"]?["password"]?.stringValue { connection.register(password) }
        for (key, value) in request.env where RunnerJob.isSecretName(key) { connection.register(value) }
        // A Job for this job ID already (the agent died before persisting the handle): adopt it.
        if let existing = try findJob(client, planned, jobID: request.jobID) {
            call.log("job \(planned.namespace)/\(planned.name) exists already; following it")
            return LaunchResult(handle: handle(existing, planned))
        }
        for secret in planned.secrets {
            let _: KubeJSON? = try Self.kube { try client.create(.secrets, namespace: planned.namespace, secret) } ifExists: { nil }
        }
        let made: KubeJSON?
        do {
            made = try Self.kube { try client.create(.jobs, namespace: planned.namespace, planned.job) } ifExists: { nil }
        } catch {
            // The Job was refused (422 from the submitter's spec, 403): the Secrets made for it must not stay.
            for secret in planned.secrets {
                if let name = secret["metadata", "name"]?.stringValue { _ = try? client.delete(.secrets, name, namespace: planned.namespace) }
            }
            throw error
        }
        guard let created = made else {
            // Created meanwhile by another launch of the same job ID (or taken by another job's Job).
            guard let existing = try findJob(client, planned, jobID: request.jobID) else {
                throw PluginError(.conflict, "job \(planned.namespace)/\(planned.name) was deleted while it was being created; launch again")
            }
            return LaunchResult(handle: handle(existing, planned))
        }
        // The Secrets go with the Job (the garbage collector deletes them when the Job is deleted).
        if let uid = created["metadata", "uid"]?.stringValue {
            let owner: KubeJSON = ["metadata": ["ownerReferences": [[
                "apiVersion": "batch/v1", "kind": "Job", "name": .string(planned.name), "uid": .string(uid),
            ]]]]
            for secret in planned.secrets {
                guard let name = secret["metadata", "name"]?.stringValue else { continue }
                _ = try Self.kube { try client.patch(.secrets, name, namespace: planned.namespace, mergePatch: owner) }
            }
        }
        call.log("created job \(planned.namespace)/\(planned.name)")
        return LaunchResult(handle: handle(created, planned))
    }

    /// Runs one KubeCore call, mapping its error to the plugin's; `ifExists` answers a 409 AlreadyExists.
    static func kube<T>(_ body: () throws -> T, ifExists: (() -> T)? = nil) throws -> T {
        do {
            return try body()
        } catch let error as KubeError {
            if error.kind == .alreadyExists, let ifExists { return ifExists() }
            throw error.pluginError
        }
    }

    /// The Job named for this job ID, if it is ours (annotation = the exact job ID); throws `.conflict` when the
    /// name is taken by another job's Job.
    func findJob(_ client: KubeClient, _ planned: RunnerJob, jobID: String) throws -> KubeJSON? {
        guard let job = try Self.kube({ try client.getIfExists(.jobs, planned.name, namespace: planned.namespace) }) else { return nil }
        guard job["metadata", "annotations", RunnerJob.jobIDAnnotation]?.stringValue == jobID else {
            throw PluginError(.conflict, "job \(planned.namespace)/\(planned.name) exists but was not created for job ID '\(jobID)'; delete it or submit under another ID")
        }
        return job
    }

    /// `{"namespace", "job", "uid", "secrets": [names]}`: the Secret names (never their values) so cleanup
    /// deletes exactly what was made.
    /// The names come from the Job itself (what its pods reference), so an adopted Job's handle is right too.
    func handle(_ job: KubeJSON, _ planned: RunnerJob) -> JSONValue {
        let ours = [planned.name.prefix(57) + "-env", planned.name.prefix(56) + "-pull"].map(String.init)
        let pod = job["spec", "template", "spec"]
        var referenced = (pod?["imagePullSecrets"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        for container in pod?["containers"]?.arrayValue ?? [] {
            for env in container["env"]?.arrayValue ?? [] {
                if let name = env["valueFrom", "secretKeyRef", "name"]?.stringValue { referenced.append(name) }
            }
        }
        let secrets = ours.filter { referenced.contains($0) }
        var members: [String: JSONValue] = ["namespace": .string(planned.namespace), "job": .string(planned.name),
                                            "secrets": .array(secrets.map { .string($0) })]
        if let uid = job["metadata", "uid"]?.stringValue { members["uid"] = .string(uid) }
        return .object(members)
    }

    // MARK: cancel

    func cancel(_ request: CancelRequest, _ call: Call) throws {
        let handle = try RunnerHandle(request.handle)
        Self.cancelledHandles.withLock { _ = $0.insert(handle.key) }
        let client = try connection.client(call)
        // Marked first, so a watch elsewhere (another agent) that sees the Job go reports `cancelled`.
        if try Self.kube({ try client.getIfExists(.jobs, handle.job, namespace: handle.namespace) }) != nil {
            let mark: KubeJSON = ["metadata": ["annotations": [RunnerJob.cancelledAnnotation: "true"]]]
            _ = try? client.patch(.jobs, handle.job, namespace: handle.namespace, mergePatch: mark)
            if try Self.kube({ try client.delete(.jobs, handle.job, namespace: handle.namespace, propagationPolicy: .background) }) {
                call.log("deleted job \(handle.key)")
            }
        }
        try deleteSecrets(client, handle)
    }

    /// Deletes the Secrets a launch created for this Job (their ownerReference would too, later).
    func deleteSecrets(_ client: KubeClient, _ handle: RunnerHandle) throws {
        let names = handle.secrets ?? [handle.job.prefix(57) + "-env", handle.job.prefix(56) + "-pull"].map(String.init)
        for name in names {
            _ = try Self.kube { try client.delete(.secrets, name, namespace: handle.namespace) }
        }
    }
}

/// What `launch` returned: `{"namespace", "job", "uid"?, "secrets"?}`.
struct RunnerHandle {
    var namespace: String
    var job: String
    var uid: String?
    /// The Secrets the launch made; nil for a handle without the list (then both possible names are tried).
    var secrets: [String]?

    init(_ json: JSONValue) throws {
        guard let ns = json["namespace"]?.stringValue, let job = json["job"]?.stringValue, !ns.isEmpty, !job.isEmpty else {
            throw PluginError(.invalidArgument, "not a handle of this runner (expected {\"namespace\", \"job\"}): \(json.serialized)")
        }
        namespace = ns
        self.job = job
        uid = json["uid"]?.stringValue
        secrets = json["secrets"]?.arrayValue?.compactMap(\.stringValue)
    }

    var key: String { "\(namespace)/\(job)" }
}
