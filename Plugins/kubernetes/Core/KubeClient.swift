/// A Kubernetes API client for one cluster and identity: typed errors, bearer/exec/client-certificate auth,
/// get/list/create/patch/delete, watches that resume, and pod logs.
///
/// Thread-safe (immutable, the exec credential cache is locked): one client may serve several jobs at once.
/// Every method names the verb, resource and namespace in its errors (see ``KubeError``).
public final class KubeClient: Sendable {
    public let config: KubeClusterConfig
    let transport: any KubeTransport
    let commandRunner: (any KubeCommandRunner)?
    /// The exec credential cache, shared by the clients ``bound(to:commandRunner:)`` makes.
    public let exec: KubeExecCredentialProvider?
    /// Sent as `User-Agent`.
    public let userAgent: String
    /// Timeout of a non-streaming request.
    public let requestTimeoutMilliseconds: Int

    /// `commandRunner` runs `exec` credential plugins; it may be nil when the config has none.
    public init(config: KubeClusterConfig, transport: any KubeTransport, commandRunner: (any KubeCommandRunner)? = nil,
                userAgent: String = "launch-agent", requestTimeoutMilliseconds: Int = 30_000,
                now: @escaping @Sendable () -> Double = KubeClock.now) {
        self.config = config
        self.transport = transport
        self.userAgent = userAgent
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.commandRunner = commandRunner
        if case .exec(let e) = config.auth {
            exec = KubeExecCredentialProvider(config: e, cluster: config, now: now)
        } else {
            exec = nil
        }
    }

    private init(_ other: KubeClient, transport: any KubeTransport, commandRunner: (any KubeCommandRunner)?) {
        config = other.config
        self.transport = transport
        self.commandRunner = commandRunner
        exec = other.exec
        userAgent = other.userAgent
        requestTimeoutMilliseconds = other.requestTimeoutMilliseconds
    }

    /// The same cluster, identity and exec credential cache over another transport: the plugin keeps one
    /// client per component and binds it to each operation's call (whose cancellation the host honours).
    public func bound(to transport: any KubeTransport, commandRunner: (any KubeCommandRunner)?) -> KubeClient {
        KubeClient(self, transport: transport, commandRunner: commandRunner)
    }

    /// The namespace of the context (or in-cluster namespace file).
    public var defaultNamespace: String { config.namespace }

    // MARK: - Verbs

    /// GETs one object; throws `.notFound` when it does not exist.
    public func get(_ resource: KubeResource, _ name: String, namespace: String?) throws(KubeError) -> KubeJSON {
        try json(verb: "get", resource, namespace: namespace, name: name, method: "GET")
    }

    /// GETs one object, or nil when it does not exist.
    public func getIfExists(_ resource: KubeResource, _ name: String, namespace: String?) throws(KubeError) -> KubeJSON? {
        do { return try get(resource, name, namespace: namespace) } catch where error.kind == .notFound { return nil }
    }

    /// Lists objects (all pages), filtered by label and field selectors (`app=x,tier!=db`; `metadata.name=y`).
    public func list(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil,
                     fieldSelector: String? = nil) throws(KubeError) -> KubeList {
        var items: [KubeJSON] = []
        var continueToken: String?
        var rv = ""
        repeat {
            var query: [(String, String)] = []
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
            query.append(("limit", "500"))
            if let continueToken { query.append(("continue", continueToken)) }
            let page = try json(verb: "list", resource, namespace: namespace, method: "GET", query: query)
            items += page["items"]?.arrayValue ?? []
            rv = page["metadata", "resourceVersion"]?.stringValue ?? rv
            continueToken = page["metadata", "continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        return KubeList(items: items, resourceVersion: rv)
    }

    /// Creates `object` (its `apiVersion`/`kind` are filled in when missing); throws `.alreadyExists` when
    /// the name is taken, `.invalid` with the server's causes when it is rejected.
    public func create(_ resource: KubeResource, namespace: String?, _ object: KubeJSON) throws(KubeError) -> KubeJSON {
        var body = object
        if body["apiVersion"] == nil { body["apiVersion"] = .string(resource.apiVersion) }
        if body["kind"] == nil { body["kind"] = .string(resource.kind) }
        return try json(verb: "create", resource, namespace: namespace, name: object["metadata", "name"]?.stringValue,
                        method: "POST", body: body)
    }

    /// Applies a JSON merge patch (RFC 7386) to one object.
    public func patch(_ resource: KubeResource, _ name: String, namespace: String?, mergePatch: KubeJSON) throws(KubeError) -> KubeJSON {
        try json(verb: "patch", resource, namespace: namespace, name: name, method: "PATCH", body: mergePatch,
                 contentType: "application/merge-patch+json")
    }

    /// Applies a JSON merge patch to one object's `status` subresource (what controllers write).
    public func patchStatus(_ resource: KubeResource, _ name: String, namespace: String?, mergePatch: KubeJSON) throws(KubeError) -> KubeJSON {
        try json(verb: "patch", resource, namespace: namespace, name: name, method: "PATCH", body: mergePatch,
                 contentType: "application/merge-patch+json", subresource: "status")
    }

    /// Deletes one object with `propagationPolicy` (Background by default, so a Job's pods go too).
    /// Returns false when it did not exist (already deleted): deleting is idempotent.
    @discardableResult
    public func delete(_ resource: KubeResource, _ name: String, namespace: String?,
                       propagationPolicy: KubePropagationPolicy = .background) throws(KubeError) -> Bool {
        let options: KubeJSON = ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": .string(propagationPolicy.rawValue)]
        do {
            _ = try json(verb: "delete", resource, namespace: namespace, name: name, method: "DELETE", body: options)
            return true
        } catch where error.kind == .notFound {
            return false
        }
    }

    // MARK: - Requests

    /// One request whose answer is a JSON object; non-2xx statuses become ``KubeError``s.
    func json(verb: String, _ resource: KubeResource, namespace: String?, name: String? = nil, method: String,
              query: [(String, String)] = [], body: KubeJSON? = nil, contentType: String = "application/json",
              subresource: String? = nil) throws(KubeError) -> KubeJSON {
        let ns = resource.namespaced ? (namespace ?? defaultNamespace) : nil
        let path = resource.path(namespace: ns, name: method == "POST" ? nil : name, subresource: subresource)
        let label = subresource.map { "\(resource.plural)/\($0)" } ?? resource.plural
        var collected: [UInt8] = []
        let status: Int
        do {
            status = try send(method: method, path: path, query: query, body: body.map(\.serializedBytes),
                              contentType: contentType, timeoutMilliseconds: requestTimeoutMilliseconds,
                              describe: (verb, label, ns, name), retryOn401: true) { chunk in
                collected.append(contentsOf: chunk)
                guard collected.count <= 64 << 20 else {
                    throw KubeError(.decoding, "the answer to \(KubeError.describe(verb: verb, resource: label, namespace: ns, name: name)) exceeds 64 MiB")
                }
            }
        } catch let e as KubeError {
            throw e
        } catch {
            throw KubeError(.io, "\(error)")
        }
        guard (200..<300).contains(status) else {
            throw KubeError.fromResponse(status: status, body: collected, verb: verb, resource: label, namespace: ns, name: name)
        }
        do { return try KubeJSON(parsing: collected) } catch {
            throw KubeError(.decoding, "the API server's answer to \(KubeError.describe(verb: verb, resource: label, namespace: ns, name: name)) is not JSON")
        }
    }

    /// Sends one request with auth; retries once with a fresh exec credential after a 401. Streams the body
    /// to `onBody` and returns the status. `describe` is (verb, resource, namespace, name) for messages.
    func send(method: String, path: String, query: [(String, String)], body: [UInt8]?, contentType: String?,
              timeoutMilliseconds: Int?, describe: (String, String, String?, String?),
              retryOn401: Bool = false, onHead: (KubeHTTPHead) throws -> Void = { _ in },
              onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var url = config.server + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(KubePercent.encodeQuery($0.1))" }.joined(separator: "&")
        }
        var attempt = 0
        while true {
            attempt += 1
            var tls = config.tls
            var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("User-Agent", userAgent)]
            if let contentType, body != nil { headers.append(("Content-Type", contentType)) }
            switch config.auth {
            case .none: break
            case .token(let t): headers.append(("Authorization", "Bearer \(t)"))
            case .tokenFile(let file):
                guard let bytes = KubeFiles.read(file) else {
                    throw KubeError(.unauthorized, "cannot read the token file \(file): \(KubeFiles.lastError())")
                }
                headers.append(("Authorization", "Bearer \(String(decoding: bytes, as: UTF8.self).trimmedKube)"))
            case .exec(let e):
                guard let exec, let commandRunner else {
                    throw KubeError(.config, "the kubeconfig user runs the exec credential plugin '\(e.command)', but no way to run programs was given")
                }
                let credential = try exec.credential(runner: commandRunner)
                if let token = credential.token { headers.append(("Authorization", "Bearer \(token)")) }
                if let cert = credential.clientCertificatePEM, let key = credential.clientKeyPEM {
                    tls.clientCertificatePEM = cert
                    tls.clientKeyPEM = key
                }
            }
            let request = KubeHTTPRequest(method: method, url: url, headers: headers, body: body ?? [],
                                          timeoutMilliseconds: timeoutMilliseconds, tls: tls)
            // A 401 to an exec credential is retried once with a fresh one (it may have been revoked before
            // its expiry). Only requests whose body is collected (`retryOn401`) can be repeated unseen; for
            // a stream the 401 is reported, and the next request runs the plugin again.
            var pending: [UInt8] = []
            var headSeen = false
            let head = try transport.send(request, onHead: { head in
                headSeen = true
                try onHead(head)
            }, onBody: { chunk in
                if retryOn401 && exec != nil { pending.append(contentsOf: chunk) } else { try onBody(chunk) }
            })
            if head.status == 401, let exec {
                exec.invalidate()
                if retryOn401 && attempt == 1 { continue }
            }
            if !headSeen { try onHead(head) }
            if !pending.isEmpty { try pending.withUnsafeBytes { try onBody($0) } }
            return head.status
        }
    }
}
