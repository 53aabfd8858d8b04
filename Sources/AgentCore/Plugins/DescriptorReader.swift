import LaunchAgentABI

/// Reads a plugin's `la_plugin_v1` and its components defensively: sizes are
/// checked before fields are read, and every string is validated.
enum DescriptorReader {
    /// Why a descriptor was refused.
    enum Problem: Error, CustomStringConvertible {
        case tooSmall(UInt32)
        case partial(PluginLibrary.Descriptor, String)

        var description: String {
            switch self {
            case .tooSmall(let size):
                return "its descriptor is \(size) bytes, smaller than the ABI 1.0 la_plugin_v1 (\(minimumSize) bytes): it was not built with launch_agent_plugin.h"
            case .partial(_, let reason): return reason
            }
        }
    }

    /// sizeof(la_plugin_v1) in ABI 1.0; frozen (see plugin-sdk/abi/abi_probe.c).
    static let minimumSize: UInt32 = 96
    /// sizeof(la_component_v1) in ABI 1.0.
    static let minimumComponentSize: UInt32 = 40
    static let knownKinds: Set<String> = ["builder", "environment", "registry", "context-store", "runner", "queue"]

    static func read(_ plugin: UnsafePointer<la_plugin_v1>) throws(Problem) -> (PluginLibrary.Descriptor, [PluginLibrary.Component]) {
        let size = plugin.pointee.struct_size
        guard size >= minimumSize else { throw .tooSmall(size) }
        let p = plugin.pointee
        let descriptor = PluginLibrary.Descriptor(
            id: string(p.id) ?? "",
            name: string(p.name) ?? "",
            version: string(p.version) ?? "",
            vendor: string(p.vendor),
            abiMajor: p.abi_major,
            abiMinor: p.abi_minor,
            minHostMinor: p.min_host_minor,
            structSize: size
        )
        func reject(_ reason: String) -> Problem { .partial(descriptor, reason) }

        guard p.abi_major == AgentVersion.abiMajor else {
            throw reject("its descriptor says plugin ABI \(descriptor.abi) but it exports the ABI \(AgentVersion.abiMajor) entry point; this agent supports ABI \(AgentVersion.abi): rebuild the plugin")
        }
        guard p.min_host_minor <= AgentVersion.abiMinor else {
            throw reject("it needs an agent with plugin ABI \(AgentVersion.abiMajor).\(p.min_host_minor) or newer; this agent has ABI \(AgentVersion.abi): upgrade the agent")
        }
        guard isIdentifier(descriptor.id, allowing: ".-_") else {
            throw reject("its descriptor has no valid id (reverse-DNS, e.g. dev.example.builder)")
        }
        guard !descriptor.version.isEmpty else { throw reject("its descriptor has no version") }
        guard p.create != nil, p.destroy != nil, p.get_interface != nil else {
            throw reject("its descriptor lacks create, destroy or get_interface")
        }
        guard p.component_count <= 256 else { throw reject("it declares \(p.component_count) components (at most 256)") }
        guard p.component_count == 0 || p.components != nil else { throw reject("it declares components but the list is NULL") }

        var components: [PluginLibrary.Component] = []
        for i in 0..<p.component_count {
            guard let c = p.components[Int(i)] else { throw reject("component \(i) is NULL") }
            guard c.pointee.struct_size >= minimumComponentSize else {
                throw reject("component \(i) is \(c.pointee.struct_size) bytes, smaller than the ABI 1.0 la_component_v1 (\(minimumComponentSize) bytes)")
            }
            guard let kind = string(c.pointee.kind), let name = string(c.pointee.name), isIdentifier(name, allowing: "-") else {
                throw reject("component \(i) has no valid kind and name (names are lower-case letters, digits and '-')")
            }
            let patterns = string(c.pointee.uri_patterns)?.split(separator: "\n").map(String.init) ?? []
            components.append(.init(kind: kind, name: name, description: string(c.pointee.description),
                                    uriPatterns: patterns, flags: c.pointee.flags, index: i))
        }
        return (descriptor, components)
    }

    private static func string(_ p: UnsafePointer<CChar>?) -> String? {
        guard let p else { return nil }
        return String(validatingCString: p)
    }

    private static func isIdentifier(_ s: String, allowing extra: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 128 && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || extra.unicodeScalars.contains($0)
        }
    }
}

/// Names of `la_status` codes, for messages.
enum PluginStatus {
    static func name(_ status: Int32) -> String {
        switch status {
        case LA_OK: return "LA_OK"
        case LA_ERR_INVALID_ARGUMENT: return "LA_ERR_INVALID_ARGUMENT"
        case LA_ERR_UNSUPPORTED: return "LA_ERR_UNSUPPORTED"
        case LA_ERR_NOT_FOUND: return "LA_ERR_NOT_FOUND"
        case LA_ERR_CANCELLED: return "LA_ERR_CANCELLED"
        case LA_ERR_TIMEOUT: return "LA_ERR_TIMEOUT"
        case LA_ERR_AUTH: return "LA_ERR_AUTH"
        case LA_ERR_IO: return "LA_ERR_IO"
        case LA_ERR_CONFLICT: return "LA_ERR_CONFLICT"
        case LA_ERR_INTERNAL: return "LA_ERR_INTERNAL"
        case LA_ERR_CONFIG: return "LA_ERR_CONFIG"
        default: return "unknown status \(status)"
        }
    }
}
