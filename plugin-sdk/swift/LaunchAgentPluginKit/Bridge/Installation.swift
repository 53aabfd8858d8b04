internal import LaunchAgentABI
import Synchronization

/// The library's one installed plugin and its C descriptor, built once and never freed (the host loads
/// plugins with RTLD_NODELETE, so they live as long as the process).
final class Installation: @unchecked Sendable {
    let plugin: Plugin
    let descriptor: UnsafeRawPointer

    private init(_ plugin: Plugin) {
        self.plugin = plugin
        self.descriptor = UnsafeRawPointer(Installation.makeDescriptor(plugin))
    }

    private static let state = Mutex<Installation?>(nil)

    /// Installs `plugin` unless one is installed already; returns the installed one.
    static func install(_ plugin: Plugin) -> Installation {
        state.withLock { current in
            if let current { return current }
            let installed = Installation(plugin)
            current = installed
            return installed
        }
    }

    /// The installed plugin; nil before the entry point ran (the host never calls anything before it).
    static var current: Installation? { state.withLock { $0 } }

    private static func makeDescriptor(_ plugin: Plugin) -> UnsafeMutablePointer<la_plugin_v1> {
        let components = UnsafeMutablePointer<UnsafePointer<la_component_v1>?>.allocate(capacity: max(plugin.components.count, 1))
        for (index, component) in plugin.components.enumerated() {
            var raw = la_component_v1()
            raw.struct_size = structSize(la_component_v1.self)
            raw.flags = component.isConcurrent ? UInt32(LA_COMPONENT_FLAG_CONCURRENT) : 0
            raw.kind = immortalCString(component.kind.rawValue)
            raw.name = immortalCString(component.name)
            raw.description = component.summary.map(immortalCString)
            raw.uri_patterns = component.uriPatterns.isEmpty ? nil : immortalCString(component.uriPatterns.joined(separator: "\n"))
            let slot = UnsafeMutablePointer<la_component_v1>.allocate(capacity: 1)
            slot.initialize(to: raw)
            components[index] = UnsafePointer(slot)
        }

        var descriptor = la_plugin_v1()
        descriptor.struct_size = structSize(la_plugin_v1.self)
        descriptor.abi_major = UInt32(LA_ABI_MAJOR)
        descriptor.abi_minor = UInt32(LA_ABI_MINOR)
        descriptor.min_host_minor = UInt32(max(plugin.minHostMinor, 0))
        descriptor.id = immortalCString(plugin.id)
        descriptor.name = immortalCString(plugin.name)
        descriptor.version = immortalCString(plugin.version)
        descriptor.vendor = plugin.vendor.map(immortalCString)
        descriptor.component_count = UInt32(plugin.components.count)
        descriptor.components = UnsafePointer(components)
        descriptor.`init` = plugin.initialize == nil ? nil : initThunk
        descriptor.create = createThunk
        descriptor.destroy = destroyThunk
        descriptor.get_interface = getInterfaceThunk
        let slot = UnsafeMutablePointer<la_plugin_v1>.allocate(capacity: 1)
        slot.initialize(to: descriptor)
        return slot
    }
}
