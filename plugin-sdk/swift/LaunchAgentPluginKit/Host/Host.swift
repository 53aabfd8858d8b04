internal import LaunchAgentABI

/// The agent that loaded the plugin: its log and its services.
///
/// A plugin reaches the host only through this value (it links nothing of the host). It is valid for the
/// life of the process and usable from any thread, so components keep the one their ``ComponentContext``
/// carries.
///
/// Services are looked up by ID; a host may lack one (an older host, or a restricted one), in which case
/// ``http()``, ``process()`` and ``secrets()`` throw ``PluginError/Code/unsupported`` with a message naming
/// the service.
public struct Host: @unchecked Sendable {
    let raw: UnsafePointer<la_host_v1>

    init(_ raw: UnsafePointer<la_host_v1>) { self.raw = raw }

    /// The host's name, "launch-agent".
    public var name: String {
        guard hasField(raw, \la_host_v1.host_name) else { return "" }
        return stringFromC(raw.pointee.host_name) ?? ""
    }

    /// The host's version (semver).
    public var version: String {
        guard hasField(raw, \la_host_v1.host_version) else { return "" }
        return stringFromC(raw.pointee.host_version) ?? ""
    }

    /// The ABI minor version the host was built with.
    public var abiMinor: Int {
        guard hasField(raw, \la_host_v1.abi_minor) else { return 0 }
        return Int(raw.pointee.abi_minor)
    }

    /// Writes one line to the agent log (not a job's log: use ``Call/log(_:level:)`` inside operations).
    public func log(_ message: String, level: LogLevel = .info) {
        guard hasField(raw, \la_host_v1.log), let log = raw.pointee.log else { return }
        message.withLAStr { log(raw, level.rawValue, $0) }
    }

    /// The HTTP service (libcurl in the host; proxies and CA bundles handled there).
    public func http() throws -> HTTPService {
        HTTPService(host: self, table: try service(LA_SERVICE_HTTP, as: la_http_v1.self, requiring: \la_http_v1.request))
    }

    /// The process service (spawn, stream output, cancel by process group).
    public func process() throws -> ProcessService {
        ProcessService(host: self, table: try service(LA_SERVICE_PROCESS, as: la_process_v1.self, requiring: \la_process_v1.run))
    }

    /// The secrets service (values the host redacts from every log line and error).
    public func secrets() throws -> SecretsService {
        SecretsService(host: self,
                       table: try service(LA_SERVICE_SECRETS, as: la_secrets_v1.self, requiring: \la_secrets_v1.register_secret))
    }

    private func service<T, F>(_ id: String, as type: T.Type, requiring field: KeyPath<T, F?>) throws -> UnsafePointer<T> {
        guard hasField(raw, \la_host_v1.get_service), let getService = raw.pointee.get_service,
              let table = id.withCString({ getService(raw, $0) }) else {
            throw PluginError(.unsupported, "this host (\(name) \(version)) does not offer the \(id) service; upgrade the agent")
        }
        let typed = table.assumingMemoryBound(to: T.self)
        guard hasField(typed, field), typed.pointee[keyPath: field] != nil else {
            throw PluginError(.unsupported, "the \(id) service of this host (\(name) \(version)) is incomplete; upgrade the agent")
        }
        return typed
    }
}

/// A host service's failure as its sink's `on_error` reported it: what `set_error` would have received.
struct HostServiceFailure {
    var code: la_status
    var message: String
    /// The host's `details_json`, parsed; `.null` when it was empty (or, from a misbehaving host, not JSON).
    var details: JSONValue

    /// Copies the borrowed arguments of `on_error(ctx, code, message, details_json)`.
    init(code: la_status, message: la_str, details: la_str) {
        self.code = code
        self.message = String(message)
        self.details = details.len == 0 ? .null : ((try? JSONValue(parsing: details.rawBuffer)) ?? .null)
    }

    /// The host's own verdict: `"retryable": true` in its details. Absent means no.
    var retryable: Bool { details["retryable"]?.boolValue ?? false }
}

/// The error for a host service call that returned `status`.
///
/// With the `failure` the service reported to the sink's `on_error`, it is a plain ``PluginError`` with the
/// host's code and message, retryable exactly when the host's details say `"retryable": true`: the plugin may
/// catch it, wrap it, retry, or let it through, in which case the boundary records it like any other error
/// (and the host's retryable flag with it). Without one (a host that records service errors on the call
/// itself), the message is a placeholder, `retryable` is false (the host's details went to the call, where the
/// plugin cannot read them), and the boundary keeps the host's recorded message and details unless the plugin
/// throws something else.
func hostServiceError(_ status: la_status, _ failure: HostServiceFailure?, service: String) -> PluginError {
    let code = PluginError.Code(status: status)
    if let failure, !failure.message.isEmpty {
        return PluginError(code: code, message: failure.message, retryable: failure.retryable)
    }
    var error = PluginError(code: code, message: "the host's \(service) service failed (\(code))",
                            retryable: failure?.retryable ?? false)
    error.recordedByHost = failure == nil
    return error
}
