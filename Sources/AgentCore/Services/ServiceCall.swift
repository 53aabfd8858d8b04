import LaunchAgentABI

/// The caller's `la_call_v1`, as the plugin-facing services use it: poll for
/// cancellation and report errors.
///
/// The services never trust the pointer's shape: a NULL call or one built
/// against an older, shorter struct simply has no cancellation and drops
/// errors, rather than reading past its end.
///
/// A failure goes to the plugin's sink (`errorSink`, its `on_error`) when the
/// plugin gave one, so the plugin can read the message and details; only
/// without one is it recorded on the call with `set_error`. Exactly one of
/// the two hears of each failure, once, with the same code, message and
/// details.
struct ServiceCall {
    let raw: UnsafePointer<la_call_v1>?
    /// The sink's `on_error`, when present: failures go there and the call is left alone.
    var errorSink: ServiceErrorSink? = nil

    var isCancelled: Bool {
        guard let raw, serviceHasField(raw, \la_call_v1.is_cancelled), let fn = raw.pointee.is_cancelled else {
            return false
        }
        return fn(raw) != 0
    }

    /// Reports the failure that accompanies `code` and returns `code`. The
    /// message goes through the redactor here, in one place, so no service
    /// path can forget it. `retryable`, when given, becomes the details JSON
    /// `{"retryable":…}` (else the details are empty), which `on_error` and
    /// `set_error` receive alike.
    func fail(_ code: la_status, _ message: String, retryable: Bool? = nil) -> la_status {
        let redacted = Redactor.shared.redact(message)
        let details = Self.detailsJSON(retryable: retryable)
        if let errorSink {
            withServiceStr(redacted) { m in
                withServiceStr(details) { d in errorSink.onError(errorSink.ctx, code, m, d) }
            }
            return code
        }
        guard let raw, serviceHasField(raw, \la_call_v1.set_error), let fn = raw.pointee.set_error else { return code }
        withServiceStr(redacted) { m in
            withServiceStr(details) { d in fn(raw, code, m, d) }
        }
        return code
    }

    /// The details JSON of a service failure: `{"retryable":true}`,
    /// `{"retryable":false}`, or empty when the service does not say.
    static func detailsJSON(retryable: Bool?) -> String {
        retryable.map { #"{"retryable":\#($0)}"# } ?? ""
    }
}

/// A sink's `on_error` and the `ctx` it is called with.
struct ServiceErrorSink {
    /// `on_error(ctx, code, message, details_json)`: the arguments of `set_error`.
    typealias OnError = @convention(c) (UnsafeMutableRawPointer?, la_status, la_str, la_str) -> Void

    let onError: OnError
    let ctx: UnsafeMutableRawPointer?

    /// The `on_error` of `sink`, when the sink is large enough to hold it (LA_HAS_FIELD) and it is set.
    init?<Sink>(_ sink: UnsafePointer<Sink>?, onError field: KeyPath<Sink, OnError?>,
                ctx ctxField: KeyPath<Sink, UnsafeMutableRawPointer?>) {
        guard let sink, serviceHasField(sink, field), let fn = sink.pointee[keyPath: field] else { return nil }
        onError = fn
        ctx = serviceHasField(sink, ctxField) ? sink.pointee[keyPath: ctxField] : nil
    }
}

/// The message a service reports when a sink callback returned non-zero.
let serviceStoppedBySinkMessage = "stopped by the plugin's sink"

/// A request field that is missing, mistyped or out of range. The message
/// names the field, so a plugin author sees what to fix.
struct ServiceRequestError: Error {
    let message: String
}

/// True when the struct behind `p` (whose first field is `struct_size`) is
/// long enough to hold `field` — the Swift form of the header's LA_HAS_FIELD.
func serviceHasField<T, F>(_ p: UnsafePointer<T>, _ field: KeyPath<T, F>) -> Bool {
    guard let offset = MemoryLayout<T>.offset(of: field) else { return false }
    let size = UnsafeRawPointer(p).load(as: UInt32.self)
    return Int(size) >= offset + MemoryLayout<F>.size
}

/// Copies a borrowed `la_str` into bytes (`ptr` may be NULL when empty).
func serviceBytes(_ s: la_str) -> [UInt8] {
    guard s.len > 0, let ptr = s.ptr else { return [] }
    return Array(UnsafeRawBufferPointer(start: ptr, count: Int(s.len)))
}

/// Calls `body` with an `la_str` borrowing `string`'s UTF-8.
func withServiceStr<R>(_ string: String, _ body: (la_str) -> R) -> R {
    var copy = string
    return copy.withUTF8 { buf in
        buf.withMemoryRebound(to: CChar.self) { chars in
            body(la_str(ptr: chars.baseAddress, len: UInt64(chars.count)))
        }
    }
}

/// Calls `body` with an `la_str` borrowing `bytes`.
func withServiceStr<R>(bytes: UnsafeRawBufferPointer, _ body: (la_str) -> R) -> R {
    body(la_str(ptr: bytes.baseAddress?.assumingMemoryBound(to: CChar.self), len: UInt64(bytes.count)))
}

/// Typed access to the members of a request object, with errors that name
/// the field ("http request: \"timeout_ms\" must be a non-negative integer").
struct ServiceRequestFields {
    let service: String
    /// Prepended to field names in messages ("body_file.") for nested objects.
    let prefix: String
    let members: [String: JSONValue]

    /// Parses `json` and checks it is an object with only `allowed` keys.
    /// Unknown keys are rejected so that a typo ("timeout" for "timeout_ms")
    /// fails loudly instead of silently running without the option.
    init(service: String, json: [UInt8], allowed: Set<String>) throws(ServiceRequestError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: json)
        } catch {
            throw ServiceRequestError(message: "\(service) request: request_json is not valid JSON (\(error.description))")
        }
        guard case .object(let members) = value else {
            throw ServiceRequestError(message: "\(service) request: request_json must be a JSON object, got \(value.typeDescription)")
        }
        try self.init(service: service, prefix: "", members: members, allowed: allowed)
    }

    private init(service: String, prefix: String, members: [String: JSONValue], allowed: Set<String>) throws(ServiceRequestError) {
        self.service = service
        self.prefix = prefix
        self.members = members
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw error(unknown, "is not a known field (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    /// The object member `key` as fields of its own, or nil when absent.
    func object(_ key: String, allowed: Set<String>) throws(ServiceRequestError) -> ServiceRequestFields? {
        guard let v = members[key], v != .null else { return nil }
        guard case .object(let inner) = v else {
            throw error(key, "must be an object with fields \(allowed.sorted().joined(separator: ", ")), got \(v.typeDescription)")
        }
        return try ServiceRequestFields(service: service, prefix: "\(prefix)\(key).", members: inner, allowed: allowed)
    }

    func error(_ field: String, _ problem: String) -> ServiceRequestError {
        ServiceRequestError(message: "\(service) request: \"\(prefix)\(field)\" \(problem)")
    }

    func string(_ key: String) throws(ServiceRequestError) -> String? {
        guard let v = members[key], v != .null else { return nil }
        guard case .string(let s) = v else { throw error(key, "must be a string, got \(v.typeDescription)") }
        return s
    }

    func bool(_ key: String) throws(ServiceRequestError) -> Bool? {
        guard let v = members[key], v != .null else { return nil }
        guard case .bool(let b) = v else { throw error(key, "must be true or false, got \(v.typeDescription)") }
        return b
    }

    func nonNegativeInt(_ key: String) throws(ServiceRequestError) -> Int64? {
        guard let v = members[key], v != .null else { return nil }
        guard case .int(let i) = v, i >= 0 else {
            throw error(key, "must be a non-negative integer, got \(v.serialized)")
        }
        return i
    }
}
