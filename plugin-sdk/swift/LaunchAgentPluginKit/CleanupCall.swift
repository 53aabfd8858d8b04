internal import LaunchAgentABI

extension Call {
    /// Runs `body` with a call that is never cancelled, for the clean-up a cancelled operation still owes:
    /// deleting the remote build Job it started (interfaces.md §6: "a remote build job must be deleted").
    ///
    /// Host services honour the cancellation of the call they are given, so with the operation's own call,
    /// which is cancelled by then, every clean-up request would fail before it started. This call's log and
    /// progress go to the original call; it reports no errors or results of its own (services report their
    /// failures to the sink, which the kit always passes). Bound the work with the services' own timeouts
    /// (`timeout_ms`): nothing will cancel it.
    public func withCleanupCall<R>(_ body: (Call) throws -> R) rethrows -> R {
        let stride = MemoryLayout<la_call_v1>.stride
        let storage = UnsafeMutableRawPointer.allocate(byteCount: stride + MemoryLayout<UnsafeRawPointer>.size,
                                                       alignment: MemoryLayout<la_call_v1>.alignment)
        defer { storage.deallocate() }
        var cleanup = la_call_v1()
        cleanup.struct_size = structSize(la_call_v1.self)
        cleanup.emit = { _, _ in }
        cleanup.set_error = { _, _, _, _ in }
        cleanup.is_cancelled = { _ in 0 }
        cleanup.progress = { call, fraction, message in
            guard let original = CleanupCallStorage.original(of: call) else { return }
            if hasField(original, \la_call_v1.progress), let progress = original.pointee.progress { progress(original, fraction, message) }
        }
        cleanup.log = { call, level, message in
            guard let original = CleanupCallStorage.original(of: call) else { return }
            if hasField(original, \la_call_v1.log), let log = original.pointee.log { log(original, level, message) }
        }
        storage.initializeMemory(as: la_call_v1.self, to: cleanup)
        storage.storeBytes(of: UnsafeRawPointer(raw), toByteOffset: stride, as: UnsafeRawPointer.self)
        return try body(Call(UnsafePointer(storage.assumingMemoryBound(to: la_call_v1.self))))
    }
}

/// The clean-up call is an `la_call_v1` followed by the original call's address.
private enum CleanupCallStorage {
    static func original(of call: UnsafePointer<la_call_v1>?) -> UnsafePointer<la_call_v1>? {
        guard let call else { return nil }
        let address = UnsafeRawPointer(call).load(fromByteOffset: MemoryLayout<la_call_v1>.stride, as: UnsafeRawPointer.self)
        return address.assumingMemoryBound(to: la_call_v1.self)
    }
}
