import LaunchAgentABI
import Synchronization

/// The host side of one `la_call_v1`: collects what a plugin emits, the error
/// it sets, and carries the cancellation flag, for exactly one operation.
///
/// Every callback may arrive on any plugin thread while the operation runs,
/// so all state sits behind a mutex. The C struct lives as long as this
/// object; the plugin may use it only until the operation returns.
final class HostCall: @unchecked Sendable {
    /// What a plugin reported with `set_error`.
    struct ReportedError: Sendable {
        var code: Int32
        var message: String
        var details: String
    }

    private struct State {
        var result: [UInt8] = []
        var error: ReportedError?
        var overflowed = false
    }

    private let state = Mutex(State())
    private let cancelled = Atomic<UInt32>(0)
    private let external: CallCancellation?
    private let onLog: @Sendable (AgentLog.Level, String) -> Void
    private let onProgress: @Sendable (Double, String) -> Void
    /// Emitted results beyond this size are an error: a plugin that streams
    /// garbage must not exhaust the host's memory.
    let resultLimit: Int
    let raw: UnsafeMutablePointer<la_call_v1>

    init(
        resultLimit: Int = 64 << 20,
        cancellation: CallCancellation? = nil,
        onLog: @escaping @Sendable (AgentLog.Level, String) -> Void = { AgentLog.shared.log($0, $1) },
        onProgress: @escaping @Sendable (Double, String) -> Void = { _, _ in }
    ) {
        self.resultLimit = resultLimit
        self.external = cancellation
        self.onLog = onLog
        self.onProgress = onProgress
        raw = .allocate(capacity: 1)
        raw.initialize(to: la_call_v1())
        raw.pointee.struct_size = UInt32(MemoryLayout<la_call_v1>.size)
        raw.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
        raw.pointee.emit = { call, chunk in HostCall.from(call)?.append(chunk) }
        raw.pointee.set_error = { call, code, message, details in
            HostCall.from(call)?.setError(code, String(message), String(details))
        }
        raw.pointee.is_cancelled = { call in HostCall.from(call)?.isCancelled == true ? 1 : 0 }
        raw.pointee.progress = { call, fraction, message in
            HostCall.from(call)?.onProgress(fraction, String(message))
        }
        raw.pointee.log = { call, level, message in
            HostCall.from(call)?.onLog(AgentLog.Level(rawValue: level) ?? .info, String(message))
        }
    }

    deinit { raw.deallocate() }

    static func from(_ call: UnsafePointer<la_call_v1>?) -> HostCall? {
        guard let data = call?.pointee.host_data else { return nil }
        return Unmanaged<HostCall>.fromOpaque(data).takeUnretainedValue()
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) != 0 || external?.isCancelled == true }

    /// Asks the plugin to stop; it sees this through `is_cancelled`.
    func cancel() { cancelled.store(1, ordering: .releasing) }

    var result: [UInt8] { state.withLock { $0.result } }
    var error: ReportedError? { state.withLock { $0.error } }
    var overflowed: Bool { state.withLock { $0.overflowed } }

    private func append(_ chunk: la_str) {
        guard chunk.len > 0, let ptr = chunk.ptr else { return }
        let buffer = UnsafeRawBufferPointer(start: ptr, count: Int(chunk.len))
        state.withLock { s in
            if s.result.count + buffer.count > resultLimit {
                s.overflowed = true
                return
            }
            s.result.append(contentsOf: buffer)
        }
    }

    private func setError(_ code: Int32, _ message: String, _ details: String) {
        state.withLock { $0.error = ReportedError(code: code, message: message, details: details) }
    }
}

extension String {
    /// Copies a borrowed `la_str` (invalid UTF-8 is repaired, never trusted).
    init(_ s: la_str) {
        guard s.len > 0, let ptr = s.ptr else { self = ""; return }
        self = String(decoding: UnsafeRawBufferPointer(start: ptr, count: Int(s.len)), as: UTF8.self)
    }
}

/// Calls `body` with an `la_str` borrowing the UTF-8 of `string`.
func withLaStr<R>(_ string: String, _ body: (la_str) throws -> R) rethrows -> R {
    var copy = string
    return try copy.withUTF8 { buf in
        try buf.withMemoryRebound(to: CChar.self) { chars in
            try body(la_str(ptr: chars.baseAddress, len: UInt64(chars.count)))
        }
    }
}

/// Lets the host stop a plugin operation from another thread: the plugin sees
/// it through `la_call_v1.is_cancelled`. One flag may serve several calls
/// (every operation of one job).
public final class CallCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .releasing) }
    public var isCancelled: Bool { flag.load(ordering: .acquiring) }
}
