import FoundationEssentials

/// The records in a queue directory, and the files that could not be read.
public struct QueueListing: Sendable {
    /// In submission order (`submittedAt`, to the millisecond, then id).
    public var records: [JobRecord]
    /// Record files that do not parse, with the reason. Atomic writes never
    /// leave these; they mean outside damage, and the jobs are not touched.
    public var unreadable: [(path: String, reason: String)]
}

extension LocalQueue {
    /// Adds a job in `queued`. The spec is stored as JSON (with an absolute
    /// `path`), together with its text and file, so later stages can still
    /// report problems at the submitted lines.
    ///
    /// - Parameter specFile: the spec file; defaults to `spec.file`. Stored absolute.
    public func submit(_ spec: JobSpec, specFile: String? = nil) throws(QueueError) -> JobRecord {
        let cwd = JobPaths.currentDirectory()
        let file = (specFile ?? spec.file).map { JobPaths.absolute($0, relativeTo: cwd) }
        return try locked { () throws(QueueError) -> JobRecord in
            let now = Timestamp.now()
            var id = JobID.make(at: now)
            while try StateFiles.read(recordPath(id)) != nil { id = JobID.make(at: now) }
            var record = JobRecord(id: id, spec: spec.json, submittedAt: now, logPath: logPath(for: id))
            record.name = spec.name
            record.specFile = file
            record.specText = file == nil ? nil : spec.text
            try createLog(for: id)
            try write(record)
            return record
        }
    }

    /// Every readable record, oldest first.
    public func list() throws(QueueError) -> [JobRecord] { try listing().records }

    /// Every record, and the files that could not be read.
    public func listing() throws(QueueError) -> QueueListing {
        var out = QueueListing(records: [], unreadable: [])
        for name in try StateFiles.list(jobsDirectory).sorted() where Self.isRecordFile(name) {
            let path = "\(jobsDirectory)/\(name)"
            do {
                if let record = try read(path: path) { out.records.append(record) }
            } catch {
                out.unreadable.append((path, error.description))
            }
        }
        out.records.sort { ($0.submittedAt, $0.id) < ($1.submittedAt, $1.id) }
        return out
    }

    /// The job with this id, or the one job whose id starts with it (the
    /// `j-` may be left out).
    public func show(_ idOrPrefix: String) throws(QueueError) -> JobRecord {
        let id = try resolve(idOrPrefix)
        guard let record = try read(path: recordPath(id)) else { throw .notFound(idOrPrefix) }
        return record
    }

    /// The full id for an id or unique prefix.
    func resolve(_ text: String) throws(QueueError) -> String {
        guard JobID.isLookupSafe(text) else { throw .invalidID(text) }
        if JobID.isWellFormed(text), try StateFiles.read(recordPath(text)) != nil { return text }
        let ids = try StateFiles.list(jobsDirectory).filter(Self.isRecordFile).map { String($0.dropLast(5)) }.sorted()
        let matches = ids.filter { $0.hasPrefix(text) || $0.hasPrefix("j-" + text) }
        switch matches.count {
        case 0: throw .notFound(text)
        case 1: return matches[0]
        default: throw .ambiguous(text, matches: Array(matches.prefix(5)))
        }
    }

    static func isRecordFile(_ name: String) -> Bool {
        name.hasSuffix(".json") && !name.hasPrefix(".") && JobID.isWellFormed(String(name.dropLast(5)))
    }

    func read(path: String) throws(QueueError) -> JobRecord? {
        guard let bytes = try StateFiles.read(path) else { return nil }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw .corruptRecord(path: path, reason: error.description)
        }
        do {
            return try JobRecord(json: json)
        } catch {
            throw .corruptRecord(path: path, reason: error.description)
        }
    }

    func read(_ id: String) throws(QueueError) -> JobRecord {
        guard let record = try read(path: recordPath(id)) else { throw .notFound(id) }
        return record
    }

    /// Replaces the record atomically and keeps the queued index in step. Call under the queue lock.
    func write(_ record: JobRecord) throws(QueueError) {
        try StateFiles.writeAtomically(Array((record.json.serialized + "\n").utf8), to: recordPath(record.id))
        try syncIndex(record)
    }
}
