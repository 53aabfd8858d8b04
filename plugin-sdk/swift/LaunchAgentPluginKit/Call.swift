internal import LaunchAgentABI

/// The host's side of one operation: cancellation, progress and log lines.
///
/// The kit hands a `Call` to every component method (and to the factory that creates a component). It wraps
/// the `la_call_v1` the host made for this one operation, so:
///
/// - it is valid only until the method returns: never store it, and join any helper thread that uses it
///   before returning;
/// - while the method runs, every member may be used from any thread.
///
/// Results and errors do not go through `Call`: return the result, throw a ``PluginError``.
public struct Call: @unchecked Sendable {
    let raw: UnsafePointer<la_call_v1>

    init(_ raw: UnsafePointer<la_call_v1>) { self.raw = raw }

    /// True once the host wants the operation to stop (job cancelled, agent shutting down, deadline).
    /// Poll it in long loops and between steps, then throw ``PluginError/Code/cancelled`` soon after — or
    /// call ``checkCancellation()``, which does both.
    public var isCancelled: Bool {
        guard hasField(raw, \la_call_v1.is_cancelled), let isCancelled = raw.pointee.is_cancelled else { return false }
        return isCancelled(raw) != 0
    }

    /// Throws `PluginError(.cancelled, …)` when ``isCancelled`` is true.
    public func checkCancellation() throws {
        if isCancelled { throw PluginError(.cancelled, "the operation was cancelled") }
    }

    /// Reports progress: `fraction` in 0...1, or nil when unknown, and a short message ("pushing layer 3/7").
    public func progress(_ fraction: Double?, _ message: String = "") {
        guard hasField(raw, \la_call_v1.progress), let progress = raw.pointee.progress else { return }
        let value = fraction.map { min(max($0, 0), 1) } ?? -1
        message.withLAStr { progress(raw, value, $0) }
    }

    /// Writes a line to the log of the job this operation works for (build output, runner output); outside a
    /// job it goes to the agent log. The host redacts registered secrets before writing.
    public func log(_ message: String, level: LogLevel = .info) {
        guard hasField(raw, \la_call_v1.log), let log = raw.pointee.log else { return }
        message.withLAStr { log(raw, level.rawValue, $0) }
    }

    /// Appends `json` to the result (the kit calls this once with the serialized result).
    func emit(_ json: String) {
        guard hasField(raw, \la_call_v1.emit), let emit = raw.pointee.emit else { return }
        json.withLAStr { emit(raw, $0) }
    }

    /// Records `error` on the call.
    func setError(_ error: PluginError) {
        guard hasField(raw, \la_call_v1.set_error), let setError = raw.pointee.set_error else { return }
        let details = error.detailsJSON.serialized
        error.message.withLAStr { message in
            details.withLAStr { details in setError(raw, error.code.rawValue, message, details) }
        }
    }
}
