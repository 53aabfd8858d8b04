/// `kaniko-config`: a Job-shaped object the user merges under the agent's kaniko Job (W&B's key).
///
/// Only what the merge relies on is checked here, each error with the JSON pointer of the value at fault;
/// everything else passes through to the API server, whose schema validation answers 422 for it. Rules:
/// - at most one container (`spec.template.spec.containers`), as W&B;
/// - its `args` are `--flag=value` (kaniko's `key=value` form), so a user flag can replace ours by key;
///   the flags the agent decides per build (`--context`, `--dockerfile`, `--destination`,
///   `--custom-platform`) cannot be set here, since the image tag is a hash of exactly those inputs;
/// - `env` entries, `volumeMounts` and `volumes` have names (paths) so they can be merged by key;
/// - `metadata.name` is the agent's (`build-job-name` sets the prefix).
public struct KanikoJobConfig: Sendable, Equatable {
    /// The object as written (`{}` when the key is absent).
    public let raw: KubeJSON
    /// `metadata.namespace`, when the user set one there (W&B configs do).
    public let namespace: String?
    /// `spec.activeDeadlineSeconds`, when set.
    public let activeDeadlineSeconds: Int?
    /// The container's args split at the first `=`, in order.
    public let args: [(flag: String, value: String)]

    /// The flags the agent sets for every build from the request.
    public static let agentOwnedFlags: Set<String> = ["--context", "--dockerfile", "--destination", "--custom-platform"]
    /// Short spellings kaniko accepts for them.
    static let shortFlags = ["-c": "--context", "-f": "--dockerfile", "-d": "--destination"]

    public static func == (a: KanikoJobConfig, b: KanikoJobConfig) -> Bool { a.raw == b.raw }

    /// An empty config (no `kaniko-config` key).
    public init() {
        raw = .object([:])
        namespace = nil
        activeDeadlineSeconds = nil
        args = []
    }

    /// Checks `value`; `pointer` is where it sits in the create document (`/config/kaniko-config`).
    public init(_ value: KubeJSON, pointer: String = "/config/kaniko-config") throws(KanikoConfigError) {
        let check = Checker(base: pointer)
        try check.object(value, at: [], what: "'kaniko-config' (a Job: metadata, spec.template.spec.containers)")
        let metadata = value["metadata"]
        if let metadata {
            try check.object(metadata, at: ["metadata"], what: "'metadata'")
            if metadata["name"] != nil {
                throw check.error("the Job's name is set by the agent for each build; use 'build-job-name' for its prefix",
                                  at: ["metadata", "name"])
            }
            try check.stringMap(metadata["labels"], at: ["metadata", "labels"])
        }
        let ns = metadata?["namespace"]
        if let ns, ns.stringValue == nil { throw check.error("'metadata.namespace' must be a string", at: ["metadata", "namespace"]) }
        namespace = ns?.stringValue

        let spec = value["spec"]
        if let spec { try check.object(spec, at: ["spec"], what: "'spec'") }
        let deadline = spec?["activeDeadlineSeconds"]
        if let deadline {
            guard let seconds = deadline.intValue, seconds > 0 else {
                throw check.error("'spec.activeDeadlineSeconds' must be a positive integer (seconds)", at: ["spec", "activeDeadlineSeconds"])
            }
            activeDeadlineSeconds = seconds
        } else {
            activeDeadlineSeconds = nil
        }
        let template = spec?["template"]
        if let template { try check.object(template, at: ["spec", "template"], what: "'spec.template'") }
        if let labels = template?["metadata"]?["labels"] {
            try check.stringMap(labels, at: ["spec", "template", "metadata", "labels"])
        }
        let podSpec = template?["spec"]
        let podPath = ["spec", "template", "spec"]
        if let podSpec { try check.object(podSpec, at: podPath, what: "'spec.template.spec'") }
        try check.named(podSpec?["volumes"], key: "name", at: podPath + ["volumes"])

        var args: [(String, String)] = []
        if let containers = podSpec?["containers"] {
            guard let list = containers.arrayValue else {
                throw check.error("'containers' must be a list with one container", at: podPath + ["containers"])
            }
            if list.count > 1 {
                throw check.error("a build runs one container; 'containers' has \(list.count) (put extra work in initContainers)",
                                  at: podPath + ["containers", "1"])
            }
            if let container = list.first {
                let path = podPath + ["containers", "0"]
                try check.object(container, at: path, what: "the container")
                try check.named(container["env"], key: "name", at: path + ["env"])
                try check.named(container["volumeMounts"], key: "mountPath", at: path + ["volumeMounts"])
                args = try Self.checkArgs(container["args"], check: check, at: path + ["args"])
            }
        }
        self.args = args
        raw = value
    }

    /// Each arg must be `--flag=value` and not one of ``agentOwnedFlags``.
    private static func checkArgs(_ value: KubeJSON?, check: Checker, at path: [String]) throws(KanikoConfigError) -> [(String, String)] {
        guard let value else { return [] }
        guard let list = value.arrayValue else { throw check.error("'args' must be a list of '--flag=value' strings", at: path) }
        var out: [(String, String)] = []
        for (index, item) in list.enumerated() {
            let at = path + [String(index)]
            guard let text = item.stringValue else {
                throw check.error("container args must be strings in '--flag=value' form (e.g. \"--cache=false\"), not \(item.typeDescription)", at: at)
            }
            guard let split = splitFlag(text) else {
                throw check.error("container args must be in '--flag=value' form (e.g. \"--cache=false\"), not '\(text)'", at: at)
            }
            let flag = shortFlags[split.flag] ?? split.flag
            if agentOwnedFlags.contains(flag) {
                throw check.error("'\(flag)' is set by the agent for each build (it is part of the image tag); remove it from kaniko-config", at: at)
            }
            out.append((flag, split.value))
        }
        return out
    }

    /// `--cache=false` → (`--cache`, `false`); nil unless the text is a dash-led flag name, `=`, then anything.
    static func splitFlag(_ text: String) -> (flag: String, value: String)? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let flag = text[..<eq]
        guard flag.hasPrefix("-") else { return nil }
        let name = flag.drop(while: { $0 == "-" })
        guard flag.count - name.count <= 2, let first = name.first, first.isLetter || first.isNumber,
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else { return nil }
        return (String(flag), String(text[text.index(after: eq)...]))
    }
}

/// Builds the errors of ``KanikoJobConfig`` with pointers under one base.
private struct Checker {
    let base: String

    func error(_ message: String, at path: [String]) -> KanikoConfigError {
        KanikoConfigError(message, pointer: base + path.map { "/" + $0.replacing("~", with: "~0").replacing("/", with: "~1") }.joined())
    }

    func object(_ value: KubeJSON, at path: [String], what: String) throws(KanikoConfigError) {
        if value.objectValue == nil { throw error("\(what) must be a mapping, not \(value.typeDescription)", at: path) }
    }

    func stringMap(_ value: KubeJSON?, at path: [String]) throws(KanikoConfigError) {
        guard let value else { return }
        guard let map = value.objectValue else { throw error("labels must be a mapping of strings", at: path) }
        for (key, item) in map.sorted(by: { $0.key < $1.key }) where item.stringValue == nil {
            throw error("label values must be strings (quote them in YAML), not \(item.typeDescription)", at: path + [key])
        }
    }

    /// A list of mappings, each with a string `key` (env `name`, volume `name`, mount `mountPath`).
    func named(_ value: KubeJSON?, key: String, at path: [String]) throws(KanikoConfigError) {
        guard let value else { return }
        guard let list = value.arrayValue else { throw error("'\(path.last ?? "")' must be a list", at: path) }
        for (index, item) in list.enumerated() where item[key]?.stringValue == nil {
            throw error("each entry of '\(path.last ?? "")' needs a string '\(key)'", at: path + [String(index)])
        }
    }
}
