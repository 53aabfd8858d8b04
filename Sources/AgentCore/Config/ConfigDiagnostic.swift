/// Where a config problem is: a file and a 1-based line and column.
public struct ConfigLocation: Sendable, Equatable {
    public var file: String
    public var mark: YAMLMark

    public init(file: String, mark: YAMLMark) {
        self.file = file
        self.mark = mark
    }

    public var description: String { "\(file):\(mark.line):\(mark.column)" }
}

/// One problem found in a config, printed the way compilers print them.
///
/// Every line has the shape `FILE:LINE:COL: error: MESSAGE`; each note follows
/// on its own line as `FILE:LINE:COL: note: TEXT`, at the note's own location
/// or else the diagnostic's. Problems with no place in a file (a missing file,
/// a bad environment variable) drop the location prefix. Editors and CI log
/// parsers understand this shape without configuration.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning
    }

    /// A follow-up line: a suggestion, or where related text is.
    public struct Note: Sendable, Equatable {
        public var message: String
        public var location: ConfigLocation?

        public init(_ message: String, at location: ConfigLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    /// Whether fixing the file or installing a plugin resolves it; the CLI
    /// exits 2 for the first and 3 for the second (docs/exit-codes.md).
    public enum Reason: Sendable, Equatable {
        case invalid
        case componentNotInstalled
    }

    public var severity: Severity
    public var location: ConfigLocation?
    public var message: String
    public var notes: [Note]
    public var reason: Reason

    public init(_ severity: Severity = .error, at location: ConfigLocation?, _ message: String,
                notes: [Note] = [], reason: Reason = .invalid) {
        self.severity = severity
        self.location = location
        self.message = message
        self.notes = notes
        self.reason = reason
    }

    public var description: String {
        var lines = [Self.line(location, severity.rawValue, message)]
        for note in notes {
            lines.append(Self.line(note.location ?? location, "note", note.message))
        }
        return lines.joined(separator: "\n")
    }

    private static func line(_ location: ConfigLocation?, _ label: String, _ text: String) -> String {
        guard let location else { return "\(label): \(text)" }
        return "\(location.description): \(label): \(text)"
    }

    /// Diagnostics without a location first, then by file position, keeping
    /// the discovery order for ties, so output reads top to bottom.
    static func sorted(_ diagnostics: [ConfigDiagnostic]) -> [ConfigDiagnostic] {
        diagnostics.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case let (la?, lb?):
                if la.file != lb.file { return a.offset < b.offset }
                if la.mark != lb.mark { return la.mark < lb.mark }
                return a.offset < b.offset
            }
        }.map(\.element)
    }
}
