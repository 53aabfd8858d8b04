import AgentCore
import FoundationEssentials

/// How `agent jobs` prints job records.
enum JobReport {
    static func table(_ records: [JobRecord]) -> String {
        guard !records.isEmpty else { return "no jobs\n" }
        var rows: [[String]] = [["ID", "STATUS", "STAGE", "IMAGE", "NAME"]]
        for r in records {
            rows.append([r.id, r.status.rawValue, r.stage?.rawValue ?? "-", r.image ?? "-", r.name ?? "-"])
        }
        let widths = (0..<4).map { col in rows.map { $0[col].count }.max() ?? 0 }
        return rows.map { row in
            (0..<4).map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count + 2) }.joined() + row[4]
        }.joined(separator: "\n") + "\n"
    }

    static func detail(_ r: JobRecord) -> String {
        var lines: [(String, String)] = [("id", r.id)]
        if let name = r.name { lines.append(("name", name)) }
        lines.append(("status", r.status.rawValue))
        if let stage = r.stage { lines.append(("failed at", stage.rawValue)) }
        if let reason = r.reason { lines.append(("reason", reason)) }
        if let image = r.image { lines.append(("image", image)) }
        if r.buildSkipped { lines.append(("build", "skipped: \(r.buildSkipReason ?? "image exists")")) }
        if let code = r.exitCode { lines.append(("exit code", String(code))) }
        if r.cancelRequested, !r.status.isTerminal { lines.append(("cancel", "requested")) }
        lines.append(("submitted", timestamp(r.submittedAt)))
        if let started = r.startedAt { lines.append(("started", timestamp(started))) }
        if let finished = r.finishedAt { lines.append(("finished", timestamp(finished))) }
        for (stage, seconds) in r.durations.sorted(by: { $0.key < $1.key }) {
            lines.append(("\(stage) time", seconds2(seconds)))
        }
        if r.attempts > 1 { lines.append(("attempts", String(r.attempts))) }
        if let spec = r.specFile { lines.append(("spec", spec)) }
        lines.append(("log", r.logPath))
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { "\($0.0):" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n") + "\n"
    }

    /// "12.34 s" without Foundation's String(format:).
    static func seconds2(_ s: Double) -> String {
        let hundredths = Int((s * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac) s"
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
