import KubeCore
import Testing

/// The kaniko Job and Secret the builder creates, built without a cluster: the merge with `kaniko-config`
/// (the seed's example first), the errors with their JSON pointers, names, and the log parsing.
@Suite struct KanikoManifestTests {
    /// The seed's example, as YAML → JSON gives it.
    static let seedConfig: KubeJSON = ["spec": ["template": ["spec": ["containers": [[
        "args": ["--cache=false"],
        "env": [["name": "MY_ENV_VAR", "value": "my-env-var-value"]],
    ]]]]]]

    static func build(_ extra: (inout KanikoBuild) -> Void = { _ in }) -> KanikoBuild {
        var b = KanikoBuild(jobID: "q-7f3a2c", context: "s3://ctx/agent/5d1e.tar.gz", dockerfile: "Dockerfile.wandb",
                            image: "https://registry.example:5000/team/app:5d1e0c9a", platform: "linux/amd64",
                            buildArgs: ["PYTHON_VERSION": "3.11"], dockerConfigSecret: "push-secret",
                            hintEnv: ["AWS_REGION": "us-east-1"], hintLabels: ["azure.workload.identity/use": "true"])
        extra(&b)
        return b
    }

    static func container(_ job: KubeJSON) -> KubeJSON {
        job["spec", "template", "spec", "containers"]?.arrayValue?.first ?? .null
    }

    static func args(_ job: KubeJSON) -> [String] { container(job)["args"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    static func env(_ job: KubeJSON) -> [String: String] {
        var out: [String: String] = [:]
        for e in container(job)["env"]?.arrayValue ?? [] { out[e["name"]?.stringValue ?? ""] = e["value"]?.stringValue }
        return out
    }

    @Test func theSeedsExampleLandsInTheJob() throws {
        let settings = KanikoSettings(buildJobName: "wandb-image-build", namespace: "wandb",
                                      jobConfig: try KanikoJobConfig(Self.seedConfig))
        let job = KanikoManifest.job(name: "wandb-image-build-q-7f3a2c", settings: settings, build: Self.build())
        let args = Self.args(job)
        // The user's --cache=false replaces the agent's --cache=true in place; nothing else of ours is lost.
        #expect(args == ["--context=s3://ctx/agent/5d1e.tar.gz", "--dockerfile=Dockerfile.wandb",
                         "--destination=registry.example:5000/team/app:5d1e0c9a", "--cache=false",
                         "--cache-repo=registry.example:5000/team/app", "--snapshot-mode=redo", "--compressed-caching=false",
                         "--custom-platform=linux/amd64", "--build-arg=PYTHON_VERSION=3.11"])
        #expect(Self.env(job) == ["MY_ENV_VAR": "my-env-var-value", "AWS_REGION": "us-east-1"])
        #expect(job["metadata", "name"] == "wandb-image-build-q-7f3a2c")
        #expect(job["metadata", "namespace"] == "wandb")
        #expect(job["spec", "backoffLimit"] == 0)
        #expect(job["spec", "activeDeadlineSeconds"] == 1800)
        #expect(job["spec", "template", "spec", "restartPolicy"] == "Never")
        let c = Self.container(job)
        #expect(c["name"] == "kaniko")
        #expect(c["image"] == .string(KanikoSettings.defaultImage))
        #expect(job["spec", "template", "metadata", "labels", "azure.workload.identity/use"] == "true")
        #expect(job["spec", "template", "metadata", "labels", "launch-agent/job-id"] == "q-7f3a2c")
        // Push credentials: the Secret's dockerconfigjson as /kaniko/.docker/config.json, read-only.
        #expect(job["spec", "template", "spec", "volumes"] == [["name": "launch-agent-docker-config", "secret": [
            "secretName": "push-secret", "items": [["key": ".dockerconfigjson", "path": "config.json"]]]]])
        #expect(c["volumeMounts"] == [["name": "launch-agent-docker-config", "mountPath": "/kaniko/.docker", "readOnly": true]])
    }

    @Test func anArgNotInKeyValueFormIsAConfigErrorAtItsIndex() {
        let config: KubeJSON = ["spec": ["template": ["spec": ["containers": [["args": ["--cache=false", "--verbosity"]]]]]]]
        #expect(throws: KanikoConfigError(
            "container args must be in '--flag=value' form (e.g. \"--cache=false\"), not '--verbosity'",
            pointer: "/config/kaniko-config/spec/template/spec/containers/0/args/1")) { try KanikoJobConfig(config) }
        let notString: KubeJSON = ["spec": ["template": ["spec": ["containers": [["args": [3]]]]]]]
        #expect { try KanikoJobConfig(notString) } throws: {
            ($0 as? KanikoConfigError)?.pointer == "/config/kaniko-config/spec/template/spec/containers/0/args/0"
        }
    }

    @Test func flagsThatMakeTheTagCannotBeOverridden() {
        for arg in ["--destination=elsewhere/app:1", "-c=s3://other", "--custom-platform=linux/arm64", "--dockerfile=Other"] {
            let config: KubeJSON = ["spec": ["template": ["spec": ["containers": [["args": [.string(arg)]]]]]]]
            #expect { try KanikoJobConfig(config) } throws: { error in
                let e = error as? KanikoConfigError
                return e?.pointer == "/config/kaniko-config/spec/template/spec/containers/0/args/0" && e?.message.contains("set by the agent") == true
            }
        }
    }

    @Test func shapeErrorsPointAtTheValue() {
        let cases: [(KubeJSON, String)] = [
            ("a string", "/config/kaniko-config"),
            (["metadata": ["name": "mine"]], "/config/kaniko-config/metadata/name"),
            (["spec": ["template": ["spec": ["containers": [[:], [:]]]]]], "/config/kaniko-config/spec/template/spec/containers/1"),
            (["spec": ["template": ["spec": ["containers": [["env": [["value": "x"]]]]]]]], "/config/kaniko-config/spec/template/spec/containers/0/env/0"),
            (["spec": ["activeDeadlineSeconds": "ten"]], "/config/kaniko-config/spec/activeDeadlineSeconds"),
            (["metadata": ["labels": ["team": 3]]], "/config/kaniko-config/metadata/labels/team"),
        ]
        for (config, pointer) in cases {
            #expect { try KanikoJobConfig(config) } throws: { ($0 as? KanikoConfigError)?.pointer == pointer }
        }
    }

    @Test func userEnvWinsVolumesAreKeptAndReplaceOursByName() throws {
        let config: KubeJSON = ["spec": ["activeDeadlineSeconds": 600, "template": ["spec": [
            "serviceAccountName": "builder",
            "volumes": [["name": "cache", "emptyDir": [:]],
                        ["name": "launch-agent-docker-config", "secret": ["secretName": "my-own-dockerconfig"]]],
            "containers": [[
                "name": "build", "image": "mirror.example/kaniko:1",
                "args": ["--build-arg=PYTHON_VERSION=3.12", "--build-arg=EXTRA=1", "--verbosity=debug", "--label=a=b"],
                "env": [["name": "AWS_REGION", "value": "eu-west-1"]],
                "volumeMounts": [["name": "cache", "mountPath": "/cache"]],
            ]],
        ]]]]
        let settings = KanikoSettings(jobConfig: try KanikoJobConfig(config))
        let job = KanikoManifest.job(name: "b-1", settings: settings, build: Self.build())
        #expect(Self.env(job) == ["AWS_REGION": "eu-west-1"])
        let args = Self.args(job)
        #expect(args.contains("--build-arg=PYTHON_VERSION=3.12") && !args.contains("--build-arg=PYTHON_VERSION=3.11"))
        #expect(args.suffix(3) == ["--build-arg=EXTRA=1", "--verbosity=debug", "--label=a=b"])
        #expect(job["spec", "activeDeadlineSeconds"] == 600)
        #expect(settings.deadlineSeconds == 600)
        #expect(job["spec", "template", "spec", "serviceAccountName"] == "builder")
        let c = Self.container(job)
        #expect(c["name"] == "build")
        #expect(c["image"] == "mirror.example/kaniko:1")
        #expect(job["spec", "template", "spec", "volumes"] == [
            ["name": "launch-agent-docker-config", "secret": ["secretName": "my-own-dockerconfig"]], ["name": "cache", "emptyDir": [:]]])
        #expect(c["volumeMounts"] == [["name": "launch-agent-docker-config", "mountPath": "/kaniko/.docker", "readOnly": true],
                                      ["name": "cache", "mountPath": "/cache"]])
    }

    @Test func pvcContextAndCloudSecretMounts() throws {
        let settings = KanikoSettings(contextPVC: KanikoContextPVC(claim: "kaniko-contexts", agentMountPath: "/mnt/kaniko"),
                                      cloudSecret: KanikoCloudSecret(name: "aws-creds", key: "credentials", cloud: .aws))
        let job = KanikoManifest.job(name: "b-2", settings: settings, build: Self.build {
            $0.context = "tar:///context/b-2.tar.gz"
            $0.dockerConfigSecret = nil
        })
        #expect(Self.args(job).first == "--context=tar:///context/b-2.tar.gz")
        #expect(job["spec", "template", "spec", "volumes"] == [
            ["name": "launch-agent-context", "persistentVolumeClaim": ["claimName": "kaniko-contexts", "readOnly": true]],
            ["name": "launch-agent-cloud-credentials", "secret": ["secretName": "aws-creds", "items": [["key": "credentials", "path": "credentials"]]]]])
        #expect(Self.container(job)["volumeMounts"] == [
            ["name": "launch-agent-context", "mountPath": "/context", "readOnly": true],
            ["name": "launch-agent-cloud-credentials", "mountPath": "/root/.aws", "readOnly": true]])
        #expect(Self.env(job)["AWS_SHARED_CREDENTIALS_FILE"] == "/root/.aws/credentials")
    }

    @Test func dockerConfigSecretIsADockerconfigjsonSecret() throws {
        let secret = KanikoManifest.dockerConfigSecret(name: "s", namespace: "ns", jobID: "q-1", server: "127.0.0.1:5000",
                                                       username: "pusher", password: "pw123")
        #expect(secret["type"] == "kubernetes.io/dockerconfigjson")
        #expect(secret["kind"] == "Secret")
        let encoded = try #require(secret["data", ".dockerconfigjson"]?.stringValue)
        let decoded = KubeTestSupport.shell("printf %s '\(encoded)' | base64 -d").output
        #expect(decoded == #"{"auths":{"127.0.0.1:5000":{"auth":"cHVzaGVyOnB3MTIz"}}}"#)
        #expect(KubeTestSupport.shell("printf %s 'cHVzaGVyOnB3MTIz' | base64 -d").output == "pusher:pw123")
        for n in 0..<7 {
            let bytes = Array("abcdefg".utf8.prefix(n))
            let expected = KubeTestSupport.shell("printf %s '\(String(decoding: bytes, as: UTF8.self))' | base64 -w0").output
            #expect(KanikoNames.base64(bytes) == expected)
        }
    }

    @Test func jobNamesAreDNSLabelsStableAndDistinct() {
        #expect(KanikoNames.jobName(prefix: "wandb-launch-container-build", jobID: "q-7f3a2c") == "wandb-launch-container-build-q-7f3a2c")
        let long = String(repeating: "a", count: 80)
        let a = KanikoNames.jobName(prefix: "Launch_Build", jobID: long + "1")
        let b = KanikoNames.jobName(prefix: "Launch_Build", jobID: long + "2")
        #expect(a != b)
        #expect(a.count <= 63 && b.count <= 63)
        #expect(KanikoNames.isDNSLabel(a) && KanikoNames.isDNSLabel(b))
        #expect(a == KanikoNames.jobName(prefix: "Launch_Build", jobID: long + "1"))
        // Ids that clean to the same text still get distinct names.
        #expect(KanikoNames.jobName(prefix: "b", jobID: "Q_1") != KanikoNames.jobName(prefix: "b", jobID: "q-1"))
        #expect(!KanikoNames.isUsablePrefix("--__--"))
    }

    @Test func digestAndTailFromTheLog() {
        let hex = String(repeating: "ab12", count: 16)
        let log = "INFO Pushing image to r/app:1\nINFO Pushed r/app@sha256:\(hex)\n\n"
        #expect(KanikoNames.digest(inLog: log) == "sha256:\(hex)")
        #expect(KanikoNames.digest(inLog: "no digest @sha256:abc") == nil)
        let many = (1...30).map { "line \($0)" }.joined(separator: "\n")
        #expect(KanikoNames.tail(many) == (11...30).map { "line \($0)" })
    }
}
