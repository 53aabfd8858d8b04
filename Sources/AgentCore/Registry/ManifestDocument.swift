/// The parts of a manifest the existence check reads: is it an index, which
/// platforms does it list, and which config blob does an image point at.
struct ManifestDocument {
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    /// The Accept header of every manifest request: images and indexes, OCI and Docker.
    static let accept = [ociIndex, ociManifest, dockerList, dockerManifest].joined(separator: ", ")

    var mediaType: String?
    var isIndex: Bool
    /// Platforms an index lists (entries without a platform are skipped).
    var platforms: [Platform] = []
    /// An image manifest's config blob digest.
    var configDigest: String?

    static func isIndex(mediaType: String?) -> Bool { mediaType == ociIndex || mediaType == dockerList }

    /// `Content-Type` without parameters, lower case.
    static func mediaType(contentType: String?) -> String? {
        guard let value = contentType?.split(separator: ";").first else { return nil }
        let trimmed = String(value.filter { $0 != " " && $0 != "\t" }).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Parses `body`; nil when it is not a JSON manifest.
    init?(body: [UInt8], contentType: String?) {
        guard let json = try? JSONValue(parsing: body), case .object = json else { return nil }
        let declared = json["mediaType"]?.stringValue ?? ManifestDocument.mediaType(contentType: contentType)
        mediaType = declared
        if let manifests = json["manifests"]?.arrayValue, ManifestDocument.isIndex(mediaType: declared) || json["config"] == nil {
            isIndex = true
            platforms = manifests.compactMap { entry in
                guard let p = entry["platform"], let os = p["os"]?.stringValue, let arch = p["architecture"]?.stringValue else { return nil }
                return Platform(os: os, architecture: arch, variant: p["variant"]?.stringValue)
            }
        } else if let digest = json["config"]?["digest"]?.stringValue {
            isIndex = false
            configDigest = digest
        } else {
            return nil
        }
    }

    /// The platform an image config blob declares (`os`, `architecture`, `variant`).
    static func platform(ofConfig body: [UInt8]) -> Platform? {
        guard let json = try? JSONValue(parsing: body), let os = json["os"]?.stringValue,
              let arch = json["architecture"]?.stringValue else { return nil }
        return Platform(os: os, architecture: arch, variant: json["variant"]?.stringValue)
    }

    /// `{"errors":[{"code":"DENIED","message":"…"}]}` as `DENIED: …`, or nil.
    static func registryErrors(_ body: [UInt8]) -> String? {
        guard let errors = (try? JSONValue(parsing: body))?["errors"]?.arrayValue, !errors.isEmpty else { return nil }
        let text = errors.prefix(3).map { e in
            [e["code"]?.stringValue, e["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
        }.joined(separator: "; ")
        return text.isEmpty ? nil : String(text.prefix(300))
    }
}
