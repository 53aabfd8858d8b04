import AgentCore
import FoundationEssentials
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Drives liblaunch-agent-kubernetes.so as the host loads it, in a child process: this test binary again,
/// filtered to ``KubernetesRunnerProbe``, with KUBECONFIG and SSL_CERT_FILE pointing at the harness (the
/// plugin reads the process environment, and `setenv` is not safe while other tests run; the host's HTTP
/// service cannot take a per-request CA yet, so the harness CA reaches libcurl through SSL_CERT_FILE).
///
/// A scenario is a list of steps run in order against one runner instance:
/// `{"op": "launch", "request": {...}}`, `{"op": "watch", "handle": STEP, "cancel_job_after_ms": N,
/// "stop_watching_after_ms": N}`, `{"op": "cancel", "handle": STEP}`, `{"op": "verify"}`. Each step's
/// result is `{"result": ..., "error": {"status", "message"}, "logs": [...]}`.
enum RunnerProbe {
    static func run(_ harness: KubeHarness, config: JSONValue = .object([:]), steps: [JSONValue],
                    env extra: [String: String] = [:]) throws -> [JSONValue] {
        let dir = KubeTestSupport.makeTempDir("la-kube-probe")
        let scenario: JSONValue = .object(["config": config, "steps": .array(steps), "out": .string(dir + "/out.json")])
        KubeTestSupport.write(scenario.serialized, to: dir + "/scenario.json")
        let env = ["LA_K8S_PROBE": dir + "/scenario.json", "KUBECONFIG": harness.kubeconfig, "SSL_CERT_FILE": harness.ca,
                   "HOME": dir].merging(extra) { $1 }
        let vars = env.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let run = KubeTestSupport.shell("env -u CURL_CA_BUNDLE -u KUBERNETES_SERVICE_HOST \(vars) /proc/\(getpid())/exe --testing-library swift-testing --filter KubernetesRunnerProbe")
        guard let text = KubeTestSupport.read(dir + "/out.json") else {
            throw KubeHarness.HarnessError(description: "the probe wrote nothing: \(run.output)")
        }
        return try JSONValue(parsing: text).arrayValue ?? []
    }

    static var buildDir: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while url.path.contains(".xctest") { url = url.deletingLastPathComponent() }
        return url.path
    }

    static func runner(_ config: JSONValue) throws -> ComponentInstance {
        let set = PluginLoader(options: .init(directories: [buildDir])).loadAll()
        guard let (lib, component) = set.component(kind: "runner", name: "kubernetes") else {
            throw KubeHarness.HarnessError(description: "no runner 'kubernetes' in \(buildDir)")
        }
        return try ComponentInstance(library: lib, component: component, config: .object([
            "component": .object(["kind": "runner", "name": "kubernetes"]), "config": config, "settings": .object([:]),
        ]))
    }
}

/// The child side of ``RunnerProbe`` (does nothing unless LA_K8S_PROBE is set).
@Suite struct KubernetesRunnerProbe {
    @Test func probe() throws {
        guard let path = getenv("LA_K8S_PROBE").map({ String(cString: $0) }),
              let text = KubeTestSupport.read(path) else { return }
        let scenario = try JSONValue(parsing: text)
        var results: [JSONValue] = []
        defer { KubeTestSupport.write(JSONValue.array(results).serialized, to: scenario["out"]?.stringValue ?? "/dev/null") }
        let made = Result { () throws -> ComponentInstance in try RunnerProbe.runner(scenario["config"] ?? .object([:])) }
        guard case .success(let runner) = made else {
            if case .failure(let error) = made, let e = error as? PluginCallError {
                results.append(.object(["error": .object(["message": .string(e.message), "pointer": e.pointer.map { .string($0) } ?? .null])]))
            }
            return
        }
        for step in scenario["steps"]?.arrayValue ?? [] {
            let logs = Mutex<[JSONValue]>([])
            let onLog: @Sendable (AgentLog.Level, String) -> Void = { _, line in logs.withLock { $0.append(.string(line)) } }
            let i = Int(step["handle"]?.intValue ?? 0)
            let handle: JSONValue = i < results.count ? (results[i]["result"]?["handle"] ?? .null) : .null
            var entry: [String: JSONValue] = [:]
            var resolved = step
            if let indexes = step["handles"]?.arrayValue {
                var members = step.objectValue ?? [:]
                members["handles"] = .array(indexes.map { idx in
                    let k = Int(idx.intValue ?? 0)
                    return k < results.count ? (results[k]["result"]?["handle"] ?? .null) : .null
                })
                resolved = .object(members)
            }
            let outcome = Result { () throws -> JSONValue in try Self.perform(resolved, runner: runner, handle: handle, onLog: onLog) }
            switch outcome {
            case .success(let value): entry["result"] = value
            case .failure(let error):
                var status: JSONValue = .null
                var message = "\(error)"
                if let e = error as? PluginCallError {
                    message = e.message
                    if case .reported(let s) = e.kind { status = .int(Int64(s)) }
                }
                entry["error"] = .object(["status": status, "message": .string(message)])
            }
            entry["logs"] = .array(logs.withLock { $0 })
            results.append(.object(entry))
        }
    }

    static func perform(_ step: JSONValue, runner: ComponentInstance, handle h: JSONValue,
                        onLog: @escaping @Sendable (AgentLog.Level, String) -> Void) throws -> JSONValue {
        switch step["op"]?.stringValue {
        case "launch":
            return try runner.call("launch", request: step["request"] ?? .object([:]), onLog: onLog)
        case "watch":
            let cancellation = CallCancellation()
            var helper: Thread?
            if let ms = step["cancel_job_after_ms"]?.intValue {
                helper = Thread {
                    KubeTestSupport.sleep(Double(ms) / 1000)
                    _ = try? runner.call("cancel", request: .object(["handle": h]))
                }
            } else if let ms = step["stop_watching_after_ms"]?.intValue {
                helper = Thread {
                    KubeTestSupport.sleep(Double(ms) / 1000)
                    cancellation.cancel()
                }
            }
            defer { helper?.join() }
            return try runner.call("watch", request: .object(["handle": h]), timeoutSeconds: 120,
                                   cancellation: cancellation, onLog: onLog)
        case "watch_both":
            // Two watches at once on one instance (the runner is registered concurrent).
            let handles = step["handles"]?.arrayValue ?? []
            let outcomes = Mutex<[Int: JSONValue]>([:])
            let threads = handles.enumerated().map { i, handle in
                Thread {
                    let r = Result { () throws -> JSONValue in
                        try runner.call("watch", request: .object(["handle": handle]), timeoutSeconds: 120, onLog: onLog)
                    }
                    let value: JSONValue
                    switch r {
                    case .success(let v): value = v
                    case .failure(let e): value = .object(["error": .string("\(e)")])
                    }
                    outcomes.withLock { $0[i] = value }
                }
            }
            threads.forEach { $0.join() }
            return .object(["outcomes": .array(outcomes.withLock { o in (0..<handles.count).map { o[$0] ?? .null } })])
        case "cancel":
            return try runner.call("cancel", request: .object(["handle": h]), onLog: onLog)
        case "verify":
            return try runner.call("verify", request: .object([:]), onLog: onLog)
        default:
            throw KubeHarness.HarnessError(description: "unknown step \(step.serialized)")
        }
    }
}
