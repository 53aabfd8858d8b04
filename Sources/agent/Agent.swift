import AgentCore
import ArgumentParser

/// `agent`: takes ML jobs from a queue, builds each into an image, runs it.
@main
struct Agent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Launch agent for ML jobs: build each queued job into a container image and run it.",
        discussion: "Exit codes: 0 ok, 1 failed, 2 invalid config or job spec, 3 plugin rejected or missing, 64 usage error. See docs/exit-codes.md.",
        version: "agent \(AgentVersion.current) (plugin ABI \(AgentVersion.abi))",
        subcommands: [RunCommand.self, SubmitCommand.self, VerifyCommand.self, JobsCommand.self, PluginsCommand.self, ConfigCommand.self, PolicyCommand.self, ContextCommand.self, RegistryCommand.self]
    )

    /// Global options may come before the command (`agent --config F config
    /// validate`), as the CLI contract says; the parser only knows them on
    /// the leaf command, so they are moved behind it before parsing.
    static func main() {
        main(GlobalOptions.movingLeadingOptions(Array(CommandLine.arguments.dropFirst())))
    }
}
