import AgentCore
import ArgumentParser
import FoundationEssentials

/// `agent submit JOB.yaml`: enqueue a job in the local queue and print its id.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Enqueue a job (YAML or JSON job spec) in the local queue; print its id.",
        discussion: "Exits 2 when the job spec is invalid (FILE:LINE:COL errors on stderr). See docs/jobs.md."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The job spec file.", valueName: "job.yaml"))
    var spec: String

    func run() throws {
        global.applyVerbosity()
        let job: JobSpec
        do {
            job = try JobSpec.load(path: spec)
        } catch {
            printError(error.description)
            throw ExitCode(error.exitCode)
        }
        for warning in job.warnings { printError(warning.description) }
        let record = try global.openQueue().submit(job, specFile: spec)
        print(record.id)
    }
}

/// `agent jobs list|show|cancel`.
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Show, cancel and prune jobs in the local queue.",
        subcommands: [JobsList.self, JobsShow.self, JobsCancel.self, JobsPrune.self]
    )
}

struct JobsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "One line per job: id, status, stage, image, name.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        global.applyVerbosity()
        let listing = try global.openQueue().listing()
        switch output {
        case .json: print(JSONValue.array(listing.records.map(\.json)).serialized)
        case .text: print(JobReport.table(listing.records), terminator: "")
        }
        for problem in listing.unreadable { printError("warning: \(problem)") }
    }
}

struct JobsShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Everything about one job: status, failure stage and reason, image, timings, log path.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Argument(help: ArgumentHelp("Job id (a unique prefix is enough).", valueName: "id"))
    var id: String

    func run() throws {
        global.applyVerbosity()
        let record = try global.openQueue().show(id)
        switch output {
        case .json: print(record.json.serialized)
        case .text: print(JobReport.detail(record), terminator: "")
        }
    }
}

struct JobsCancel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a queued job at once, or ask the agent to stop a running one.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Job id (a unique prefix is enough).", valueName: "id"))
    var id: String

    func run() throws {
        global.applyVerbosity()
        let record = try global.openQueue().cancel(id)
        print(record.status == .cancelled ? "\(record.id): cancelled" : "\(record.id): cancellation requested (the agent stops it)")
    }
}

struct JobsPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete ended jobs (finished, failed, cancelled) and their logs.",
        discussion: "Jobs that have not ended are never touched; safe while agents run. Example: agent jobs prune --older-than 7d --keep 100"
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Only jobs that ended this long ago: 90s, 30m, 12h, 7d.", valueName: "age"))
    var olderThan: AgeOption

    @Option(help: "Keep the N most recently ended jobs whatever their age.")
    var keep = 0

    func validate() throws {
        guard keep >= 0 else { throw ValidationError("--keep must be 0 or more") }
    }

    func run() throws {
        global.applyVerbosity()
        let report = try global.openQueue().prune(olderThan: olderThan.seconds, keep: keep)
        print("removed \(report.removed.count) ended job\(report.removed.count == 1 ? "" : "s"); kept \(report.kept)")
    }
}

/// A duration written as a number and a unit (`s`, `m`, `h`, `d`).
struct AgeOption: ExpressibleByArgument {
    let seconds: Double

    init?(argument: String) {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = argument.last, let factor = units[unit], let n = Double(argument.dropLast()), n >= 0, n.isFinite else {
            return nil
        }
        seconds = n * factor
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
