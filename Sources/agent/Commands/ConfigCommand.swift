import AgentCore
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `agent config validate`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the agent config.",
        subcommands: [ConfigValidate.self]
    )
}

struct ConfigValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the config and every plugin section; print FILE:LINE:COL errors.",
        discussion: "Exits 0 when the config is valid, 2 when it is not, 3 when it names components no installed plugin provides."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let plugins = global.loadPlugins()
        let config = try global.loadConfig(plugins: plugins)
        let problems = ComponentFactory.check(config, plugins: plugins)
        for warning in config.warnings { printError(warning.description) }
        guard problems.isEmpty else {
            printError(ConfigError(problems).description)
            throw AgentExit.invalidConfig
        }
        let name = config.file ?? "defaults (no config file at \(AgentConfig.defaultPath(environment: global.environment) ?? "~/.config/wandb/launch-config.yaml"))"
        let sections = config.pluginSections.map { "\($0.kind) '\($0.name)'" }
        print("\(name): ok" + (sections.isEmpty ? "" : " (\(sections.joined(separator: ", ")))"))
    }
}

/// Writes one message to stderr, after whatever stdout holds, so that the
/// two streams read in order on a terminal.
func printError(_ message: String) {
    fflush(nil)
    var text = message
    if !text.hasSuffix("\n") { text += "\n" }
    FileHandleStderr.write(text)
}
