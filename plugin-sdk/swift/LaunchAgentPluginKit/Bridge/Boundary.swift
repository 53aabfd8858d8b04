internal import LaunchAgentABI

/// Runs `body` for one operation and turns its outcome into an `la_status`: a returned JSON value is emitted
/// as the result (nil emits nothing), a thrown ``PluginError`` is recorded with `set_error`, and any other
/// Swift error becomes LA_ERR_INTERNAL. No Swift error ever leaves this function.
func boundary(_ rawCall: UnsafePointer<la_call_v1>?, _ body: (Call) throws -> JSONValue?) -> la_status {
    guard let rawCall else { return LA_ERR_INVALID_ARGUMENT }
    let call = Call(rawCall)
    do {
        if let result = try body(call) {
            call.emit(result.serialized)
        }
        return LA_OK
    } catch let error as PluginError {
        if !error.recordedByHost { call.setError(error) }
        return error.code.rawValue
    } catch {
        call.setError(PluginError(.internal, "unexpected \(String(reflecting: type(of: error))): \(error)"))
        return LA_ERR_INTERNAL
    }
}

/// Parses a request: an object, or empty (meaning `{}`).
func parseRequest(_ request: la_str, operation: String) throws -> (ConfigReader, JSONValue) {
    let value: JSONValue
    if request.len == 0 {
        value = [:]
    } else {
        do {
            value = try JSONValue(parsing: request.rawBuffer)
        } catch {
            throw PluginError(.invalidArgument, "the \(operation) request is not valid JSON: \(error)")
        }
    }
    guard case .object(let members) = value else {
        throw PluginError(.invalidArgument, "the \(operation) request must be a JSON object, not \(value.typeDescription)")
    }
    return (ConfigReader(members, pointer: "", mode: .request(operation: operation)), value)
}

/// One instance the host created: the Swift component, kept alive by an `Unmanaged` retain from `create`
/// until `destroy`.
final class Instance {
    let component: AnyComponent
    let kind: ComponentKind
    let name: String
    let host: Host

    init(component: AnyComponent, kind: ComponentKind, name: String, host: Host) {
        self.component = component
        self.kind = kind
        self.name = name
        self.host = host
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> Instance? {
        pointer.map { Unmanaged<Instance>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Runs operation `operation` on the instance behind `pointer`: unwraps the instance, parses the request and
/// calls `body`, all inside ``boundary(_:_:)``.
func perform(_ pointer: UnsafeMutableRawPointer?, _ rawCall: UnsafePointer<la_call_v1>?, _ request: la_str,
             _ operation: String,
             _ body: (Instance, inout ConfigReader, JSONValue, Call) throws -> JSONValue?) -> la_status {
    boundary(rawCall) { call in
        guard let instance = Instance.from(pointer) else {
            throw PluginError(.invalidArgument, "\(operation) called with a NULL instance")
        }
        var (reader, raw) = try parseRequest(request, operation: operation)
        return try body(instance, &reader, raw, call)
    }
}

func wrongKind(_ instance: Instance, _ operation: String) -> PluginError {
    PluginError(.internal, "\(operation) called on \(instance.kind.rawValue) '\(instance.name)'")
}
