import FoundationEssentials

extension JobSpec {
    /// Loads a job spec from a YAML or JSON file (JSON is read as YAML, so
    /// both report problems at `FILE:LINE:COL`).
    ///
    /// Besides what `parse(text:file:)` checks, a `path` source must be an
    /// existing directory and the files the spec names inside it
    /// (`dockerfile`, `overrides.dockerfile`, `python.requirements`) must
    /// exist. A relative `path` resolves against the spec file's directory.
    public static func load(path: String) throws(ConfigError) -> JobSpec {
        switch JobPaths.kind(of: path) {
        case .missing: throw ConfigError(at: nil, "job spec not found: \(path)")
        case .directory: throw ConfigError(at: nil, "job spec is a directory: \(path)")
        case .file, .other: break
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(at: nil, "could not read job spec: \(path)",
                              notes: [.init("check that the agent's user may read it")])
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(text: text, file: path, checkFiles: true)
    }

    /// Parses a job spec from YAML or JSON text.
    ///
    /// - Parameters:
    ///   - file: the name diagnostics print; a relative `path` source
    ///     resolves against its directory unless `baseDirectory` is given.
    ///   - baseDirectory: the directory relative `path` sources start from.
    ///   - checkFiles: also check the file system (see `load(path:)`).
    /// - Throws: every problem found, in file order, each at its line and
    ///   column: unknown keys (with "did you mean"), wrong types, a missing or
    ///   doubled source, keys that cannot apply to this kind of job.
    public static func parse(text: String, file: String, baseDirectory: String? = nil,
                             checkFiles: Bool = false) throws(ConfigError) -> JobSpec {
        let root = try YAMLParser.parse(text, file: file)
        let base = baseDirectory ?? JobPaths.directory(of: JobPaths.absolute(file, relativeTo: JobPaths.currentDirectory()))
        var reader = JobSpecReader(file: file, baseDirectory: base, checkFiles: checkFiles)
        let read = reader.read(root)
        let diagnostics = reader.r.diagnostics
        if diagnostics.contains(where: { $0.severity == .error }) { throw ConfigError(diagnostics) }
        guard var spec = read else { throw ConfigError(diagnostics) }
        spec.file = file
        spec.root = root
        spec.text = text
        spec.warnings = ConfigDiagnostic.sorted(diagnostics)
        return spec
    }
}
