/// A failure of an S3 operation; the plugin maps ``Kind`` one-to-one to a PluginError code.
public struct S3Error: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// No credentials, credentials refused, or access denied (`LA_ERR_AUTH`).
        case auth
        /// The bucket does not exist (`LA_ERR_NOT_FOUND`).
        case notFound
        /// Network or service failure (`LA_ERR_IO`), ``S3Error/retryable`` when trying again may help.
        case io
        /// The call was cancelled (`LA_ERR_CANCELLED`).
        case cancelled
        /// The store URI, the region or an endpoint variable is wrong (`LA_ERR_CONFIG`).
        case config
        /// The request is malformed (`LA_ERR_INVALID_ARGUMENT`).
        case invalidArgument
    }
    public var kind: Kind
    public var message: String
    /// S3's error code (`NoSuchBucket`, `AccessDenied`, `SignatureDoesNotMatch`, `SlowDown`), when known.
    public var awsCode: String?
    /// The HTTP status, when a response arrived.
    public var status: Int?
    public var retryable: Bool

    public init(_ kind: Kind, _ message: String, awsCode: String? = nil, status: Int? = nil, retryable: Bool = false) {
        self.kind = kind
        self.message = message
        self.awsCode = awsCode
        self.status = status
        self.retryable = retryable
    }

    public var description: String { message }

    /// An AWSCore error (credentials, transport) as an S3 error of the same meaning.
    public init(_ error: AWSError, context: String) {
        let kind: Kind = switch error.kind {
        case .auth: .auth
        case .config: .config
        case .io: .io
        }
        self.init(kind, context.isEmpty ? error.message : "\(context): \(error.message)", awsCode: error.awsCode,
                  retryable: error.retryable)
    }
}
