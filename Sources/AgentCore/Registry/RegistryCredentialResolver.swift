#if canImport(Glibc)
import Glibc
#endif

/// Finds the credentials for a registry, in this order:
///
/// 1. `explicit` credentials from the caller (a registry plugin), keyed by
///    registry (`host[:port]`, `docker.io` for Docker Hub);
/// 2. the docker config (`$DOCKER_CONFIG/config.json`, else
///    `~/.docker/config.json`): `credHelpers[registry]`, else `credsStore`,
///    run as `docker-credential-<name> get`; when the helper has nothing for
///    the registry, the `auths` entry;
/// 3. anonymous. A missing config file means anonymous; an unreadable or
///    malformed one, or a failing helper, is an error.
///
/// Every secret found is registered with `Redactor.shared` before it is returned.
public struct RegistryCredentialResolver: Sendable {
    public var explicit: [String: RegistryCredentials]
    /// Where `DOCKER_CONFIG`, `HOME` and `PATH` (for helpers) are read.
    public var environment: [String: String]
    public var helperTimeout: Duration

    public init(
        explicit: [String: RegistryCredentials] = [:],
        environment: [String: String] = ProcessEnvironment.current,
        helperTimeout: Duration = .seconds(60)
    ) {
        self.explicit = explicit
        self.environment = environment
        self.helperTimeout = helperTimeout
    }

    /// The docker config file consulted (it may not exist).
    public var configPath: String {
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? RegistryCredentialResolver.passwdHome() ?? "/"
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.docker/config.json"
    }

    public func resolve(registry: String) throws(RegistryError) -> ResolvedCredentials {
        if let key = explicit.keys.sorted().first(where: { DockerConfig.key($0, matches: registry) }), let credentials = explicit[key] {
            credentials.registerSecrets()
            return ResolvedCredentials(credentials, source: "the credentials given for \(key)")
        }
        let path = configPath
        guard let config = try DockerConfig.load(path: path, registry: registry) else {
            return ResolvedCredentials(.anonymous, source: "none (no docker config at \(path))")
        }
        let serverURL = DockerConfig.serverKey(for: registry)
        let helperName = config.helper(for: registry)
        if let name = helperName ?? config.credsStore {
            let helper = CredentialHelper(name: name, timeout: helperTimeout, searchPath: environment["PATH"])
            if let credentials = try helper.get(serverURL: serverURL, registry: registry) {
                let origin = helperName != nil ? "credHelpers" : "credsStore"
                return ResolvedCredentials(credentials, source: "\(origin) \(helper.program) in \(path)")
            }
        }
        if let (key, entry) = config.auth(for: registry), !entry.credentials.isAnonymous {
            return ResolvedCredentials(entry.credentials, source: "auths[\"\(key)\"] in \(path)")
        }
        return ResolvedCredentials(.anonymous, source: "none (nothing for \(serverURL) in \(path))")
    }

    private static func passwdHome() -> String? {
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }
}
