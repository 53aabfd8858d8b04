import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Credentials for the destination registry from its registry component
/// (`registry.credentials`: ECR's GetAuthorizationToken, …), shared by every
/// job of the agent and asked for again shortly before they expire.
///
/// Only the destination's own registry is served this way; other registries
/// (base images on Docker Hub, say) keep using the docker config.
final class RegistryAuthCache: Sendable {
    /// Where the credentials come from, or nil when no component serves the destination.
    let section: PluginSection?
    /// `host[:port]` of `builder.destination`.
    let server: String?
    private let plugins: PluginSet
    /// Held while asking the component, so concurrent jobs ask once.
    private let cached = Mutex<(credentials: RegistryCredentials, refreshAfter: Date?)?>(nil)

    /// Ask again this long before `expires_at`, so a build that starts with
    /// the credentials does not see them expire halfway.
    static let margin: TimeInterval = 5 * 60

    init(section: PluginSection?, destination: String?, plugins: PluginSet) {
        self.section = section
        self.plugins = plugins
        self.server = destination.flatMap { try? ImageReference.image(destination: $0, tag: "latest").registry }
    }

    /// The component's credentials when `registry` is the destination's registry, else nil.
    func credentials(for registry: String, cancellation: CallCancellation? = nil) throws -> RegistryCredentials? {
        guard let section, let server, registry == server else { return nil }
        return try cached.withLock { cached throws -> RegistryCredentials in
            if let cached, cached.refreshAfter.map({ Date() < $0 }) ?? true { return cached.credentials }
            let fresh = try ask(section, cancellation)
            cached = fresh
            return fresh.credentials
        }
    }

    private func ask(_ section: PluginSection, _ cancellation: CallCancellation?) throws -> (credentials: RegistryCredentials, refreshAfter: Date?) {
        let instance = try ComponentFactory.create(section, from: plugins)
        let result = try instance.callRetrying("credentials", request: .object([:]), timeoutSeconds: 120, cancellation: cancellation)
        guard let username = result["username"]?.stringValue, let password = result["password"]?.stringValue,
              !username.isEmpty, !password.isEmpty else {
            throw PluginCallError(plugin: instance.pluginLabel, component: instance.label, operation: "credentials", kind: .garbage,
                                  message: "the result has no username or password", pointer: nil)
        }
        let credentials = RegistryCredentials(username: username, password: password)
        credentials.registerSecrets()
        let expires = result["expires_at"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
        return (credentials, expires.map { $0.addingTimeInterval(-Self.margin) })
    }
}
