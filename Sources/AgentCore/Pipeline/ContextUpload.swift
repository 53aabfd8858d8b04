import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Puts a job's build context into the configured context store
/// (`builder.build-context-store`) for remote builders such as kaniko, and
/// says where it is.
///
/// The object is the deterministic context tar, gzipped, keyed by the
/// SHA-256 of the `.tar.gz`: the same source gives the same object, so a
/// context already in the store is not sent again (`exists` before `upload`).
struct ContextUpload {
    let runtime: AgentRuntime
    let section: PluginSection
    let jobID: String
    let log: JobLog
    let cancellation: CallCancellation

    /// Writes, compresses and stores the context of `prepared`; returns the store's URI for it.
    func run(_ prepared: PreparedContext) throws -> String {
        let dir = runtime.queue.stateDirectory + "/contexts"
        mkdir(dir, 0o700)
        let tar = "\(dir)/\(jobID).tar", gz = "\(dir)/\(jobID).tar.gz"
        defer {
            unlink(tar)
            unlink(gz)
        }
        let written = try BuildContext.writeTar(directory: prepared.directory, dockerfile: prepared.dockerfile, to: tar)
        guard written.sha256 == prepared.tarSHA256 else {
            throw ContextUploadError(message: "the source changed while the job was being prepared (the context no longer matches tag \(prepared.tag)); submit the job again")
        }
        let packed = try GzipFile.compress(tar, to: gz)
        unlink(tar)
        let digest = "sha256:" + packed.sha256
        let store = try ComponentFactory.create(section, from: runtime.plugins)
        let found = try store.callRetrying("exists", request: .object(["digest": .string(digest)]), timeoutSeconds: 120,
                                           cancellation: cancellation, onLog: log.sink("build"))
        if found["exists"]?.boolValue == true, let uri = found["uri"]?.stringValue {
            log.write("build", "context \(digest) already in the store: \(uri)")
            return uri
        }
        log.write("build", "uploading context \(digest) (\(packed.size) bytes gzipped) with \(store.label)")
        let reported = Deciles()
        let result = try store.callRetrying("upload", request: .object([
            "path": .string(gz), "digest": .string(digest), "size": .int(Int64(packed.size)),
        ]), timeoutSeconds: 6 * 3600, cancellation: cancellation, onLog: log.sink("build"), onProgress: { fraction, _ in
            if let decile = reported.next(fraction) { log.write("build", "context upload \(decile * 10)%") }
        })
        guard let uri = result["uri"]?.stringValue, !uri.isEmpty else {
            throw ContextUploadError(message: "\(store.label) reported success without the object's uri (a plugin bug)")
        }
        log.write("build", "context stored at \(uri)")
        return uri
    }
}

/// Turns a stream of progress fractions into at most eleven log lines.
private final class Deciles: Sendable {
    private let last = Mutex(-1)

    /// The new decile reached by `fraction`, or nil when it is the same (or unknown).
    func next(_ fraction: Double) -> Int? {
        guard fraction >= 0 else { return nil }
        let decile = min(10, Int(fraction * 10))
        return last.withLock { last in
            guard decile > last else { return nil }
            last = decile
            return decile
        }
    }
}

/// A context upload failed for a reason of the host's own.
struct ContextUploadError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
