internal import LaunchAgentABI

/// Values the host must never print (`launch-agent.secrets/1`).
///
/// Register every password, token and key a component obtains *before* it could reach a log line or an
/// error message; from then on the host replaces it with `[REDACTED]` everywhere. Values shorter than 4
/// bytes are ignored by the host.
public struct SecretsService: @unchecked Sendable {
    let host: Host
    let table: UnsafePointer<la_secrets_v1>

    /// Registers `secret` for redaction.
    public func register(_ secret: String) {
        guard let register = table.pointee.register_secret else { return }
        secret.withLAStr { register(host.raw, $0) }
    }
}
