/// A docker credential helper, `docker-credential-<name>`, run as
/// `docker-credential-<name> get` with the server URL on stdin; it answers
/// `{"ServerURL": …, "Username": …, "Secret": …}` on stdout.
///
/// A helper that has nothing for the server exits non-zero and prints
/// `credentials not found in native keychain`; that is "no credentials", not
/// an error. The helper's output is never copied into messages: it may hold
/// the secret, or an error quoting it.
public struct CredentialHelper: Sendable {
    public var name: String
    public var timeout: Duration
    /// The PATH used to find the helper (nil: the agent's own).
    public var searchPath: String?

    public init(name: String, timeout: Duration = .seconds(60), searchPath: String? = nil) {
        self.name = name
        self.timeout = timeout
        self.searchPath = searchPath
    }

    public var program: String { "docker-credential-\(name)" }

    /// The credentials for `serverURL`, or nil when the helper has none.
    public func get(serverURL: String, registry: String) throws(RegistryError) -> RegistryCredentials? {
        guard !name.isEmpty, name.utf8.allSatisfy({ c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || "-_.".utf8.contains(c)
        }) else {
            throw .credentials(registry: registry, message: "credential helper name '\(name)' in the docker config may only hold letters, digits, '-', '_' and '.'")
        }
        let output: ProcessRunner.Output
        do throws(ProcessError) {
            output = try ProcessRunner.capture(
                argv: [program, "get"], env: searchPath.map { ["PATH": $0] } ?? [:], stdin: Array(serverURL.utf8),
                timeout: timeout, killGrace: .seconds(2), outputLimit: 1 << 20)
        } catch {
            switch error {
            case .notFound:
                throw .credentials(registry: registry, message: "credential helper \(program) (set in the docker config for \(serverURL)) is not installed or not in PATH")
            case .timedOut:
                throw .credentials(registry: registry, message: "credential helper \(program) did not answer within \(timeout) for \(serverURL)")
            default:
                throw .credentials(registry: registry, message: "credential helper \(program) could not run: \(error.description)")
            }
        }
        let stdout = String(decoding: output.stdout, as: UTF8.self)
        guard output.status == .exited(0) else {
            if stdout.lowercased().contains("credentials not found") { return nil }
            throw .credentials(registry: registry, message: "credential helper \(program) failed for \(serverURL) (\(output.status)); its output is not shown because it may contain secrets: run `printf %s '\(serverURL)' | \(program) get` to see it")
        }
        guard let json = try? JSONValue(parsing: output.stdout), let secret = json["Secret"]?.stringValue else {
            throw .credentials(registry: registry, message: "credential helper \(program) answered for \(serverURL) without a JSON object holding \"Secret\"")
        }
        Redactor.shared.register(secret)
        let username = json["Username"]?.stringValue
        if username == "<token>" { return RegistryCredentials(identityToken: secret) }
        let credentials = RegistryCredentials(username: username, password: secret)
        credentials.registerSecrets()
        return credentials.isAnonymous ? nil : credentials
    }
}
