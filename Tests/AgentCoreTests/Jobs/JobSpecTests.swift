import FoundationEssentials
import Testing
@testable import AgentCore

/// Every job spec suite nests in here: `swift test --filter JobSpecTests`.
@Suite struct JobSpecTests {}

/// The printed error for a spec, or "no error".
func jobSpecErrorText(_ text: String, file: String = "job.yaml", base: String = "/work/proj") -> String {
    do {
        _ = try JobSpec.parse(text: text, file: file, baseDirectory: base)
        return "no error"
    } catch {
        return error.description
    }
}

extension JobSpecTests {
    @Suite struct Reading {
        @Test func everyKey() throws {
            let spec = try JobSpec.parse(text: """
                name: train-resnet
                path: ./src
                entry_point: [python, train.py]
                args: [--epochs, 10, --lr, 0.001]
                env: {WANDB_MODE: offline, SEED: 7}
                resource: kubernetes
                resource_args:
                  kubernetes:
                    namespace: ml
                    spec: {replicas: 1}
                overrides: {args: [--epochs, 1]}
                build_args: {CUDA: 12.4}
                python: {version: 3.10, base_image: "nvidia/cuda:12.4.1-runtime-ubuntu22.04", requirements: reqs/train.txt}
                platform: linux/amd64
                """, file: "job.yaml", baseDirectory: "/work/proj")
            #expect(spec.name == "train-resnet")
            #expect(spec.source == .path("/work/proj/src"))
            #expect(spec.entryPoint == ["python", "train.py"])
            // Scalars keep their text as written: `10`, `0.001`, `3.10`, `12.4`.
            #expect(spec.args == ["--epochs", "10", "--lr", "0.001"])
            #expect(spec.effectiveArgs == ["--epochs", "1"])
            #expect(spec.env == ["WANDB_MODE": "offline", "SEED": "7"])
            #expect(spec.resource == "kubernetes")
            #expect(spec.runnerArgs == .object(["namespace": "ml", "spec": .object(["replicas": 1])]))
            #expect(spec.buildArgs == ["CUDA": "12.4"])
            #expect(spec.python == JobSpec.Python(version: "3.10", baseImage: "nvidia/cuda:12.4.1-runtime-ubuntu22.04",
                                                  requirements: "reqs/train.txt"))
            #expect(spec.platforms == ["linux/amd64"])
            #expect(spec.effectiveDockerfile == nil)
            #expect(spec.needsBuild)
            #expect(spec.warnings.isEmpty)
            #expect(spec.file == "job.yaml")
        }

        @Test func defaults() throws {
            let spec = try JobSpec.parse(text: "path: .\nentry_point: python main.py\n", file: "/specs/job.yaml")
            #expect(spec.source == .path("/specs"))
            #expect(spec.resource == "local-process")
            #expect(spec.entryPoint == ["python", "main.py"])
            #expect(spec.args.isEmpty && spec.env.isEmpty && spec.buildArgs.isEmpty && spec.resourceArgs.isEmpty)
            #expect(spec.runnerArgs == nil)
            #expect(spec.overrides.isEmpty)
        }

        @Test func gitSources() throws {
            let short = try JobSpec.parse(text: "uri: https://github.com/org/repo.git\nentry_point: [python, a.py]\n", file: "j.yaml")
            #expect(short.source == .git(url: "https://github.com/org/repo.git", ref: nil))
            let long = try JobSpec.parse(text: """
                git: {url: "git@github.com:org/repo.git", ref: v1.2}
                entry_point: [python, a.py]
                """, file: "j.yaml")
            #expect(long.source == .git(url: "git@github.com:org/repo.git", ref: "v1.2"))
            let ssh = try JobSpec.parse(text: "uri: ssh://git@example.com:2222/org/repo.git\nentry_point: [x]\n", file: "j.yaml")
            #expect(ssh.source == .git(url: "ssh://git@example.com:2222/org/repo.git", ref: nil))
        }

        @Test func dockerImageJob() throws {
            let spec = try JobSpec.parse(text: "docker_image: python:3.12-slim\nresource: kubernetes\n", file: "j.yaml")
            #expect(spec.source == .dockerImage("python:3.12-slim"))
            #expect(!spec.needsBuild)
            #expect(spec.effectiveEntryPoint == nil)
        }

        @Test func ownDockerfileNeedsNoEntryPoint() throws {
            let spec = try JobSpec.parse(text: "path: .\ndockerfile: docker/Dockerfile\nresource: kubernetes\n", file: "j.yaml")
            #expect(spec.effectiveDockerfile == "docker/Dockerfile")
            let overridden = try JobSpec.parse(text: """
                path: .
                dockerfile: Dockerfile
                overrides: {dockerfile: Dockerfile.gpu, entry_point: "python serve.py --port 80"}
                """, file: "j.yaml")
            #expect(overridden.effectiveDockerfile == "Dockerfile.gpu")
            #expect(overridden.effectiveEntryPoint == ["python", "serve.py", "--port", "80"])
        }

        @Test func jsonSpecs() throws {
            let spec = try JobSpec.parse(text: """
                {
                  "path": "/data/proj",
                  "entry_point": ["python", "train.py"],
                  "env": {"A": "1"}
                }
                """, file: "job.json")
            #expect(spec.source == .path("/data/proj"))
            #expect(spec.env == ["A": "1"])
            #expect(jobSpecErrorText("{\n  \"path\": \".\",\n  \"entry_point\": [\"x\"],\n  \"arg\": []\n}\n", file: "job.json") == """
                job.json:4:3: error: unknown job spec key 'arg'
                job.json:4:3: note: did you mean 'args'?
                """)
        }

        @Test func jsonRoundTripKeepsTheJob() throws {
            let spec = try JobSpec.parse(text: """
                name: n
                git: {url: "https://example.com/a/b.git", ref: main}
                entry_point: [python, "t.py"]
                args: ["--x", "1"]
                env: {K: "v\\"q"}
                resource: kubernetes
                resource_args: {kubernetes: {a: [1, 2.5, true, null]}}
                overrides: {args: [], entry_point: [bash]}
                build_args: {B: x}
                python: {version: "3.11"}
                platform: [linux/amd64, linux/arm64]
                """, file: "j.yaml")
            let again = try JobSpec.parse(text: spec.json.serialized, file: "j.json")
            #expect(again == spec)
            #expect(again.overrides.args == [])
            #expect(again.platforms == ["linux/amd64", "linux/arm64"])
        }

        @Test func pointersMapToMarks() throws {
            let spec = try JobSpec.parse(text: """
                path: .
                entry_point: [python, train.py]
                resource: kubernetes
                resource_args:
                  kubernetes:
                    spec:
                      replicas: 3
                """, file: "job.yaml")
            #expect(spec.diagnostic(atPointer: "/resource_args/kubernetes/spec/replicas", "replicas must be 1").description
                == "job.yaml:7:17: error: replicas must be 1")
            #expect(spec.diagnostic(atPointer: "/resource_args/kubernetes/nope", "x").description == "job.yaml:5:3: error: x")
            #expect(spec.diagnostic(atPointer: "/entry_point/1", "no such file").description == "job.yaml:2:23: error: no such file")
            let inCode = JobSpec(source: .dockerImage("busybox"))
            #expect(inCode.diagnostic(atPointer: "/docker_image", "x").description == "error: x")
        }
    }
}
