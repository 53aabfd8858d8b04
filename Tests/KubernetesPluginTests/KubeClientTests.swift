import FoundationEssentials
import KubeCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// KubeCore against the project's strict API server harness: verbs, Status errors mapped to typed errors
/// with the denied verb/resource/namespace, exec credential plugins, watch resume after 410, logs.
@Suite(.serialized) struct KubeClientTests {
    @Test func createGetListDelete() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("crud")
        let client = try harness.client(namespace: ns)
        let created = try client.create(.configMaps, namespace: nil, [
            "metadata": ["name": "one", "labels": ["app": "demo", "tier": "a"]], "data": ["k": "v"],
        ])
        #expect(created["metadata", "namespace"]?.stringValue == ns)
        #expect(created["metadata", "uid"]?.stringValue?.isEmpty == false)
        _ = try client.create(.configMaps, namespace: ns, ["metadata": ["name": "two", "labels": ["app": "demo", "tier": "b"]]])
        #expect(try client.get(.configMaps, "one", namespace: ns)["data", "k"] == "v")
        let list = try client.list(.configMaps, namespace: ns, labelSelector: "app=demo,tier!=a")
        #expect(list.items.compactMap { $0["metadata", "name"]?.stringValue } == ["two"])
        #expect(!list.resourceVersion.isEmpty)
        let patched = try client.patch(.configMaps, "one", namespace: ns, mergePatch: ["data": ["k": "w"]])
        #expect(patched["data", "k"] == "w")
        #expect(try client.delete(.configMaps, "one", namespace: ns))
        #expect(try client.delete(.configMaps, "one", namespace: ns) == false)
        #expect(try client.getIfExists(.configMaps, "one", namespace: ns) == nil)
    }

    @Test func statusErrorsAreTyped() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("errors")
        let client = try harness.client(namespace: ns)

        // 404
        #expect { _ = try client.get(.jobs, "nope", namespace: ns) } throws: { error in
            guard let e = error as? KubeError else { return false }
            return e.kind == .notFound && e.code == 404 && e.message.contains("get jobs 'nope' in namespace '\(ns)'")
        }
        // 409 AlreadyExists
        _ = try client.create(.configMaps, namespace: ns, ["metadata": ["name": "dup"]])
        #expect { _ = try client.create(.configMaps, namespace: ns, ["metadata": ["name": "dup"]]) } throws: { error in
            guard let e = error as? KubeError else { return false }
            return e.kind == .alreadyExists && e.reason == "AlreadyExists" && e.message.hasPrefix("already exists (409): create configmaps 'dup'")
        }
        // 422 Invalid, with the causes naming the fields
        let invalid: KubeJSON = ["metadata": ["name": "Bad_Name"], "spec": ["template": ["spec": ["containers": [["name": "c"]], "restartPolicy": "Always"]]]]
        #expect { _ = try client.create(.jobs, namespace: ns, invalid) } throws: { error in
            guard let e = error as? KubeError else { return false }
            if !(e.kind == .invalid && e.code == 422 && !e.causes.isEmpty) { Issue.record("\(e)"); return false }
            #expect(e.causes.contains { $0.field == "metadata.name" })
            #expect(e.message.contains("the API server rejected create jobs 'Bad_Name' in namespace '\(ns)' (422 Invalid): "))
            return true
        }
        // 403 with the verb, resource and namespace that were denied
        harness.control("POST", "/_harness/forbid", #"{"verb": "create", "resource": "jobs", "namespace": "\#(ns)"}"#)
        defer { harness.control("DELETE", "/_harness/forbid") }
        #expect { _ = try client.create(.jobs, namespace: ns, ["metadata": ["name": "x"]]) } throws: { error in
            guard let e = error as? KubeError else { return false }
            if !(e.kind == .forbidden && e.code == 403) { Issue.record("\(e)"); return false }
            #expect(e.verb == "create" && e.resource == "jobs" && e.namespace == ns)
            #expect(e.message.contains("grant the agent's identity 'create' on 'jobs' in namespace '\(ns)'"))
            return true
        }
        // 401: a wrong token
        var config = client.config
        config.auth = .token("not-the-token")
        let stranger = KubeClient(config: config, transport: CurlTransport())
        #expect { _ = try stranger.list(.pods, namespace: ns) } throws: { error in
            guard let e = error as? KubeError else { return false }
            return e.kind == .unauthorized && e.code == 401 && e.message.contains("refused the credentials (401 Unauthorized) to list pods in namespace '\(ns)'")
        }
    }

    @Test func tokenFileIsReadAtEachRequest() throws {
        let harness = try KubeHarness.shared()
        let dir = KubeTestSupport.makeTempDir("la-kube-tokenfile")
        KubeTestSupport.write("wrong\n", to: dir + "/token")
        var config = try harness.client().config
        config.auth = .tokenFile(dir + "/token")
        let client = KubeClient(config: config, transport: CurlTransport())
        #expect(throws: KubeError.self) { _ = try client.list(.namespaces, namespace: nil) }
        KubeTestSupport.write(harness.token + "\n", to: dir + "/token")
        #expect(try client.list(.namespaces, namespace: nil).items.count >= 4)
    }

    /// A kubeconfig whose user runs a script as its exec plugin: the token comes from the plugin, the plugin
    /// gets KUBERNETES_EXEC_INFO and its env, and its answer is cached until expirationTimestamp.
    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func execCredentialPlugin(apiVersion: String) throws {
        let harness = try KubeHarness.shared()
        let dir = KubeTestSupport.makeTempDir("la-kube-exec")
        let plugin = dir + "/token-plugin.sh"
        KubeTestSupport.write("""
            #!/bin/sh
            echo run >> "\(dir)/runs"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "\(dir)/exec-info"
            printf '%s' "$PLUGIN_GREETING" > "\(dir)/greeting"
            printf '{"apiVersion":"\(apiVersion)","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "$(cat "\(dir)/token")" "$(cat "\(dir)/expiry")"
            """, to: plugin, mode: 0o755)
        KubeTestSupport.write(harness.token, to: dir + "/token")
        KubeTestSupport.write("2099-01-01T00:00:00Z", to: dir + "/expiry")
        let kubeconfig = dir + "/config"
        KubeTestSupport.write("""
            apiVersion: v1
            kind: Config
            current-context: exec
            clusters:
            - name: harness
              cluster:
                server: \(harness.url)
                certificate-authority: \(harness.ca)
            contexts:
            - name: exec
              context: {cluster: harness, user: plugin}
            users:
            - name: plugin
              user:
                exec:
                  apiVersion: \(apiVersion)
                  command: ./token-plugin.sh
                  env: [{name: PLUGIN_GREETING, value: hello}]
                  provideClusterInfo: true
                  interactiveMode: Never
            """, to: kubeconfig)
        let config = try KubeConfigLoader.loadKubeconfig(paths: [kubeconfig])
        let clock = Mutex<Double>(KubeClock.now())
        let client = KubeClient(config: config, transport: CurlTransport(), commandRunner: ShellCommandRunner(),
                                now: { clock.withLock { $0 } })
        #expect(try client.list(.namespaces, namespace: nil).items.count >= 4)
        #expect(try client.list(.namespaces, namespace: nil).items.count >= 4)
        #expect(KubeTestSupport.read(dir + "/runs") == "run\n", "cached until expiry")
        #expect(KubeTestSupport.read(dir + "/greeting") == "hello")
        let info = try KubeJSON(parsing: KubeTestSupport.read(dir + "/exec-info") ?? "")
        #expect(info["apiVersion"]?.stringValue == apiVersion)
        #expect(info["kind"] == "ExecCredential")
        #expect(info["spec", "interactive"] == false)
        #expect(info["spec", "cluster", "server"]?.stringValue == harness.url)
        #expect(info["spec", "cluster", "certificate-authority-data"]?.stringValue?.isEmpty == false)

        // Past the expiry the plugin runs again.
        clock.withLock { $0 = 4_102_444_800 }
        #expect(try client.list(.namespaces, namespace: nil).items.count >= 4)
        #expect(KubeTestSupport.read(dir + "/runs") == "run\nrun\n")

        // A revoked token: the 401 makes the client run the plugin once more (and the next answer works).
        clock.withLock { $0 = KubeClock.now() }
        client.exec?.invalidate()
        KubeTestSupport.write("revoked-token", to: dir + "/token")
        _ = try? client.list(.namespaces, namespace: nil)
        KubeTestSupport.write(harness.token, to: dir + "/token")
        #expect(try client.list(.namespaces, namespace: nil).items.count >= 4)

        // A failing plugin is an auth error naming the plugin and its stderr.
        KubeTestSupport.write("#!/bin/sh\necho 'no SSO session' >&2\nexit 3\n", to: plugin, mode: 0o755)
        client.exec?.invalidate()
        #expect { _ = try client.list(.namespaces, namespace: nil) } throws: { error in
            (error as? KubeError)?.message == "the exec credential plugin '\(dir)/./token-plugin.sh' exited with status 3: no SSO session"
        }
    }

    /// A watch from an old resourceVersion after the server forgot its history gets 410; listWatch re-lists
    /// and carries on, seeing later changes.
    @Test func watchResumesAfterCompaction() throws {
        let harness = try KubeHarness.start()
        defer { harness.stop() }
        let client = try harness.client()
        _ = try client.create(.configMaps, namespace: "default", ["metadata": ["name": "w0", "labels": ["w": "y"]]])
        let before = try client.list(.configMaps, namespace: "default", labelSelector: "w=y")
        _ = try client.create(.configMaps, namespace: "default", ["metadata": ["name": "w1", "labels": ["w": "y"]]])
        harness.control("POST", "/_harness/compact")

        // The raw watch from the old resourceVersion: 410 Expired.
        #expect { _ = try client.watch(.configMaps, namespace: "default", labelSelector: "w=y",
                                       resourceVersion: before.resourceVersion, timeoutSeconds: 2) { _ in true } } throws: { error in
            guard let e = error as? KubeError else { return false }
            return e.kind == .expired && e.code == 410
        }

        // listWatch: the initial list, then a change made while it watches arrives as an event.
        var lists: [[String]] = []
        var events: [String] = []
        let creator = Thread {
            KubeTestSupport.sleep(0.5)
            _ = try? client.create(.configMaps, namespace: "default", ["metadata": ["name": "w2", "labels": ["w": "y"]]])
        }
        try client.listWatch(.configMaps, namespace: "default", labelSelector: "w=y", timeoutSeconds: 5, onList: { list in
            lists.append(list.items.compactMap { $0["metadata", "name"]?.stringValue }.sorted())
            return true
        }, onEvent: { event in
            events.append("\(event.type.rawValue) \(event.object["metadata", "name"]?.stringValue ?? "")")
            return event.object["metadata", "name"] != "w2"
        })
        creator.join()
        #expect(lists == [["w0", "w1"]])
        #expect(events == ["ADDED w2"])
    }

    @Test func podLogs() throws {
        let harness = try KubeHarness.shared()
        let ns = try harness.namespace("logs")
        let client = try harness.client(namespace: ns)
        _ = try client.create(.pods, namespace: ns, ["metadata": ["name": "echo"], "spec": [
            "restartPolicy": "Never",
            "containers": [["name": "main", "image": "busybox", "command": ["/bin/sh", "-c", "echo one; echo two; sleep 0.3; echo three"]]],
        ]])
        var lines: [String] = []
        var attempts = 0
        while true {
            attempts += 1
            do {
                try client.logs(pod: "echo", namespace: ns, follow: true) { lines.append($0) }
                break
            } catch let error as KubeError where error.kind == .invalid && attempts < 50 {
                #expect(error.message.contains("waiting to start"))
                KubeTestSupport.sleep(0.1)
            }
        }
        #expect(lines == ["one", "two", "three"])

        // Bounded follows that resume from an offset hand out every line once.
        _ = try client.create(.pods, namespace: ns, ["metadata": ["name": "slow"], "spec": [
            "restartPolicy": "Never",
            "containers": [["name": "main", "image": "busybox", "command": ["/bin/sh", "-c", "echo a; sleep 1.2; echo b; sleep 1.2; echo c"]]],
        ]])
        var resumed: [String] = []
        var offset = 0
        var requests = 0
        while requests < 40 {
            requests += 1
            do {
                let step = try client.followLogs(pod: "slow", namespace: ns, from: offset, timeoutMilliseconds: 700) { resumed.append($0) }
                offset = step.offset
                if step.ended { break }
            } catch let error as KubeError where error.kind == .invalid {
                KubeTestSupport.sleep(0.1)
            }
        }
        #expect(resumed == ["a", "b", "c"])
        #expect(requests >= 3, "the follow timed out and resumed")

        // The same with a KubeLogPosition (the harness ignores timestamps=true: bytes mode).
        var position = KubeLogPosition()
        var again: [String] = []
        requests = 0
        _ = try client.create(.pods, namespace: ns, ["metadata": ["name": "slow2"], "spec": [
            "restartPolicy": "Never",
            "containers": [["name": "main", "image": "busybox", "command": ["/bin/sh", "-c", "echo a; sleep 1.2; echo b; sleep 1.2; echo c"]]],
        ]])
        while requests < 40 {
            requests += 1
            do {
                if try client.followLogs(pod: "slow2", namespace: ns, position: &position, timeoutMilliseconds: 700, onLine: { again.append($0) }) { break }
            } catch let error as KubeError where error.kind == .invalid {
                KubeTestSupport.sleep(0.1)
            }
        }
        #expect(again == ["a", "b", "c"])
        #expect(position.timestamps == false)
        #expect { try client.logs(pod: "missing", namespace: ns) { _ in } } throws: { ($0 as? KubeError)?.kind == .notFound }
    }
}

/// A thread for tests (FoundationEssentials has none).
final class Thread: @unchecked Sendable {
    private var thread: pthread_t?
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            guard let arg else { return nil }
            let me = Unmanaged<Thread>.fromOpaque(arg).takeRetainedValue()
            me.body()
            return nil
        }, box)
        thread = t
    }

    func join() { if let thread { pthread_join(thread, nil) } }
}
