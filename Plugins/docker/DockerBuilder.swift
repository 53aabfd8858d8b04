import LaunchAgentPluginKit

/// Builder `docker`: `login` (password on stdin), `build`, `push` with the configured CLI.
///
/// Config keys (plugin-owned; the host owns type, destination, platform, build-context-store):
/// - `cli`: the docker-compatible program, default `docker` (`podman` works too).
struct DockerBuilder: Builder {
    let cli: DockerCLI
    let host: Host

    init(_ context: ComponentContext) throws {
        var config = context.config
        let program = try config.optional("cli", default: "docker")
        guard !program.isEmpty, !program.contains(" ") else {
            throw config.error("'cli' must name one program (e.g. docker or podman), without arguments", at: "cli")
        }
        try config.rejectUnknownKeys()
        cli = DockerCLI(program: program)
        host = context.host
    }

    /// Passes only when the engine answers (`docker info`), not merely when the CLI exists: W&B
    /// chose docker whenever `docker --version` worked and then failed every build without a daemon.
    func verify(_ call: Call) throws -> VerifyReport {
        let info: ProcessResult
        do {
            info = try cli.run(["info"], host: host, call: call, output: .capture)
        } catch let error as PluginError where error.code == .notFound {
            return VerifyReport([.failed("\(cli.program) CLI", "'\(cli.program)' is not installed or not in PATH",
                                         fix: "install docker or podman, or set builder.cli")])
        }
        guard info.succeeded else {
            let why = info.stderrText.split(whereSeparator: \.isNewline).first.map(String.init) ?? "exit status \(info.exitStatus)"
            return VerifyReport([.failed("\(cli.program) engine", "'\(cli.program) info' failed: \(why)",
                                         fix: "start the engine (dockerd), or use podman, or set builder.type: noop")])
        }
        return VerifyReport([.passed("\(cli.program) engine", "'\(cli.program) info' answered")])
    }

    func build(_ request: BuildRequest, _ call: Call) throws -> BuildResult {
        if let auth = request.registryAuth { try login(auth, call) }
        let platforms = request.platforms
        if platforms.count > 1 {
            throw PluginError(.unsupported, "multi-platform builds (\(platforms.joined(separator: ", "))) need buildx or a remote builder; build one platform per agent or use kaniko")
        }
        var args = ["build", "--tag", request.image, "--file", request.contextDirectory + "/" + request.dockerfile]
        if let platform = platforms.first { args += ["--platform", platform] }
        for (key, value) in request.buildArgs.sorted(by: { $0.key < $1.key }) { args += ["--build-arg", "\(key)=\(value)"] }
        args.append(request.contextDirectory)
        call.log("building \(request.image) with \(cli.program)")
        let build = try cli.run(args, host: host, call: call, output: .log)
        guard build.succeeded else {
            throw PluginError(.io, "'\(cli.program) build' failed with exit status \(build.exitStatus); the build output is in the job log")
        }
        call.progress(0.8, "pushing")
        let digest = try push(request.image, call)
        return BuildResult(image: request.image, digest: digest, pushed: true)
    }

    private func login(_ auth: RegistryAuth, _ call: Call) throws {
        try host.secrets().register(auth.password)
        let result = try cli.run(["login", "--username", auth.username, "--password-stdin", auth.server],
                                 host: host, call: call, stdin: Array(auth.password.utf8), output: .capture)
        guard result.succeeded else {
            let why = result.stderrText.split(whereSeparator: \.isNewline).last.map(String.init) ?? "exit status \(result.exitStatus)"
            throw PluginError(.auth, "'\(cli.program) login' to \(auth.server) as \(auth.username) failed: \(why)")
        }
    }

    /// Pushes and returns the manifest digest when the CLI reports it.
    private func push(_ image: String, _ call: Call) throws -> String? {
        let digestFile = cli.isPodman(host: host, call: call) ? try TemporaryFile() : nil
        var args = ["push"]
        if let digestFile { args += ["--digestfile", digestFile.path] }
        args.append(image)
        let result = try cli.run(args, host: host, call: call, output: .logAndCapture)
        guard result.succeeded else {
            let why = result.stderrText.split(whereSeparator: \.isNewline).last.map(String.init) ?? "exit status \(result.exitStatus)"
            let denied = why.contains("denied") || why.contains("unauthorized") || why.contains("401") || why.contains("403")
            throw PluginError(denied ? .auth : .io, "'\(cli.program) push \(image)' failed: \(why)", retryable: !denied)
        }
        return DockerCLI.digest(in: digestFile?.contents() ?? (result.stdoutText + result.stderrText))
    }
}
