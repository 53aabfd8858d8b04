import KubeCore
import LaunchAgentPluginKit

/// Waits for a kaniko Job to end: a list, then a watch from its resourceVersion (re-listed after a 410,
/// reconnected when the server closes it), until the Job has a Complete or Failed condition.
///
/// The cluster enforces the deadline (activeDeadlineSeconds → Failed, DeadlineExceeded); the agent waits a
/// minute longer than that for a Job the cluster never started (no capacity), then gives up itself.
struct KanikoJobWatch {
    enum Outcome: Equatable {
        case succeeded
        case failed(reason: String?, message: String?)
        case timedOut
        case deleted
    }

    let client: KubeClient
    let call: Call
    let namespace: String
    let name: String
    let deadlineSeconds: Int

    func wait() throws -> Outcome {
        let giveUp = KubeClock.now() + Double(deadlineSeconds) + 60
        var outcome: Outcome?
        let observe = { (job: KubeJSON) -> Bool in
            outcome = Self.outcome(of: job)
            return outcome == nil
        }
        do {
            try client.listWatch(.jobs, namespace: namespace, fieldSelector: "metadata.name=\(name)", timeoutSeconds: 10,
                                 isCancelled: { call.isCancelled || KubeClock.now() > giveUp },
                                 onList: { list in
                                     guard let job = list.items.first else {
                                         outcome = .deleted
                                         return false
                                     }
                                     return observe(job)
                                 },
                                 onEvent: { event in
                                     if event.type == .deleted {
                                         outcome = .deleted
                                         return false
                                     }
                                     return observe(event.object)
                                 })
        } catch let error as KubeError where error.kind == .cancelled {
            if call.isCancelled { throw PluginError(.cancelled, "the build was cancelled") }
            return .timedOut
        } catch let error as KubeError {
            throw KanikoBuildRun.pluginError(error, doing: "watch the build Job \(namespace)/\(name)")
        }
        return outcome ?? .timedOut
    }

    /// The Job's end state from its conditions (Complete / Failed with status True), or nil while it runs.
    static func outcome(of job: KubeJSON) -> Outcome? {
        for condition in job["status", "conditions"]?.arrayValue ?? [] where condition["status"]?.stringValue == "True" {
            switch condition["type"]?.stringValue {
            case "Complete": return .succeeded
            case "Failed": return .failed(reason: condition["reason"]?.stringValue, message: condition["message"]?.stringValue)
            default: continue
            }
        }
        return nil
    }
}
