import AgentCore
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Options every command accepts (`agent [--plugins-dir DIR] [--config FILE] <command>`).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("plugins-dir"), help: ArgumentHelp(
        "Directory of plugin libraries (repeatable; earlier wins on duplicates).",
        discussion: "Default: $LAUNCH_AGENT_PLUGINS_DIR (colon-separated), else the agent executable's directory.",
        valueName: "dir"))
    var pluginsDir: [String] = []

    @Option(name: .customLong("config"), help: ArgumentHelp(
        "Agent config file (default: ~/.config/wandb/launch-config.yaml).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Where the local queue, job records and logs live.",
        discussion: "Default: $LAUNCH_AGENT_STATE_DIR, else $XDG_STATE_HOME/launch-agent, else ~/.local/state/launch-agent.",
        valueName: "dir"))
    var stateDir: String?

    @Flag(name: .customLong("allow-insecure-plugins"), help: "Load plugins from world-writable files and directories.")
    var allowInsecurePlugins = false

    @Flag(name: .shortAndLong, help: "More log output (repeat for debug, trace).")
    var verbose: Int

    var environment: [String: String] { ProcessEnvironment.current }

    /// Applies -v and loads every plugin from the search directories.
    func loadPlugins() -> PluginSet {
        applyVerbosity()
        return PluginLoader(options: loaderOptions).loadAll()
    }

    var loaderOptions: PluginLoader.Options {
        let dirs = PluginLoader.searchDirectories(flag: pluginsDir, environment: environment, executablePath: PluginLoader.executablePath)
        return PluginLoader.Options(directories: dirs, allowInsecurePermissions: allowInsecurePlugins)
    }

    /// Moves global options found before the first command word to the end
    /// of the arguments (before a `--` terminator, if any).
    static func movingLeadingOptions(_ args: [String]) -> [String] {
        let withValue: Set<String> = ["--plugins-dir", "--config", "--state-dir"]
        let flags: Set<String> = ["--allow-insecure-plugins", "-v", "--verbose", "-vv", "-vvv"]
        var leading: [String] = []
        var i = 0
        while i < args.count {
            let arg = args[i]
            if withValue.contains(arg), i + 1 < args.count {
                leading += [arg, args[i + 1]]
                i += 2
            } else if flags.contains(arg) || withValue.contains(where: { arg.hasPrefix($0 + "=") }) {
                leading.append(arg)
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return args }
        var rest = Array(args[i...])
        if rest.isEmpty || rest.allSatisfy({ $0.hasPrefix("-") }) { return args } // `agent --config F --help`
        let insertAt = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: leading, at: insertAt)
        return rest
    }

    /// The config from `--config` (or the default path), checked against the
    /// installed components; on errors, prints them and exits 2 (or 3).
    func loadConfig(plugins: PluginSet) throws -> AgentConfig {
        do {
            return try AgentConfig.load(path: config, environment: environment, installed: plugins.installed)
        } catch {
            printError(error.description)
            throw ExitCode(error.exitCode)
        }
    }

    /// The local queue in `--state-dir` or its default.
    func openQueue() throws -> LocalQueue {
        if let stateDir {
            // Plugins (the local-process runner) keep their state beside the agent's, and find it here.
            // Set before any job thread starts: setenv is not safe while other threads read the environment.
            setenv("LAUNCH_AGENT_STATE_DIR", stateDir, 1)
            return try LocalQueue(stateDirectory: stateDir)
        }
        return try LocalQueue(environment: environment)
    }

    func applyVerbosity() {
        AgentLog.shared.level = [.warning, .info, .debug, .trace][min(verbose, 3)]
    }
}

/// Exit codes, documented in docs/exit-codes.md.
enum AgentExit {
    static let failure = ExitCode(1)
    static let invalidConfig = ExitCode(2)
    static let pluginProblem = ExitCode(3)
}
