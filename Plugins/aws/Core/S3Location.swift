/// Where a context store keeps its objects: `s3://bucket/prefix`, parsed.
///
/// The object for a digest `sha256:<64 hex>` is `<prefix>/<64 hex>.tar.gz` (just `<64 hex>.tar.gz` without a
/// prefix), so every agent pointed at the same store finds the same object for the same context.
public struct S3Location: Sendable, Equatable {
    public var bucket: String
    /// The key prefix without leading or trailing `/`; empty for the bucket's root.
    public var prefix: String

    public init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `s3://bucket[/prefix[/]]`. The message of a failure says what a valid URI looks like.
    public init(uri: String) throws(S3Error) {
        guard uri.hasPrefix("s3://") else {
            throw S3Error(.config, "'\(uri)' is not an S3 URI; write s3://BUCKET or s3://BUCKET/PREFIX")
        }
        let rest = uri.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let bucket = String(rest[..<slash])
        guard Self.isBucketName(bucket) else {
            throw S3Error(.config, "'\(bucket)' in '\(uri)' is not an S3 bucket name (3-63 characters: lower-case letters, digits, '.' and '-', starting and ending with a letter or digit)")
        }
        var prefix = slash < rest.endIndex ? rest[rest.index(after: slash)...] : ""
        while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        guard !prefix.contains("//") else {
            throw S3Error(.config, "the prefix of '\(uri)' has an empty path segment ('//'); write s3://\(bucket)/\(prefix.split(separator: "/").joined(separator: "/"))")
        }
        self.init(bucket: bucket, prefix: String(prefix))
    }

    /// S3's rules for bucket names (the general-purpose ones): 3-63 characters of `a-z 0-9 . -`, beginning and
    /// ending with a letter or digit, no `..`.
    public static func isBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        guard bytes.allSatisfy({ alnum($0) || $0 == 0x2E || $0 == 0x2D }) else { return false }
        return !name.contains("..")
    }

    /// `<prefix>/<hex>.tar.gz` for `sha256:<hex>`; the digest must be 64 lower-case hex digits.
    public func key(forDigest digest: String) throws(S3Error) -> String {
        let hex = Self.hex(ofDigest: digest)
        guard let hex else {
            throw S3Error(.invalidArgument, "the digest '\(digest)' is not sha256: followed by 64 lower-case hex digits")
        }
        return prefix.isEmpty ? "\(hex).tar.gz" : "\(prefix)/\(hex).tar.gz"
    }

    /// The 64 hex digits of `sha256:<hex>`, or nil.
    public static func hex(ofDigest digest: String) -> String? {
        guard digest.hasPrefix("sha256:") else { return nil }
        let hex = digest.dropFirst(7)
        guard hex.utf8.count == 64,
              hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return String(hex)
    }

    /// `s3://bucket/key`.
    public func uri(forKey key: String) -> String { "s3://\(bucket)/\(key)" }

    /// `s3://bucket/prefix` as written without trailing `/`, for messages.
    public var uri: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }

    /// `arn:aws:s3:::bucket/prefix/*`, for "grant s3:PutObject on …".
    public var objectsARN: String { prefix.isEmpty ? "arn:aws:s3:::\(bucket)/*" : "arn:aws:s3:::\(bucket)/\(prefix)/*" }
    /// `arn:aws:s3:::bucket`, for "grant s3:ListBucket on …".
    public var bucketARN: String { "arn:aws:s3:::\(bucket)" }
}
