/// Requests for one repository with one set of credentials: sends with a
/// cached authorization when there is one, and on 401 runs the auth dance
/// (Bearer token or Basic) and retries once. 401/403 after that is
/// `.unauthorized`, with a message naming the registry and the credentials' source.
struct RegistrySession {
    let client: RegistryClient
    let reference: ImageReference
    let resolved: ResolvedCredentials
    /// `pull`, or `pull,push`.
    var actions = "pull"

    var scope: String { "repository:\(reference.repository):\(actions)" }
    var cacheKey: String { "\(reference.registry)|\(scope)|\(resolved.credentials.username ?? "")" }

    func request(_ method: String, _ path: String, accept: String?, maxBody: Int = 4 << 20) throws(RegistryError) -> HTTPResponse {
        let key = cacheKey
        let cached = client.cachedAuthorization(key)
        var response = try client.send(make(method, path, accept, cached, maxBody), for: reference)
        if response.status == 401 {
            let challenges = AuthChallenge.parse(response.head.values("www-authenticate"))
            let fresh = try authorize(challenges)
            client.storeAuthorization(fresh, key)
            response = try client.send(make(method, path, accept, fresh.header, maxBody), for: reference)
            if response.status == 401 || response.status == 403 {
                client.forgetAuthorization(key)
                throw refused(response, by: "registry \(reference.registry)")
            }
        } else if response.status == 403 {
            throw refused(response, by: "registry \(reference.registry)")
        }
        return response
    }

    private func make(_ method: String, _ path: String, _ accept: String?, _ authorization: String?, _ maxBody: Int) -> RegistryRequest {
        var headers: [(name: String, value: String)] = []
        if let accept { headers.append(("Accept", accept)) }
        if let authorization { headers.append(("Authorization", authorization)) }
        return RegistryRequest(method: method, target: .registry(path), headers: headers, maxBody: maxBody, label: "\(method) \(path)")
    }

    /// The Authorization header value answering `challenges`.
    private func authorize(_ challenges: [AuthChallenge]) throws(RegistryError) -> CachedAuthorization {
        let credentials = resolved.credentials
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }) {
            if let token = credentials.registryToken { return CachedAuthorization(header: "Bearer \(token)", expires: nil) }
            return try TokenService(session: self, challenge: bearer).fetch()
        }
        if challenges.contains(where: { $0.scheme == "basic" }) {
            guard let basic = credentials.basicAuthorization else {
                throw refused(status: 401, detail: nil, by: "registry \(reference.registry)")
            }
            return CachedAuthorization(header: basic, expires: nil)
        }
        let schemes = challenges.map(\.scheme).joined(separator: ", ")
        throw .unexpectedResponse(registry: reference.registry, message: "registry \(reference.registry) answered 401 for \(reference.name) without a Bearer or Basic challenge (WWW-Authenticate: \(schemes.isEmpty ? "missing" : schemes))")
    }

    func refused(_ response: HTTPResponse, by who: String) -> RegistryError {
        refused(status: response.status, detail: ManifestDocument.registryErrors(response.body), by: who)
    }

    /// The `.unauthorized` error for a 401/403 from `who`, saying what to check.
    func refused(status: Int, detail: String?, by who: String) -> RegistryError {
        let detail = detail.map { ": \($0)" } ?? ""
        let repo = "\(reference.name) (\(actions))"
        let message: String
        if resolved.credentials.isAnonymous {
            message = "\(who) refused anonymous access to \(repo) (HTTP \(status)\(detail)). No credentials were found: \(resolved.source). Log in with `docker login \(reference.registry)`, add a credHelpers entry to the docker config, or give the registry component credentials"
        } else if status == 403 {
            message = "\(who) denied \(repo) to the credentials from \(resolved.source) (HTTP 403\(detail)). Check that this identity has \(actions) permission on the repository and that the repository exists"
        } else {
            message = "\(who) rejected the credentials from \(resolved.source) for \(repo) (HTTP 401\(detail)). Check the username and password or token; they may have expired (log in again)"
        }
        return .unauthorized(registry: reference.registry, message: message)
    }
}

/// An Authorization header value and when it stops being usable (nil: never).
struct CachedAuthorization: Sendable {
    var header: String
    var expires: ContinuousClock.Instant?
}
