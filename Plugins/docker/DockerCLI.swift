import LaunchAgentPluginKit

/// The configured docker-compatible program, run through the host's process service.
struct DockerCLI: Sendable {
    let program: String

    func run(_ args: [String], host: Host, call: Call, stdin: [UInt8] = [], output: ProcessOutput) throws -> ProcessResult {
        try host.process().run(ProcessRequest([program] + args, stdin: stdin), call: call, output: output)
    }

    /// podman writes the digest only to `--digestfile`; docker prints it.
    func isPodman(host: Host, call: Call) -> Bool {
        if program.hasSuffix("podman") { return true }
        guard let version = try? run(["--version"], host: host, call: call, output: .capture) else { return false }
        return version.stdoutText.lowercased().contains("podman")
    }

    /// The last `sha256:<64 hex>` in `text`.
    static func digest(in text: String) -> String? {
        var found: String?
        var rest = Substring(text)
        while let range = rest.firstRange(of: "sha256:") {
            let hex = rest[range.upperBound...].prefix(64)
            if hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) { found = "sha256:" + hex }
            rest = rest[range.upperBound...]
        }
        return found
    }
}
