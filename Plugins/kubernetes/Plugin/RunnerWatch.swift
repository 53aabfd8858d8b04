import KubeCore
import LaunchAgentPluginKit

/// `watch`: follows the Job and its pods until the Job ends, copying each pod's log into the job log.
///
/// One loop, safe to start again at any point (after an agent restart): read the Job (gone → `lost`, or
/// `cancelled` when this agent or any other cancelled it), list its pods, follow the log of each pod that has
/// started and was not followed yet, then either report how the Job ended or wait for the next change with a
/// watch from the resourceVersion just read (pods while any is pending, else the Job). An expired
/// resourceVersion (410) or a closed watch simply goes round the loop, which reads the current state again.
extension KubernetesRunner {
    func watch(_ request: WatchRequest, _ call: Call) throws -> RunOutcome {
        let handle = try RunnerHandle(request.handle)
        let client = try connection.client(call)
        var followed: Set<String> = []
        var lastJob: KubeJSON?
        var said: String?
        let podSelector = "job-name=\(handle.job)"
        do {
            while true {
                try call.checkCancellation()
                guard let job = try client.getIfExists(.jobs, handle.job, namespace: handle.namespace),
                      handle.uid == nil || job["metadata", "uid"]?.stringValue == handle.uid else {
                    return gone(handle, lastJob)
                }
                lastJob = job
                if job["metadata", "deletionTimestamp"] != nil, job["metadata", "annotations", RunnerJob.cancelledAnnotation] != nil {
                    return RunOutcome(state: .cancelled, reason: "cancelled: job \(handle.key) deleted")
                }
                let pods = try client.list(.pods, namespace: handle.namespace, labelSelector: podSelector)
                let ordered = pods.items.sorted {
                    ($0["metadata", "creationTimestamp"]?.stringValue ?? "", $0["metadata", "name"]?.stringValue ?? "")
                        < ($1["metadata", "creationTimestamp"]?.stringValue ?? "", $1["metadata", "name"]?.stringValue ?? "")
                }
                var progressed = false
                for pod in ordered {
                    guard let name = pod["metadata", "name"]?.stringValue, !followed.contains(name), Self.hasStarted(pod) else { continue }
                    let state = "running: pod \(name)\(pod["spec", "nodeName"]?.stringValue.map { " on \($0)" } ?? "")"
                    if said != state {
                        said = state
                        call.progress(nil, "running")
                        call.log(state, level: .debug)
                    }
                    if try followLog(client, pod: name, namespace: handle.namespace, jobName: handle.job, call: call) {
                        followed.insert(name)
                        progressed = true
                    }
                }
                if let outcome = Self.outcome(job, pods: ordered) {
                    try? deleteSecrets(client, handle)
                    return outcome
                }
                if progressed { continue }
                if said == nil {
                    said = "pending"
                    call.progress(nil, "pending")
                }
                // Wait for the next change: pods while one is yet to start (or none exists), else the Job.
                let waitingForPods = ordered.isEmpty || ordered.contains { !Self.hasStarted($0) }
                    || ordered.contains { !followed.contains($0["metadata", "name"]?.stringValue ?? "") }
                do {
                    if waitingForPods {
                        _ = try client.watch(.pods, namespace: handle.namespace, labelSelector: podSelector,
                                             resourceVersion: pods.resourceVersion, timeoutSeconds: 10) { _ in false }
                    } else {
                        _ = try client.watch(.jobs, namespace: handle.namespace, fieldSelector: "metadata.name=\(handle.job)",
                                             resourceVersion: job["metadata", "resourceVersion"]?.stringValue, timeoutSeconds: 10) { _ in false }
                    }
                } catch let error as KubeError where error.kind == .expired {
                    // Read the current state again (the loop does).
                }
            }
        } catch let error as KubeError {
            throw error.pluginError
        }
    }

    /// Follows one pod's log to its end, in bounded requests (10 s) so that a quiet or stuck stream cannot
    /// hide the Job ending or being deleted. False when the container has not started yet (400), so it is tried
    /// again; a pod deleted meanwhile counts as done.
    func followLog(_ client: KubeClient, pod: String, namespace: String, jobName: String, call: Call) throws -> Bool {
        var position = KubeLogPosition()
        do {
            while true {
                if try client.followLogs(pod: pod, namespace: namespace, position: &position, timeoutMilliseconds: 10_000, onLine: { call.log($0) }) {
                    return true
                }
                try call.checkCancellation()
                // Time is up with the stream still open: go on only while the pod can still write.
                let current = try client.getIfExists(.jobs, jobName, namespace: namespace)
                let podState = try client.list(.pods, namespace: namespace, fieldSelector: "metadata.name=\(pod)").items.first
                let podDone = podState == nil || ["Succeeded", "Failed"].contains(podState?["status", "phase"]?.stringValue ?? "")
                if current == nil || current.map({ Self.outcome($0, pods: []) != nil }) == true || podDone {
                    // The rest of what it wrote, without the part already copied.
                    if podState != nil {
                        _ = try client.followLogs(pod: pod, namespace: namespace, position: &position, follow: false,
                                                  timeoutMilliseconds: 30_000, onLine: { call.log($0) })
                    }
                    return true
                }
            }
        } catch let error as KubeError where error.kind == .invalid && position == KubeLogPosition() {
            return false
        } catch let error as KubeError where error.kind == .notFound {
            return true
        }
    }

    /// The Job is gone: cancelled if this agent (or another, by the annotation) cancelled it, else lost.
    func gone(_ handle: RunnerHandle, _ last: KubeJSON?) -> RunOutcome {
        if Self.cancelledHandles.withLock({ $0.contains(handle.key) }) || last?["metadata", "annotations", RunnerJob.cancelledAnnotation] != nil {
            return RunOutcome(state: .cancelled, reason: "cancelled: job \(handle.key) deleted")
        }
        return RunOutcome(state: .lost, reason: "job \(handle.key) no longer exists (deleted outside the agent, or removed by ttlSecondsAfterFinished)")
    }

    /// A pod whose container has started (or ended): its log can be read.
    static func hasStarted(_ pod: KubeJSON) -> Bool {
        switch pod["status", "phase"]?.stringValue {
        case "Running", "Succeeded", "Failed": return true
        default:
            return (pod["status", "containerStatuses"]?.arrayValue ?? []).contains {
                $0["state", "running"] != nil || $0["state", "terminated"] != nil
            }
        }
    }

    /// How the Job ended, or nil while it runs. `pods` oldest first.
    static func outcome(_ job: KubeJSON, pods: [KubeJSON]) -> RunOutcome? {
        let conditions = job["status", "conditions"]?.arrayValue ?? []
        func condition(_ type: String) -> KubeJSON? {
            conditions.first { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        let last = pods.last
        let terminated = last?["status", "containerStatuses"]?.arrayValue?.first?["state", "terminated"]
        let exitCode = terminated?["exitCode"]?.intValue
        if condition("Complete") != nil { return RunOutcome(state: .finished, exitCode: exitCode ?? 0) }
        guard let failed = condition("Failed") else { return nil }
        // Preempted: the pod was disrupted (preemption, eviction, node drain), not the program failing.
        for pod in pods.reversed() {
            let podReason = pod["status", "reason"]?.stringValue
            let disruption = (pod["status", "conditions"]?.arrayValue ?? []).first {
                $0["type"]?.stringValue == "DisruptionTarget" && $0["status"]?.stringValue == "True"
            }
            if disruption != nil || podReason == "Evicted" || podReason == "Preempting" {
                let why = disruption?["reason"]?.stringValue ?? podReason ?? "disrupted"
                let message = disruption?["message"]?.stringValue ?? pod["status", "message"]?.stringValue
                return RunOutcome(state: .preempted, exitCode: exitCode,
                                  reason: "pod \(pod["metadata", "name"]?.stringValue ?? "?") \(why)\(message.map { ": \($0)" } ?? "")")
            }
        }
        let reason = failed["reason"]?.stringValue ?? "Failed"
        let message = failed["message"]?.stringValue
        if reason == "DeadlineExceeded" {
            let limit = job["spec", "activeDeadlineSeconds"]?.intValue.map { " (activeDeadlineSeconds \($0))" } ?? ""
            return RunOutcome(state: .failed, exitCode: exitCode, reason: "DeadlineExceeded: the job ran longer than its deadline\(limit)")
        }
        if let exitCode {
            let why = terminated?["reason"]?.stringValue.map { " (\($0))" } ?? ""
            return RunOutcome(state: .failed, exitCode: exitCode, reason: "exit code \(exitCode)\(why); \(reason)\(message.map { ": \($0)" } ?? "")")
        }
        return RunOutcome(state: .failed, reason: "\(reason)\(message.map { ": \($0)" } ?? "")")
    }
}
