/// A build context ready for a builder, with the tag it should be pushed as.
public struct PreparedContext: Sendable, Equatable {
    /// The directory to build in: the source itself, or a staging copy when
    /// the Dockerfile was generated (then `isStaged`).
    public var directory: String
    /// The Dockerfile, relative to `directory`.
    public var dockerfile: String
    /// Full content hash (64 hex characters); see `ContextDigest`.
    public var digest: String
    /// The image tag: the first `ContextDigest.tagLength` characters of `digest`.
    public var tag: String
    /// SHA-256 of the deterministic tar (what a content-addressed context store keys on).
    public var tarSHA256: String
    /// The tar written in the same pass, when one was asked for.
    public var tarPath: String?
    /// Size of the tar stream in bytes (written or not).
    public var tarSize: UInt64
    /// Regular files in the context, and the sum of their sizes.
    public var fileCount: Int
    public var byteCount: UInt64
    /// External images and the digests they were hashed with.
    public var baseImages: [String: String]
    /// Whether `directory` is a staging copy owned by this value (see `removeStaging()`).
    public var isStaged: Bool
    /// Skipped special files, `ADD <url>` without a checksum, and the like.
    public var warnings: [String]

    /// Deletes the staging directory (no-op for an unstaged context). Call after the build.
    public func removeStaging() {
        if isStaged { POSIXFiles.removeTree(Array(directory.utf8)) }
    }
}

/// The result of hashing (and optionally writing) a directory's context tar.
public struct ContextHash: Sendable, Equatable {
    /// SHA-256 of the tar stream (equals `sha256sum` of the written tar).
    public var sha256: String
    public var tarSize: UInt64
    public var fileCount: Int
    public var byteCount: UInt64
    public var warnings: [String]
}
