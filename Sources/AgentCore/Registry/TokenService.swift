/// Fetches a Bearer token from the realm of a `WWW-Authenticate: Bearer`
/// challenge (the distribution token-auth spec):
///
/// - `GET realm?service=…&scope=repository:<name>:pull[,push]`, with Basic
///   credentials when there are some;
/// - with an identity token, the OAuth2 form `POST realm`
///   (`grant_type=refresh_token`).
///
/// The answer's `token` (or `access_token`) is cached for `expires_in`
/// seconds (60 when absent or smaller, as the spec says), less a tenth.
struct TokenService {
    let session: RegistrySession
    let challenge: AuthChallenge

    func fetch() throws(RegistryError) -> CachedAuthorization {
        let registry = session.reference.registry
        guard let realm = challenge.realm, let (scheme, host) = TokenService.schemeAndHost(realm) else {
            throw .unexpectedResponse(registry: registry, message: "registry \(registry) sent a Bearer challenge without a usable realm URL")
        }
        let who = "token service \(host)"
        if scheme == "http", !session.client.allowsPlainHTTP(host) {
            throw .insecureTransport(registry: registry, message: "registry \(registry) sent its token service as plain http (\(TokenService.withoutQuery(realm))); refusing to send credentials or take tokens over it. List \(host) as an insecure registry only if that is intended")
        }
        var params: [(String, String)] = []
        if let service = challenge.service { params.append(("service", service)) }
        params.append(("scope", session.scope))
        if let extra = challenge.scope, extra != session.scope { params.append(("scope", extra)) }

        let credentials = session.resolved.credentials
        var request: RegistryRequest
        if let refresh = credentials.identityToken {
            let form = [("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "launch-agent")] + params
            request = RegistryRequest(
                method: "POST", target: .absolute(realm), headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: .bytes(Array(TokenService.encode(form).utf8)), maxBody: 1 << 20, followRedirects: false,
                label: "POST \(TokenService.withoutQuery(realm))")
        } else {
            let query = params + (credentials.username.map { [("account", $0)] } ?? [])
            let url = realm + (realm.contains("?") ? "&" : "?") + TokenService.encode(query)
            request = RegistryRequest(method: "GET", target: .absolute(url), maxBody: 1 << 20, followRedirects: false,
                                      label: "GET \(TokenService.withoutQuery(realm))")
            if let basic = credentials.basicAuthorization { request.headers.append(("Authorization", basic)) }
        }

        let response = try session.client.send(request, for: session.reference)
        switch response.status {
        case 200: break
        case 401, 403: throw session.refused(response, by: who)
        default:
            throw .unexpectedResponse(registry: registry, message: "\(who) answered HTTP \(response.status) to a token request for \(session.reference.name)")
        }
        let json = try? JSONValue(parsing: response.body)
        let token = [json?["token"]?.stringValue, json?["access_token"]?.stringValue].compactMap { $0 }.first { !$0.isEmpty }
        guard let token else {
            throw .unexpectedResponse(registry: registry, message: "\(who) answered 200 without a token or access_token for \(session.reference.name)")
        }
        Redactor.shared.register(token)
        let seconds: Double
        switch json?["expires_in"] {
        case .int(let n)?: seconds = Double(n)
        case .double(let d)?: seconds = d
        default: seconds = 60
        }
        return CachedAuthorization(header: "Bearer \(token)", expires: .now + .seconds(max(60, seconds) * 0.9))
    }

    /// `https://host:port/path?x` → ("https", "host:port"); nil unless http(s).
    static func schemeAndHost(_ url: String) -> (String, String)? {
        guard let sep = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = url[sep.upperBound...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return authority.isEmpty ? nil : (scheme, authority.lowercased())
    }

    static func withoutQuery(_ url: String) -> String { String(url.prefix { $0 != "?" && $0 != "#" }) }

    /// `application/x-www-form-urlencoded` / query encoding (RFC 3986 unreserved kept).
    static func encode(_ pairs: [(String, String)]) -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for b in s.utf8 {
                if (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || "-._~".utf8.contains(b) {
                    out.append(Character(Unicode.Scalar(b)))
                } else {
                    let hex = Array("0123456789ABCDEF")
                    out += "%\(hex[Int(b >> 4)])\(hex[Int(b & 0x0F)])"
                }
            }
            return out
        }
        return pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}
