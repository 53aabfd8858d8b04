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

/// The error for a host service call that returned `status`: the service already recorded its own message
/// on the call, and the boundary keeps that message unless the plugin throws something else.
func hostServiceError(_ status: la_status, service: String) -> PluginError {
    var error = PluginError(code: .init(status: status),
                            message: "the host's \(service) service failed (\(PluginError.Code(status: status)))")
    error.recordedByHost = true
    return error
}
