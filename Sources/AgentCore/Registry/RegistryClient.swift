import Synchronization

/// The host's OCI distribution client: manifest existence checks and digest
/// resolution, with token/Basic auth, retries and the fail-closed rule.
///
/// Only a 200 for the manifest means "exists"; a 404 means "missing"; every
/// other outcome (401/403 after auth, 429/5xx/connection failures after the
/// retries, TLS failures, malformed answers) is a thrown `RegistryError`,
/// never either answer. Calls are synchronous and safe from any thread;
/// tokens and each registry's scheme (https, or http for allowed registries)
/// are cached per client.
public final class RegistryClient: Sendable {
    /// Transport settings.
    public struct Options: Sendable {
        /// Registries (`host[:port]` or `host`) that may be reached over plain
        /// http. Loopback registries always may. TLS, when used, is always verified.
        public var insecureRegistries: [String]
        /// The CA bundle for registries and token services (nil:
        /// `CURL_CA_BUNDLE` / `SSL_CERT_FILE`, else the system's).
        public var caFile: String?
        public var retry: RetryPolicy
        /// Per request, connect to last byte.
        public var requestTimeout: Duration

        public init(insecureRegistries: [String] = [], caFile: String? = nil, retry: RetryPolicy = .default, requestTimeout: Duration = .seconds(30)) {
            self.insecureRegistries = insecureRegistries
            self.caFile = caFile
            self.retry = retry
            self.requestTimeout = requestTimeout
        }
    }

    public let options: Options
    public let credentialResolver: RegistryCredentialResolver
    let http: HTTPClient
    let state = Mutex(State())

    struct State {
        var authorizations: [String: CachedAuthorization] = [:]
        /// "https" or "http" per registry, once one has answered.
        var schemes: [String: String] = [:]
    }

    public init(options: Options = .init(), credentials: RegistryCredentialResolver = .init(), http: HTTPClient = .shared) {
        self.options = options
        self.credentialResolver = credentials
        self.http = http
    }

    /// Whether `reference` (its digest, else its tag, else `latest`) exists,
    /// and when `platforms` is not empty, whether it serves every one of them:
    /// an index must list each platform; a single image's config must declare
    /// the one platform asked for.
    ///
    /// - Parameter credentials: used as given; nil resolves them with `credentialResolver`.
    public func manifestExists(
        _ reference: ImageReference, credentials: RegistryCredentials? = nil, platforms: [Platform] = []
    ) throws(RegistryError) -> ExistsResult {
        let session = try session(reference, credentials)
        // A HEAD answers "exists?"; checking platforms needs the body, so GET at once.
        let method = platforms.isEmpty ? "HEAD" : "GET"
        let response = try session.request(method, manifestPath(reference), accept: ManifestDocument.accept)
        if response.status == 404 {
            return ExistsResult(exists: false, reason: "manifest unknown: \(reference) is not in the registry (HTTP 404)")
        }
        guard response.status == 200 else { throw unexpected(response.status, "\(method) manifest", reference) }
        let digest = try validDigest(response.head["docker-content-digest"], reference)
        var result = ExistsResult(exists: true, digest: digest, mediaType: ManifestDocument.mediaType(contentType: response.head["content-type"]))
        guard !platforms.isEmpty else { return result }

        guard let document = ManifestDocument(body: response.body, contentType: response.head["content-type"]) else {
            throw RegistryError.unexpectedResponse(registry: reference.registry, message: "the manifest of \(reference) is not an image manifest or index the agent can read")
        }
        result.mediaType = document.mediaType ?? result.mediaType
        if document.isIndex {
            result.platforms = document.platforms
        } else if platforms.count > 1 {
            result.exists = false
            result.reason = "\(reference) is a single-platform image, not an index listing \(platforms.map(\.description).joined(separator: ", "))"
            return result
        } else if let config = document.configDigest {
            let blob = try session.request("GET", "/v2/\(reference.repository)/blobs/\(config)", accept: nil, maxBody: 8 << 20)
            guard blob.status == 200, let platform = ManifestDocument.platform(ofConfig: blob.body) else {
                if blob.status == 404 { return ExistsResult(exists: false, digest: digest, reason: "the config blob of \(reference) is missing (HTTP 404)") }
                throw blob.status == 200
                    ? RegistryError.unexpectedResponse(registry: reference.registry, message: "the config of \(reference) names no os/architecture")
                    : unexpected(blob.status, "GET config blob", reference)
            }
            result.platforms = [platform]
        }
        let missing = platforms.filter { wanted in !result.platforms.contains { wanted.isSatisfied(by: $0) } }
        if !missing.isEmpty {
            result.exists = false
            let list = missing.map(\.description).joined(separator: ", ")
            result.reason = document.isIndex ? "index lacks \(list)" : "image is \(result.platforms.map(\.description).joined()), not \(list)"
        }
        return result
    }

    /// The digest `reference` points at now (for an index, the index's own
    /// digest), to pin base images. A reference with a digest returns it as is.
    /// A missing manifest is `.notFound`.
    public func resolveDigest(_ reference: ImageReference, credentials: RegistryCredentials? = nil) throws(RegistryError) -> String {
        if let digest = reference.digest { return digest }
        let session = try session(reference, credentials)
        for method in ["HEAD", "GET"] {
            let response = try session.request(method, manifestPath(reference), accept: ManifestDocument.accept)
            if response.status == 404 {
                throw .notFound(registry: reference.registry, message: "\(reference) does not exist (HTTP 404 for its manifest); check the image name and tag")
            }
            guard response.status == 200 else { throw unexpected(response.status, "\(method) manifest", reference) }
            if let digest = try validDigest(response.head["docker-content-digest"], reference) { return digest }
        }
        throw .unexpectedResponse(registry: reference.registry, message: "registry \(reference.registry) sent no Docker-Content-Digest for \(reference)")
    }

    // MARK: Internals

    func session(_ reference: ImageReference, _ credentials: RegistryCredentials?) throws(RegistryError) -> RegistrySession {
        let resolved: ResolvedCredentials
        if let credentials {
            credentials.registerSecrets()
            resolved = ResolvedCredentials(credentials, source: credentials.isAnonymous ? "none (anonymous by request)" : "the caller (explicit credentials)")
        } else {
            resolved = try credentialResolver.resolve(registry: reference.registry)
        }
        return RegistrySession(client: self, reference: reference, resolved: resolved)
    }

    private func manifestPath(_ reference: ImageReference) -> String {
        "/v2/\(reference.repository)/manifests/\(reference.manifestReference)"
    }

    private func validDigest(_ header: String?, _ reference: ImageReference) throws(RegistryError) -> String? {
        guard let header, !header.isEmpty else { return nil }
        guard ImageReference.isValidDigest(header) else {
            throw .unexpectedResponse(registry: reference.registry, message: "registry \(reference.registry) sent a malformed Docker-Content-Digest for \(reference)")
        }
        return header
    }

    private func unexpected(_ status: Int, _ what: String, _ reference: ImageReference) -> RegistryError {
        .unexpectedResponse(registry: reference.registry, message: "\(what) of \(reference): registry answered HTTP \(status), which means neither \"exists\" nor \"missing\"; check the registry URL and that it speaks the OCI distribution API (/v2/)")
    }

    func cachedAuthorization(_ key: String) -> String? {
        state.withLock { state in
            guard let entry = state.authorizations[key] else { return nil }
            if let expires = entry.expires, expires <= .now {
                state.authorizations[key] = nil
                return nil
            }
            return entry.header
        }
    }

    func storeAuthorization(_ value: CachedAuthorization, _ key: String) {
        state.withLock { $0.authorizations[key] = value }
    }

    func forgetAuthorization(_ key: String) {
        state.withLock { $0.authorizations[key] = nil }
    }
}
