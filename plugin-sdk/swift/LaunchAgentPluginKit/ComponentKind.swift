/// The six kinds of component (`LA_KIND_*`).
public enum ComponentKind: String, Sendable, CaseIterable {
    /// `"builder"`: ``Builder``
    case builder
    /// `"environment"`: ``Environment``
    case environment
    /// `"registry"`: ``Registry``
    case registry
    /// `"context-store"`: ``ContextStore``
    case contextStore = "context-store"
    /// `"runner"`: ``Runner``
    case runner
    /// `"queue"`: ``Queue``
    case queue

    /// The `LA_IFACE_*` ID of the interface table an instance of this kind offers.
    var interfaceID: String { "launch-agent.\(rawValue)/1" }

    /// Keys of the YAML section the host keeps for itself (and moves into `settings`); they are never in
    /// `config`, but a misspelling of one is, so they serve as "did you mean" candidates.
    var hostOwnedKeys: [String] {
        switch self {
        case .builder: return ["type", "destination", "platform", "build-context-store"]
        case .environment, .registry, .contextStore, .runner, .queue: return ["type"]
        }
    }
}
