import AgentCore
import ArgumentParser

/// `agent context hash DIR`: the tag the agent would give a context.
struct ContextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "Inspect build contexts.",
        subcommands: [ContextHash.self]
    )
}

struct ContextHash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the SHA-256 of DIR's deterministic tar (.dockerignore honoured), as the build tag starts from."
    )

    @Argument(help: ArgumentHelp("The context directory.", valueName: "dir"))
    var directory: String

    @Option(help: "The Dockerfile, relative to the directory.")
    var dockerfile = "Dockerfile"

    func run() throws {
        let hash = try BuildContext.writeTar(directory: directory, dockerfile: dockerfile, to: nil)
        print("sha256:\(hash.sha256)  \(hash.fileCount) files  \(hash.byteCount) bytes")
    }
}

/// `agent registry exists IMAGE`: the agent's fail-closed existence check.
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Query registries as the agent does.",
        subcommands: [RegistryExists.self]
    )
}

struct RegistryExists: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exists",
        abstract: "Check whether IMAGE is in its registry (credentials from the docker config).",
        discussion: "Exits 0 when it exists, 1 when it does not, 3 when the registry could not say (auth, 5xx, unreachable)."
    )

    @Argument(help: ArgumentHelp("host/repository:tag", valueName: "image"))
    var image: String

    @Option(name: .customLong("platform"), help: "Require this platform (repeatable), e.g. linux/amd64.")
    var platforms: [String] = []

    func run() throws {
        let reference = try ImageReference.parse(image)
        let wanted = try platforms.map { try Platform(parsing: $0) }
        do {
            let result = try RegistryClient().manifestExists(reference, platforms: wanted)
            if result.exists {
                print("\(reference): exists \(result.digest ?? "")")
            } else {
                print("\(reference): missing (\(result.reason ?? "not found"))")
                throw AgentExit.failure
            }
        } catch let error as RegistryError {
            printError("\(reference): \(error)")
            throw AgentExit.pluginProblem
        }
    }
}
