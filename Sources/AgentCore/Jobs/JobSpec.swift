/// One job as its submitter wrote it: where the code comes from, what to run,
/// and on which runner, with W&B launch-spec key names where W&B has them.
///
/// Load it with `JobSpec.load(path:)` (YAML or JSON) or `parse(text:file:)`.
/// The YAML tree stays attached, so a stage that rejects a value later (the
/// builder, the runner) can still report it at its `FILE:LINE:COL` with
/// `diagnostic(atPointer:_:)`. docs/jobs.md is the key reference.
public struct JobSpec: Sendable, Equatable {
    /// Where the job's code or image comes from: exactly one per job.
    public enum Source: Sendable, Equatable {
        /// `uri: URL` or `git: {url: URL, ref: REF}`: a git repository, cloned
        /// at `ref` (a branch, tag or commit; nil means the default branch).
        case git(url: String, ref: String?)
        /// `docker_image: IMAGE`: an existing image, run as it is (no build).
        case dockerImage(String)
        /// `path: DIR`: a local directory, always absolute here (a relative
        /// path is resolved against the spec file's directory).
        case path(String)
    }

    /// `overrides`: W&B's way to change a job without editing it; each value
    /// set here replaces the plain key of the same name.
    public struct Overrides: Sendable, Equatable {
        /// `overrides.args`.
        public var args: [String]?
        /// `overrides.entry_point`.
        public var entryPoint: [String]?
        /// `overrides.dockerfile`.
        public var dockerfile: String?

        public init(args: [String]? = nil, entryPoint: [String]? = nil, dockerfile: String? = nil) {
            self.args = args
            self.entryPoint = entryPoint
            self.dockerfile = dockerfile
        }

        public var isEmpty: Bool { args == nil && entryPoint == nil && dockerfile == nil }
    }

    /// `python`: settings for the Dockerfile the agent generates when the job
    /// has none of its own.
    public struct Python: Sendable, Equatable {
        /// `python.version`, e.g. "3.11"; nil lets the builder choose.
        public var version: String?
        /// `python.base_image`: the image the generated Dockerfile starts
        /// from; nil means `python:<version>`.
        public var baseImage: String?
        /// `python.requirements`: a requirements file, relative to the source.
        public var requirements: String?

        public init(version: String? = nil, baseImage: String? = nil, requirements: String? = nil) {
            self.version = version
            self.baseImage = baseImage
            self.requirements = requirements
        }
    }

    /// The runner used when `resource` is absent (W&B's default too).
    public static let defaultResource = "local-process"

    /// `name`: a label for people; the queue's id identifies the job.
    public var name: String?
    /// `uri`, `git`, `docker_image` or `path`.
    public var source: Source
    /// `entry_point`: the command, as separate arguments.
    public var entryPoint: [String]?
    /// `args`: appended to the entry point.
    public var args: [String] = []
    /// `env`: extra environment variables for the job.
    public var env: [String: String] = [:]
    /// `resource`: the runner component, e.g. `local-process`, `kubernetes`.
    public var resource = JobSpec.defaultResource
    /// `resource_args`: per-runner arguments, keyed by runner name as in W&B
    /// (`resource_args: {kubernetes: {...}}`); opaque to the host.
    public var resourceArgs: [String: JSONValue] = [:]
    /// `overrides`.
    public var overrides = Overrides()
    /// `dockerfile`: the job's own Dockerfile, relative to the source.
    public var dockerfile: String?
    /// `build_args`: `--build-arg` values for the image build.
    public var buildArgs: [String: String] = [:]
    /// `python`: settings for a generated Dockerfile.
    public var python: Python?
    /// `platform`: target platforms of the image; empty means the builder's
    /// (`builder.platform` in the agent config).
    public var platforms: [String] = []
    /// Things that work but look unintended, e.g. `resource_args` with no
    /// section for the chosen runner.
    public var warnings: [ConfigDiagnostic] = []

    /// The file diagnostics name; nil for a spec built in code.
    public internal(set) var file: String?
    /// The parsed document, kept for mapping pointers back to marks.
    var root: YAMLNode?
    /// The text it was parsed from, stored with a queued job so its marks
    /// survive the queue.
    var text: String?

    /// A spec built in code (tests, other front ends), with no file behind it.
    public init(source: Source, entryPoint: [String]? = nil) {
        self.source = source
        self.entryPoint = entryPoint
    }

    /// `overrides.entry_point`, else `entry_point`.
    public var effectiveEntryPoint: [String]? { overrides.entryPoint ?? entryPoint }
    /// `overrides.args`, else `args`.
    public var effectiveArgs: [String] { overrides.args ?? args }
    /// `overrides.dockerfile`, else `dockerfile`; nil means "generate one".
    public var effectiveDockerfile: String? { overrides.dockerfile ?? dockerfile }
    /// False only for `docker_image` jobs, which run an existing image.
    public var needsBuild: Bool {
        if case .dockerImage = source { return false }
        return true
    }
    /// `resource_args.<resource>`: what the runner receives, or nil.
    public var runnerArgs: JSONValue? { resourceArgs[resource] }

    /// Specs are equal when they describe the same job (`json`), wherever
    /// they were written.
    public static func == (a: JobSpec, b: JobSpec) -> Bool { a.json == b.json }

    /// A diagnostic at the value `pointer` (RFC 6901 into the spec document,
    /// e.g. `/resource_args/kubernetes/spec`) names, or at its deepest
    /// existing parent; without a file, a diagnostic with no location.
    public func diagnostic(atPointer pointer: String, _ message: String,
                           severity: ConfigDiagnostic.Severity = .error,
                           notes: [ConfigDiagnostic.Note] = []) -> ConfigDiagnostic {
        var location: ConfigLocation?
        if let file {
            let mark = root.map { YAMLPointer.mark(of: YAMLPointer.tokens(pointer), in: $0, viaKey: nil) }
            location = ConfigLocation(file: file, mark: mark ?? YAMLMark(line: 1, column: 1))
        }
        return ConfigDiagnostic(severity, at: location, message, notes: notes)
    }
}
