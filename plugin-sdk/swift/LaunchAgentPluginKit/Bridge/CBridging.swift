internal import LaunchAgentABI

/// True when the ABI struct behind `pointer` is large enough to hold `field` — the Swift form of
/// `LA_HAS_FIELD`. Every ABI struct starts with its `uint32_t struct_size`.
func hasField<T, F>(_ pointer: UnsafePointer<T>, _ field: KeyPath<T, F>) -> Bool {
    guard let offset = MemoryLayout<T>.offset(of: field) else { return false }
    let size = UnsafeRawPointer(pointer).load(as: UInt32.self)
    return Int(size) >= offset + MemoryLayout<F>.size
}

/// The `struct_size` value for an ABI struct this kit fills.
func structSize<T>(_: T.Type) -> UInt32 { UInt32(MemoryLayout<T>.size) }

extension String {
    /// Decodes a borrowed `la_str` (invalid UTF-8 is repaired, never trusted).
    init(_ str: la_str) {
        guard let ptr = str.ptr, str.len > 0 else { self = ""; return }
        self = String(decoding: UnsafeRawBufferPointer(start: ptr, count: Int(str.len)), as: UTF8.self)
    }

    /// Calls `body` with this string as a borrowed `la_str` (valid only inside `body`).
    func withLAStr<R>(_ body: (la_str) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { buffer in
            try body(la_str(ptr: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                            len: UInt64(buffer.count)))
        }
    }
}

extension Array where Element == UInt8 {
    /// Calls `body` with these bytes as a borrowed `la_str`.
    func withLAStr<R>(_ body: (la_str) throws -> R) rethrows -> R {
        try withUnsafeBytes { buffer in
            try body(la_str(ptr: buffer.baseAddress?.assumingMemoryBound(to: CChar.self), len: UInt64(buffer.count)))
        }
    }
}

extension la_str {
    /// The bytes as a borrowed buffer.
    var rawBuffer: UnsafeRawBufferPointer {
        guard let ptr, len > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: ptr, count: Int(len))
    }
}

/// A NUL-terminated copy of `string` that is never freed: for the static descriptor.
func immortalCString(_ string: String) -> UnsafePointer<CChar> {
    let utf8 = Array(string.utf8)
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
    for (i, byte) in utf8.enumerated() { buffer[i] = CChar(bitPattern: byte) }
    buffer[utf8.count] = 0
    return UnsafePointer(buffer)
}

/// Reads a NUL-terminated C string, or nil.
func stringFromC(_ pointer: UnsafePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    return String(cString: pointer)
}
