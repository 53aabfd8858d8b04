/// Reads a job spec document key by key, recording every problem instead of
/// stopping at the first, then checks the keys against each other.
struct JobSpecReader {
    static let keys = [
        "name", "uri", "git", "docker_image", "path", "entry_point", "args", "env", "resource",
        "resource_args", "overrides", "dockerfile", "build_args", "python", "platform",
    ]
    static let sourceKeys = ["path", "uri", "git", "docker_image"]
    /// Keys that only matter when the agent builds an image.
    static let buildKeys = ["dockerfile", "build_args", "python", "platform"]

    /// W&B launch-spec keys we spell differently or do not support.
    static let wandbKeys: [String: String] = [
        "docker": "W&B's 'docker: {docker_image: IMAGE}' is 'docker_image: IMAGE' here",
        "image_uri": "W&B's 'image_uri' is 'docker_image' here",
        "python_version": "W&B's 'python_version' is 'python: {version: ...}' here",
        "job": "W&B artifact jobs need a W&B server; give the source as path, uri, git or docker_image",
        "entity": "'entity' is a W&B server setting with no meaning for the local queue; remove it",
        "project": "'project' is a W&B server setting with no meaning for the local queue; remove it",
        "author": "'author' is a W&B server setting with no meaning for the local queue; remove it",
        "run_id": "the queue gives every job its own id; remove 'run_id'",
        "sweep_id": "sweeps need a W&B server; remove 'sweep_id'",
    ]

    var r: ConfigReader
    let baseDirectory: String
    let checkFiles: Bool

    init(file: String, baseDirectory: String, checkFiles: Bool) {
        r = ConfigReader(file: file)
        self.baseDirectory = baseDirectory
        self.checkFiles = checkFiles
    }

    /// The spec, or nil when there is no usable source (an error is recorded).
    mutating func read(_ root: YAMLNode?) -> JobSpec? {
        let start = YAMLMark(line: 1, column: 1)
        guard let root else {
            r.error(at: start, "the job spec is empty", notes: [
                .init("give at least a source and a command, e.g. 'path: .' and 'entry_point: [python, train.py]'"),
            ])
            return nil
        }
        guard let pairs = root.pairs else {
            r.error(at: root.mark, "a job spec must be a mapping of keys to values, got \(root.typeDescription)")
            return nil
        }
        var spec = JobSpec(source: .path(baseDirectory))
        var sources: [(pair: YAMLPair, source: JobSpec.Source?)] = []
        for p in pairs {
            let key = p.keyText
            switch key {
            case "name": spec.name = r.string(p.value, key)
            case "uri", "git", "docker_image", "path":
                if !p.value.isNull { sources.append((p, source(p))) }
            case "entry_point": spec.entryPoint = command(p.value, key)
            case "args": spec.args = r.stringList(p.value, key) ?? []
            case "env": spec.env = stringMap(p.value, key, example: "env: {EPOCHS: '10'}")
            case "resource": spec.resource = resource(p.value) ?? spec.resource
            case "resource_args": spec.resourceArgs = resourceArgs(p.value)
            case "overrides": spec.overrides = overrides(p.value)
            case "dockerfile": spec.dockerfile = relativePath(p.value, key)
            case "build_args": spec.buildArgs = stringMap(p.value, key, example: "build_args: {CUDA: '12.4'}")
            case "python": spec.python = python(p.value)
            case "platform": spec.platforms = platforms(p.value)
            default: unknownKey(p)
            }
        }
        guard let chosen = chooseSource(sources, root: root) else { return nil }
        spec.source = chosen
        crossCheck(spec, pairs, root: root)
        if checkFiles { checkSourceFiles(spec, pairs) }
        return spec
    }

    private mutating func unknownKey(_ p: YAMLPair) {
        let key = p.keyText
        var notes: [ConfigDiagnostic.Note] = []
        if let wandb = Self.wandbKeys[key] {
            notes.append(.init(wandb))
        } else if let suggestion = Suggestions.note(for: key, among: Self.keys) {
            notes.append(.init(suggestion))
        } else {
            notes.append(.init("known keys: \(Self.keys.sorted().joined(separator: ", "))"))
        }
        r.error(at: p.key.mark, "unknown job spec key '\(key)'", notes: notes)
    }

    /// Exactly one source: none is an error at the top, two at the second.
    private mutating func chooseSource(_ sources: [(pair: YAMLPair, source: JobSpec.Source?)], root: YAMLNode) -> JobSpec.Source? {
        guard let first = sources.first else {
            r.error(at: root.mark, "missing the job's source: give exactly one of path, uri, git or docker_image", notes: [
                .init("e.g. 'path: .' for the directory of this file, or 'docker_image: python:3.12' to run an existing image"),
            ])
            return nil
        }
        for extra in sources.dropFirst() {
            r.error(at: extra.pair.key.mark,
                    "'\(extra.pair.keyText)' and '\(first.pair.keyText)' both give the job's source; keep one", notes: [
                        .init("'\(first.pair.keyText)' is here", at: r.location(first.pair.key.mark)),
                    ])
        }
        return sources.count == 1 ? first.source : nil
    }
}
