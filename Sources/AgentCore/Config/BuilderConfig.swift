/// The host-owned part of the `builder` block.
///
/// Every other key in the block (`build-job-name`, `kaniko-config`, ...)
/// belongs to the builder plugin and reaches it untouched through
/// `PluginSection.config`; the plugin validates those.
public struct BuilderConfig: Sendable, Equatable {
    /// `builder.type`: the builder component to use; nil means "pick the
    /// default builder" (no `builder` block, or an empty one).
    public var type: String?
    /// `builder.destination`: image repository without a tag, e.g.
    /// `123456789012.dkr.ecr.us-east-1.amazonaws.com/ml`. Nil keeps images local.
    public var destination: String?
    /// `builder.platform`, split on commas; empty means the builder's default.
    public var platforms: [String] = []
    /// `builder.build-context-store`.
    public var buildContextStore: BuildContextStore?

    public init() {}

    /// Keys the host reads; the plugin never sees them in its config.
    static let hostKeys = ["type", "destination", "platform", "build-context-store"]
    /// Keys W&B builders are known to read. Their snake_case spellings are
    /// errors, because W&B silently ignored them and users never noticed.
    static let knownPluginKeys = ["build-job-name", "kaniko-config", "kaniko-image", "secret-name", "secret-key", "cli"]
    static let platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64"]
    static let platformAliases = ["linux/x86_64": "linux/amd64", "linux/x86-64": "linux/amd64", "linux/aarch64": "linux/arm64"]
}

extension ConfigReader {
    /// Reads the host keys of `builder` and flags keys that are almost
    /// certainly misspelt host keys (the plugin would never learn of them).
    mutating func builder(_ pair: YAMLPair, installed: [String]?) -> BuilderConfig {
        var config = BuilderConfig()
        guard let pairs = mapping(pair.value, "builder", example: "builder: {type: docker}") else { return config }
        for p in pairs {
            switch p.keyText {
            case "type":
                config.type = componentType(p, "builder.type")
            case "destination":
                config.destination = string(p.value, "builder.destination")
                if let d = config.destination { checkDestination(d, at: p.value.mark) }
            case "platform":
                config.platforms = platforms(p.value)
            case "build-context-store":
                if let uri = string(p.value, "builder.build-context-store") {
                    config.buildContextStore = BuildContextStore(uri: uri)
                    if config.buildContextStore == nil { badContextStore(uri, at: p.value.mark) }
                }
            default:
                checkPluginKey(p)
            }
        }
        if !pairs.contains(where: { $0.keyText == "type" && !$0.value.isNull }), pairs.contains(where: { !$0.value.isNull }) {
            requireType("builder", at: pair.key.mark, installed: installed)
        }
        return config
    }

    private mutating func checkPluginKey(_ p: YAMLPair) {
        let key = p.keyText
        if key == "uri" {
            error(at: p.key.mark, "unknown builder key 'uri'", notes: [
                .init("did you mean 'destination'? the image repository goes in builder.destination (W&B ignored builder.uri)"),
            ])
            return
        }
        if BuilderConfig.knownPluginKeys.contains(key) { return }
        let known = BuilderConfig.hostKeys + BuilderConfig.knownPluginKeys
        guard let suggestion = Suggestions.closest(to: key, among: known) else { return }
        let isHostKey = BuilderConfig.hostKeys.contains(suggestion)
        let sameButUnderscores = Suggestions.normalize(key) == Suggestions.normalize(suggestion)
        // A near miss of a plugin key may be a key of a builder we do not know;
        // only a spelling variant is certain enough to reject here.
        guard isHostKey || sameButUnderscores else { return }
        var notes = [ConfigDiagnostic.Note("did you mean '\(suggestion)'?")]
        if sameButUnderscores, key.contains("_") {
            notes.append(.init("builder keys are spelt with hyphens; W&B silently ignored the snake_case spelling"))
        }
        error(at: p.key.mark, "unknown builder key '\(key)'", notes: notes)
    }

    private mutating func checkDestination(_ destination: String, at mark: YAMLMark) {
        var rest = Substring(destination)
        for scheme in ["https://", "http://"] where rest.hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: \.isEmpty) || rest.isEmpty {
            error(at: mark, "builder.destination must be a repository such as 'REGISTRY/REPOSITORY', with no empty path parts")
            return
        }
        guard parts.count > 1, let last = parts.last else { return }
        if last.contains("@") || last.contains(":") {
            error(at: mark, "builder.destination must not include a tag or digest",
                  notes: [.init("the agent tags every image with the hash of its sources; drop the ':tag' or '@digest' part")])
        }
    }

    private mutating func platforms(_ node: YAMLNode) -> [String] {
        let values: [String]
        if node.items != nil {
            values = stringList(node, "builder.platform") ?? []
        } else if let text = string(node, "builder.platform") {
            values = text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }
        } else {
            return []
        }
        var out: [String] = []
        for value in values {
            if out.contains(value) {
                error(at: node.mark, "builder.platform lists '\(value)' twice")
            } else if BuilderConfig.platforms.contains(value) {
                out.append(value)
            } else {
                let hint = BuilderConfig.platformAliases[value] ?? Suggestions.closest(to: value, among: BuilderConfig.platforms)
                var notes = hint.map { [ConfigDiagnostic.Note("did you mean '\($0)'?")] } ?? []
                notes.append(.init("supported platforms: \(BuilderConfig.platforms.joined(separator: ", "))"))
                error(at: node.mark, "unsupported builder.platform '\(value)'", notes: notes)
            }
        }
        return out
    }

    private mutating func badContextStore(_ uri: String, at mark: YAMLMark) {
        let scheme = uri.firstRange(of: "://").map { String(uri[..<$0.lowerBound]) }
        let what = scheme.map { "a '\($0)://' URI" } ?? "not a URI"
        error(at: mark, "builder.build-context-store must be an s3://, gs:// or Azure Blob URI (or another context store's SCHEME://BUCKET), got \(what)", notes: [
            .init("use s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX"),
        ])
    }
}
