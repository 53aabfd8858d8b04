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
        abstract: "Show and cancel jobs in the local queue.",
        subcommands: [JobsList.self, JobsShow.self, JobsCancel.self]
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
