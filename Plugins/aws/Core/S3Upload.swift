import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Uploads one context file to its content-addressed key.
///
/// - Already stored (HeadObject): nothing is sent.
/// - Up to ``Options/multipartThreshold``: one PutObject (atomic) carrying `x-amz-checksum-sha256`.
/// - Above: multipart. Parts go up in parallel on ``Options/workers`` threads, each part retried with
///   exponential backoff on retryable failures (5xx, SlowDown, dropped connections). Nothing is visible under
///   the key until CompleteMultipartUpload; on any failure or cancellation the upload is aborted.
/// - Resumable: an upload left by a crashed agent (ListMultipartUploads for the key) is continued; its parts
///   whose size matches this layout are kept (ListParts) and only the others are sent. Part layout is a
///   function of the file size alone, and the key of the content's digest, so such a part holds the same bytes.
public struct S3Uploader: Sendable {
    public struct Options: Sendable {
        /// Files up to this size go up with one PutObject.
        public var multipartThreshold: Int64 = 16 << 20
        /// The smallest part size (S3's minimum is 5 MiB); larger for files of more than 10,000 parts.
        public var partSize: Int64 = 8 << 20
        /// Parallel part uploads.
        public var workers: Int = 4
        /// Tries per request before giving up (on retryable failures only).
        public var attempts: Int = 4
        /// The first retry waits this long; each further one twice as long.
        public var backoffMilliseconds: Int = 500

        public init() {}

        /// The part size for a file of `size` bytes: ``partSize``, grown in MiB steps to stay within 10,000 parts.
        public func partSize(forFileSize size: Int64) -> Int64 {
            let mib: Int64 = 1 << 20
            let needed = (size + 9_999) / 10_000
            return max(partSize, (needed + mib - 1) / mib * mib)
        }
    }

    /// What ``upload(path:size:digest:to:)`` did.
    public enum Outcome: Sendable, Equatable {
        case alreadyStored
        case put
        /// `resumedParts` of `parts` were already stored by an earlier, interrupted upload.
        case multipart(parts: Int, resumedParts: Int)
    }

    let client: S3Client
    /// Sends the abort after a failure or cancellation: a client whose requests are not cancelled with the
    /// operation's call (nil: ``client``), so that a cancelled upload still leaves no parts behind.
    let cleanupClient: S3Client?
    let options: Options
    let isCancelled: @Sendable () -> Bool
    let progress: @Sendable (Double, String) -> Void
    let log: @Sendable (String) -> Void

    public init(client: S3Client, cleanupClient: S3Client? = nil, options: Options = Options(),
                isCancelled: @escaping @Sendable () -> Bool = { false },
                progress: @escaping @Sendable (Double, String) -> Void = { _, _ in }, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.client = client
        self.cleanupClient = cleanupClient
        self.options = options
        self.isCancelled = isCancelled
        self.progress = progress
        self.log = log
    }

    /// Stores the file at `path` (`size` bytes, `sha256:<hex>` `digest`) under `location`; returns the URI.
    public func upload(path: String, size: Int64, digest: String, to location: S3Location) throws(S3Error) -> (uri: String, outcome: Outcome) {
        let key = try location.key(forDigest: digest)
        let uri = location.uri(forKey: key)
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw S3Error(.invalidArgument, "cannot read the context file \(path): \(String(cString: strerror(errno)))")
        }
        guard Int64(st.st_size) == size else {
            throw S3Error(.invalidArgument, "the context file \(path) has \(st.st_size) bytes, not the \(size) the request says")
        }
        try checkCancelled("before looking up \(uri)")
        if try retrying("HeadObject of \(uri)", { () throws(S3Error) in try client.objectExists(location, key: key) }) {
            progress(1, "already stored at \(uri)")
            return (uri, .alreadyStored)
        }
        if size <= options.multipartThreshold {
            let sha = S3Location.hex(ofDigest: digest).flatMap { Hex.decode($0) }
            try retrying("PutObject of \(uri)") { () throws(S3Error) in
                try client.putObject(location, key: key, file: S3FileSlice(path: path, offset: 0, length: size), sha256: sha)
            }
            progress(1, "uploaded \(uri)")
            return (uri, .put)
        }
        return (uri, try multipart(path: path, size: size, location: location, key: key))
    }

    // MARK: multipart

    private final class Shared: Sendable {
        struct State {
            var next = 0
            var etags: [Int: String] = [:]
            var done: Int64 = 0
            var failure: S3Error?
        }
        let state: Mutex<State>
        init(done: Int64, etags: [Int: String]) { state = Mutex(State(etags: etags, done: done)) }
    }

    func multipart(path: String, size: Int64, location: S3Location, key: String) throws(S3Error) -> Outcome {
        let partSize = options.partSize(forFileSize: size)
        let count = Int((size + partSize - 1) / partSize)
        @Sendable func length(of number: Int) -> Int64 { min(partSize, size - Int64(number - 1) * partSize) }
        let uri = location.uri(forKey: key)

        var uploadID: String?
        var kept: [Int: String] = [:]
        if let found = try? client.multipartUploads(location, key: key).first {
            // Keep the parts of this layout; a part of another size is sent again (same number, replaced).
            if let parts = try? client.listParts(location, key: key, uploadID: found) {
                uploadID = found
                for part in parts where part.number >= 1 && part.number <= count && part.size == length(of: part.number) {
                    kept[part.number] = part.etag
                }
                log("resuming the interrupted upload of \(uri): \(kept.count) of \(count) parts already stored")
            }
        }
        let id: String
        if let uploadID { id = uploadID } else {
            id = try retrying("CreateMultipartUpload of \(uri)") { () throws(S3Error) in try client.createMultipartUpload(location, key: key) }
        }

        let todo = (1...count).filter { kept[$0] == nil }
        let resumedBytes = kept.keys.reduce(Int64(0)) { $0 + length(of: $1) }
        let shared = Shared(done: resumedBytes, etags: kept)
        progress(Double(resumedBytes) / Double(size), "uploading \(uri) in \(count) parts")
        let me = self
        S3Threads.run(min(options.workers, todo.count)) { _ in
            while true {
                let number: Int? = shared.state.withLock { s in
                    guard s.failure == nil, s.next < todo.count else { return nil }
                    defer { s.next += 1 }
                    return todo[s.next]
                }
                guard let number else { return }
                let slice = S3FileSlice(path: path, offset: Int64(number - 1) * partSize, length: length(of: number))
                do throws(S3Error) {
                    let etag = try me.retrying("UploadPart \(number) of \(count) of \(uri)") { () throws(S3Error) in
                        try me.client.uploadPart(location, key: key, uploadID: id, number: number, file: slice)
                    }
                    let done = shared.state.withLock { s in
                        s.etags[number] = etag
                        s.done += slice.length
                        return s.done
                    }
                    me.progress(Double(done) / Double(size), "uploaded part \(number) of \(count) of \(uri)")
                } catch {
                    shared.state.withLock { s in if s.failure == nil { s.failure = error } }
                    return
                }
            }
        }
        var (failure, etags) = shared.state.withLock { ($0.failure, $0.etags) }
        if failure == nil, isCancelled() { failure = S3Error(.cancelled, "the upload of \(uri) was cancelled") }
        if failure == nil {
            do {
                try retrying("CompleteMultipartUpload of \(uri)") { () throws(S3Error) in
                    try client.completeMultipartUpload(location, key: key, uploadID: id,
                                                       parts: etags.map { (number: $0.key, etag: $0.value) })
                }
                return .multipart(parts: count, resumedParts: kept.count)
            } catch {
                failure = error
            }
        }
        let error = failure ?? S3Error(.io, "the upload of \(uri) stopped without a reason")
        throw abort(location, key: key, uploadID: id, after: error)
    }

    /// Aborts the upload so that no parts stay behind, and returns `error` saying so (or saying why not).
    func abort(_ location: S3Location, key: String, uploadID: String, after error: S3Error) -> S3Error {
        var error = error
        do {
            try (cleanupClient ?? client).abortMultipartUpload(location, key: key, uploadID: uploadID)
            error.message += "; the multipart upload was aborted, nothing was stored"
        } catch let abortError {
            // S3 unreachable (or, without a cleanup client, the cancelled call refused the request): the upload
            // then stays, invisible, until a repeated upload resumes it or a lifecycle rule removes it.
            log("could not abort multipart upload \(uploadID) of s3://\(location.bucket)/\(key): \(abortError.message)")
            error.message += "; the incomplete multipart upload \(uploadID) could not be aborted (\(abortError.message)): a repeated upload resumes it, an AbortIncompleteMultipartUpload lifecycle rule removes it"
        }
        return error
    }

    // MARK: retries

    func checkCancelled(_ when: String) throws(S3Error) {
        if isCancelled() { throw S3Error(.cancelled, "the upload was cancelled \(when)") }
    }

    /// Runs `body`, repeating it on retryable failures up to ``Options/attempts`` times with exponential backoff.
    func retrying<T>(_ what: String, _ body: () throws(S3Error) -> T) throws(S3Error) -> T {
        var attempt = 1
        while true {
            if isCancelled() { throw S3Error(.cancelled, "the upload was cancelled during \(what)") }
            do {
                return try body()
            } catch {
                if isCancelled() { throw S3Error(.cancelled, "the upload was cancelled during \(what)") }
                guard error.retryable, attempt < options.attempts else {
                    var final = error
                    if attempt > 1 { final.message += " (gave up after \(attempt) attempts)" }
                    throw final
                }
                let wait = options.backoffMilliseconds << (attempt - 1)
                log("\(what) failed (attempt \(attempt) of \(options.attempts)), retrying in \(wait) ms: \(error.message)")
                S3Threads.sleep(milliseconds: wait, stop: isCancelled)
                attempt += 1
            }
        }
    }
}
