/// What the kaniko builder's config decided, validated: everything a build needs besides the request.
///
/// The plugin reads the YAML keys (with the kit's config reader, for did-you-mean) and fills this in;
/// ``KanikoJobConfig`` checks the `kaniko-config` object. Pure values, so tests build manifests directly.
public struct KanikoSettings: Sendable, Equatable {
    /// `build-job-name`: the Job name prefix; the Job is `<prefix>-<job id>` (DNS-1123, at most 63).
    public var buildJobName: String
    /// Where the Job and its Secret are created.
    public var namespace: String
    /// The executor image (`kaniko-image`).
    public var image: String
    /// `kaniko-config`, checked: a Job-shaped object merged under the agent's defaults.
    public var jobConfig: KanikoJobConfig
    /// `build-timeout`: the Job's activeDeadlineSeconds and how long the builder waits.
    public var timeoutSeconds: Int
    /// `context-pvc`: contexts go through a PersistentVolumeClaim instead of an object store.
    public var contextPVC: KanikoContextPVC?
    /// `secret-name` + `secret-key`: cloud credentials from an existing Secret (W&B's meaning).
    public var cloudSecret: KanikoCloudSecret?

    /// The default `kaniko-image`: upstream's last release, pinned (W&B still runs v1.11.0). Upstream was
    /// archived on 2025-06-03 and the maintained fork (chainguard-dev/kaniko) publishes images only to
    /// Chainguard customers, so nothing newer is pullable by everyone; docs/kaniko.md says how to switch.
    public static let defaultImage = "gcr.io/kaniko-project/executor:v1.23.2"
    /// W&B's default `build-job-name`.
    public static let defaultBuildJobName = "wandb-launch-container-build"
    /// W&B's activeDeadlineSeconds for kaniko Jobs.
    public static let defaultTimeoutSeconds = 1800

    public init(buildJobName: String = KanikoSettings.defaultBuildJobName, namespace: String = "default",
                image: String = KanikoSettings.defaultImage, jobConfig: KanikoJobConfig = KanikoJobConfig(),
                timeoutSeconds: Int = KanikoSettings.defaultTimeoutSeconds, contextPVC: KanikoContextPVC? = nil,
                cloudSecret: KanikoCloudSecret? = nil) {
        self.buildJobName = buildJobName
        self.namespace = namespace
        self.image = image
        self.jobConfig = jobConfig
        self.timeoutSeconds = timeoutSeconds
        self.contextPVC = contextPVC
        self.cloudSecret = cloudSecret
    }

    /// How long the Job may run: the user's `spec.activeDeadlineSeconds` from `kaniko-config`, else `build-timeout`.
    public var deadlineSeconds: Int { jobConfig.activeDeadlineSeconds ?? timeoutSeconds }
}

/// `context-pvc`: a PersistentVolumeClaim mounted both in the agent (at ``agentMountPath``) and in the kaniko
/// pod (at `/context`), for clusters without object storage (W&B's CoreWeave path).
public struct KanikoContextPVC: Sendable, Equatable {
    /// The claim's name, in the builder's namespace.
    public var claim: String
    /// Where the same claim is mounted in the agent's own pod (or host).
    public var agentMountPath: String
    /// Where kaniko sees the claim; the context is `tar:///context/<file>`.
    public static let podMountPath = "/context"

    public init(claim: String, agentMountPath: String) {
        self.claim = claim
        self.agentMountPath = agentMountPath
    }
}

/// `secret-name`/`secret-key`: a key of an existing Secret holding cloud credentials, mounted where the
/// cloud's SDK inside kaniko looks (W&B: AWS credentials file, or a GCP service account key).
public struct KanikoCloudSecret: Sendable, Equatable {
    public enum Cloud: String, Sendable { case aws, gcp }
    public var name: String
    public var key: String
    public var cloud: Cloud

    public init(name: String, key: String, cloud: Cloud) {
        self.name = name
        self.key = key
        self.cloud = cloud
    }

    /// Where the key's file lands in the kaniko container, and the variable that points the SDK at it.
    public var mountPath: String { cloud == .aws ? "/root/.aws" : "/kaniko/.config/gcloud" }
    public var fileName: String { cloud == .aws ? "credentials" : "config.json" }
    public var environment: (name: String, value: String) {
        cloud == .aws ? ("AWS_SHARED_CREDENTIALS_FILE", "/root/.aws/credentials")
            : ("GOOGLE_APPLICATION_CREDENTIALS", "/kaniko/.config/gcloud/config.json")
    }
}

/// A problem with a config value, and the JSON pointer (into the create document) of the value at fault.
public struct KanikoConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var pointer: String
    public init(_ message: String, pointer: String) {
        self.message = message
        self.pointer = pointer
    }
    public var description: String { "\(message) (at \(pointer))" }
}
