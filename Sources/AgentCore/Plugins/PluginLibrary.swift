import LaunchAgentABI

/// One plugin library file as the loader found it, and how loading it ended.
public struct PluginLibrary: @unchecked Sendable {
    /// How loading a library ended. The host carries on in every case.
    public enum Status: Sendable, Equatable {
        /// Loaded, checked and initialised; its components are usable.
        case ok
        /// Not used, for the reason given (file, reason, versions).
        case rejected(String)
        /// The descriptor was accepted but the plugin's `init` failed with this message.
        case failedInit(String)

        public var label: String {
            switch self {
            case .ok: return "ok"
            case .rejected: return "rejected"
            case .failedInit: return "failed-init"
            }
        }

        public var reason: String? {
            switch self {
            case .ok: return nil
            case .rejected(let r), .failedInit(let r): return r
            }
        }
    }

    /// A (kind, name) pair the library provides.
    public struct Component: Sendable, Equatable {
        public let kind: String
        public let name: String
        public let description: String?
        public let uriPatterns: [String]
        public let flags: UInt32
        /// Index in the descriptor's component list (what `create` takes).
        let index: UInt32
    }

    /// What the descriptor says about the library, when the loader got that far.
    public struct Descriptor: Sendable {
        public let id: String
        public let name: String
        public let version: String
        public let vendor: String?
        public let abiMajor: UInt32
        public let abiMinor: UInt32
        public let minHostMinor: UInt32
        public let structSize: UInt32
        public var abi: String { "\(abiMajor).\(abiMinor)" }
    }

    public let path: String
    public internal(set) var status: Status
    public internal(set) var descriptor: Descriptor?
    public internal(set) var components: [Component] = []
    /// DT_NEEDED of the file, for `plugins inspect`.
    public internal(set) var needed: [String] = []
    public internal(set) var runpath: String?

    /// The live descriptor; set only when status is `.ok`.
    var plugin: UnsafePointer<la_plugin_v1>?

    /// The file name, which is what users see in listings.
    public var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }
}
