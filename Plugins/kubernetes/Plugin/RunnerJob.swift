import FoundationEssentials
import KubeCore
import LaunchAgentPluginKit

/// The objects one launch creates: the batch/v1 Job built from `resource_args.kubernetes` (W&B's shape) and
/// the Secrets it references (the job's secret env, the image pull Secret).
///
/// W&B's rules kept: namespace `metadata.namespace` > `namespace` > the runner's > the kube context's >
/// `default`; macros `${image_uri}`, `${run_id}`, `${job_id}`, `${project_name}`, `${entity_name}` in every
/// string; defaults `backoffLimit: 0`, `restartPolicy: Never`; labels `wandb.ai/monitor`, `wandb.ai/run-id`,
/// `wandb.ai/agent`. Differences: the name comes from the job ID (so a repeated launch finds the Job), secret
/// env goes to a Secret per job that is deleted with it, and the pull Secret is deleted too (W&B leaks it).
struct RunnerJob {
    /// Label on everything a launch creates: the (label-safe) job ID, for finding it again.
    static let jobIDLabel = "launch-agent.dev/job-id"
    /// Annotation with the exact job ID (labels cannot hold every ID).
    static let jobIDAnnotation = "launch-agent.dev/job-id"
    /// Set on the Job by `cancel` before deleting it, so a watch seeing it go reports `cancelled`.
    static let cancelledAnnotation = "launch-agent.dev/cancelled"

    var namespace: String
    var name: String
    var job: KubeJSON
    /// Created before the Job (so pods never wait for them), then owned by it.
    var secrets: [KubeJSON]

    /// Env names whose values go to a Secret instead of the pod spec.
    static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"].contains { upper.contains($0) }
    }

    /// `launch-<job id>` when the ID is already a DNS-1123 label, else a cleaned prefix plus a hash of the ID,
    /// at most 63 characters (Job names become pod labels).
    static func name(forJobID id: String) -> String {
        let cleaned = labelSafe(id.lowercased(), allowed: { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" })
        if cleaned == id, cleaned.count <= 56, !cleaned.isEmpty { return "launch-\(cleaned)" }
        return "launch-\(cleaned.prefix(46))-\(hash(id))".replacing("--", with: "-")
    }

    /// The job ID as a label value (≤ 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends).
    static func labelValue(forJobID id: String) -> String {
        let cleaned = labelSafe(id, allowed: { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        if cleaned == id, cleaned.count <= 63 { return cleaned }
        return "\(cleaned.prefix(46))-\(hash(id))"
    }

    private static func labelSafe(_ s: String, allowed: (Character) -> Bool) -> String {
        var out = String(s.map { allowed($0) ? $0 : "-" })
        while let f = out.first, !(f.isLetter || f.isNumber) { out.removeFirst() }
        while let l = out.last, !(l.isLetter || l.isNumber) { out.removeLast() }
        return out
    }

    /// 16 hex digits of FNV-1a over the ID: stable across agents and restarts.
    static func hash(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Builds the objects for `request`. Errors are `.invalidArgument` naming the path under `resource_args`.
    static func build(_ request: LaunchRequest, defaultNamespace: String, secure: Bool) throws -> RunnerJob {
        var args = KubeJSON(request.resourceArgs)
        if let section = args["kubernetes"] { args = section }
        var path = "resource_args.kubernetes"
        if args == .null { args = [:] }
        guard case .object(let top) = args else {
            throw PluginError(.invalidArgument, "\(path) must be an object (a batch/v1 Job manifest or its spec), got \(args.typeDescription)")
        }
        // A Job manifest ({apiVersion, kind, metadata, spec}, plus W&B's `namespace`), or just its spec.
        var manifest: KubeJSON
        let manifestKeys: Set<String> = ["apiVersion", "kind", "metadata", "spec", "namespace"]
        if top.isEmpty || top.keys.contains(where: { manifestKeys.contains($0) }) {
            if let unknown = top.keys.sorted().first(where: { !manifestKeys.contains($0) }) {
                throw PluginError(.invalidArgument, "\(path).\(unknown) is not a Job manifest key (apiVersion, kind, metadata, spec, namespace); put Job spec keys under spec")
            }
            manifest = args
        } else {
            manifest = ["spec": args]
        }
        if let v = manifest["apiVersion"]?.stringValue, v != "batch/v1" {
            throw PluginError(.invalidArgument, "\(path).apiVersion is '\(v)': this runner creates batch/v1 Jobs only")
        }
        if let k = manifest["kind"]?.stringValue, k != "Job" {
            throw PluginError(.invalidArgument, "\(path).kind is '\(k)': this runner creates Jobs only")
        }
        let hadSpec = manifest["spec"] != nil
        if hadSpec { path += ".spec" }

        // Macros, as W&B expands them.
        let env = request.env
        let macros: [String: String] = [
            "image_uri": request.image ?? "", "job_id": request.jobID, "run_id": env["WANDB_RUN_ID"] ?? "",
            "project_name": env["WANDB_PROJECT"] ?? "", "entity_name": env["WANDB_ENTITY"] ?? "",
        ]
        manifest = expand(manifest, macros)

        let namespace = manifest["metadata", "namespace"]?.stringValue ?? manifest["namespace"]?.stringValue ?? defaultNamespace
        let name = Self.name(forJobID: request.jobID)
        let label = labelValue(forJobID: request.jobID)
        let hints = KubeJSON(request.raw["environment_hints"] ?? .null)

        // Metadata: our name and labels; the submitter's labels and annotations kept.
        var metadata = manifest["metadata"] ?? [:]
        guard case .object = metadata else { throw PluginError(.invalidArgument, "resource_args.kubernetes.metadata must be an object") }
        metadata["name"] = .string(name)
        metadata["generateName"] = nil
        metadata["namespace"] = .string(namespace)
        var labels = (metadata["labels"] ?? [:]).merging(hints["labels"] ?? [:])
        labels[jobIDLabel] = .string(label)
        labels["app.kubernetes.io/managed-by"] = "launch-agent"
        labels["wandb.ai/monitor"] = "true"
        labels["wandb.ai/agent"] = "launch-agent"
        if let run = env["WANDB_RUN_ID"], !run.isEmpty { labels["wandb.ai/run-id"] = .string(labelValue(forJobID: run)) }
        metadata["labels"] = labels
        var annotations = metadata["annotations"] ?? [:]
        annotations[jobIDAnnotation] = .string(request.jobID)
        metadata["annotations"] = annotations

        var spec = manifest["spec"] ?? [:]
        guard case .object = spec else { throw PluginError(.invalidArgument, "\(path) must be an object (a Job spec)") }
        if spec["backoffLimit"] == nil { spec["backoffLimit"] = 0 }
        // Kept long enough for a restarted agent to read how the Job ended (W&B deletes after 60 s).
        if spec["ttlSecondsAfterFinished"] == nil { spec["ttlSecondsAfterFinished"] = 3600 }
        var template = spec["template"] ?? [:]
        var templateMetadata = template["metadata"] ?? [:]
        var templateLabels = (templateMetadata["labels"] ?? [:]).merging(hints["labels"] ?? [:])
        templateLabels[jobIDLabel] = .string(label)
        templateLabels["wandb.ai/monitor"] = "true"
        templateMetadata["labels"] = templateLabels
        template["metadata"] = templateMetadata
        var pod = template["spec"] ?? [:]
        if pod["restartPolicy"] == nil { pod["restartPolicy"] = "Never" }

        // The main container: the first one, or one named `launch`.
        var containers = pod["containers"]?.arrayValue ?? []
        if containers.isEmpty { containers = [["name": "launch"]] }
        var main = containers[0]
        if main["name"] == nil { main["name"] = "launch" }
        if main["image"] == nil || main["image"] == "" {
            guard let image = request.image else {
                throw PluginError(.invalidArgument, "the job has no image and \(path).template.spec.containers[0].image is not set")
            }
            main["image"] = .string(image)
        }
        if !request.entryPoint.isEmpty && main["command"] == nil { main["command"] = .array(request.entryPoint.map { .string($0) }) }
        if !request.args.isEmpty && main["args"] == nil { main["args"] = .array(request.args.map { .string($0) }) }
        if let workdir = request.workdir, main["workingDir"] == nil, workdir.hasPrefix("/") { main["workingDir"] = .string(workdir) }

        // Env: the submitter's container env wins, then the job's, then the environment component's hints.
        var secrets: [KubeJSON] = []
        var envList = main["env"]?.arrayValue ?? []
        let present = Set(envList.compactMap { $0["name"]?.stringValue })
        var secretData: [String: KubeJSON] = [:]
        let envSecretName = "\(name.prefix(57))-env"
        for (key, value) in env.sorted(by: { $0.key < $1.key }) where !present.contains(key) {
            if isSecretName(key) {
                secretData[key] = .string(Data(value.utf8).base64EncodedString())
                envList.append(["name": .string(key), "valueFrom": ["secretKeyRef": ["name": .string(envSecretName), "key": .string(key)]]])
            } else {
                envList.append(["name": .string(key), "value": .string(value)])
            }
        }
        for (key, value) in (hints["env"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
            where !present.contains(key) && env[key] == nil {
            envList.append(["name": .string(key), "value": value])
        }
        if !envList.isEmpty { main["env"] = .array(envList) }
        containers[0] = main
        pod["containers"] = .array(containers)
        if !secretData.isEmpty {
            secrets.append(secret(name: envSecretName, namespace: namespace, label: label, type: "Opaque", data: .object(secretData)))
        }

        // The image pull Secret for the registry of the image.
        if let auth = request.raw["registry_auth"], let server = auth["server"]?.stringValue,
           let user = auth["username"]?.stringValue, let password = auth["password"]?.stringValue {
            let pullName = "\(name.prefix(56))-pull"
            let basic = Data("\(user):\(password)".utf8).base64EncodedString()
            let config: KubeJSON = ["auths": [server: ["username": .string(user), "password": .string(password), "auth": .string(basic)]]]
            secrets.append(secret(name: pullName, namespace: namespace, label: label, type: "kubernetes.io/dockerconfigjson",
                                  data: [".dockerconfigjson": .string(Data(config.serializedBytes).base64EncodedString())]))
            var pulls = pod["imagePullSecrets"]?.arrayValue ?? []
            pulls.append(["name": .string(pullName)])
            pod["imagePullSecrets"] = .array(pulls)
        }

        template["spec"] = pod
        spec["template"] = template
        if secure { try refuseUnsafe(pod, at: "\(path).template.spec") }
        let job: KubeJSON = ["apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": spec]
        return RunnerJob(namespace: namespace, name: name, job: job, secrets: secrets)
    }

    static func secret(name: String, namespace: String, label: String, type: String, data: KubeJSON) -> KubeJSON {
        ["apiVersion": "v1", "kind": "Secret", "type": .string(type), "data": data,
         "metadata": ["name": .string(name), "namespace": .string(namespace),
                      "labels": [jobIDLabel: .string(label), "app.kubernetes.io/managed-by": "launch-agent"]]]
    }

    /// `${name}` replaced in every string of `value` (unknown macros are left as they are).
    static func expand(_ value: KubeJSON, _ macros: [String: String]) -> KubeJSON {
        switch value {
        case .string(let s):
            guard s.contains("${") else { return value }
            var out = s
            for (k, v) in macros { out = out.replacing("${\(k)}", with: v) }
            return .string(out)
        case .array(let a): return .array(a.map { expand($0, macros) })
        case .object(let o): return .object(o.mapValues { expand($0, macros) })
        default: return value
        }
    }

    /// Secure mode: the pod must not reach into the node. Names the first offending field.
    static func refuseUnsafe(_ pod: KubeJSON, at path: String) throws {
        func refuse(_ field: String, _ why: String) -> PluginError {
            PluginError(.invalidArgument, "\(path).\(field) is refused in secure mode (\(why)); ask the agent's operator to set `secure: false` for this runner if the job really needs it")
        }
        for key in ["hostPID", "hostIPC", "hostNetwork"] where pod[key] == .bool(true) {
            throw refuse(key, "it shares the node's \(key.dropFirst(4)) namespace")
        }
        for (i, volume) in (pod["volumes"]?.arrayValue ?? []).enumerated() where volume["hostPath"] != nil {
            throw refuse("volumes[\(i)].hostPath", "it mounts the node's file system")
        }
        if pod["securityContext", "privileged"] == .bool(true) { throw refuse("securityContext.privileged", "privileged") }
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for (i, c) in (pod[list]?.arrayValue ?? []).enumerated() {
                let base = "\(list)[\(i)].securityContext"
                if c["securityContext", "privileged"] == .bool(true) { throw refuse("\(base).privileged", "a privileged container controls the node") }
                if c["securityContext", "allowPrivilegeEscalation"] == .bool(true) {
                    throw refuse("\(base).allowPrivilegeEscalation", "it lets the process gain more privileges than it started with")
                }
                if let added = c["securityContext", "capabilities", "add"]?.arrayValue, !added.isEmpty {
                    let names = added.compactMap(\.stringValue).joined(separator: ", ")
                    throw refuse("\(base).capabilities.add", "added capabilities: \(names)")
                }
            }
        }
    }
}

extension KubeJSON {
    /// The kit's JSON as KubeCore's.
    init(_ value: JSONValue) {
        self = (try? KubeJSON(parsing: value.serialized)) ?? .null
    }
}

extension JSONValue {
    /// KubeCore's JSON as the kit's.
    init(_ value: KubeJSON) {
        self = (try? JSONValue(parsing: value.serialized)) ?? .null
    }
}
