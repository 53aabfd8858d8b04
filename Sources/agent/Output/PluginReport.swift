import AgentCore

/// How `agent plugins` prints what the loader found.
enum PluginReport {
    /// Finds a library by file name, plugin name or plugin id.
    static func find(_ name: String, in set: PluginSet) -> PluginLibrary? {
        set.libraries.first { lib in
            lib.fileName == name || lib.fileName == "lib\(name).so" || lib.fileName == "liblaunch-agent-\(name).so"
                || lib.descriptor?.id == name || lib.descriptor?.name == name
        }
    }

    static func table(_ set: PluginSet, directories: [String]) -> String {
        var out = "plugins directories: \(directories.joined(separator: ":"))\n"
        for problem in set.directoryProblems { out += "warning: \(problem)\n" }
        var rows: [[String]] = [["LIBRARY", "KIND", "NAME", "VERSION", "ABI", "STATUS"]]
        for lib in set.libraries {
            let version = lib.descriptor?.version ?? "-"
            let abi = lib.descriptor?.abi ?? "-"
            let status = lib.status.reason.map { "\(lib.status.label): \($0)" } ?? lib.status.label
            if lib.components.isEmpty || lib.status != .ok {
                rows.append([lib.fileName, "-", "-", version, abi, status])
            } else {
                for c in lib.components { rows.append([lib.fileName, c.kind, c.name, version, abi, status]) }
            }
        }
        if set.libraries.isEmpty { out += "no plugin libraries found\n" }
        let widths = (0..<5).map { col in rows.map { $0[col].count }.max() ?? 0 }
        for row in rows {
            var line = ""
            for col in 0..<5 { line += row[col] + String(repeating: " ", count: widths[col] - row[col].count + 2) }
            out += line + row[5] + "\n"
        }
        return out
    }

    static func json(_ set: PluginSet, directories: [String]) -> JSONValue {
        var components: [JSONValue] = []
        for lib in set.libraries {
            for c in lib.components where lib.status == .ok {
                components.append(.object([
                    "library": .string(lib.path), "kind": .string(c.kind), "name": .string(c.name),
                    "version": .string(lib.descriptor?.version ?? ""), "abi": .string(lib.descriptor?.abi ?? ""),
                    "status": .string(lib.status.label),
                ]))
            }
        }
        return .object([
            "plugins_dirs": .array(directories.map(JSONValue.string)),
            "directory_problems": .array(set.directoryProblems.map(JSONValue.string)),
            "components": .array(components),
            "libraries": .array(set.libraries.map(json)),
        ])
    }

    static func json(_ lib: PluginLibrary) -> JSONValue {
        var object: [String: JSONValue] = [
            "library": .string(lib.path),
            "status": .string(lib.status.label),
            "reason": lib.status.reason.map(JSONValue.string) ?? .null,
            "needed": .array(lib.needed.map(JSONValue.string)),
            "components": .array(lib.components.map { c in
                .object([
                    "kind": .string(c.kind), "name": .string(c.name),
                    "description": c.description.map(JSONValue.string) ?? .null,
                    "uri_patterns": .array(c.uriPatterns.map(JSONValue.string)),
                ])
            }),
        ]
        if let d = lib.descriptor {
            object["id"] = .string(d.id)
            object["name"] = .string(d.name)
            object["version"] = .string(d.version)
            object["vendor"] = d.vendor.map(JSONValue.string) ?? .null
            object["abi"] = .string(d.abi)
            object["min_host_abi"] = .string("\(d.abiMajor).\(d.minHostMinor)")
        }
        return .object(object)
    }

    static func inspect(_ lib: PluginLibrary) -> String {
        var out = "library:      \(lib.path)\n"
        if let d = lib.descriptor {
            out += "id:           \(d.id)\n"
            out += "name:         \(d.name)\n"
            out += "version:      \(d.version)\n"
            if let vendor = d.vendor { out += "vendor:       \(vendor)\n" }
            out += "ABI:          \(d.abi) (needs agent ABI \(d.abiMajor).\(d.minHostMinor)+; this agent: \(AgentVersion.abi))\n"
            out += "descriptor:   \(d.structSize) bytes\n"
        }
        if !lib.needed.isEmpty { out += "needs:        \(lib.needed.joined(separator: ", "))\n" }
        if let runpath = lib.runpath { out += "runpath:      \(runpath)\n" }
        for c in lib.components {
            out += "component:    \(c.kind) '\(c.name)'"
            if let d = c.description { out += " — \(d)" }
            out += "\n"
            for p in c.uriPatterns { out += "  serves:     \(p)\n" }
        }
        out += "status:       \(lib.status.label)\n"
        return out
    }
}
