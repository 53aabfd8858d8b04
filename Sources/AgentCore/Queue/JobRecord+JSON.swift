import FoundationEssentials

extension JobRecord {
    /// The record format written by this version.
    static let formatVersion: Int64 = 1

    /// The record as stored: snake_case keys, RFC 3339 UTC times, absent
    /// values left out.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "format": .int(Self.formatVersion), "id": .string(id), "status": .string(status.rawValue), "spec": spec,
            "submitted_at": .string(Timestamp.format(submittedAt)), "updated_at": .string(Timestamp.format(updatedAt)),
            "log_path": .string(logPath), "attempts": .int(Int64(attempts)),
            "build_skipped": .bool(buildSkipped), "cancel_requested": .bool(cancelRequested),
        ]
        if let name { o["name"] = .string(name) }
        if let stage { o["stage"] = .string(stage.rawValue) }
        if let reason { o["reason"] = .string(reason) }
        if let specFile { o["spec_file"] = .string(specFile) }
        if let specText { o["spec_text"] = .string(specText) }
        if let image { o["image"] = .string(image) }
        if let buildSkipReason { o["build_skip_reason"] = .string(buildSkipReason) }
        if let runnerHandle { o["runner_handle"] = runnerHandle }
        if let startedAt { o["started_at"] = .string(Timestamp.format(startedAt)) }
        if let finishedAt { o["finished_at"] = .string(Timestamp.format(finishedAt)) }
        if !durations.isEmpty { o["durations"] = .object(durations.mapValues { .double($0) }) }
        if let c = claimedBy {
            o["claimed_by"] = .object([
                "agent_id": .string(c.agentID), "pid": .int(Int64(c.pid)), "start_time": .int(Int64(bitPattern: c.startTime)),
                "boot_id": .string(c.bootID), "host": .string(c.host),
            ])
        }
        if let exitCode { o["exit_code"] = .int(Int64(exitCode)) }
        return .object(o)
    }

    /// Reads a stored record; unknown members are ignored (newer agents may
    /// add some), missing or mistyped required ones are an error.
    public init(json: JSONValue) throws(JobRecordDecodingError) {
        let d = Decoder(json: json)
        let status = try d.string("status")
        guard let parsedStatus = JobStatus(rawValue: status) else { throw .init("unknown status '\(status)'") }
        self.init(id: try d.string("id"), spec: try d.required("spec"), submittedAt: try d.date("submitted_at"),
                  logPath: try d.string("log_path"))
        self.status = parsedStatus
        updatedAt = try d.optionalDate("updated_at") ?? submittedAt
        name = try d.optionalString("name")
        if let s = try d.optionalString("stage") {
            guard let stage = FailureStage(rawValue: s) else { throw .init("unknown stage '\(s)'") }
            self.stage = stage
        }
        reason = try d.optionalString("reason")
        specFile = try d.optionalString("spec_file")
        specText = try d.optionalString("spec_text")
        image = try d.optionalString("image")
        buildSkipped = try d.optionalBool("build_skipped") ?? false
        buildSkipReason = try d.optionalString("build_skip_reason")
        runnerHandle = json["runner_handle"].flatMap { $0 == .null ? nil : $0 }
        startedAt = try d.optionalDate("started_at")
        finishedAt = try d.optionalDate("finished_at")
        attempts = try d.optionalInt("attempts").map(Int.init) ?? 0
        exitCode = try d.optionalInt("exit_code").map { Int32(truncatingIfNeeded: $0) }
        cancelRequested = try d.optionalBool("cancel_requested") ?? false
        if let durations = json["durations"]?.objectValue {
            for (key, value) in durations {
                switch value {
                case .double(let v): self.durations[key] = v
                case .int(let v): self.durations[key] = Double(v)
                default: throw .init("durations.\(key) must be a number")
                }
            }
        }
        if let c = json["claimed_by"], c != .null {
            let cd = Decoder(json: c, prefix: "claimed_by.")
            claimedBy = Claimant(agentID: try cd.string("agent_id"), pid: Int32(truncatingIfNeeded: try cd.int("pid")),
                                 startTime: UInt64(bitPattern: try cd.int("start_time")),
                                 bootID: try cd.string("boot_id"), host: try cd.optionalString("host") ?? "")
        }
    }
}

/// What is wrong with a stored record.
public struct JobRecordDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Typed member reads for `JobRecord(json:)`.
private struct Decoder {
    let json: JSONValue
    var prefix = ""

    func required(_ key: String) throws(JobRecordDecodingError) -> JSONValue {
        guard let v = json[key], v != .null else { throw .init("missing \(prefix)\(key)") }
        return v
    }

    func string(_ key: String) throws(JobRecordDecodingError) -> String {
        guard let s = try required(key).stringValue else { throw .init("\(prefix)\(key) must be a string") }
        return s
    }

    func int(_ key: String) throws(JobRecordDecodingError) -> Int64 {
        guard let i = try required(key).intValue else { throw .init("\(prefix)\(key) must be an integer") }
        return i
    }

    func date(_ key: String) throws(JobRecordDecodingError) -> Date {
        guard let d = Timestamp.parse(try string(key)) else { throw .init("\(prefix)\(key) is not an RFC 3339 UTC time") }
        return d
    }

    func optionalString(_ key: String) throws(JobRecordDecodingError) -> String? {
        json[key] == nil || json[key] == .null ? nil : try string(key)
    }

    func optionalInt(_ key: String) throws(JobRecordDecodingError) -> Int64? {
        json[key] == nil || json[key] == .null ? nil : try int(key)
    }

    func optionalBool(_ key: String) throws(JobRecordDecodingError) -> Bool? {
        guard let v = json[key], v != .null else { return nil }
        guard let b = v.boolValue else { throw .init("\(prefix)\(key) must be true or false") }
        return b
    }

    func optionalDate(_ key: String) throws(JobRecordDecodingError) -> Date? {
        json[key] == nil || json[key] == .null ? nil : try date(key)
    }
}
