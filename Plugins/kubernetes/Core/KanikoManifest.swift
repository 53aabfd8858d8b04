/// One kaniko build as Kubernetes objects: the Job, and the Secret holding the push credentials.
///
/// Pure: the same settings and build give the same manifests, so tests check them without a cluster.
/// The merge with `kaniko-config` (W&B's rules, minus its bugs):
/// - the user's object is the base; the agent sets the name, namespace, its labels, and fills the defaults
///   (`backoffLimit: 0`, `activeDeadlineSeconds`, `restartPolicy: Never`, container name and image) only
///   where the user left them out;
/// - args: the agent's defaults, then each user `--flag=value` replaces the agent's flag of the same name in
///   place (`--build-arg=NAME=…` replaces the build arg NAME) or is appended;
/// - env: the agent's (environment hints, credential paths) first, the user's after; on the same name the
///   user's wins;
/// - volumes and volumeMounts: the user's are kept; a user volume with the name of one of ours replaces it,
///   and a user mount at the same mountPath as ours replaces ours.
public struct KanikoBuild: Sendable {
    public var jobID: String
    /// The `--context` value: `s3://…`, `gs://…`, `https://…blob…`, or `tar:///context/<file>`.
    public var context: String
    public var dockerfile: String
    /// The destination `registry/repository:tag`.
    public var image: String
    /// The one platform (kaniko builds one per run).
    public var platform: String?
    public var buildArgs: [String: String]
    /// The name of the dockerconfigjson Secret to mount at /kaniko/.docker, when the push needs credentials.
    public var dockerConfigSecret: String?
    /// Environment hints (`AWS_REGION`, …) and pod labels from the environment component.
    public var hintEnv: [String: String]
    public var hintLabels: [String: String]

    public init(jobID: String, context: String, dockerfile: String = "Dockerfile", image: String, platform: String? = nil,
                buildArgs: [String: String] = [:], dockerConfigSecret: String? = nil,
                hintEnv: [String: String] = [:], hintLabels: [String: String] = [:]) {
        self.jobID = jobID
        self.context = context
        self.dockerfile = dockerfile
        self.image = image
        self.platform = platform
        self.buildArgs = buildArgs
        self.dockerConfigSecret = dockerConfigSecret
        self.hintEnv = hintEnv
        self.hintLabels = hintLabels
    }
}

public enum KanikoManifest {
    /// Labels on everything the builder creates, so `kubectl get jobs,secrets -l app.kubernetes.io/managed-by=launch-agent`
    /// finds leftovers.
    public static func labels(jobID: String) -> [String: KubeJSON] {
        ["app.kubernetes.io/managed-by": "launch-agent", "app.kubernetes.io/component": "kaniko-build",
         "launch-agent/job-id": .string(KanikoNames.labelValue(jobID))]
    }

    /// Volume names the agent uses (a user volume of the same name replaces ours).
    public static let dockerConfigVolume = "launch-agent-docker-config"
    public static let contextVolume = "launch-agent-context"
    public static let cloudSecretVolume = "launch-agent-cloud-credentials"

    /// The Job for `build`, named `name`.
    public static func job(name: String, settings: KanikoSettings, build: KanikoBuild) -> KubeJSON {
        var job = settings.jobConfig.raw
        job["apiVersion"] = "batch/v1"
        job["kind"] = "Job"
        var metadata = job["metadata"] ?? [:]
        metadata["name"] = .string(name)
        metadata["namespace"] = .string(settings.namespace)
        metadata["labels"] = .object((metadata["labels"]?.objectValue ?? [:]).merging(labels(jobID: build.jobID)) { $1 })
        job["metadata"] = metadata

        var spec = job["spec"] ?? [:]
        if spec["backoffLimit"] == nil { spec["backoffLimit"] = 0 }
        spec["activeDeadlineSeconds"] = .int(Int64(settings.deadlineSeconds))
        // If the agent dies mid-build, the cluster still removes the finished Job (and with it the Secret,
        // which it owns) instead of keeping it forever.
        if spec["ttlSecondsAfterFinished"] == nil { spec["ttlSecondsAfterFinished"] = 3600 }

        var template = spec["template"] ?? [:]
        var templateMeta = template["metadata"] ?? [:]
        var podLabels = templateMeta["labels"]?.objectValue ?? [:]
        for (key, value) in build.hintLabels where podLabels[key] == nil { podLabels[key] = .string(value) }
        podLabels.merge(labels(jobID: build.jobID)) { $1 }
        templateMeta["labels"] = .object(podLabels)
        template["metadata"] = templateMeta

        var pod = template["spec"] ?? [:]
        if pod["restartPolicy"] == nil { pod["restartPolicy"] = "Never" }
        let userContainer = pod["containers"]?.arrayValue?.first ?? [:]
        let (volumes, mounts) = agentVolumes(settings: settings, build: build)
        pod["volumes"] = mergeByKey(agent: volumes, user: pod["volumes"]?.arrayValue ?? [], key: "name")
        if pod["volumes"]?.arrayValue?.isEmpty == true { pod["volumes"] = nil }
        pod["containers"] = [container(userContainer, settings: settings, build: build, mounts: mounts)]
        template["spec"] = pod
        spec["template"] = template
        job["spec"] = spec
        return job
    }

    /// The args the agent passes kaniko, before the user's.
    public static func defaultArgs(_ build: KanikoBuild) -> [(flag: String, value: String)] {
        let repository = KanikoNames.repository(of: build.image)
        var args: [(String, String)] = [
            ("--context", build.context),
            ("--dockerfile", build.dockerfile),
            ("--destination", KanikoNames.withoutScheme(build.image)),
            ("--cache", "true"),
            ("--cache-repo", KanikoNames.withoutScheme(repository)),
            ("--snapshot-mode", "redo"),
            ("--compressed-caching", "false"),
        ]
        if let platform = build.platform { args.append(("--custom-platform", platform)) }
        for (key, value) in build.buildArgs.sorted(by: { $0.key < $1.key }) { args.append(("--build-arg", "\(key)=\(value)")) }
        return args
    }

    /// ``defaultArgs(_:)`` with the user's args merged in (see the type's rules), as `--flag=value` strings.
    public static func mergedArgs(_ build: KanikoBuild, user: [(flag: String, value: String)]) -> [String] {
        var args = defaultArgs(build)
        for (flag, value) in user {
            if flag == "--build-arg" {
                let name = value.split(separator: "=", maxSplits: 1).first.map(String.init) ?? value
                if let i = args.firstIndex(where: { $0.flag == "--build-arg" && $0.value.split(separator: "=", maxSplits: 1).first.map(String.init) == name }) {
                    args[i].value = value
                } else {
                    args.append((flag, value))
                }
            } else if !repeatableFlags.contains(flag), let i = args.firstIndex(where: { $0.flag == flag }) {
                args[i].value = value
            } else {
                args.append((flag, value))
            }
        }
        return args.map { "\($0.flag)=\($0.value)" }
    }

    /// Kaniko flags that may be given several times (a user value adds rather than replaces).
    static let repeatableFlags: Set<String> = ["--label", "--registry-mirror", "--insecure-registry",
                                               "--skip-tls-verify-registry", "--registry-map", "--registry-certificate",
                                               "--ignore-path", "--build-arg"]

    private static func container(_ user: KubeJSON, settings: KanikoSettings, build: KanikoBuild, mounts: [KubeJSON]) -> KubeJSON {
        var c = user
        if c["name"] == nil { c["name"] = "kaniko" }
        if c["image"] == nil { c["image"] = .string(settings.image) }
        c["args"] = .array(mergedArgs(build, user: settings.jobConfig.args).map(KubeJSON.string))
        var env: [KubeJSON] = build.hintEnv.sorted(by: { $0.key < $1.key }).map { ["name": .string($0.key), "value": .string($0.value)] }
        if let secret = settings.cloudSecret {
            env.append(["name": .string(secret.environment.name), "value": .string(secret.environment.value)])
        }
        c["env"] = mergeByKey(agent: env, user: c["env"]?.arrayValue ?? [], key: "name")
        if c["env"]?.arrayValue?.isEmpty == true { c["env"] = nil }
        c["volumeMounts"] = mergeByKey(agent: mounts, user: c["volumeMounts"]?.arrayValue ?? [], key: "mountPath")
        if c["volumeMounts"]?.arrayValue?.isEmpty == true { c["volumeMounts"] = nil }
        return c
    }

    /// The volumes and mounts the build needs: push credentials, the PVC context, cloud credentials.
    private static func agentVolumes(settings: KanikoSettings, build: KanikoBuild) -> ([KubeJSON], [KubeJSON]) {
        var volumes: [KubeJSON] = []
        var mounts: [KubeJSON] = []
        if let secret = build.dockerConfigSecret {
            volumes.append(["name": .string(dockerConfigVolume), "secret": [
                "secretName": .string(secret), "items": [["key": ".dockerconfigjson", "path": "config.json"]]]])
            mounts.append(["name": .string(dockerConfigVolume), "mountPath": "/kaniko/.docker", "readOnly": true])
        }
        if let pvc = settings.contextPVC {
            volumes.append(["name": .string(contextVolume),
                            "persistentVolumeClaim": ["claimName": .string(pvc.claim), "readOnly": true]])
            mounts.append(["name": .string(contextVolume), "mountPath": .string(KanikoContextPVC.podMountPath), "readOnly": true])
        }
        if let secret = settings.cloudSecret {
            volumes.append(["name": .string(cloudSecretVolume), "secret": [
                "secretName": .string(secret.name), "items": [["key": .string(secret.key), "path": .string(secret.fileName)]]]])
            mounts.append(["name": .string(cloudSecretVolume), "mountPath": .string(secret.mountPath), "readOnly": true])
        }
        return (volumes, mounts)
    }

    /// The agent's entries, then the user's; a user entry with the same `key` replaces the agent's in place.
    static func mergeByKey(agent: [KubeJSON], user: [KubeJSON], key: String) -> KubeJSON {
        var out = agent
        for entry in user {
            if let id = entry[key], let i = out.firstIndex(where: { $0[key] == id }), i < agent.count {
                out[i] = entry
            } else {
                out.append(entry)
            }
        }
        return .array(out)
    }

    /// The Secret (type kubernetes.io/dockerconfigjson) with push credentials for `server`, mounted by the Job
    /// at /kaniko/.docker/config.json. Never a ConfigMap: W&B put the same document in a ConfigMap.
    public static func dockerConfigSecret(name: String, namespace: String, jobID: String, server: String,
                                          username: String, password: String) -> KubeJSON {
        let auth = KanikoNames.base64(Array("\(username):\(password)".utf8))
        let config: KubeJSON = ["auths": .object([server: ["auth": .string(auth)]])]
        return ["apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .object(labels(jobID: jobID))],
                "data": [".dockerconfigjson": .string(KanikoNames.base64(config.serializedBytes))]]
    }
}
