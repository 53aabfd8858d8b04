/// A failure of a KubeCore operation, with the API server's Status decoded when there was one.
///
/// The plugin maps ``Kind`` to a PluginError code (`auth`, `notFound`, `conflict`, `invalidArgument`, `io`).
/// Messages name what failed (verb, resource, namespace, object) and never a token.
public struct KubeError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// kubeconfig / in-cluster files are missing or wrong; the message names the file (and line) and the key.
        case config
        /// 401: the credentials were refused (or an exec plugin failed to give any).
        case unauthorized
        /// 403: the identity may not do this; ``KubeError/verb``, ``resource`` and ``namespace`` say what.
        case forbidden
        /// 404.
        case notFound
        /// 409 with reason `AlreadyExists`.
        case alreadyExists
        /// 409 otherwise (a resourceVersion conflict).
        case conflict
        /// 410 `Expired` / `Gone`: a watch or list resourceVersion too old; re-list.
        case expired
        /// 422 `Invalid` (see ``causes``) or 400 `BadRequest`.
        case invalid
        /// Any other non-success status from the server (5xx, 429, …).
        case server
        /// No response: connection refused, TLS failure, timeout.
        case io
        /// The caller cancelled.
        case cancelled
        /// The server answered something that is not what the API promises.
        case decoding
    }

    /// One entry of a Status's `details.causes` (a 422 names each invalid field).
    public struct Cause: Sendable, Equatable {
        public var field: String?
        public var reason: String?
        public var message: String?
        public init(field: String?, reason: String?, message: String?) {
            self.field = field
            self.reason = reason
            self.message = message
        }
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, when the server answered.
    public var code: Int?
    /// The Status `reason` (`Forbidden`, `AlreadyExists`, `Invalid`, `Expired`, …).
    public var reason: String?
    public var causes: [Cause]
    /// True when repeating the request may succeed (timeouts, refused connections, 429, 5xx).
    public var retryable: Bool
    /// What was attempted, for the message: `create`, `get`, `list`, `watch`, `delete`, `patch`.
    public var verb: String?
    /// `jobs`, `pods`, `pods/log`, …
    public var resource: String?
    public var namespace: String?
    public var name: String?

    public init(_ kind: Kind, _ message: String, code: Int? = nil, reason: String? = nil, causes: [Cause] = [],
                retryable: Bool = false, verb: String? = nil, resource: String? = nil, namespace: String? = nil,
                name: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.reason = reason
        self.causes = causes
        self.retryable = retryable
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    public var description: String { message }

    /// The ``reason`` a ``KubeTransport`` sets on an `.io` error when the request's own timeout passed (so a
    /// bounded follow can tell "time is up" from a broken connection).
    public static let timeoutReason = "Timeout"

    /// The error for a non-2xx response to `verb` on `resource`: decodes the Status body (`reason`, `message`,
    /// `details.causes`) and writes a message that says what was denied or wrong and what to do.
    public static func fromResponse(status: Int, body: [UInt8], verb: String, resource: String,
                                    namespace: String?, name: String?) -> KubeError {
        let json = try? KubeJSON(parsing: body)
        let isStatus = json?["kind"]?.stringValue == "Status"
        let reason = isStatus ? json?["reason"]?.stringValue : nil
        let serverMessage = isStatus ? json?["message"]?.stringValue : nil
        let causes: [Cause] = (json?["details", "causes"]?.arrayValue ?? []).map {
            Cause(field: $0["field"]?.stringValue, reason: $0["reason"]?.stringValue, message: $0["message"]?.stringValue)
        }
        let target = describe(verb: verb, resource: resource, namespace: namespace, name: name)
        let said = serverMessage.map { ": \($0)" } ?? (isStatus ? "" : bodySnippet(body))
        var kind: Kind
        var message: String
        var retryable = false
        switch status {
        case 401:
            kind = .unauthorized
            message = "the API server refused the credentials (401 Unauthorized) to \(target)\(said); check the token, exec plugin or client certificate of the kubeconfig context"
        case 403:
            kind = .forbidden
            message = "forbidden (403) to \(target)\(said); grant the agent's identity '\(verb)' on '\(resource)'\(namespace.map { " in namespace '\($0)'" } ?? "") (docs/kubernetes.md lists the Role it needs)"
        case 404:
            kind = .notFound
            message = "not found (404): \(target)\(said)"
        case 409:
            kind = reason == "AlreadyExists" ? .alreadyExists : .conflict
            message = (reason == "AlreadyExists" ? "already exists (409): " : "conflict (409): ") + target + said
        case 410:
            kind = .expired
            message = "resource version expired (410) for \(target)\(said); re-list and watch again"
        case 400, 422:
            kind = .invalid
            let detail = causes.isEmpty ? said
                : ": " + causes.map { c in [c.field, c.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
            message = "the API server rejected \(target) (\(status) \(reason ?? (status == 422 ? "Invalid" : "BadRequest")))\(detail)"
        default:
            kind = .server
            retryable = status == 429 || status >= 500
            message = "the API server answered \(status) to \(target)\(said)"
        }
        return KubeError(kind, message, code: status, reason: reason, causes: causes, retryable: retryable,
                         verb: verb, resource: resource, namespace: namespace, name: name)
    }

    /// `create jobs "x" in namespace "ns"`.
    static func describe(verb: String, resource: String, namespace: String?, name: String?) -> String {
        var s = "\(verb) \(resource)"
        if let name { s += " '\(name)'" }
        if let namespace { s += " in namespace '\(namespace)'" }
        return s
    }

    static func bodySnippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmedKube
        return text.isEmpty ? "" : ": \(text)"
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmedKube: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
