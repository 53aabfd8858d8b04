import LaunchAgentABI
#if canImport(Glibc)
import Glibc
#endif

/// The one `la_host_v1` the agent hands to every plugin.
///
/// Allocated once and never freed: plugins may keep the pointer for the life
/// of the process, as the header promises.
enum PluginHost {
    nonisolated(unsafe) static let table: UnsafePointer<la_host_v1> = {
        let host = UnsafeMutablePointer<la_host_v1>.allocate(capacity: 1)
        host.initialize(to: la_host_v1())
        host.pointee.struct_size = UInt32(MemoryLayout<la_host_v1>.size)
        host.pointee.abi_major = AgentVersion.abiMajor
        host.pointee.abi_minor = AgentVersion.abiMinor
        host.pointee.host_name = UnsafePointer(strdup("launch-agent"))
        host.pointee.host_version = UnsafePointer(strdup(AgentVersion.current))
        host.pointee.log = { _, level, message in
            AgentLog.shared.log(AgentLog.Level(rawValue: level) ?? .info, String(message), source: "plugin")
        }
        host.pointee.get_service = { _, id in
            guard let id else { return nil }
            return HostServices.service(forID: String(cString: id))
        }
        return UnsafePointer(host)
    }()
}
