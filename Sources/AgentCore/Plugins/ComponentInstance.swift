import LaunchAgentABI

/// A failed plugin operation, naming the plugin, its version, the component
/// and the operation, so that the user knows whom to blame.
public struct PluginCallError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as the host saw it.
    public enum Kind: Sendable, Equatable {
        /// The plugin returned this status and (maybe) a message.
        case reported(status: Int32)
        /// The plugin returned LA_OK but emitted something that is not a JSON object.
        case garbage
        /// The plugin did not return in time.
        case timedOut
        /// The component does not offer the interface or operation.
        case unsupported
    }

    public let plugin: String
    public let component: String
    public let operation: String
    public let kind: Kind
    public let message: String
    /// `details.pointer`, when the plugin pointed at a config value.
    public let pointer: String?
    /// `details.retryable`: the plugin says repeating the operation may succeed.
    public var retryable = false

    public var status: Int32 {
        switch kind {
        case .reported(let s): return s
        case .garbage: return LA_ERR_INTERNAL
        case .timedOut: return LA_ERR_TIMEOUT
        case .unsupported: return LA_ERR_UNSUPPORTED
        }
    }

    public var description: String { "\(component) (\(plugin)) \(operation): \(message)" }
}

/// Operations of each interface, in table order after `struct_size` and
/// `reserved0`: the host finds op N at offset 8 + 8·N, which is how the
/// append-only tables of launch_agent_plugin.h §7 are laid out.
enum InterfaceCatalog {
    static let operations: [String: (id: String, ops: [String])] = [
        "builder": ("launch-agent.builder/1", ["verify", "build"]),
        "environment": ("launch-agent.environment/1", ["verify", "policy", "hints"]),
        "registry": ("launch-agent.registry/1", ["verify", "resolve", "credentials"]),
        "context-store": ("launch-agent.context-store/1", ["verify", "exists", "upload"]),
        "runner": ("launch-agent.runner/1", ["verify", "launch", "watch", "cancel"]),
        "queue": ("launch-agent.queue/1", ["pop", "ack", "fail", "finish"]),
    ]
}

/// A live instance of one plugin component, created from its config section.
///
/// The host calls one instance from one thread at a time (unless the
/// component opted into concurrency). Destroyed when the last reference goes.
public final class ComponentInstance: @unchecked Sendable {
    public let library: PluginLibrary
    public let component: PluginLibrary.Component
    private let plugin: UnsafePointer<la_plugin_v1>
    private let instance: UnsafeMutableRawPointer
    private var abandoned = false

    /// "builder 'noop'", as messages name it.
    public var label: String { "\(component.kind) '\(component.name)'" }
    var pluginLabel: String {
        guard let d = library.descriptor else { return library.fileName }
        return "\(d.id) \(d.version), \(library.fileName)"
    }

    /// Calls the plugin's `create` with `config` (see plugin-sdk/docs/interfaces.md).
    public init(library: PluginLibrary, component: PluginLibrary.Component, config: JSONValue, timeoutSeconds: Double = 30) throws(PluginCallError) {
        guard let plugin = library.plugin, library.status == .ok else {
            throw PluginCallError(plugin: library.fileName, component: "\(component.kind) '\(component.name)'", operation: "create",
                                  kind: .unsupported, message: "the library is not loaded (\(library.status.reason ?? "unknown"))", pointer: nil)
        }
        self.library = library
        self.component = component
        self.plugin = plugin
        let call = HostCall()
        let text = config.serialized
        var out: UnsafeMutableRawPointer?
        var status: Int32 = LA_ERR_INTERNAL
        let create = plugin.pointee.create!
        let index = component.index
        let finished = PluginLoader.run(timeout: timeoutSeconds) {
            status = withLaStr(text) { create(PluginHost.table, index, $0, call.raw, &out) }
        }
        let label = "\(component.kind) '\(component.name)'"
        let pluginLabel = library.descriptor.map { "\($0.id) \($0.version), \(library.fileName)" } ?? library.fileName
        guard finished else {
            call.cancel()
            throw PluginCallError(plugin: pluginLabel, component: label, operation: "create", kind: .timedOut,
                                  message: "did not return within \(Int(timeoutSeconds)) s", pointer: nil)
        }
        guard status == LA_OK, let out else {
            let error = ComponentInstance.error(from: call, status: status == LA_OK ? LA_ERR_INTERNAL : status,
                                                plugin: pluginLabel, component: label, operation: "create")
            throw error
        }
        instance = out
    }

    deinit {
        // An instance whose operation hung may still be in use by that thread.
        if !abandoned { plugin.pointee.destroy?(instance) }
    }

    /// Runs `operation` of this component's interface with `request`, waiting
    /// at most `timeoutSeconds` (then the call is cancelled and abandoned).
    public func call(_ operation: String, request: JSONValue, timeoutSeconds: Double = 3600,
                     cancellation: CallCancellation? = nil,
                     onLog: @escaping @Sendable (AgentLog.Level, String) -> Void = { AgentLog.shared.log($0, $1) },
                     onProgress: @escaping @Sendable (Double, String) -> Void = { _, _ in }) throws(PluginCallError) -> JSONValue {
        guard let entry = InterfaceCatalog.operations[component.kind], let opIndex = entry.ops.firstIndex(of: operation) else {
            throw failure(operation, .unsupported, "the host knows no operation '\(operation)' for \(component.kind) components")
        }
        guard let table = plugin.pointee.get_interface(instance, entry.id) else {
            throw failure(operation, .unsupported, "the component does not implement \(entry.id)")
        }
        let tableSize = table.load(as: UInt32.self)
        let offset = 8 + 8 * opIndex
        guard Int(tableSize) >= offset + 8,
              let opPointer = table.load(fromByteOffset: offset, as: Optional<la_op_v1>.self) else {
            throw failure(operation, .unsupported, "the component does not offer \(component.kind).\(operation)")
        }
        let call = HostCall(cancellation: cancellation, onLog: onLog, onProgress: onProgress)
        let text = request.serialized
        let instance = self.instance
        var status: Int32 = LA_ERR_INTERNAL
        let finished = PluginLoader.run(timeout: timeoutSeconds) {
            status = withLaStr(text) { opPointer(instance, call.raw, $0) }
        }
        guard finished else {
            call.cancel()
            abandoned = true
            throw failure(operation, .timedOut, "did not return within \(Int(timeoutSeconds)) s; the call was cancelled and abandoned")
        }
        guard status == LA_OK else {
            throw ComponentInstance.error(from: call, status: status, plugin: pluginLabel, component: label, operation: operation)
        }
        if call.overflowed {
            throw failure(operation, .garbage, "emitted more than \(call.resultLimit >> 20) MiB of result")
        }
        let bytes = call.result
        if bytes.isEmpty { return .object([:]) }
        do {
            let value = try JSONValue(parsing: bytes)
            guard case .object = value else { throw JSONParseError(offset: 0, reason: "the result is \(value.typeDescription), not a JSON object") }
            return value
        } catch {
            throw failure(operation, .garbage, "returned a result that is not a JSON object (\(error)); this is a bug in the plugin")
        }
    }

    private func failure(_ operation: String, _ kind: PluginCallError.Kind, _ message: String) -> PluginCallError {
        PluginCallError(plugin: pluginLabel, component: label, operation: operation, kind: kind, message: message, pointer: nil)
    }

    static func error(from call: HostCall, status: Int32, plugin: String, component: String, operation: String) -> PluginCallError {
        let known = (LA_ERR_CONFIG...LA_ERR_INVALID_ARGUMENT).contains(status)
        let status = known ? status : LA_ERR_INTERNAL
        let reported = call.error
        var message = reported?.message ?? ""
        if message.isEmpty { message = "failed with \(PluginStatus.name(status)) and no message" }
        var pointer: String?
        var retryable = false
        if let details = reported?.details, !details.isEmpty, let json = try? JSONValue(parsing: details) {
            pointer = json["pointer"]?.stringValue
            retryable = json["retryable"]?.boolValue ?? false
        }
        return PluginCallError(plugin: plugin, component: component, operation: operation, kind: .reported(status: status),
                               message: Redactor.shared.redact(message), pointer: pointer, retryable: retryable)
    }
}
