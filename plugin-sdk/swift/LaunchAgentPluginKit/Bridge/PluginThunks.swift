internal import LaunchAgentABI

/// `la_plugin_v1.init`
let initThunk: @convention(c) (UnsafePointer<la_host_v1>?, UnsafePointer<la_call_v1>?) -> la_status = { host, call in
    boundary(call) { call in
        guard let host else { throw PluginError(.invalidArgument, "init called without a host") }
        guard let installation = Installation.current else {
            throw PluginError(.internal, "init called before launch_agent_plugin_entry_v1")
        }
        try installation.plugin.initialize?(Host(host), call)
        return nil
    }
}

/// `la_plugin_v1.create`
let createThunk: @convention(c) (UnsafePointer<la_host_v1>?, UInt32, la_str, UnsafePointer<la_call_v1>?,
                                 UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> la_status = { host, index, config, call, out in
    out?.pointee = nil
    return boundary(call) { call in
        guard let host, let out else { throw PluginError(.invalidArgument, "create called without a host or an out pointer") }
        guard let installation = Installation.current else {
            throw PluginError(.internal, "create called before launch_agent_plugin_entry_v1")
        }
        let components = installation.plugin.components
        guard Int(index) < components.count else {
            throw PluginError(.invalidArgument, "create called for component #\(index), but \(installation.plugin.id) has \(components.count)")
        }
        let component = components[Int(index)]
        let (_, document) = try parseRequest(config, operation: "create")
        if let declared = document["component"] {
            let kind = declared["kind"]?.stringValue, name = declared["name"]?.stringValue
            guard kind == nil || kind == component.kind.rawValue, name == nil || name == component.name else {
                throw PluginError(.invalidArgument,
                                  "create for component #\(index) (\(component.kind.rawValue) '\(component.name)') got a document for \(kind ?? "?") '\(name ?? "?")'")
            }
        }
        let context = ComponentContext(kind: component.kind, name: component.name, document: document, host: Host(host), call: call)
        let made = try component.make(context)
        let instance = Instance(component: made, kind: component.kind, name: component.name, host: Host(host))
        out.pointee = Unmanaged.passRetained(instance).toOpaque()
        return nil
    }
}

/// `la_plugin_v1.destroy`
let destroyThunk: @convention(c) (UnsafeMutableRawPointer?) -> Void = { pointer in
    guard let pointer else { return }
    Unmanaged<Instance>.fromOpaque(pointer).release()
}

/// `la_plugin_v1.get_interface`
let getInterfaceThunk: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { pointer, id in
    guard let instance = Instance.from(pointer), let id, String(cString: id) == instance.kind.interfaceID else { return nil }
    return InterfaceTables.table(for: instance.kind)
}
