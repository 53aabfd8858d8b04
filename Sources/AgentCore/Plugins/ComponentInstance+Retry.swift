#if canImport(Glibc)
import Glibc
#endif

extension ComponentInstance {
    /// Calls an idempotent `operation`, repeating it while the plugin reports
    /// a failure with `"retryable": true` (throttling, 5xx, a dropped
    /// connection), up to `attempts` calls in all, with growing pauses.
    ///
    /// The plugin decides what is retryable (interfaces.md §1); the host only
    /// repeats operations whose contract makes a repeat safe. A cancelled
    /// call is never repeated. Each retry is logged through `onLog`.
    public func callRetrying(
        _ operation: String, request: JSONValue, attempts: Int = 3, timeoutSeconds: Double = 3600,
        cancellation: CallCancellation? = nil,
        onLog: @escaping @Sendable (AgentLog.Level, String) -> Void = { AgentLog.shared.log($0, $1) },
        onProgress: @escaping @Sendable (Double, String) -> Void = { _, _ in }
    ) throws(PluginCallError) -> JSONValue {
        var attempt = 1
        while true {
            do {
                return try call(operation, request: request, timeoutSeconds: timeoutSeconds, cancellation: cancellation,
                                onLog: onLog, onProgress: onProgress)
            } catch {
                guard error.retryable, attempt < attempts, cancellation?.isCancelled != true else { throw error }
                let pause = Self.backoff(attempt)
                onLog(.warning, "\(label) \(operation) failed (\(error.message)); retrying in \(Int(pause)) s (attempt \(attempt + 1) of \(attempts))")
                guard Self.sleep(pause, cancellation) else { throw error }
                attempt += 1
            }
        }
    }

    /// 2 s, 4 s, 8 s, … capped at 30 s.
    static func backoff(_ attempt: Int) -> Double { min(30, Double(1 << min(attempt, 5))) }

    /// Sleeps, waking early when cancelled; false when it was.
    private static func sleep(_ seconds: Double, _ cancellation: CallCancellation?) -> Bool {
        var left = seconds
        while left > 0 {
            if cancellation?.isCancelled == true { return false }
            let step = min(left, 0.1)
            var ts = timespec(tv_sec: 0, tv_nsec: Int(step * 1e9))
            nanosleep(&ts, nil)
            left -= step
        }
        return cancellation?.isCancelled != true
    }
}
