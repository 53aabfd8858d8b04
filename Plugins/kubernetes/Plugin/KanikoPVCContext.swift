#if canImport(Glibc)
import Glibc
#endif
import LaunchAgentPluginKit

/// The `context-pvc` path: the context directory as a `.tar.gz` on the claim the agent shares with the
/// kaniko pod (written under a temporary name, then renamed, so kaniko never reads half a file).
struct KanikoPVCContext {
    let host: Host
    let call: Call

    func copy(directory: String, to path: String) throws {
        let partial = path + ".partial"
        let result = try host.process().run(ProcessRequest(["tar", "-czf", partial, "-C", directory, "."]), call: call,
                                            output: .capture)
        guard result.succeeded else {
            unlink(partial)
            let why = result.stderrText.split(whereSeparator: \.isNewline).last.map(String.init) ?? "exit status \(result.exitStatus)"
            throw PluginError(.io, "could not write the build context to \(partial) for context-pvc: \(why); check that the claim is mounted there and writable")
        }
        guard rename(partial, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(partial)
            throw PluginError(.io, "could not rename \(partial) to \(path): \(why)")
        }
    }
}
