/// Where kaniko-style builders upload the build context (`builder.build-context-store`).
///
/// The scheme picks the `context-store` component that does the upload, so an
/// unsupported URI is rejected at load time instead of at the first upload,
/// which is when W&B noticed.
public struct BuildContextStore: Sendable, Equatable {
    public enum Service: String, Sendable, Equatable {
        case s3
        case gcs
        case azureBlob = "azure-blob"
    }

    /// The URI as written, e.g. `s3://bucket/prefix`.
    public var uri: String
    public var service: Service
    /// The bucket (S3, GCS) or `<account>/<container>` (Azure Blob).
    public var bucket: String
    /// The key prefix inside the bucket, without leading or trailing `/`.
    public var prefix: String

    /// The `context-store` component name that handles this URI.
    public var componentName: String { service.rawValue }

    /// Parses `s3://B[/P]`, `gs://B[/P]` or `https://ACCT.blob.core.windows.net/C[/P]`;
    /// nil for anything else.
    public init?(uri: String) {
        self.uri = uri
        let rest: Substring
        if uri.hasPrefix("s3://") {
            service = .s3
            rest = uri.dropFirst(5)
        } else if uri.hasPrefix("gs://") {
            service = .gcs
            rest = uri.dropFirst(5)
        } else if uri.hasPrefix("https://") {
            service = .azureBlob
            let hostAndPath = uri.dropFirst(8)
            let host = hostAndPath.prefix { $0 != "/" }
            let suffix = ".blob.core.windows.net"
            guard host.hasSuffix(suffix) else { return nil }
            let account = host.dropLast(suffix.count)
            guard !account.isEmpty, account.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return nil }
            let path = hostAndPath.dropFirst(host.count).drop { $0 == "/" }
            let container = path.prefix { $0 != "/" }
            guard !container.isEmpty else { return nil }
            bucket = "\(account)/\(container)"
            prefix = Self.trimSlashes(path.dropFirst(container.count))
            return
        } else {
            return nil
        }
        let name = rest.prefix { $0 != "/" }
        guard !name.isEmpty else { return nil }
        bucket = String(name)
        prefix = Self.trimSlashes(rest.dropFirst(name.count))
    }

    private static func trimSlashes(_ s: Substring) -> String {
        String(s.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }
}
