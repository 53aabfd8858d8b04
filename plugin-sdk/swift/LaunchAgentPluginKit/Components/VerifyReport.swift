/// The result of every component's `verify`: a checklist that `agent verify` prints.
///
/// `verify` answers "can this component work here, with this config?" (a CLI is installed, credentials are
/// valid, a bucket is writable). A failed check is a *result*, not an error: return the report with
/// `ok: false` and a `fix`, and throw only when the checks themselves could not run (cancelled, a bug).
///
/// ```swift
/// return VerifyReport([
///     .passed("docker CLI", "podman 5.4.2 at /usr/bin/docker"),
///     .failed("registry login", "403 from 127.0.0.1:5000", fix: "grant the agent push access to team/app"),
/// ])
/// ```
public struct VerifyReport: Sendable, Equatable {
    /// One line of the checklist.
    public struct Check: Sendable, Equatable {
        /// What was checked, short: "docker CLI", "S3 bucket my-contexts".
        public var name: String
        /// Whether it passed.
        public var ok: Bool
        /// What was found: a version, an identity, the error seen.
        public var detail: String
        /// For a failed check, what the operator should do; nil when there is nothing to do.
        public var fix: String?

        public init(name: String, ok: Bool, detail: String, fix: String? = nil) {
            self.name = name
            self.ok = ok
            self.detail = detail
            self.fix = fix
        }

        /// A passed check.
        public static func passed(_ name: String, _ detail: String) -> Check {
            Check(name: name, ok: true, detail: detail)
        }

        /// A failed check, with what to do about it.
        public static func failed(_ name: String, _ detail: String, fix: String?) -> Check {
            Check(name: name, ok: false, detail: detail, fix: fix)
        }
    }

    /// The checks, in the order they should be printed.
    public var checks: [Check]

    public init(_ checks: [Check]) { self.checks = checks }
    public init(checks: [Check]) { self.checks = checks }

    /// True when every check passed.
    public var allPassed: Bool { checks.allSatisfy(\.ok) }

    /// `{"checks": [{"name", "ok", "detail", "fix"}]}`
    public var json: JSONValue {
        .object(["checks": .array(checks.map { check in
            ["name": .string(check.name), "ok": .bool(check.ok), "detail": .string(check.detail), "fix": JSONValue(check.fix)]
        })])
    }
}
