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
        /// Another `scheme://bucket/prefix` URI, served by whichever installed
        /// context-store component lists a matching URI pattern.
        case other
    }

    /// The URI as written, e.g. `s3://bucket/prefix`.
    public var uri: String
    public var service: Service
    /// The bucket (S3, GCS) or `<account>/<container>` (Azure Blob).
    public var bucket: String
    /// The key prefix inside the bucket, without leading or trailing `/`.
    public var prefix: String

    /// The shipped `context-store` component that handles this URI, or nil for
    /// another scheme (a third-party plugin's).
    public var componentName: String? { service == .other ? nil : service.rawValue }

    /// Parses `s3://B[/P]`, `gs://B[/P]`, `https://ACCT.blob.core.windows.net/C[/P]`,
    /// or `SCHEME://B[/P]` for another scheme; nil for anything else.
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
        } else if let sep = uri.firstRange(of: "://"), Self.isPluginScheme(uri[..<sep.lowerBound]) {
            service = .other
            rest = uri[sep.upperBound...]
        } else {
            return nil
        }
        let name = rest.prefix { $0 != "/" }
        guard !name.isEmpty else { return nil }
        bucket = String(name)
        prefix = Self.trimSlashes(rest.dropFirst(name.count))
    }

    /// `[a-z][a-z0-9+.-]*`, and not a web scheme (those name Azure Blob hosts only).
    private static func isPluginScheme(_ scheme: Substring) -> Bool {
        guard let first = scheme.first, first.isASCII, first.isLowercase, scheme != "http", scheme != "https" else { return false }
        return scheme.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "+" || $0 == "." || $0 == "-") }
    }

    private static func trimSlashes(_ s: Substring) -> String {
        String(s.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }
}
