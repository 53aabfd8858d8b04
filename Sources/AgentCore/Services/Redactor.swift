import LaunchAgentABI
import Synchronization

/// The set of values (passwords, tokens, keys) the agent must never print.
///
/// Every log line and every error message that leaves the agent passes
/// through `redact`, so a secret registered once — by the host or by a plugin
/// through `la_secrets_v1` — stays out of logs from then on. Matching is on
/// UTF-8 bytes, not `Character`s, so a secret is found wherever its bytes
/// occur, whatever grapheme clusters surround it.
public final class Redactor: Sendable {
    /// The process-wide set used by the log, the services and the plugin ABI.
    public static let shared = Redactor()

    /// What replaces each secret.
    public static let placeholder = "[REDACTED]"

    /// Values shorter than this are ignored: redacting "a" or "ok" would
    /// shred every message while protecting nothing.
    public static let minimumLength = 4

    /// Kept sorted longest first and without duplicates. `redact` copies the
    /// array out under the lock (a reference-count bump) and scans unlocked.
    private let secrets = Mutex<[[UInt8]]>([])

    public init() {}

    /// Registers `secret`; values shorter than `minimumLength` bytes are ignored.
    public func register(_ secret: String) {
        register(bytes: Array(secret.utf8))
    }

    /// Registers raw bytes (as plugins hand them over, not necessarily UTF-8).
    public func register(bytes secret: [UInt8]) {
        guard secret.count >= Redactor.minimumLength else { return }
        secrets.withLock { list in
            guard !list.contains(secret) else { return }
            let index = list.firstIndex { $0.count < secret.count } ?? list.endIndex
            list.insert(secret, at: index)
        }
    }

    /// How many distinct secrets are registered.
    public var count: Int { secrets.withLock { $0.count } }

    /// `text` with every occurrence of every registered secret replaced by
    /// `[REDACTED]`.
    ///
    /// All occurrences of all secrets are marked first and the marked bytes
    /// are then replaced together, so overlapping secrets ("abcdef" and
    /// "defghi" in "abcdefghi") leave no tail behind, and a short secret can
    /// never match inside the placeholder a longer one left.
    public func redact(_ text: String) -> String {
        let snapshot = secrets.withLock { $0 }
        guard !snapshot.isEmpty, !text.isEmpty else { return text }
        var text = text
        return text.withUTF8 { bytes in
            var masked = [Bool](repeating: false, count: bytes.count)
            var any = false
            for secret in snapshot where secret.count <= bytes.count {
                secret.withUnsafeBufferPointer { needle in
                    var start = 0
                    while let hit = Redactor.find(needle, in: bytes, from: start) {
                        for i in hit..<(hit + needle.count) { masked[i] = true }
                        any = true
                        start = hit + 1
                    }
                }
            }
            guard any else { return String(decoding: bytes, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                if masked[i] {
                    out.append(contentsOf: Redactor.placeholder.utf8)
                    while i < bytes.count, masked[i] { i += 1 }
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The first index at or after `from` where `needle` occurs in `haystack`.
    private static func find(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        let first = needle[0]
        let last = haystack.count - needle.count
        var i = from
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

// MARK: - The plugin-facing table

extension Redactor {
    /// The `la_secrets_v1` table offered as `LA_SERVICE_SECRETS`. Allocated
    /// once and never freed: the header promises service tables live for the
    /// whole process.
    nonisolated(unsafe) public static let secretsTable: UnsafePointer<la_secrets_v1> = {
        let table = UnsafeMutablePointer<la_secrets_v1>.allocate(capacity: 1)
        table.initialize(to: la_secrets_v1())
        table.pointee.struct_size = UInt32(MemoryLayout<la_secrets_v1>.size)
        table.pointee.register_secret = { _, value in
            // Borrowed for the call only: copy the bytes before returning.
            guard value.len > 0, let ptr = value.ptr else { return }
            let bytes = UnsafeRawBufferPointer(start: ptr, count: Int(value.len))
            Redactor.shared.register(bytes: Array(bytes))
        }
        return UnsafePointer(table)
    }()
}
