import CCurl

/// One request the registry client sends, before scheme and retries.
struct RegistryRequest {
    enum Target {
        /// A path on the registry API host (`/v2/...`); the scheme is chosen per registry.
        case registry(String)
        /// A full URL (a token service realm).
        case absolute(String)
    }

    var method: String
    var target: Target
    var headers: [(name: String, value: String)] = []
    var body: HTTPRequest.Body = .empty
    var maxBody: Int = 4 << 20
    var followRedirects = true
    /// For messages: method and path or URL, never a query string or a header.
    var label: String
}

extension RegistryClient {
    /// Sends `request`, retrying timeouts, connection failures, 429 and 5xx
    /// under `options.retry`. Any other response is returned as is; a
    /// retryable failure that outlasts the retries is `.unavailable`.
    func send(_ request: RegistryRequest, for reference: ImageReference) throws(RegistryError) -> HTTPResponse {
        let policy = options.retry
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            let problem: String
            var wait = policy.backoff(afterAttempt: attempt)
            switch once(request, for: reference) {
            case .success(let response):
                guard response.status == 429 || (500...599).contains(response.status) else { return response }
                problem = "HTTP \(response.status)" + (ManifestDocument.registryErrors(response.body).map { " (\($0))" } ?? "")
                if let after = RetryPolicy.retryAfter(response.head["retry-after"]) {
                    guard after <= policy.maxRetryAfter else {
                        throw .unavailable(registry: reference.registry, message: "\(request.label) on \(reference.registry): \(problem) with Retry-After \(RegistryClient.seconds(after)), longer than the \(RegistryClient.seconds(policy.maxRetryAfter)) the agent waits; the image was neither found nor ruled out, retry later")
                    }
                    wait = after
                }
            case .failure(let error):
                switch error.category {
                case .timeout, .connection:
                    problem = error.message
                case .tls:
                    throw .tls(registry: reference.registry, message: "\(error.message). The TLS connection to \(reference.registry) failed: if its certificate comes from a private CA, point CURL_CA_BUNDLE (which wins when set) or SSL_CERT_FILE at a CA bundle that includes it")
                default:
                    throw .unexpectedResponse(registry: reference.registry, message: error.message)
                }
            }
            guard attempt < policy.maxAttempts else {
                throw .unavailable(registry: reference.registry, message: "\(request.label) on \(reference.registry) failed \(attempt) times in \(RegistryClient.seconds(ContinuousClock.now - started)) (last: \(problem)); the image was neither found nor ruled out. Check the registry's status and the network, then retry")
            }
            AgentLog.shared.debug("\(request.label) on \(reference.registry): \(problem); retry \(attempt) of \(policy.maxAttempts - 1) in \(RegistryClient.seconds(wait))")
            registrySleep(wait)
        }
    }

    /// One attempt. A registry that may be plain http (loopback, or listed
    /// insecure) with no scheme known yet is probed: loopback ones with http
    /// first (the usual local registry; an https probe would load the CA
    /// store for nothing), listed ones with https first, as Docker does. The
    /// other scheme is tried only when the first could not connect or
    /// handshake, or when http got a 400 (what a TLS server answers to plain
    /// http); the scheme that answered is remembered.
    private func once(_ request: RegistryRequest, for reference: ImageReference) -> Result<HTTPResponse, HTTPError> {
        let path: String
        switch request.target {
        case .absolute(let url): return perform(request, url: url)
        case .registry(let p): path = p
        }
        let registry = reference.registry
        let url = { (scheme: String) in "\(scheme)://\(reference.apiHost)\(path)" }
        if let scheme = state.withLock({ $0.schemes[registry] }) { return perform(request, url: url(scheme)) }
        guard allowsPlainHTTP(registry) else { return remember(perform(request, url: url("https")), "https", registry) }

        let httpFirst = RegistryClient.isLoopback(registry)
        let first = perform(request, url: url(httpFirst ? "http" : "https"))
        let tryOther: Bool
        switch first {
        case .success(let response): tryOther = httpFirst && response.status == 400
        case .failure(let error): tryOther = error.category == .tls || error.category == .connection
        }
        guard tryOther else { return remember(first, httpFirst ? "http" : "https", registry) }
        let second = perform(request, url: url(httpFirst ? "https" : "http"))
        let (https, http) = httpFirst ? (second, first) : (first, second)

        if case .success = https { return remember(https, "https", registry) }
        if case .failure(let error) = https, error.category == .tls, error.curlCode != CURLE_SSL_CONNECT_ERROR.rawValue {
            // The server speaks TLS but the handshake failed (certificate):
            // http is usable only if it really answers there.
            if case .success(let response) = http, response.status != 400 { return remember(http, "http", registry) }
            return https
        }
        return remember(http, "http", registry)
    }

    private func remember(_ result: Result<HTTPResponse, HTTPError>, _ scheme: String, _ registry: String) -> Result<HTTPResponse, HTTPError> {
        if case .success = result { state.withLock { $0.schemes[registry] = scheme } }
        return result
    }

    private func perform(_ request: RegistryRequest, url: String) -> Result<HTTPResponse, HTTPError> {
        let http = HTTPRequest(
            method: request.method, url: url, headers: request.headers, body: request.body,
            timeout: options.requestTimeout, followRedirects: request.followRedirects, caFile: options.caFile)
        do throws(HTTPError) {
            return .success(try self.http.fetch(http, maxBodyBytes: request.maxBody))
        } catch {
            return .failure(error)
        }
    }

    /// Plain http is allowed only for loopback registries and those in
    /// `options.insecureRegistries` (matched as `host:port` or `host`).
    func allowsPlainHTTP(_ registry: String) -> Bool {
        let registry = registry.lowercased()
        let host = RegistryClient.hostPart(registry)
        if RegistryClient.isLoopback(registry) { return true }
        return options.insecureRegistries.contains { entry in
            let e = DockerConfig.hostname(ofKey: entry)
            return e == registry || e == host
        }
    }

    /// `localhost`, `127.x.x.x` or `::1`, with or without a port.
    static func isLoopback(_ authority: String) -> Bool {
        let host = hostPart(authority.lowercased())
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return host == "localhost" || host == "::1" || (octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil })
    }

    /// "1.2 s": a duration for messages.
    static func seconds(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return "\(ms / 1000).\(ms % 1000 / 100) s"
    }

    /// `host` of `host[:port]` or `[v6]:port` (brackets dropped).
    static func hostPart(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        return String(authority.prefix { $0 != ":" })
    }
}
