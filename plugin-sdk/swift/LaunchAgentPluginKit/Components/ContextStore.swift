/// A context-store component: content-addressed storage for build contexts, chosen by matching
/// `builder.build-context-store` against the component's URI patterns (e.g. `s3://*`, or
/// `*.blob.core.windows.net` for an https store).
///
/// Remote builders (kaniko) cannot read the agent's disk, so the host uploads each build context — a
/// deterministic `.tar.gz` — to the store under its digest and passes the URI to the builder.
///
/// Contract — what an implementation must guarantee:
/// - **Threading.** One call at a time per instance unless registered `concurrent: true`.
/// - **Content addressing.** The object for a digest is derived from the digest alone (e.g.
///   `<store>/<hex>.tar.gz`), so `exists` and `upload` agree on it, and two agents share contexts.
/// - **`verify`** checks that the bucket/container exists and is writable, without leaving objects behind.
/// - **`exists`** answers whether the context with this digest is stored *completely*; return its URI, or nil.
///   Read-only.
/// - **`upload`** stores the file at `path` (`size` bytes, `sha256:` `digest`) and returns its URI. It is
///   idempotent: uploading a digest that is already stored succeeds without sending it again. It is
///   resumable where the service allows (multipart/resumable uploads), and never leaves a partial object
///   visible under the final name. Report progress with ``Call/progress(_:_:)``; stop on cancellation.
/// - **Errors.** `.auth` (access denied), `.notFound` (bucket missing), `.io` with `retryable`, `.cancelled`.
public protocol ContextStore {
    /// Checks the bucket/container. The default throws ``PluginError/Code/unsupported``.
    func verify(_ call: Call) throws -> VerifyReport
    /// The stored context with this digest, or nil. The default throws ``PluginError/Code/unsupported``.
    func exists(_ query: ContextQuery, _ call: Call) throws -> StoredContext?
    /// Stores a context file under its digest. The default throws ``PluginError/Code/unsupported``.
    func upload(_ upload: ContextUpload, _ call: Call) throws -> StoredContext
}

extension ContextStore {
    public func verify(_ call: Call) throws -> VerifyReport {
        throw PluginError(.unsupported, "this context store offers no verify")
    }

    public func exists(_ query: ContextQuery, _ call: Call) throws -> StoredContext? {
        throw PluginError(.unsupported, "this context store cannot look up contexts")
    }

    public func upload(_ upload: ContextUpload, _ call: Call) throws -> StoredContext {
        throw PluginError(.unsupported, "this context store cannot upload contexts")
    }
}

/// `context-store.exists` request.
public struct ContextQuery: Sendable, Equatable {
    /// `sha256:<64 hex>` of the `.tar.gz`.
    public var digest: String
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(digest: String, raw: JSONValue = [:]) {
        self.digest = digest
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(digest: try request.required("digest"), raw: raw)
    }
}

/// `context-store.upload` request.
public struct ContextUpload: Sendable, Equatable {
    /// The local `.tar.gz` to upload (borrowed: do not delete it).
    public var path: String
    /// `sha256:<64 hex>` of the file.
    public var digest: String
    /// The file's size in bytes.
    public var size: Int64
    /// The whole request as received, including members newer than this kit.
    public var raw: JSONValue

    public init(path: String, digest: String, size: Int64, raw: JSONValue = [:]) {
        self.path = path
        self.digest = digest
        self.size = size
        self.raw = raw
    }

    init(reading request: inout ConfigReader, raw: JSONValue) throws {
        self.init(path: try request.required("path"), digest: try request.required("digest"),
                  size: try request.required("size"), raw: raw)
    }
}

/// A context in the store (`exists` and `upload` results).
public struct StoredContext: Sendable, Equatable {
    /// Where a builder can fetch it: `s3://bucket/prefix/<hex>.tar.gz`, `gs://…`, `https://…blob.core.windows.net/…`.
    public var uri: String

    public init(uri: String) { self.uri = uri }
}
