import AgentCore
import ArgumentParser

/// `agent policy`: the least-privilege cloud policy this config needs, from
/// the environment component (interfaces.md §7, environment.policy).
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Print the least-privilege policy documents the agent's identity needs for this config.",
        discussion: "Asks the environment component (e.g. aws) for documents covering every configured component. Exits 0, 2 when the config is invalid, 3 when a component is missing, 1 when the environment cannot say."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("runner"), help: "Also cover this runner (repeatable), e.g. kubernetes.")
    var runners: [String] = []

    @Option(name: .shortAndLong, help: "Output format: text (each document with its name and notes) or json (the component's result).")
    var output: OutputFormat = .text

    func run() throws {
        let plugins = global.loadPlugins()
        let config = try global.loadConfig(plugins: plugins)
        let sections: [PluginSection]
        do { sections = try config.componentSections(plugins: plugins) } catch {
            printError(error.description)
            throw ExitCode(error.exitCode)
        }
        guard let environment = sections.first(where: { $0.kind == "environment" }) else {
            printError("agent policy: the config has no environment section; set `environment: {type: aws, region: ...}` (or gcp, azure) so the agent knows which cloud's policy to write")
            throw AgentExit.invalidConfig
        }
        var components = sections.map { JSONValue.object(["kind": .string($0.kind), "name": .string($0.name)]) }
        components += runners.map { .object(["kind": "runner", "name": .string($0)]) }
        let result: JSONValue
        do {
            let instance = try ComponentFactory.create(environment, from: plugins)
            result = try instance.call("policy", request: .object(["components": .array(components)]), timeoutSeconds: 60)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(error.exitCode)
        } catch {
            printError("agent policy: \(error)")
            throw AgentExit.failure
        }
        switch output {
        case .json:
            print(result.prettyPrinted)
        case .text:
            for document in result["documents"]?.arrayValue ?? [] {
                let name = document["name"]?.stringValue ?? "policy"
                let format = document["format"]?.stringValue ?? "unknown format"
                print("# \(name) (\(format))")
                if let notes = document["notes"]?.stringValue { print("# \(notes)") }
                print((document["document"] ?? .null).prettyPrinted)
            }
        }
    }
}
