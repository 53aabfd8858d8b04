import KubeCore
import LaunchAgentPluginKit

/// Streams the build pod's log into the job log while kaniko runs (W&B read it only at the end).
///
/// Sequential, without helper threads: watch the Job's pods until one has started, then follow its log
/// (`follow=true`, resumable) until the container ends. While waiting for a pod it also looks at the Job at each watch
/// reconnect (every 5 s), so a Job that fails with its pod still Pending (image pull errors, deadline) is not
/// waited on. When no pod started, or the stream broke off, the builder copies the (rest of the) log after the Job
/// ends instead.
struct KanikoLogFollower {
    let client: KubeClient
    let call: Call
    let namespace: String
    let jobName: String
    let jobUID: String
    let deadlineSeconds: Int

    /// What was streamed: the pod, its lines, where the stream stopped, and whether it reached the end.
    struct Followed {
        var pod: String
        var lines: [String] = []
        var position = KubeLogPosition()
        var complete = false
    }

    /// The pod followed and what it logged; nil when no pod started. Each request is bounded (30 s) and resumed
    /// from its ``KubeLogPosition``, so a dropped or stalled stream neither hangs the build nor repeats lines.
    func run() throws -> Followed? {
        guard let pod = try startedPod() else { return nil }
        var followed = Followed(pod: pod)
        var failures = 0
        while !followed.complete {
            do {
                followed.complete = try client.followLogs(pod: pod, namespace: namespace, position: &followed.position,
                                                          timeoutMilliseconds: 30_000) { line in
                    followed.lines.append(line)
                    call.log(line)
                }
                if !followed.complete, jobEnded() { break }
            } catch let error as KubeError where error.kind == .cancelled {
                throw PluginError(.cancelled, "the build was cancelled")
            } catch let error as KubeError where error.kind == .io && error.retryable && failures < 5 {
                failures += 1
                KubeClock.sleep(seconds: 1)
            } catch {
                call.log("stopped following the log of pod \(namespace)/\(pod) (\(error)); the rest is copied when the build ends", level: .debug)
                break
            }
        }
        return followed
    }

    /// The first pod of the Job whose container has started (or already ended).
    private func startedPod() throws -> String? {
        let giveUp = KubeClock.now() + Double(deadlineSeconds) + 60
        var found: String?
        let look = { (pods: [KubeJSON]) -> Bool in
            found = pods.first(where: Self.hasStarted)?["metadata", "name"]?.stringValue
            return found == nil
        }
        do {
            try client.listWatch(.pods, namespace: namespace, labelSelector: "controller-uid=\(jobUID)", timeoutSeconds: 5,
                                 isCancelled: { call.isCancelled || KubeClock.now() > giveUp || jobEnded() },
                                 onList: { look($0.items) },
                                 onEvent: { event in event.type == .deleted ? true : look([event.object]) })
        } catch let error as KubeError where error.kind == .cancelled {
            if call.isCancelled { throw PluginError(.cancelled, "the build was cancelled") }
            return nil
        } catch {
            return nil
        }
        return found
    }

    private func jobEnded() -> Bool {
        do {
            guard let job = try client.getIfExists(.jobs, jobName, namespace: namespace) else { return true }
            return KanikoJobWatch.outcome(of: job) != nil
        } catch {
            return false
        }
    }

    /// Running, Succeeded or Failed, or a container that is running or terminated: its log can be read.
    static func hasStarted(_ pod: KubeJSON) -> Bool {
        switch pod["status", "phase"]?.stringValue {
        case "Running", "Succeeded", "Failed": return true
        default:
            let state = pod["status", "containerStatuses"]?.arrayValue?.first?["state"]
            return state?["running"] != nil || state?["terminated"] != nil
        }
    }
}
