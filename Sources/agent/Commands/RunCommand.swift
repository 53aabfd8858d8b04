import AgentCore
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `agent run [--once]`: take jobs from the queue, build and run them.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Poll the queue and process jobs, up to max_jobs at a time.",
        discussion: """
            SIGTERM or Ctrl-C stops taking jobs: builds in flight go back to the queue, running jobs keep \
            running and the next agent re-attaches to them. With --once, exits 0 when every job it took \
            finished, 1 when any failed.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Drain what is queued, wait for those jobs to end, then exit.")
    var once = false

    func run() throws {
        let plugins = global.loadPlugins()
        let config = try global.loadConfig(plugins: plugins)
        if global.verbose == 0, config.verbosity > 0 { AgentLog.shared.level = config.verbosity > 1 ? .debug : .info }
        let queue = try global.openQueue()
        let runtime: AgentRuntime
        do {
            runtime = try AgentRuntime(config: config, plugins: plugins, queue: queue, agentID: "\(hostName())-\(getpid())")
        } catch {
            printError(error.description)
            throw ExitCode(error.exitCode)
        }
        let loop = AgentLoop(runtime: runtime)
        let trap = SignalTrap()
        trap.install { _ in loop.stop() }
        let failed = loop.run(once: once)
        if failed > 0 { throw AgentExit.failure }
    }

    private func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count - 1)
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
