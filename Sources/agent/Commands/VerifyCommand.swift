import AgentCore
import ArgumentParser

/// `agent verify`: a checklist of what the config needs, before a job needs it.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the builder, runners, environment, registry and credentials the config uses; print a checklist.",
        discussion: "Exits 0 when every check passes, 1 when any fails, 2 when the config is invalid."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("runner"), help: "Also verify this runner (repeatable; default: local-process).")
    var runners: [String] = []

    func run() throws {
        let plugins = global.loadPlugins()
        let config = try global.loadConfig(plugins: plugins)
        let runtime: AgentRuntime
        do {
            runtime = try AgentRuntime(config: config, plugins: plugins, queue: try global.openQueue(), agentID: "verify")
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(error.exitCode)
        }
        let checks = Verifier.run(runtime, runners: runners.isEmpty ? ["local-process"] : runners)
        for check in checks {
            print("\(check.ok ? "ok  " : "FAIL") \(check.component): \(check.name): \(check.detail)")
            if !check.ok, let fix = check.fix { print("     fix: \(fix)") }
        }
        if checks.contains(where: { !$0.ok }) { throw AgentExit.failure }
    }
}
