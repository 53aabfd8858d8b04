extension JobSpecReader {
    /// A command: a list of strings, or one string split at whitespace (no
    /// shell quoting; use the list form when an argument contains a space).
    mutating func command(_ node: YAMLNode, _ name: String) -> [String]? {
        let words: [String]?
        if node.items != nil {
            words = r.stringList(node, name)
        } else if node.isNull {
            return nil
        } else if node.scalar != nil, let text = r.string(node, name) {
            words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        } else {
            r.typeError(name, expected: "a list of strings or a string", got: node,
                        notes: [.init("e.g. '\(name): [python, train.py]'")])
            return nil
        }
        guard let words else { return nil }
        if words.isEmpty || words[0].isEmpty {
            r.error(at: node.mark, "\(name) must name a program", notes: [.init("e.g. '\(name): [python, train.py]'")])
            return nil
        }
        return words
    }

    /// `env` and `build_args`: names to scalar values, kept as written.
    mutating func stringMap(_ node: YAMLNode, _ name: String, example: String) -> [String: String] {
        guard let pairs = r.mapping(node, name, example: example) else { return [:] }
        var out: [String: String] = [:]
        for p in pairs {
            let key = p.keyText
            if !JobSpecRules.isVariableName(key) {
                r.error(at: p.key.mark, "\(name) name '\(key)' is not a valid variable name",
                        notes: [.init("use letters, digits and '_', not starting with a digit")])
                continue
            }
            if p.value.isNull {
                r.error(at: p.value.mark, "\(name).\(key) must be a string, got null", notes: [.init("write '' for an empty value")])
            } else if p.value.scalar == nil {
                r.typeError("\(name).\(key)", expected: "a string", got: p.value)
            } else if let value = r.string(p.value, "\(name).\(key)") {
                out[key] = value
            }
        }
        return out
    }

    mutating func resource(_ node: YAMLNode) -> String? {
        guard let name = r.string(node, "resource") else { return nil }
        guard JobSpecRules.isComponentName(name) else {
            r.error(at: node.mark, "resource must be a runner name such as 'local-process' or 'kubernetes'",
                    notes: [.init("runner names use lower-case letters, digits and '-'")])
            return nil
        }
        return name
    }

    /// `resource_args`: runner name to that runner's mapping, as JSON.
    mutating func resourceArgs(_ node: YAMLNode) -> [String: JSONValue] {
        guard let pairs = r.mapping(node, "resource_args", example: "resource_args: {kubernetes: {namespace: ml}}") else { return [:] }
        var out: [String: JSONValue] = [:]
        for p in pairs {
            if p.value.pairs == nil, !p.value.isNull {
                r.typeError("resource_args.\(p.keyText)", expected: "a mapping", got: p.value,
                            notes: [.init("resource_args is keyed by runner, as in W&B: 'resource_args: {kubernetes: {...}}'")])
            } else {
                out[p.keyText] = p.value.isNull ? .object([:]) : p.value.json
            }
        }
        return out
    }

    mutating func overrides(_ node: YAMLNode) -> JobSpec.Overrides {
        var out = JobSpec.Overrides()
        guard let pairs = r.mapping(node, "overrides", example: "overrides: {args: [--epochs, '3']}") else { return out }
        for p in pairs {
            switch p.keyText {
            case "args": out.args = r.stringList(p.value, "overrides.args")
            case "entry_point": out.entryPoint = command(p.value, "overrides.entry_point")
            case "dockerfile": out.dockerfile = relativePath(p.value, "overrides.dockerfile")
            default:
                let known = ["args", "entry_point", "dockerfile"]
                var notes = Suggestions.note(for: p.keyText, among: known).map { [ConfigDiagnostic.Note($0)] }
                    ?? [.init("overrides takes \(known.joined(separator: ", "))")]
                if ["run_config", "artifacts", "files"].contains(p.keyText) {
                    notes = [.init("W&B's overrides.\(p.keyText) needs a W&B server; overrides takes args, entry_point and dockerfile")]
                }
                r.error(at: p.key.mark, "unknown overrides key '\(p.keyText)'", notes: notes)
            }
        }
        return out
    }

    /// A path inside the job's source (`dockerfile`, `python.requirements`).
    mutating func relativePath(_ node: YAMLNode, _ name: String) -> String? {
        guard let path = r.string(node, name) else { return nil }
        if let problem = JobSpecRules.relativePathProblem(path) {
            r.error(at: node.mark, "\(name) \(problem)")
            return nil
        }
        return path
    }

    mutating func python(_ node: YAMLNode) -> JobSpec.Python? {
        guard let pairs = r.mapping(node, "python", example: "python: {version: '3.11'}") else { return nil }
        var out = JobSpec.Python()
        for p in pairs {
            switch p.keyText {
            case "version":
                guard let v = r.string(p.value, "python.version") else { continue }
                if JobSpecRules.isPythonVersion(v) {
                    out.version = v
                } else {
                    r.error(at: p.value.mark, "python.version must look like '3.11' or '3.11.4'",
                            notes: [.init("quote it ('3.10') if your editor reformats numbers")])
                }
            case "base_image": out.baseImage = imageReference(p.value, "python.base_image")
            case "requirements": out.requirements = relativePath(p.value, "python.requirements")
            default:
                let known = ["version", "base_image", "requirements"]
                let notes = Suggestions.note(for: p.keyText, among: known).map { [ConfigDiagnostic.Note($0)] }
                    ?? [.init("python takes \(known.joined(separator: ", "))")]
                r.error(at: p.key.mark, "unknown python key '\(p.keyText)'", notes: notes)
            }
        }
        return out
    }

    /// `platform`: one platform, a comma-separated string, or a list.
    mutating func platforms(_ node: YAMLNode) -> [String] {
        let values: [String]
        if node.items != nil {
            values = r.stringList(node, "platform") ?? []
        } else if let text = r.string(node, "platform") {
            values = text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }
        } else {
            return []
        }
        var out: [String] = []
        for value in values where !out.contains(value) {
            if BuilderConfig.platforms.contains(value) {
                out.append(value)
            } else {
                let hint = BuilderConfig.platformAliases[value] ?? Suggestions.closest(to: value, among: BuilderConfig.platforms)
                var notes = hint.map { [ConfigDiagnostic.Note("did you mean '\($0)'?")] } ?? []
                notes.append(.init("supported platforms: \(BuilderConfig.platforms.joined(separator: ", "))"))
                r.error(at: node.mark, "unsupported platform '\(value)'", notes: notes)
            }
        }
        return out
    }
}
