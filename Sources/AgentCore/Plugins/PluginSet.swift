/// Every library the loader looked at, and the components the good ones provide.
public struct PluginSet: Sendable {
    public internal(set) var libraries: [PluginLibrary] = []
    /// Directories that were skipped entirely (missing, insecure), with why.
    public internal(set) var directoryProblems: [String] = []

    public init() {}

    /// The library providing (kind, name), if one loaded successfully.
    public func component(kind: String, name: String) -> (library: PluginLibrary, component: PluginLibrary.Component)? {
        for lib in libraries where lib.status == .ok {
            if let c = lib.components.first(where: { $0.kind == kind && $0.name == name }) { return (lib, c) }
        }
        return nil
    }

    /// Installed component names by kind, from libraries that loaded.
    public var installed: [String: [String]] {
        var out: [String: [String]] = [:]
        for lib in libraries where lib.status == .ok {
            for c in lib.components { out[c.kind, default: []].append(c.name) }
        }
        return out.mapValues { $0.sorted() }
    }
}
