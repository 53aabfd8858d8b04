import KubeCore
import LaunchAgentPluginKit

extension KubeJSON {
    /// The kit's JSON value as KubeCore's (KubeCore links no kit, so the two types stay apart).
    init(kit value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map { KubeJSON(kit: $0) })
        case .object(let o): self = .object(o.mapValues { KubeJSON(kit: $0) })
        }
    }
}
