#if canImport(Glibc)
import Glibc
#endif
import KubeCore
import LaunchAgentPluginKit

/// One `builder.build`: Job (+ push Secret) created, its pod's log streamed, waited for, everything deleted again.
///
/// Order: the Job first, then the Secret with an ownerReference to it (so deleting the Job — by us, or by
/// its ttlSecondsAfterFinished if the agent died — takes the Secret along; until the Secret exists the pod
/// waits in ContainerCreating, as the kubelet retries the mount). Clean-up always runs, also after
/// cancellation (with a call that is not cancelled: the operation's own would stop every request).
struct KanikoBuildRun {
    let builder: KanikoBuilder
    let request: BuildRequest
    let call: Call

    /// What was created, for clean-up.
    private final class Created {
        var job: String?
        var secret: String?
        var contextFile: String?
    }

    func run() throws -> BuildResult {
        guard request.platforms.count <= 1 else {
            throw PluginError(.invalidArgument, "the executor builds one platform per run, and the build asks for \(request.platforms.count) (\(request.platforms.joined(separator: ", "))); set builder.platform to one, or use a builder that makes multi-platform images")
        }
        let client = try builder.client(call)
        var settings = builder.settings
        settings.namespace = builder.namespace ?? client.defaultNamespace
        let jobName = KanikoNames.jobName(prefix: settings.buildJobName, jobID: request.jobID)
        let created = Created()
        do {
            let result = try build(client: client, settings: settings, jobName: jobName, created: created)
            cleanUp(created, namespace: settings.namespace)
            return result
        } catch {
            cleanUp(created, namespace: settings.namespace)
            if call.isCancelled {
                throw PluginError(.cancelled, "the build was cancelled" + (created.job == nil ? "" : "; its Job \(settings.namespace)/\(jobName) was deleted"))
            }
            throw error
        }
    }

    private func build(client: KubeClient, settings: KanikoSettings, jobName: String, created: Created) throws -> BuildResult {
        let namespace = settings.namespace
        let context = try contextArgument(settings: settings, jobName: jobName, created: created)
        let hints = request.raw["environment_hints"]
        let secretName = request.registryAuth.map { _ in KanikoNames.secretName(jobName: jobName) }
        let build = KanikoBuild(jobID: request.jobID, context: context, dockerfile: request.dockerfile, image: request.image,
                                platform: request.platforms.first, buildArgs: request.buildArgs, dockerConfigSecret: secretName,
                                hintEnv: Self.strings(hints?["env"]), hintLabels: Self.strings(hints?["labels"]))
        let manifest = KanikoManifest.job(name: jobName, settings: settings, build: build)

        call.log("creating build Job \(namespace)/\(jobName) (\(settings.image)) for \(request.image)")
        let job = try kube("create the build Job") { () throws(KubeError) in
            try createReplacing(client, .jobs, name: jobName, namespace: namespace, manifest)
        }
        created.job = jobName
        if let auth = request.registryAuth, let secretName {
            var secret = KanikoManifest.dockerConfigSecret(name: secretName, namespace: namespace, jobID: request.jobID,
                                                          server: auth.server, username: auth.username, password: auth.password)
            // The encoded forms carry the password too: should a server message quote them, the host redacts them.
            if let secrets = try? builder.host.secrets() {
                secrets.register(KanikoNames.base64(Array("\(auth.username):\(auth.password)".utf8)))
                if let data = secret["data", ".dockerconfigjson"]?.stringValue { secrets.register(data) }
            }
            if let uid = job["metadata", "uid"]?.stringValue {
                var metadata = secret["metadata"] ?? [:]
                metadata["ownerReferences"] = [["apiVersion": "batch/v1", "kind": "Job", "name": .string(jobName), "uid": .string(uid)]]
                secret["metadata"] = metadata
            }
            _ = try kube("create the push-credentials Secret") { () throws(KubeError) in
                try createReplacing(client, .secrets, name: secretName, namespace: namespace, secret)
            }
            created.secret = secretName
        }
        call.progress(0.1, "build Job created")

        let jobUID = job["metadata", "uid"]?.stringValue
        let followed = try jobUID.flatMap { uid in
            try KanikoLogFollower(client: client, call: call, namespace: namespace, jobName: jobName, jobUID: uid,
                                  deadlineSeconds: settings.deadlineSeconds).run()
        }
        let outcome = try KanikoJobWatch(client: client, call: call, namespace: namespace, name: jobName,
                                         deadlineSeconds: settings.deadlineSeconds).wait()
        let log = copyLogs(client, namespace: namespace, jobUID: jobUID, followed: followed)
        switch outcome {
        case .succeeded:
            call.progress(1, "pushed")
            return BuildResult(image: request.image, digest: KanikoNames.digest(inLog: log.text), pushed: true)
        case .failed(let reason, let message):
            let tail = KanikoNames.tail(log.text).joined(separator: "\n")
            let why = [reason, message].compactMap { $0 }.joined(separator: ": ")
            if reason == "DeadlineExceeded" {
                throw PluginError(.timeout, "the build did not finish within \(settings.deadlineSeconds) s (Job \(namespace)/\(jobName): \(why))\(log.podState.map { "; pod: \($0)" } ?? ""); raise build-timeout or look at the build log\(tail.isEmpty ? "" : ":\n\(tail)")")
            }
            throw PluginError(.io, "the build failed (Job \(namespace)/\(jobName)\(why.isEmpty ? "" : ": \(why)"))\(log.podState.map { "; pod: \($0)" } ?? "")\(tail.isEmpty ? "; the pod left no log" : "; last lines of its log:\n\(tail)")",
                              retryable: false)
        case .timedOut:
            throw PluginError(.timeout, "the build Job \(namespace)/\(jobName) did not finish within \(settings.deadlineSeconds) s plus a minute\(log.podState.map { " (pod: \($0))" } ?? ""); raise build-timeout or check the cluster's capacity")
        case .deleted:
            throw PluginError(.io, "the build Job \(namespace)/\(jobName) was deleted by someone else while it built", retryable: true)
        }
    }

    /// `--context`: the store's URI, or the context copied onto the PVC.
    private func contextArgument(settings: KanikoSettings, jobName: String, created: Created) throws -> String {
        if let uri = request.contextURI, !uri.isEmpty { return uri }
        guard let pvc = settings.contextPVC else {
            throw PluginError(.invalidArgument, "the build came without a context_uri: configure builder.build-context-store so the agent uploads the context where the cluster can read it, or set context-pvc")
        }
        let file = "\(jobName).tar.gz"
        try KanikoPVCContext(host: builder.host, call: call).copy(directory: request.contextDirectory,
                                                                   to: pvc.agentMountPath + "/" + file)
        created.contextFile = pvc.agentMountPath + "/" + file
        return "tar://\(KanikoContextPVC.podMountPath)/\(file)"
    }

    /// Creates `object`; when a leftover of an earlier attempt for the same job holds the name (the agent
    /// died mid-build), deletes it and creates again.
    private func createReplacing(_ client: KubeClient, _ resource: KubeResource, name: String, namespace: String,
                                 _ object: KubeJSON) throws(KubeError) -> KubeJSON {
        do {
            return try client.create(resource, namespace: namespace, object)
        } catch where error.kind == .alreadyExists {
            call.log("replacing \(resource.plural) \(namespace)/\(name) left by an earlier attempt", level: .warning)
            try client.delete(resource, name, namespace: namespace, propagationPolicy: .background)
            for _ in 0..<60 {
                guard try client.getIfExists(resource, name, namespace: namespace) != nil else { break }
                if call.isCancelled { throw KubeError(.cancelled, "cancelled") }
                KubeClock.sleep(seconds: 0.5)
            }
            return try client.create(resource, namespace: namespace, object)
        }
    }

    /// The build pod's log, copied into the job log unless it was streamed already (``KanikoLogFollower``);
    /// returns its text and the pod's state when it did not succeed.
    private func copyLogs(_ client: KubeClient, namespace: String, jobUID: String?,
                          followed: KanikoLogFollower.Followed?) -> (text: String, podState: String?) {
        guard let jobUID else { return (followed?.lines.joined(separator: "\n") ?? "", nil) }
        let pods: [KubeJSON]
        do {
            pods = try client.list(.pods, namespace: namespace, labelSelector: "controller-uid=\(jobUID)").items
        } catch {
            call.log("could not list the build's pods to copy their log: \(error.message)", level: .warning)
            return (followed?.lines.joined(separator: "\n") ?? "", nil)
        }
        // The newest pod is the one that decided the Job's outcome.
        guard let pod = pods.max(by: { ($0["metadata", "creationTimestamp"]?.stringValue ?? "") < ($1["metadata", "creationTimestamp"]?.stringValue ?? "") }),
              let podName = pod["metadata", "name"]?.stringValue else { return (followed?.lines.joined(separator: "\n") ?? "", nil) }
        // The pod that was streamed: only what the stream did not deliver; another pod (a retry): all of it.
        var position = followed?.pod == podName ? followed?.position ?? KubeLogPosition() : KubeLogPosition()
        var lines = followed?.pod == podName ? followed?.lines ?? [] : []
        if followed?.pod == podName, followed?.complete == true {
            return (lines.joined(separator: "\n"), Self.podState(pod))
        }
        do {
            _ = try client.followLogs(pod: podName, namespace: namespace, position: &position, follow: false,
                                      timeoutMilliseconds: 30_000) { line in
                lines.append(line)
                call.log(line)
            }
        } catch {
            call.log("could not read the log of pod \(namespace)/\(podName): \(error)", level: .warning)
        }
        return (lines.joined(separator: "\n"), Self.podState(pod))
    }

    /// "Pending, ImagePullBackOff: …" for a pod that did not succeed, else nil.
    static func podState(_ pod: KubeJSON) -> String? {
        let phase = pod["status", "phase"]?.stringValue ?? "unknown"
        guard phase != "Succeeded" else { return nil }
        let container = pod["status", "containerStatuses"]?.arrayValue?.first
        if let waiting = container?["state", "waiting"], let reason = waiting["reason"]?.stringValue {
            return "\(phase), \(reason)" + (waiting["message"]?.stringValue.map { ": \($0)" } ?? "")
        }
        if let terminated = container?["state", "terminated"], let code = terminated["exitCode"]?.intValue {
            return "\(phase), exit code \(code)"
        }
        return phase
    }

    /// Deletes what this build created. Runs with a call that is never cancelled (each request bounded by
    /// the client's timeout), so a cancelled build leaves nothing behind.
    private func cleanUp(_ created: Created, namespace: String) {
        if let file = created.contextFile { unlink(file) }
        guard created.job != nil || created.secret != nil else { return }
        call.withCleanupCall { cleanupCall in
            guard let client = try? builder.client(cleanupCall) else { return }
            if let job = created.job {
                do { try client.delete(.jobs, job, namespace: namespace, propagationPolicy: .background) } catch {
                    cleanupCall.log("could not delete the build Job \(namespace)/\(job): \(error); delete it by hand (kubectl delete job -n \(namespace) \(job))", level: .warning)
                }
            }
            if let secret = created.secret {
                do { try client.delete(.secrets, secret, namespace: namespace) } catch {
                    cleanupCall.log("could not delete the Secret \(namespace)/\(secret): \(error); delete it by hand", level: .warning)
                }
            }
        }
    }

    /// Runs a client call, turning its error into the builder's (403 → auth naming verb, resource and
    /// namespace; 422 → config, pointing at kaniko-config, with the server's causes).
    private func kube<T>(_ what: String, _ body: () throws(KubeError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.pluginError(error, doing: what)
        }
    }

    static func pluginError(_ error: KubeError, doing what: String) -> PluginError {
        switch error.kind {
        case .invalid where error.resource == KubeResource.jobs.plural:
            // The Job is built from kaniko-config; everything else in it the builder checked itself.
            return PluginError(.config, "could not \(what): \(error.message); fix kaniko-config", pointer: "/config/kaniko-config")
        case .cancelled:
            return PluginError(.cancelled, "the build was cancelled")
        default:
            var mapped = error.pluginError
            mapped.message = "could not \(what): \(error.message)"
            return mapped
        }
    }

    /// An object of strings from a hints member (anything else is ignored).
    static func strings(_ value: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        for (key, item) in value?.objectValue ?? [:] { if let s = item.stringValue { out[key] = s } }
        return out
    }
}
