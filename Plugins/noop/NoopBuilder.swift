import LaunchAgentPluginKit

/// Builder `noop`: accepts no options, verifies that builds are off, and refuses every build.
struct NoopBuilder: Builder {
    static let refusal = "the noop builder does not build images: set builder.type to docker or kaniko, or submit jobs that name a docker_image"

    init(_ context: ComponentContext) throws {
        // No plugin-owned keys: anything in `config` is a mistake, reported with a pointer (and a
        // "did you mean" when it looks like a misspelt builder key such as 'destinaton').
        try context.config.rejectUnknownKeys()
    }

    func verify(_ call: Call) throws -> VerifyReport {
        VerifyReport([
            .passed("builds disabled", "builder 'noop' builds no images; only jobs that name a docker_image can run"),
        ])
    }

    func build(_ request: BuildRequest, _ call: Call) throws -> BuildResult {
        throw PluginError(code: .unsupported, message: NoopBuilder.refusal)
    }
}
