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
                        throw .unavailable(registry: reference.registry, message: "\(request.label) on \(reference.registry): \(problem) with Retry-After \(after), longer than the \(policy.maxRetryAfter) the agent waits; the image was neither found nor ruled out, retry later")
                    }
                    wait = after
                }
            case .failure(let error):
                switch error.category {
                case .timeout, .connection:
                    problem = error.message
                case .tls:
                    throw .tls(registry: reference.registry, message: "\(error.message). The TLS connection to \(reference.registry) failed: if its certificate comes from a private CA, point SSL_CERT_FILE (or the client's caFile) at that CA bundle")
                default:
                    throw .unexpectedResponse(registry: reference.registry, message: error.message)
                }
            }
            guard attempt < policy.maxAttempts else {
                throw .unavailable(registry: reference.registry, message: "\(request.label) on \(reference.registry) failed \(attempt) times in \(ContinuousClock.now - started) (last: \(problem)); the image was neither found nor ruled out. Check the registry's status and the network, then retry")
            }
            AgentLog.shared.debug("\(request.label) on \(reference.registry): \(problem); retry \(attempt) of \(policy.maxAttempts - 1) in \(wait)")
            registrySleep(wait)
        }
    }

    /// One attempt. For a registry that may be plain http (loopback or
    /// listed insecure) with no scheme known yet, https is tried first and
    /// http only when https could not connect or handshake; the scheme that
    /// answered is remembered.
    private func once(_ request: RegistryRequest, for reference: ImageReference) -> Result<HTTPResponse, HTTPError> {
        let path: String
        switch request.target {
        case .absolute(let url): return perform(request, url: url)
        case .registry(let p): path = p
        }
        let host = reference.apiHost
        if let scheme = state.withLock({ $0.schemes[reference.registry] }) {
            return perform(request, url: "\(scheme)://\(host)\(path)")
        }
        let secure = perform(request, url: "https://\(host)\(path)")
        guard case .failure(let error) = secure, allowsPlainHTTP(reference.registry),
              error.category == .tls || error.category == .connection else {
            if case .success = secure { state.withLock { $0.schemes[reference.registry] = "https" } }
            return secure
        }
        let plain = perform(request, url: "http://\(host)\(path)")
        switch plain {
        case .success(let response):
            // A server that does speak TLS (the handshake got as far as the
            // certificate) answers plain http with 400: the https error is the real one.
            if error.category == .tls, error.curlCode != CURLE_SSL_CONNECT_ERROR.rawValue, response.status == 400 { return secure }
            state.withLock { $0.schemes[reference.registry] = "http" }
            return plain
        case .failure:
            return error.category == .tls ? secure : plain
        }
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
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        let loopbackV4 = octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        if host == "localhost" || host == "::1" || loopbackV4 { return true }
        return options.insecureRegistries.contains { entry in
            let e = DockerConfig.hostname(ofKey: entry)
            return e == registry || e == host
        }
    }

    /// `host` of `host[:port]` or `[v6]:port` (brackets dropped).
    static func hostPart(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        return String(authority.prefix { $0 != ":" })
    }
}
