#if canImport(Glibc)
import Glibc
#endif

/// The credential parts of a docker CLI `config.json`: `auths`,
/// `credHelpers` and `credsStore`.
///
/// Keys follow Docker's server-key rules: Docker Hub is stored as
/// `https://index.docker.io/v1/`; other registries as `host[:port]`, though
/// older clients wrote `https://host[:port]/v1/` and similar, so a key matches
/// when its host part (scheme and path stripped) equals the registry.
public struct DockerConfig: Sendable {
    /// One `auths` entry, decoded (`auth` is base64 `user:password`).
    public struct AuthEntry: Sendable, Equatable {
        public var credentials: RegistryCredentials
    }

    public var path: String
    public var auths: [String: AuthEntry] = [:]
    public var credHelpers: [String: String] = [:]
    public var credsStore: String?

    /// The key Docker stores `registry`'s credentials under.
    public static func serverKey(for registry: String) -> String {
        registry == ImageReference.dockerHub ? "https://index.docker.io/v1/" : registry
    }

    /// A key's host part: `https://host:5000/v1/` → `host:5000`.
    public static func hostname(ofKey key: String) -> String {
        var rest = Substring(key)
        for scheme in ["https://", "http://"] where rest.lowercased().hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
        return String(rest.prefix { $0 != "/" }).lowercased()
    }

    /// Whether config key `key` is meant for `registry`.
    static func key(_ key: String, matches registry: String) -> Bool {
        if key == serverKey(for: registry) { return true }
        let host = hostname(ofKey: key)
        if registry == ImageReference.dockerHub {
            return ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(host)
        }
        return host == registry
    }

    /// The helper for `registry` from `credHelpers` (an exact key first).
    public func helper(for registry: String) -> String? {
        if let exact = credHelpers[DockerConfig.serverKey(for: registry)] { return exact }
        return credHelpers.keys.sorted().first { DockerConfig.key($0, matches: registry) }.flatMap { credHelpers[$0] }
    }

    /// The `auths` entry for `registry` and its key (an exact key first).
    public func auth(for registry: String) -> (key: String, entry: AuthEntry)? {
        let exact = DockerConfig.serverKey(for: registry)
        if let entry = auths[exact] { return (exact, entry) }
        guard let key = auths.keys.sorted().first(where: { DockerConfig.key($0, matches: registry) }) else { return nil }
        return (key, auths[key]!)
    }

    /// Reads `path`; nil when the file does not exist. Malformed files are
    /// errors (silently going anonymous would hide a broken login).
    public static func load(path: String, registry: String) throws(RegistryError) -> DockerConfig? {
        let bytes: [UInt8]
        switch readFile(path) {
        case .missing: return nil
        case .failed(let reason):
            throw .credentials(registry: registry, message: "cannot read docker config \(path): \(reason)")
        case .read(let b): bytes = b
        }
        let json: JSONValue
        do throws(JSONParseError) { json = try JSONValue(parsing: bytes) } catch {
            throw .credentials(registry: registry, message: "docker config \(path) is not valid JSON (\(error.description)); fix or remove it")
        }
        guard case .object = json else {
            throw .credentials(registry: registry, message: "docker config \(path) must hold a JSON object")
        }
        var config = DockerConfig(path: path)
        for (key, value) in json["auths"]?.objectValue ?? [:] {
            let entry = try authEntry(value, key: key, path: path, registry: registry)
            entry.credentials.registerSecrets()
            config.auths[key] = AuthEntry(credentials: entry.credentials)
        }
        for (key, value) in json["credHelpers"]?.objectValue ?? [:] {
            if let name = value.stringValue, !name.isEmpty { config.credHelpers[key] = name }
        }
        config.credsStore = json["credsStore"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return config
    }

    private static func authEntry(_ value: JSONValue, key: String, path: String, registry: String) throws(RegistryError) -> AuthEntry {
        var username = value["username"]?.stringValue
        var password = value["password"]?.stringValue
        if let auth = value["auth"]?.stringValue, !auth.isEmpty {
            guard let decoded = Base64.decode(auth), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
                throw .credentials(registry: registry, message: "docker config \(path): auths[\"\(key)\"].auth is not base64 of USER:PASSWORD; run docker login again")
            }
            username = String(decoding: decoded[..<colon], as: UTF8.self)
            password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        }
        return AuthEntry(credentials: RegistryCredentials(
            username: username, password: password,
            identityToken: value["identitytoken"]?.stringValue, registryToken: value["registrytoken"]?.stringValue))
    }

    enum FileRead { case missing, failed(String), read([UInt8]) }

    static func readFile(_ path: String, limit: Int = 4 << 20) -> FileRead {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .missing : .failed(String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .failed(String(cString: strerror(errno))) }
            if n == 0 { return .read(out) }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { return .failed("larger than \(limit) bytes") }
        }
    }
}
