/// One component a plugin provides: a (kind, name) pair and how to create an instance of it.
///
/// ```swift
/// Component.builder("noop", summary: "accepts no builds") { context in try NoopBuilder(context) }
/// Component.registry("ecr", uriPatterns: ["*.dkr.ecr.*.amazonaws.com"]) { try ECRRegistry($0) }
/// ```
///
/// The `create` closure runs once per instance the host creates, with the component's config in the
/// ``ComponentContext``. It validates the config (see ``ConfigReader``), keeps what it needs (including
/// ``ComponentContext/host``) and returns the instance. It must not do network or other slow work —
/// that belongs in `verify` — and it may be called again for another instance at any time.
public struct Component: Sendable {
    /// The kind.
    public let kind: ComponentKind
    /// The name users write in YAML (`builder.type: noop`): lower-case letters, digits and `-`.
    public let name: String
    /// One line for `agent plugins list`.
    public let summary: String?
    /// For registries and context stores: glob patterns (`*` matches any run of characters) of the URIs
    /// served, matched against the URI's authority: a registry's host name (`*.dkr.ecr.*.amazonaws.com`),
    /// a store's scheme and bucket (`s3://*`), or an https store's host name (`*.blob.core.windows.net`).
    /// plugin-sdk/docs/interfaces.md ("URI patterns") has the exact rules.
    public let uriPatterns: [String]
    /// True when the host may call one instance from several threads at once
    /// (`LA_COMPONENT_FLAG_CONCURRENT`): every method must then be thread-safe.
    public let isConcurrent: Bool

    let make: @Sendable (ComponentContext) throws -> AnyComponent

    init(kind: ComponentKind, name: String, summary: String?, uriPatterns: [String], isConcurrent: Bool,
         make: @escaping @Sendable (ComponentContext) throws -> AnyComponent) {
        self.kind = kind
        self.name = name
        self.summary = summary
        self.uriPatterns = uriPatterns
        self.isConcurrent = isConcurrent
        self.make = make
    }

    /// A ``Builder``.
    public static func builder(
        _ name: String, summary: String? = nil, concurrent: Bool = false,
        create: @escaping @Sendable (ComponentContext) throws -> any Builder
    ) -> Component {
        Component(kind: .builder, name: name, summary: summary, uriPatterns: [], isConcurrent: concurrent) {
            .builder(try create($0))
        }
    }

    /// An ``Environment``.
    public static func environment(
        _ name: String, summary: String? = nil, concurrent: Bool = false,
        create: @escaping @Sendable (ComponentContext) throws -> any Environment
    ) -> Component {
        Component(kind: .environment, name: name, summary: summary, uriPatterns: [], isConcurrent: concurrent) {
            .environment(try create($0))
        }
    }

    /// A ``Registry`` serving the destinations that match `uriPatterns`.
    public static func registry(
        _ name: String, summary: String? = nil, uriPatterns: [String], concurrent: Bool = false,
        create: @escaping @Sendable (ComponentContext) throws -> any Registry
    ) -> Component {
        Component(kind: .registry, name: name, summary: summary, uriPatterns: uriPatterns, isConcurrent: concurrent) {
            .registry(try create($0))
        }
    }

    /// A ``ContextStore`` serving the store URIs that match `uriPatterns`.
    public static func contextStore(
        _ name: String, summary: String? = nil, uriPatterns: [String], concurrent: Bool = false,
        create: @escaping @Sendable (ComponentContext) throws -> any ContextStore
    ) -> Component {
        Component(kind: .contextStore, name: name, summary: summary, uriPatterns: uriPatterns, isConcurrent: concurrent) {
            .contextStore(try create($0))
        }
    }

    /// A ``Runner``.
    public static func runner(
        _ name: String, summary: String? = nil, concurrent: Bool = false,
        create: @escaping @Sendable (ComponentContext) throws -> any Runner
    ) -> Component {
        Component(kind: .runner, name: name, summary: summary, uriPatterns: [], isConcurrent: concurrent) {
            .runner(try create($0))
        }
    }

    /// A ``Queue``.
    public static func queue(
        _ name: String, summary: String? = nil, concurrent: Bool = false,
        create: @escaping @Sendable (ComponentContext) throws -> any Queue
    ) -> Component {
        Component(kind: .queue, name: name, summary: summary, uriPatterns: [], isConcurrent: concurrent) {
            .queue(try create($0))
        }
    }
}

/// A created instance, by kind.
enum AnyComponent {
    case builder(any Builder)
    case environment(any Environment)
    case registry(any Registry)
    case contextStore(any ContextStore)
    case runner(any Runner)
    case queue(any Queue)
}
