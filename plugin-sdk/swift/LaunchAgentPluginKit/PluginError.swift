/// An error a plugin reports to the host.
///
/// Throw it from any component method; the kit catches it at the ABI boundary, records it with
/// `la_call_v1.set_error` and returns its code. Any *other* Swift error that reaches the boundary is reported
/// as ``Code/internal`` with its description, so nothing ever unwinds into the host.
///
/// ```swift
/// throw PluginError(code: .config, message: "'namespace' must not be empty", pointer: "/config/namespace")
/// throw PluginError(.io, "the registry answered 503 for \(url)", retryable: true)
/// ```
///
/// The message is one human sentence that names what failed and what to do about it. Never put a secret in
/// it (register secrets with ``SecretsService`` so the host redacts them should they slip through).
public struct PluginError: Error, CustomStringConvertible, Sendable {
    /// The `la_status` codes of the ABI, one-to-one.
    public enum Code: Int32, Sendable, CaseIterable, CustomStringConvertible {
        /// `LA_ERR_INVALID_ARGUMENT`: the request is malformed or invalid.
        case invalidArgument = -1
        /// `LA_ERR_UNSUPPORTED`: the operation is not offered by this component.
        case unsupported = -2
        /// `LA_ERR_NOT_FOUND`: the thing asked about does not exist.
        case notFound = -3
        /// `LA_ERR_CANCELLED`: the host cancelled the operation (``Call/isCancelled``).
        case cancelled = -4
        /// `LA_ERR_TIMEOUT`: a deadline passed.
        case timeout = -5
        /// `LA_ERR_AUTH`: no credentials, bad credentials, or access denied.
        case auth = -6
        /// `LA_ERR_IO`: network, file system or remote service failure.
        case io = -7
        /// `LA_ERR_CONFLICT`: the thing already exists or is held by another.
        case conflict = -8
        /// `LA_ERR_INTERNAL`: a bug; the message should say where.
        case `internal` = -9
        /// `LA_ERR_CONFIG`: the component's config section is invalid; give a ``PluginError/pointer``.
        case config = -10

        /// The code for an `la_status` the host returned; unknown codes are ``internal``.
        public init(status: Int32) {
            self = Code(rawValue: status) ?? .internal
        }

        public var description: String {
            switch self {
            case .invalidArgument: return "LA_ERR_INVALID_ARGUMENT"
            case .unsupported: return "LA_ERR_UNSUPPORTED"
            case .notFound: return "LA_ERR_NOT_FOUND"
            case .cancelled: return "LA_ERR_CANCELLED"
            case .timeout: return "LA_ERR_TIMEOUT"
            case .auth: return "LA_ERR_AUTH"
            case .io: return "LA_ERR_IO"
            case .conflict: return "LA_ERR_CONFLICT"
            case .internal: return "LA_ERR_INTERNAL"
            case .config: return "LA_ERR_CONFIG"
            }
        }
    }

    /// The status the operation returns.
    public var code: Code
    /// One sentence: what failed, and what to do.
    public var message: String
    /// An RFC 6901 JSON pointer into the document the component was *created* with (`/config/<key>` or
    /// `/settings/<key>`); the host maps it back to the YAML `FILE:LINE:COL`. Only for config errors: never
    /// point into an operation's request.
    public var pointer: String?
    /// True when repeating the operation may succeed (throttling, a 5xx, a dropped connection).
    public var retryable: Bool

    /// True when a host service already recorded this error on the call itself (a host whose services do not
    /// report through the sink's `on_error`, so the plugin never saw the message); the boundary then leaves
    /// that message in place.
    var recordedByHost = false

    /// An error with every field spelled out.
    public init(code: Code, message: String, pointer: String? = nil, retryable: Bool = false) {
        self.code = code
        self.message = message
        self.pointer = pointer
        self.retryable = retryable
    }

    /// Shorthand: `PluginError(.unsupported, "…")`.
    public init(_ code: Code, _ message: String, pointer: String? = nil, retryable: Bool = false) {
        self.init(code: code, message: message, pointer: pointer, retryable: retryable)
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let pointer { text += " (at \(pointer))" }
        return text
    }

    /// The `details_json` that goes with the error: `{"pointer": ..., "retryable": ...}`.
    public var detailsJSON: JSONValue {
        var details: [String: JSONValue] = ["retryable": .bool(retryable)]
        if let pointer { details["pointer"] = .string(pointer) }
        return .object(details)
    }
}
