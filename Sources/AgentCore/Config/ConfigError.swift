/// The config could not be used: one or more diagnostics, in file order.
///
/// `description` is the exact text to print on stderr (one diagnostic per
/// line, notes after their diagnostic); `exitCode` is the status to exit with.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(_ diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = ConfigDiagnostic.sorted(diagnostics)
    }

    init(at location: ConfigLocation?, _ message: String, notes: [ConfigDiagnostic.Note] = []) {
        self.init([ConfigDiagnostic(at: location, message, notes: notes)])
    }

    /// 3 when every error is a component that no installed plugin provides,
    /// else 2 (docs/exit-codes.md).
    public var exitCode: Int32 {
        let errors = diagnostics.filter { $0.severity == .error }
        return !errors.isEmpty && errors.allSatisfy { $0.reason == .componentNotInstalled } ? 3 : 2
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
