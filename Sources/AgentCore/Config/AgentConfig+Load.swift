import FoundationEssentials

extension AgentConfig {
    /// Where W&B agents look when no `--config` is given, under `$HOME`.
    public static let defaultRelativePath = ".config/wandb/launch-config.yaml"

    /// `$HOME/.config/wandb/launch-config.yaml`, or nil without a `HOME`; for
    /// messages such as "no config file at PATH, using defaults".
    public static func defaultPath(environment: [String: String]) -> String? {
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home.hasSuffix("/") ? home : home + "/") + defaultRelativePath
    }

    /// Loads the agent config the way `wandb launch-agent` does: defaults, then
    /// the file, then `WANDB_ENTITY` / `WANDB_LAUNCH_MAX_JOBS`.
    ///
    /// - Parameters:
    ///   - path: `--config`; a missing file is an error. Nil means
    ///     `$HOME/.config/wandb/launch-config.yaml`, and a missing default
    ///     file means "defaults only" (`file` is then nil).
    ///   - environment: the process environment (`HOME` and the overrides).
    ///   - installed: component names by kind (`["builder": ["docker", "noop"]]`);
    ///     when given, `validateComponents(installed:)` runs too and its errors
    ///     are thrown together with the rest, in file order.
    public static func load(path: String?, environment: [String: String],
                            installed: [String: [String]]? = nil) throws(ConfigError) -> AgentConfig {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        let resolved: String
        if let path {
            resolved = path == "~" || path.hasPrefix("~/") ? (home ?? "~") + path.dropFirst() : path
        } else if let defaultPath = defaultPath(environment: environment) {
            resolved = defaultPath
        } else {
            return try parse(nil, file: nil, environment: environment, installed: installed)
        }
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) else {
            if path == nil { return try parse(nil, file: nil, environment: environment, installed: installed) }
            throw ConfigError(at: nil, "config file not found: \(resolved)")
        }
        if isDirectory { throw ConfigError(at: nil, "config file is a directory: \(resolved)") }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw ConfigError(at: nil, "could not read config file: \(resolved)",
                              notes: [.init("check that the agent's user may read it")])
        }
        let root = try YAMLParser.parse(bytes: [UInt8](data), file: resolved)
        return try parse(root, file: resolved, environment: environment, installed: installed)
    }

    /// Loads from YAML text; `file` is the name diagnostics print.
    public static func parse(yaml: String, file: String, environment: [String: String] = [:],
                             installed: [String: [String]]? = nil) throws(ConfigError) -> AgentConfig {
        try parse(YAMLParser.parse(yaml, file: file), file: file, environment: environment, installed: installed)
    }

    static func parse(_ root: YAMLNode?, file: String?, environment: [String: String],
                      installed: [String: [String]]?) throws(ConfigError) -> AgentConfig {
        var config = AgentConfig()
        config.file = file
        config.root = root
        var reader = ConfigReader(file: file ?? "")
        if let root {
            if let pairs = root.pairs {
                config.read(pairs, with: &reader, installed: installed)
            } else {
                reader.error(at: root.mark, "the config must be a mapping of keys to values, got \(root.typeDescription)")
            }
        }
        var diagnostics = reader.diagnostics + config.applyOverrides(environment)
        if let installed { diagnostics += config.validateComponents(installed: installed) }
        config.warnings = ConfigDiagnostic.sorted(diagnostics.filter { $0.severity == .warning })
        // Warnings travel with the errors: they often explain them.
        if diagnostics.contains(where: { $0.severity == .error }) { throw ConfigError(diagnostics) }
        return config
    }

    private mutating func read(_ pairs: [YAMLPair], with r: inout ConfigReader, installed: [String: [String]]?) {
        for p in pairs {
            let key = p.keyText
            switch key {
            case "queues": queues = r.stringList(p.value, key) ?? queues
            case "entity": entity = r.string(p.value, key)
            case "max_jobs": maxJobs = Self.limit(p.value, key, &r) ?? maxJobs
            case "max_schedulers": maxSchedulers = Self.limit(p.value, key, &r) ?? maxSchedulers
            case "secure_mode": secureMode = r.bool(p.value, key) ?? secureMode
            case "verbosity":
                if let v = r.int(p.value, key) {
                    if v >= 0 { verbosity = v } else { r.error(at: p.value.mark, "verbosity must be 0 or more") }
                }
            case "stopped_run_timeout":
                if let v = r.number(p.value, key) {
                    if v >= 0 { stoppedRunTimeout = v } else { r.error(at: p.value.mark, "stopped_run_timeout must be 0 or more seconds") }
                }
            case "builder":
                builder = r.builder(p, installed: installed?["builder"] ?? installed.map { _ in [] })
            case "environment":
                environmentType = r.componentSection(p, kind: key, example: "environment: {type: aws, region: us-east-1}",
                                                     installed: installed?[key] ?? installed.map { _ in [] })
            case "registry":
                registryType = r.componentSection(p, kind: key, example: "registry: {type: ecr, uri: ...}",
                                                  installed: installed?[key] ?? installed.map { _ in [] })
                r.warning(at: p.key.mark, "the 'registry' block is deprecated", notes: [
                    .init("the registry is inferred from builder.destination; remove this block once destination is set"),
                ])
            default:
                let notes = Suggestions.note(for: key, among: Self.topLevelKeys).map { [ConfigDiagnostic.Note($0)] }
                    ?? [.init("known keys: \(Self.topLevelKeys.sorted().joined(separator: ", "))")]
                r.error(at: p.key.mark, "unknown top-level key '\(key)'", notes: notes)
            }
        }
    }

    private static func limit(_ node: YAMLNode, _ name: String, _ r: inout ConfigReader) -> JobLimit? {
        guard let n = r.int(node, name) else { return nil }
        guard let limit = JobLimit(n) else {
            r.error(at: node.mark, "\(name) must be -1 (unlimited) or 0 or more")
            return nil
        }
        return limit
    }

    /// W&B's environment overrides win over the file. Values are not echoed.
    private mutating func applyOverrides(_ environment: [String: String]) -> [ConfigDiagnostic] {
        if let e = environment["WANDB_ENTITY"], !e.isEmpty { entity = e }
        guard let raw = environment["WANDB_LAUNCH_MAX_JOBS"], !raw.isEmpty else { return [] }
        let trimmed = raw.filter { !$0.isWhitespace }
        guard let n = Int(trimmed), let limit = JobLimit(n) else {
            return [ConfigDiagnostic(at: nil, "environment variable WANDB_LAUNCH_MAX_JOBS must be -1 (unlimited) or an integer 0 or more",
                                     notes: [.init("unset it to use max_jobs from the config file")])]
        }
        maxJobs = limit
        return []
    }
}
