import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// The agent doing its job on one machine: podman as the docker CLI, a real
/// docker-registry with htpasswd auth, the local-process runner, and skopeo
/// (a real registry client) as the judge.
@Suite(.serialized) struct EndToEndTests {
    let dir = TestSupport.makeTempDir("la-e2e")
    let user = "ci"
    let password = "pw-" + String(UInt64.random(in: 1 << 40...UInt64.max), radix: 36)

    /// podman configured through its own environment knobs: vfs storage in
    /// a temp dir, chroot isolation, the test registry marked insecure (http).
    func environment(registry: String) -> String {
        let storage = dir + "/storage.conf", registries = dir + "/registries.conf", docker = dir + "/docker"
        TestSupport.write("[storage]\ndriver = \"vfs\"\nrunroot = \"\(dir)/run\"\ngraphroot = \"\(dir)/graph\"\n", to: storage)
        TestSupport.write("[[registry]]\nlocation = \"\(registry)\"\ninsecure = true\n", to: registries)
        mkdir(docker, 0o700)
        let auth = Base64Test.encode("\(user):\(password)")
        TestSupport.write(#"{"auths": {"\#(registry)": {"auth": "\#(auth)"}}}"#, to: docker + "/config.json")
        return [
            "CONTAINERS_STORAGE_CONF=\(storage)", "CONTAINERS_REGISTRIES_CONF=\(registries)", "BUILDAH_ISOLATION=chroot",
            "REGISTRY_AUTH_FILE=\(dir)/auth.json", "DOCKER_CONFIG=\(docker)", "LAUNCH_AGENT_STATE_DIR=\(dir)/state",
        ].map { "'\($0)'" }.joined(separator: " ")
    }

    func agent(_ env: String, _ args: String) -> (status: Int32, output: String) {
        TestSupport.shell("env \(env) '\(TestSupport.buildDir)/agent' --plugins-dir '\(TestSupport.buildDir)' \(args)")
    }

    func writeConfig(_ text: String) -> String {
        let path = dir + "/launch-config.yaml"
        TestSupport.write(text, to: path)
        return path
    }

    /// A job that brings its own Dockerfile (FROM scratch: nothing to pull).
    func writeJob(at source: String, marker: String? = nil) -> String {
        mkdir(source, 0o755)
        TestSupport.write("FROM scratch\nCOPY model.txt /model.txt\n", to: source + "/Dockerfile")
        TestSupport.write("weights v1\n", to: source + "/model.txt")
        let command = marker.map { "echo before the restart; sleep 2; echo ran >> \($0)" } ?? "cat model.txt"
        let spec = source + "/job.yaml"
        TestSupport.write("name: train\npath: .\nentry_point: [sh, -c, \"\(command)\"]\n", to: spec)
        return spec
    }

    func show(_ env: String, _ id: String) throws -> JSONValue {
        let r = agent(env, "jobs show -o json \(id)")
        return try JSONValue(parsing: r.output)
    }

    @Test func buildsPushesRunsAndSkipsTheSecondBuildOfTheSameSource() throws {
        let registry = try RegistryHarness.start("registry", ["--user", user, "--password", password])
        defer { registry.stop() }
        let env = environment(registry: registry.registry)
        let config = writeConfig("builder:\n  type: docker\n  cli: podman\n  destination: \(registry.registry)/team/app\n")

        let first = agent(env, "submit '\(writeJob(at: dir + "/src"))'")
        try #require(first.status == 0, "\(first.output)")
        let run1 = agent(env, "--config '\(config)' run --once")
        #expect(run1.status == 0, "\(run1.output)")
        let job1 = try show(env, first.output.trimmed)
        #expect(job1["status"] == "finished", "\(job1.serialized)")
        let image = try #require(job1["image"]?.stringValue)
        #expect(job1["build_skipped"] == false)

        // A real client sees the pushed image.
        let inspect = TestSupport.shell("skopeo inspect --tls-verify=false --creds '\(user):\(password)' 'docker://\(image)'")
        #expect(inspect.status == 0, "\(inspect.output)")

        // The same source from another path, with other mtimes: same tag, no build.
        let copy = dir + "/elsewhere/src"
        _ = TestSupport.shell("mkdir -p '\(dir)/elsewhere' && cp -r '\(dir)/src' '\(copy)' && touch -d '2001-01-01' '\(copy)'/*")
        let second = agent(env, "submit '\(copy)/job.yaml'")
        try #require(second.status == 0)
        let run2 = agent(env, "--config '\(config)' run --once")
        #expect(run2.status == 0, "\(run2.output)")
        let job2 = try show(env, second.output.trimmed)
        #expect(job2["status"] == "finished")
        #expect(job2["image"]?.stringValue == image)
        #expect(job2["build_skipped"] == true)
        let log = try String(contentsOfFile: try #require(job2["log_path"]?.stringValue), encoding: .utf8)
        #expect(log.contains("build skipped: \(image) already exists in the registry"))
        #expect(log.contains("[run] weights v1"))
    }

    @Test func agentKilledMidJobReattachesAndTheJobRunsOnce() throws {
        let env = environment(registry: "127.0.0.1:1")
        let config = writeConfig("builder:\n  type: noop\n")
        let marker = dir + "/ran.txt"
        let id = agent(env, "submit '\(writeJob(at: dir + "/src", marker: marker))'").output.trimmed

        // Start an agent, wait until the job runs, then SIGKILL the agent.
        let pidFile = dir + "/agent.pid"
        _ = TestSupport.shell("env \(env) '\(TestSupport.buildDir)/agent' --plugins-dir '\(TestSupport.buildDir)' --config '\(config)' run > '\(dir)/agent1.log' 2>&1 & echo $! > '\(pidFile)'")
        var status = ""
        for _ in 0..<100 where status != "running" {
            usleep(50_000)
            status = (try? show(env, id))?["status"]?.stringValue ?? ""
        }
        try #require(status == "running")
        // Let the first agent hand the job's first line to the job log before it dies.
        let logPath = try #require(try show(env, id)["log_path"]?.stringValue)
        for _ in 0..<40 where !((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("before the restart") { usleep(50_000) }
        usleep(300_000)
        let pid = Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmed)!
        kill(pid, SIGKILL)

        // A new agent re-attaches instead of launching again.
        let run = agent(env, "--config '\(config)' run --once")
        #expect(run.status == 0, "\(run.output)")
        let job = try show(env, id)
        #expect(job["status"] == "finished", "\(job.serialized)")
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "ran\n")
        let log = try String(contentsOfFile: try #require(job["log_path"]?.stringValue), encoding: .utf8)
        #expect(log.contains("re-attaches to the running job"))
        #expect(log.components(separatedBy: "[run] started ").count == 2, "launched more than once:\n\(log)")
        // The re-attached watch resumes the output where the first agent stopped: no line twice.
        #expect(log.components(separatedBy: "[run] before the restart").count == 2, "output repeated after re-attach:\n\(log)")
    }

    @Test func badInputFailsTheJobWithStageAndReasonAndTheAgentGoesOn() throws {
        let registry = try RegistryHarness.start("registry", ["--user", user, "--password", password])
        defer { registry.stop() }
        let env = environment(registry: registry.registry)

        // Unreachable registry: nothing listens on port 1.
        let unreachable = writeConfig("builder:\n  type: docker\n  cli: podman\n  destination: 127.0.0.1:1/team/app\n")
        let a = agent(env, "submit '\(writeJob(at: dir + "/a"))'").output.trimmed
        #expect(agent(env, "--config '\(unreachable)' run --once").status == 1)
        let jobA = try show(env, a)
        #expect(jobA["status"] == "failed")
        #expect(jobA["stage"] == "build")
        #expect(jobA["reason"]?.stringValue?.hasPrefix("could not check whether 127.0.0.1:1/team/app:") == true, "\(jobA.serialized)")

        // Builder CLI missing.
        let missing = writeConfig("builder:\n  type: docker\n  cli: no-such-docker\n  destination: \(registry.registry)/team/app\n")
        let b = agent(env, "submit '\(writeJob(at: dir + "/b"))'").output.trimmed
        #expect(agent(env, "--config '\(missing)' run --once").status == 1)
        let jobB = try show(env, b)
        #expect(jobB["status"] == "failed")
        #expect(jobB["stage"] == "build")
        #expect(jobB["reason"]?.stringValue?.contains("no-such-docker: not found in PATH") == true, "\(jobB.serialized)")

        // A broken Dockerfile fails its job; the next job in the same run still finishes.
        let good = writeConfig("builder:\n  type: docker\n  cli: podman\n  destination: \(registry.registry)/team/app\n")
        let brokenSpec = writeJob(at: dir + "/broken")
        TestSupport.write("FROM scratch\nCOPY no-such-file.txt /\n", to: dir + "/broken/Dockerfile")
        let broken = agent(env, "submit '\(brokenSpec)'").output.trimmed
        let fine = agent(env, "submit '\(writeJob(at: dir + "/fine"))'").output.trimmed
        #expect(agent(env, "--config '\(good)' run --once").status == 1)
        let jobBroken = try show(env, broken)
        #expect(jobBroken["status"] == "failed")
        #expect(jobBroken["stage"] == "build")
        #expect(jobBroken["reason"]?.stringValue?.contains("'podman build' failed") == true, "\(jobBroken.serialized)")
        #expect(try show(env, fine)["status"] == "finished")
    }

    @Test func wrongRegistryPasswordFailsTheBuildStageClearly() throws {
        let registry = try RegistryHarness.start("registry", ["--user", user, "--password", "something-else"])
        defer { registry.stop() }
        let env = environment(registry: registry.registry)
        let config = writeConfig("builder:\n  type: docker\n  cli: podman\n  destination: \(registry.registry)/team/app\n")
        let id = agent(env, "submit '\(writeJob(at: dir + "/src"))'").output.trimmed
        #expect(agent(env, "--config '\(config)' run --once").status == 1)
        let job = try show(env, id)
        #expect(job["stage"] == "build")
        let reason = job["reason"]?.stringValue ?? ""
        #expect(reason.contains("401") || reason.lowercased().contains("unauthorized") || reason.contains("credentials"), "\(reason)")
        #expect(!reason.contains(password))
    }

    @Test func verifyPrintsAChecklistAndFailsOnBadRegistryCredentials() throws {
        let registry = try RegistryHarness.start("registry", ["--user", user, "--password", password])
        defer { registry.stop() }
        let env = environment(registry: registry.registry)
        let config = writeConfig("builder:\n  type: docker\n  cli: podman\n  destination: \(registry.registry)/team/app\n")
        let good = agent(env, "--config '\(config)' verify")
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("ok   builder 'docker': podman engine: 'podman info' answered\n"))
        #expect(good.output.contains("ok   registry: destination: \(registry.registry) answers"))

        TestSupport.write(#"{"auths": {"\#(registry.registry)": {"auth": "\#(Base64Test.encode("\(user):wrong"))"}}}"#, to: dir + "/docker/config.json")
        let bad = agent(env, "--config '\(config)' verify")
        #expect(bad.status == 1)
        #expect(bad.output.contains("FAIL registry: destination: "), "\(bad.output)")
        #expect(bad.output.contains("fix: check the registry's address and the credentials"))
    }

    @Test func registryAnswering500IsAnErrorNotAMissingImage() throws {
        let fake = try RegistryHarness.start("fake", ["--mode", "always", "--status", "500"])
        defer { fake.stop() }
        let env = environment(registry: fake.registry)
        let config = writeConfig("builder:\n  type: docker\n  cli: podman\n  destination: \(fake.registry)/team/app\n")
        let id = agent(env, "submit '\(writeJob(at: dir + "/src"))'").output.trimmed
        #expect(agent(env, "--config '\(config)' run --once").status == 1)
        let job = try show(env, id)
        #expect(job["stage"] == "build")
        #expect(job["reason"]?.stringValue?.contains("500") == true, "\(job.serialized)")
        #expect(job["build_skipped"] == false)
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while s.last?.isWhitespace == true { s.removeLast() }
        while s.first?.isWhitespace == true { s.removeFirst() }
        return String(s)
    }
}

/// Base64 for the test's docker config.
enum Base64Test {
    static func encode(_ text: String) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let bytes = Array(text.utf8)
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : "=")
            out.append(i + 2 < bytes.count ? table[Int(b2 & 63)] : "=")
            i += 3
        }
        return out
    }
}
