import FoundationEssentials
import Testing
@testable import AgentCore

extension JobSpecTests {
    /// Each problem is printed at its own line and column.
    @Suite struct Errors {
        @Test func unknownKeysSuggestTheirNames() {
            #expect(jobSpecErrorText("path: .\nentrypoint: [python, a.py]\n") == """
                job.yaml:1:1: error: missing required key 'entry_point': the local-process runner needs a command to run
                job.yaml:1:1: note: e.g. 'entry_point: [python, train.py]'
                job.yaml:2:1: error: unknown job spec key 'entrypoint'
                job.yaml:2:1: note: did you mean 'entry_point'?
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\nbuild-args: {A: b}\n") == """
                job.yaml:3:1: error: unknown job spec key 'build-args'
                job.yaml:3:1: note: did you mean 'build_args'?
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\ncolour: red\n") == """
                job.yaml:3:1: error: unknown job spec key 'colour'
                job.yaml:3:1: note: known keys: args, build_args, docker_image, dockerfile, entry_point, env, git, name, overrides, path, platform, python, resource, resource_args, uri
                """)
        }

        /// The example in docs/jobs.md.
        @Test func documentedExample() {
            #expect(jobSpecErrorText("path: .\nentry_point: [python, train.py]\nargs: --lr 0.1\nbuild-args: {CUDA: \"12.4\"}\n") == """
                job.yaml:3:7: error: args must be a list of strings, got a string
                job.yaml:3:7: note: write a YAML list, e.g. 'args: [first, second]'
                job.yaml:4:1: error: unknown job spec key 'build-args'
                job.yaml:4:1: note: did you mean 'build_args'?
                """)
        }

        @Test func wandbSpellingsPointAtOurs() {
            #expect(jobSpecErrorText("image_uri: busybox\nresource: kubernetes\n") == """
                job.yaml:1:1: error: unknown job spec key 'image_uri'
                job.yaml:1:1: note: W&B's 'image_uri' is 'docker_image' here
                job.yaml:1:1: error: missing the job's source: give exactly one of path, uri, git or docker_image
                job.yaml:1:1: note: e.g. 'path: .' for the directory of this file, or 'docker_image: python:3.12' to run an existing image
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\npython_version: '3.11'\n") == """
                job.yaml:3:1: error: unknown job spec key 'python_version'
                job.yaml:3:1: note: W&B's 'python_version' is 'python: {version: ...}' here
                """)
            #expect(jobSpecErrorText("git: {remote: 'https://h/o/r.git', commit: abc123}\nentry_point: [x]\n") == """
                job.yaml:1:1: error: git needs a 'url'
                job.yaml:1:1: note: e.g. 'git: {url: https://github.com/org/repo.git, ref: main}'
                job.yaml:1:7: error: unknown git key 'remote'
                job.yaml:1:7: note: did you mean 'url'?
                job.yaml:1:36: error: unknown git key 'commit'
                job.yaml:1:36: note: did you mean 'ref'?
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\noverrides:\n  run_config: {lr: 1}\n  arg: []\n") == """
                job.yaml:4:3: error: unknown overrides key 'run_config'
                job.yaml:4:3: note: W&B's overrides.run_config needs a W&B server; overrides takes args, entry_point and dockerfile
                job.yaml:5:3: error: unknown overrides key 'arg'
                job.yaml:5:3: note: did you mean 'args'?
                """)
        }

        @Test func wrongTypes() {
            #expect(jobSpecErrorText("path: .\nentry_point: [python]\nargs: --lr 0.1\n") == """
                job.yaml:3:7: error: args must be a list of strings, got a string
                job.yaml:3:7: note: write a YAML list, e.g. 'args: [first, second]'
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: {cmd: python}\n") == """
                job.yaml:2:14: error: entry_point must be a list of strings or a string, got a mapping
                job.yaml:2:14: note: e.g. 'entry_point: [python, train.py]'
                """)
            #expect(jobSpecErrorText("path: [a, b]\nentry_point: [x]\n") == "job.yaml:1:7: error: path must be a string, got a list")
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\nenv:\n  1BAD: x\n  GOOD:\n  LIST: [a]\n") == """
                job.yaml:4:3: error: env name '1BAD' is not a valid variable name
                job.yaml:4:3: note: use letters, digits and '_', not starting with a digit
                job.yaml:5:8: error: env.GOOD must be a string, got null
                job.yaml:5:8: note: write '' for an empty value
                job.yaml:6:9: error: env.LIST must be a string, got a list
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\nresource_args: {kubernetes: 3}\nresource: kubernetes\n") == """
                job.yaml:3:29: error: resource_args.kubernetes must be a mapping, got an integer
                job.yaml:3:29: note: resource_args is keyed by runner, as in W&B: 'resource_args: {kubernetes: {...}}'
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: []\n") == """
                job.yaml:2:14: error: entry_point must name a program
                job.yaml:2:14: note: e.g. 'entry_point: [python, train.py]'
                """)
            #expect(jobSpecErrorText("[path, entry_point]\n") == "job.yaml:1:1: error: a job spec must be a mapping of keys to values, got a list")
            #expect(jobSpecErrorText("# nothing\n") == """
                job.yaml:1:1: error: the job spec is empty
                job.yaml:1:1: note: give at least a source and a command, e.g. 'path: .' and 'entry_point: [python, train.py]'
                """)
        }

        @Test func exactlyOneSource() {
            #expect(jobSpecErrorText("entry_point: [python]\n") == """
                job.yaml:1:1: error: missing the job's source: give exactly one of path, uri, git or docker_image
                job.yaml:1:1: note: e.g. 'path: .' for the directory of this file, or 'docker_image: python:3.12' to run an existing image
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\ndocker_image: busybox\n") == """
                job.yaml:3:1: error: 'docker_image' and 'path' both give the job's source; keep one
                job.yaml:1:1: note: 'path' is here
                """)
        }

        @Test func requiredEntryPoint() {
            #expect(jobSpecErrorText("uri: https://github.com/o/r.git\nresource: kubernetes\n") == """
                job.yaml:1:1: error: missing required key 'entry_point': a generated Dockerfile needs a command for its ENTRYPOINT
                job.yaml:1:1: note: e.g. 'entry_point: [python, train.py]'
                """)
        }

        @Test func keysThatCannotApply() {
            #expect(jobSpecErrorText("docker_image: busybox\nentry_point: [sh]\n") == """
                job.yaml:1:15: error: a docker_image job needs a container runner, but resource is 'local-process'
                job.yaml:1:15: note: set 'resource' to a runner that runs images, e.g. 'kubernetes'; local-process runs the command on this machine
                """)
            #expect(jobSpecErrorText("docker_image: busybox\nresource: kubernetes\ndockerfile: Dockerfile\nplatform: linux/amd64\n") == """
                job.yaml:3:1: error: 'dockerfile' has no effect on a docker_image job: the image runs as it is
                job.yaml:3:1: note: remove it, or give the job's source as path, uri or git to build an image
                job.yaml:4:1: error: 'platform' has no effect on a docker_image job: the image runs as it is
                job.yaml:4:1: note: remove it, or give the job's source as path, uri or git to build an image
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\ndockerfile: Dockerfile\npython: {version: '3.11'}\n") == """
                job.yaml:4:1: error: 'python' only applies to generated Dockerfiles, but this job has its own dockerfile
                job.yaml:4:1: note: set the base image and dependencies in the Dockerfile instead
                """)
        }

        @Test func valuesThatReachCommandLines() {
            #expect(jobSpecErrorText("uri: 'https://user:ghp_token@github.com/o/r.git'\nentry_point: [x]\n") == """
                job.yaml:1:6: error: uri must not contain credentials
                job.yaml:1:6: note: the queue stores the spec and 'agent jobs show' prints it
                job.yaml:1:6: note: configure a git credential helper or an ssh key for the agent's user instead
                """)
            #expect(!jobSpecErrorText("uri: 'https://user:ghp_token@github.com/o/r.git'\nentry_point: [x]\n").contains("ghp_token"))
            #expect(jobSpecErrorText("uri: 'ext::sh -c touch% /tmp/pwned'\nentry_point: [x]\n") == """
                job.yaml:1:6: error: uri must not contain spaces or control characters
                """)
            #expect(jobSpecErrorText("uri: file:///etc\nentry_point: [x]\n") == """
                job.yaml:1:6: error: uri uses the 'file' protocol, which is not allowed
                job.yaml:1:6: note: use an https:// URL, an ssh:// URL or the scp form 'git@HOST:ORG/REPO.git'
                """)
            #expect(jobSpecErrorText("git: {url: 'https://h.io/o/r.git', ref: --upload-pack=evil}\nentry_point: [x]\n") == """
                job.yaml:1:41: error: git.ref must not start with '-'
                job.yaml:1:41: note: give a branch, a tag or a commit hash, e.g. 'main' or 'v1.2'
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\ndockerfile: ../../etc/Dockerfile\n") == """
                job.yaml:3:13: error: dockerfile must stay inside the job's source (no '..')
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\npython: {requirements: /etc/passwd}\n") == """
                job.yaml:3:24: error: python.requirements must be relative to the job's source, not absolute
                """)
        }

        @Test func pythonAndPlatform() {
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\npython:\n  version: 3\n  base: python:3.11\n") == """
                job.yaml:4:12: error: python.version must look like '3.11' or '3.11.4'
                job.yaml:4:12: note: quote it ('3.10') if your editor reformats numbers
                job.yaml:5:3: error: unknown python key 'base'
                job.yaml:5:3: note: did you mean 'base_image'?
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\nplatform: linux/x86_64\n") == """
                job.yaml:3:11: error: unsupported platform 'linux/x86_64'
                job.yaml:3:11: note: did you mean 'linux/amd64'?
                job.yaml:3:11: note: supported platforms: linux/amd64, linux/arm64, linux/arm/v7, linux/386, linux/ppc64le, linux/s390x, linux/riscv64
                """)
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\nresource: Kubernetes\n") == """
                job.yaml:3:11: error: resource must be a runner name such as 'local-process' or 'kubernetes'
                job.yaml:3:11: note: runner names use lower-case letters, digits and '-'
                """)
        }

        @Test func resourceArgsForAnotherRunner() throws {
            #expect(jobSpecErrorText("path: .\nentry_point: [x]\nresource: kubernetes\nresource_args:\n  kubernets: {}\n") == """
                job.yaml:5:3: error: resource_args has a 'kubernets' section but the resource is 'kubernetes'
                job.yaml:5:3: note: did you mean 'kubernetes'?
                """)
            let spec = try JobSpec.parse(text: "path: .\nentry_point: [x]\nresource_args:\n  sagemaker: {RoleArn: r}\n", file: "job.yaml")
            #expect(spec.warnings.map(\.description) == ["""
                job.yaml:3:1: warning: resource_args has no 'local-process' section, so the 'local-process' runner gets no arguments
                job.yaml:3:1: note: resource_args is keyed by runner, as in W&B: 'resource_args: {local-process: {...}}'
                """])
        }
    }
}
