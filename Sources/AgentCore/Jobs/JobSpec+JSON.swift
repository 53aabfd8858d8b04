extension JobSpec {
    /// The spec as a JSON object with the same keys as the file: defaults
    /// filled in (`resource`), `entry_point` always a list, a `path` source
    /// absolute, empty keys left out. `parse(text: json.serialized, ...)` gives
    /// back an equal spec.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["resource": .string(resource)]
        switch source {
        case .git(let url, let ref):
            var git: [String: JSONValue] = ["url": .string(url)]
            if let ref { git["ref"] = .string(ref) }
            o["git"] = .object(git)
        case .dockerImage(let image): o["docker_image"] = .string(image)
        case .path(let dir): o["path"] = .string(dir)
        }
        if let name { o["name"] = .string(name) }
        if let entryPoint { o["entry_point"] = Self.list(entryPoint) }
        if !args.isEmpty { o["args"] = Self.list(args) }
        if !env.isEmpty { o["env"] = Self.map(env) }
        if !resourceArgs.isEmpty { o["resource_args"] = .object(resourceArgs) }
        if !overrides.isEmpty {
            var ov: [String: JSONValue] = [:]
            if let a = overrides.args { ov["args"] = Self.list(a) }
            if let e = overrides.entryPoint { ov["entry_point"] = Self.list(e) }
            if let d = overrides.dockerfile { ov["dockerfile"] = .string(d) }
            o["overrides"] = .object(ov)
        }
        if let dockerfile { o["dockerfile"] = .string(dockerfile) }
        if !buildArgs.isEmpty { o["build_args"] = Self.map(buildArgs) }
        if let python {
            var p: [String: JSONValue] = [:]
            if let v = python.version { p["version"] = .string(v) }
            if let b = python.baseImage { p["base_image"] = .string(b) }
            if let r = python.requirements { p["requirements"] = .string(r) }
            o["python"] = .object(p)
        }
        if !platforms.isEmpty { o["platform"] = Self.list(platforms) }
        return .object(o)
    }

    private static func list(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }
    private static func map(_ items: [String: String]) -> JSONValue { .object(items.mapValues { .string($0) }) }
}
