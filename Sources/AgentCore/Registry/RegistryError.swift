/// Why a registry question got no answer.
///
/// None of these means "the image exists" or "the image is missing": a caller
/// that gets one must stop and report it (the existence check fails closed).
/// Every message names the registry and says what to check; registered
/// secrets are redacted from `description`.
public enum RegistryError: Error, CustomStringConvertible, Sendable {
    /// The manifest does not exist (HTTP 404) where an answer was required
    /// (`resolveDigest`); `manifestExists` reports this as `exists: false`.
    case notFound(registry: String, message: String)
    /// 401 or 403 after authenticating (or no credentials where some are needed).
    case unauthorized(registry: String, message: String)
    /// Connection failures, timeouts, 429 and 5xx that outlasted the retries.
    case unavailable(registry: String, message: String)
    /// The TLS handshake or certificate verification failed (not retried).
    case tls(registry: String, message: String)
    /// A plain-http registry or token service that is neither loopback nor
    /// listed as insecure.
    case insecureTransport(registry: String, message: String)
    /// An answer the protocol does not allow: another status, a malformed
    /// manifest or token response, a missing digest.
    case unexpectedResponse(registry: String, message: String)
    /// The docker config could not be read, or a credential helper failed.
    case credentials(registry: String, message: String)

    public var registry: String {
        switch self {
        case .notFound(let r, _), .unauthorized(let r, _), .unavailable(let r, _), .tls(let r, _), .insecureTransport(let r, _),
             .unexpectedResponse(let r, _), .credentials(let r, _):
            return r
        }
    }

    public var message: String {
        switch self {
        case .notFound(_, let m), .unauthorized(_, let m), .unavailable(_, let m), .tls(_, let m), .insecureTransport(_, let m),
             .unexpectedResponse(_, let m), .credentials(_, let m):
            return m
        }
    }

    public var description: String { Redactor.shared.redact(message) }
}
