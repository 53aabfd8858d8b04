/// The answer of `RegistryClient.manifestExists`.
///
/// `exists` is true only when the registry answered 200 for the manifest and,
/// when platforms were asked for, the image covers every one of them.
public struct ExistsResult: Sendable, Equatable {
    public var exists: Bool
    /// `Docker-Content-Digest` of the manifest (for an index, the index's digest).
    public var digest: String?
    /// The manifest's media type (OCI or Docker, image or index).
    public var mediaType: String?
    /// Why `exists` is false, e.g. `index lacks linux/arm64`.
    public var reason: String?
    /// The platforms the image provides, when they were looked up.
    public var platforms: [Platform]

    public init(exists: Bool, digest: String? = nil, mediaType: String? = nil, reason: String? = nil, platforms: [Platform] = []) {
        self.exists = exists
        self.digest = digest
        self.mediaType = mediaType
        self.reason = reason
        self.platforms = platforms
    }
}
