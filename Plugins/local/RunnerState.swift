#if canImport(Glibc)
import Glibc
#endif
import LaunchAgentPluginKit

/// Per-job state directories: `<root>/<job id>/{output.log, exit, cancelled}`.
enum RunnerState {
    /// `$LAUNCH_AGENT_STATE_DIR/local-process`, else `$XDG_STATE_HOME/launch-agent/local-process`,
    /// else `~/.local/state/launch-agent/local-process` — beside the agent's own state.
    static func root() -> String {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        if let dir = env("LAUNCH_AGENT_STATE_DIR") { return dir + "/local-process" }
        if let dir = env("XDG_STATE_HOME") { return dir + "/launch-agent/local-process" }
        return (env("HOME") ?? "/tmp") + "/.local/state/launch-agent/local-process"
    }

    static func makeDirectory(root: String, jobID: String) throws -> String {
        guard !jobID.isEmpty, !jobID.contains("/"), jobID != ".", jobID != ".." else {
            throw PluginError(.invalidArgument, "job id '\(jobID)' cannot name a directory")
        }
        var path = ""
        for part in root.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o700) != 0, errno != EEXIST {
                throw PluginError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
        // A fresh directory per launch: a relaunched job must not see the previous run's exit file.
        let dir = path + "/" + jobID + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        guard mkdir(dir, 0o700) == 0 else { throw PluginError(.io, "cannot create \(dir): \(String(cString: strerror(errno)))") }
        return dir
    }

    static func exitCode(in dir: String) -> Int? {
        guard let text = read(dir + "/exit") else { return nil }
        return Int(text.trimmingWhitespace)
    }

    static func markCancelled(_ dir: String) {
        let fd = open(dir + "/cancelled", O_CREAT | O_WRONLY, 0o600)
        if fd >= 0 { close(fd) }
    }

    static func wasCancelled(_ dir: String) -> Bool { access(dir + "/cancelled", F_OK) == 0 }

    /// "exit status 3", or "killed by signal 9 (SIGKILL)" for the shell's 128+N.
    static func describe(exitCode code: Int) -> String {
        guard code > 128, code < 160 else { return "exit status \(code)" }
        let names = [1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM"]
        return "killed by signal \(code - 128)" + (names[code - 128].map { " (\($0))" } ?? "")
    }

    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
