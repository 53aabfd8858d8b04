extension JobSpecReader {
    /// Checks that need several keys: what a `docker_image` job cannot have,
    /// what a generated Dockerfile needs, and `resource_args` against `resource`.
    mutating func crossCheck(_ spec: JobSpec, _ pairs: [YAMLPair], root: YAMLNode) {
        func pair(_ key: String) -> YAMLPair? { pairs.first { $0.keyText == key && !$0.value.isNull } }
        if case .dockerImage = spec.source, let image = pair("docker_image") {
            for key in Self.buildKeys {
                guard let p = pair(key) else { continue }
                r.error(at: p.key.mark, "'\(key)' has no effect on a docker_image job: the image runs as it is",
                        notes: [.init("remove it, or give the job's source as path, uri or git to build an image")])
            }
            if let d = pair("overrides")?.value.pair("dockerfile"), !d.value.isNull {
                r.error(at: d.key.mark, "'overrides.dockerfile' has no effect on a docker_image job: the image runs as it is")
            }
            if spec.resource == JobSpec.defaultResource {
                r.error(at: image.value.mark, "a docker_image job needs a container runner, but resource is 'local-process'", notes: [
                    .init("set 'resource' to a runner that runs images, e.g. 'kubernetes'; local-process runs the command on this machine"),
                ])
            }
        }
        if spec.python != nil, spec.effectiveDockerfile != nil, let p = pair("python") {
            r.error(at: p.key.mark, "'python' only applies to generated Dockerfiles, but this job has its own dockerfile",
                    notes: [.init("set the base image and dependencies in the Dockerfile instead")])
        }
        let generated = spec.needsBuild && spec.effectiveDockerfile == nil
        let entryPointWritten = pair("entry_point") != nil || pair("overrides")?.value.pair("entry_point").map { !$0.value.isNull } == true
        if !entryPointWritten, generated || spec.resource == JobSpec.defaultResource, spec.needsBuild {
            let why = spec.resource == JobSpec.defaultResource
                ? "the local-process runner needs a command to run"
                : "a generated Dockerfile needs a command for its ENTRYPOINT"
            r.error(at: root.mark, "missing required key 'entry_point': \(why)",
                    notes: [.init("e.g. 'entry_point: [python, train.py]'")])
        }
        checkResourceArgs(spec, pair("resource_args"))
    }

    /// W&B keys `resource_args` by runner; a section for another runner is
    /// usually a typo or a leftover.
    private mutating func checkResourceArgs(_ spec: JobSpec, _ pair: YAMLPair?) {
        guard let pair, let sections = pair.value.pairs, !sections.isEmpty,
              !sections.contains(where: { $0.keyText == spec.resource }) else { return }
        if let near = sections.first(where: { Suggestions.closest(to: $0.keyText, among: [spec.resource]) != nil }) {
            r.error(at: near.key.mark, "resource_args has a '\(near.keyText)' section but the resource is '\(spec.resource)'",
                    notes: [.init("did you mean '\(spec.resource)'?")])
            return
        }
        r.warning(at: pair.key.mark, "resource_args has no '\(spec.resource)' section, so the '\(spec.resource)' runner gets no arguments",
                  notes: [.init("resource_args is keyed by runner, as in W&B: 'resource_args: {\(spec.resource): {...}}'")])
    }

    /// For a `path` source: the files the spec names exist inside it.
    mutating func checkSourceFiles(_ spec: JobSpec, _ pairs: [YAMLPair]) {
        guard case .path(let dir) = spec.source else { return }
        var named: [(YAMLNode, String, String)] = []
        if let d = spec.dockerfile, let p = pairs.first(where: { $0.keyText == "dockerfile" }) { named.append((p.value, "dockerfile", d)) }
        if let d = spec.overrides.dockerfile, let p = pairs.first(where: { $0.keyText == "overrides" })?.value.pair("dockerfile") {
            named.append((p.value, "overrides.dockerfile", d))
        }
        if let q = spec.python?.requirements, let p = pairs.first(where: { $0.keyText == "python" })?.value.pair("requirements") {
            named.append((p.value, "python.requirements", q))
        }
        for (node, name, relative) in named {
            let full = JobPaths.absolute(relative, relativeTo: dir)
            switch JobPaths.kind(of: full) {
            case .file: continue
            case .missing: r.error(at: node.mark, "\(name) \(full) does not exist")
            default: r.error(at: node.mark, "\(name) \(full) is not a file")
            }
        }
    }
}
