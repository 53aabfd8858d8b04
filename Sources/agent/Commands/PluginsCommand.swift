import AgentCore
import ArgumentParser

/// `agent plugins list|inspect`.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Show the plugin libraries the agent finds and why any were rejected.",
        subcommands: [PluginsList.self, PluginsInspect.self]
    )
}

/// Output formats for listings.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct PluginsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Every component found: library, kind, name, version, ABI, status."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let options = global.loaderOptions
        let set = global.loadPlugins()
        switch output {
        case .json: print(PluginReport.json(set, directories: options.directories).serialized)
        case .text: print(PluginReport.table(set, directories: options.directories), terminator: "")
        }
    }
}

struct PluginsInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load one library and show its descriptor, ABI, dependencies and, if rejected, why.",
        discussion: "LIB is a path, or the file name, plugin name or plugin id of a library in the plugins directory. Exits 3 when the library is rejected or fails to initialise."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Argument(help: ArgumentHelp("Library path, file name, plugin name or id.", valueName: "lib"))
    var library: String

    func run() throws {
        global.applyVerbosity()
        let loader = PluginLoader(options: global.loaderOptions)
        let lib: PluginLibrary
        if library.contains("/") {
            lib = loader.load(path: library)
        } else if let found = PluginReport.find(library, in: loader.loadAll()) {
            lib = found
        } else {
            throw ValidationError("no library named '\(library)' in \(loader.options.directories.joined(separator: ", ")); pass a path, or see 'agent plugins list'")
        }
        switch output {
        case .json: print(PluginReport.json(lib).serialized)
        case .text where lib.descriptor != nil: print(PluginReport.inspect(lib), terminator: "")
        case .text: break // nothing to show but the reason below
        }
        if let reason = lib.status.reason {
            printError("\(lib.path): \(lib.status.label): \(reason)")
            throw AgentExit.pluginProblem
        }
    }
}
