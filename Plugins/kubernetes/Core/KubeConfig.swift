import FoundationEssentials

/// How requests authenticate, once a kubeconfig context or the in-cluster files are resolved.
public enum KubeAuth: Sendable, Equatable {
    /// No credentials (a client certificate in ``KubeTLS`` may still identify the client).
    case none
    /// A bearer token. A secret: register it before it could be logged.
    case token(String)
    /// A bearer token read from this file at each request (service-account tokens are rotated in place).
    case tokenFile(String)
    /// A client-go credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`).
    case exec(KubeExecConfig)
}

/// A kubeconfig `users[].user.exec` block.
public struct KubeExecConfig: Sendable, Equatable {
    /// `client.authentication.k8s.io/v1` or `/v1beta1`.
    public var apiVersion: String
    /// The program; a relative path containing `/` is relative to the kubeconfig file's directory.
    public var command: String
    public var args: [String]
    /// Extra environment for the program, in order.
    public var env: [KubeEnvVar]
    /// Pass the cluster (server, CA) in `KUBERNETES_EXEC_INFO` (`provideClusterInfo: true`).
    public var provideClusterInfo: Bool
    /// Printed when the program cannot be run (`installHint`).
    public var installHint: String?

    public init(apiVersion: String, command: String, args: [String] = [], env: [KubeEnvVar] = [],
                provideClusterInfo: Bool = false, installHint: String? = nil) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.provideClusterInfo = provideClusterInfo
        self.installHint = installHint
    }
}

/// A name/value pair (exec plugin env).
public struct KubeEnvVar: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Everything needed to talk to one cluster as one identity: the result of loading a kubeconfig context or
/// the in-cluster service-account files. Pass it to ``KubeClient``.
public struct KubeClusterConfig: Sendable, Equatable {
    /// `https://host:port` (plus a path prefix when the server has one), without a trailing `/`.
    public var server: String
    public var tls: KubeTLS
    public var auth: KubeAuth
    /// The context's namespace (or the in-cluster namespace file), else `default`.
    public var namespace: String
    /// Where this came from, for messages: `context 'kind-dev' of /home/me/.kube/config`, `in-cluster`.
    public var source: String

    public init(server: String, tls: KubeTLS = KubeTLS(), auth: KubeAuth = .none, namespace: String = "default",
                source: String = "") {
        var s = server
        while s.hasSuffix("/") { s.removeLast() }
        self.server = s
        self.tls = tls
        self.auth = auth
        self.namespace = namespace
        self.source = source
    }

    /// Every secret in this config (tokens, client key), for the host's redaction.
    public var secrets: [String] {
        var out: [String] = []
        if case .token(let t) = auth { out.append(t) }
        if let key = tls.clientKeyPEM { out.append(String(decoding: key, as: UTF8.self)) }
        return out
    }
}

/// Finds and loads cluster configs the way kubectl and client-go do.
public enum KubeConfigLoader {
    /// Where service-account files are mounted in a pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The config to use: an explicit kubeconfig `path` (e.g. from the component's config); else `KUBECONFIG`
    /// or `~/.kube/config` when one exists; else in-cluster when `KUBERNETES_SERVICE_HOST` is set. `context`
    /// overrides the kubeconfig's `current-context`. `serviceAccountDirectory` is a parameter for tests only.
    public static func load(environment: KubeEnvironment, path: String? = nil, context: String? = nil,
                            serviceAccountDirectory: String = serviceAccountDirectory) throws(KubeError) -> KubeClusterConfig {
        let paths = kubeconfigPaths(environment: environment, explicit: path)
        let existing = paths.filter { KubeFiles.exists($0) }
        if path != nil || environment["KUBECONFIG"] != nil || !existing.isEmpty {
            return try loadKubeconfig(paths: paths, context: context)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try inCluster(environment: environment, directory: serviceAccountDirectory)
        }
        throw KubeError(.config, "no Kubernetes configuration found: no KUBECONFIG, no \(paths.first ?? "~/.kube/config"), and not running in a pod (KUBERNETES_SERVICE_HOST is unset)")
    }

    /// The files kubectl would read: `explicit`, else the `KUBECONFIG` colon list, else `$HOME/.kube/config`.
    public static func kubeconfigPaths(environment: KubeEnvironment, explicit: String? = nil) -> [String] {
        if let explicit { return [explicit] }
        if let list = environment["KUBECONFIG"] {
            var seen: Set<String> = []
            return list.split(separator: ":").map(String.init).filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        return ["\(environment["HOME"] ?? "/root")/.kube/config"]
    }

    /// Loads and merges `paths` as kubectl does (the first file to define a name or `current-context` wins;
    /// missing files are skipped, but at least one must exist) and resolves `context` (or `current-context`).
    public static func loadKubeconfig(paths: [String], context: String? = nil) throws(KubeError) -> KubeClusterConfig {
        var clusters: [String: Named] = [:]
        var users: [String: Named] = [:]
        var contexts: [String: Named] = [:]
        var currentContext: (name: String, file: String)?
        var read: [String] = []
        for path in paths {
            guard let bytes = KubeFiles.read(path) else {
                if KubeFiles.exists(path) { throw KubeError(.config, "cannot read \(path): \(KubeFiles.lastError())") }
                continue
            }
            read.append(path)
            let doc = try KubeYAML.parse(bytes, file: path)
            guard case .mapping = doc else { throw KubeError(.config, "\(path):\(doc.line): a kubeconfig must be a mapping (apiVersion, clusters, contexts, users)") }
            if let kind = doc["kind"]?.string, kind != "Config" {
                throw KubeError(.config, "\(path):\(doc["kind"]?.line ?? 1): kind is '\(kind)', expected 'Config'")
            }
            for (section, key, into) in [("clusters", "cluster", 0), ("users", "user", 1), ("contexts", "context", 2)] {
                guard let node = doc[section], node.string != nil || node.sequence != nil else { continue }
                guard let items = node.sequence else {
                    throw KubeError(.config, "\(path):\(node.line): '\(section)' must be a list of {name, \(key)}")
                }
                for item in items {
                    guard let name = item["name"]?.string else {
                        throw KubeError(.config, "\(path):\(item.line): an entry of '\(section)' has no 'name'")
                    }
                    guard let body = item[key], case .mapping = body else {
                        throw KubeError(.config, "\(path):\(item.line): \(section) entry '\(name)' has no '\(key)' mapping")
                    }
                    let named = Named(name: name, node: body, file: path)
                    switch into {
                    case 0: if clusters[name] == nil { clusters[name] = named }
                    case 1: if users[name] == nil { users[name] = named }
                    default: if contexts[name] == nil { contexts[name] = named }
                    }
                }
            }
            if currentContext == nil, let current = doc["current-context"]?.string { currentContext = (current, path) }
        }
        let files = paths.joined(separator: ":")
        guard !read.isEmpty else {
            throw KubeError(.config, "no kubeconfig file found (looked for \(paths.joined(separator: ", ")))")
        }
        guard let contextName = context ?? currentContext?.name else {
            throw KubeError(.config, "\(files) has no current-context; set one with `kubectl config use-context NAME` or configure the context to use")
        }
        guard let ctx = contexts[contextName] else {
            let known = contexts.keys.sorted()
            let origin = context != nil ? "the configured context" : "current-context (\(currentContext?.file ?? files))"
            throw KubeError(.config, "\(origin) '\(contextName)' is not defined in \(files); contexts there: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
        }
        let where_ = "\(ctx.file):\(ctx.node.line)"
        guard let clusterName = ctx.node["cluster"]?.string else {
            throw KubeError(.config, "\(where_): context '\(contextName)' names no cluster")
        }
        guard let cluster = clusters[clusterName] else {
            throw KubeError(.config, "\(ctx.file):\(ctx.node["cluster"]?.line ?? ctx.node.line): context '\(contextName)' names cluster '\(clusterName)', which is not defined in \(files)")
        }
        let userName = ctx.node["user"]?.string
        var user: Named?
        if let userName {
            guard let u = users[userName] else {
                throw KubeError(.config, "\(ctx.file):\(ctx.node["user"]?.line ?? ctx.node.line): context '\(contextName)' names user '\(userName)', which is not defined in \(files)")
            }
            user = u
        }
        var config = try clusterConfig(cluster)
        if let user { try apply(user, to: &config) }
        config.namespace = ctx.node["namespace"]?.string ?? "default"
        config.source = "context '\(contextName)' of \(ctx.file)"
        return config
    }

    /// The in-cluster config: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the service-account
    /// token (re-read at each request, as it is rotated), its CA and namespace from `directory`.
    public static func inCluster(environment: KubeEnvironment, directory: String = serviceAccountDirectory) throws(KubeError) -> KubeClusterConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw KubeError(.config, "not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set for the in-cluster configuration")
        }
        let tokenPath = directory + "/token"
        guard let token = KubeFiles.read(tokenPath), !String(decoding: token, as: UTF8.self).trimmedKube.isEmpty else {
            throw KubeError(.config, "in-cluster: cannot read the service-account token \(tokenPath): \(KubeFiles.exists(tokenPath) ? "it is empty or unreadable" : KubeFiles.lastError()) (is automountServiceAccountToken off?)")
        }
        let caPath = directory + "/ca.crt"
        guard let ca = KubeFiles.read(caPath) else {
            throw KubeError(.config, "in-cluster: cannot read the cluster CA \(caPath): \(KubeFiles.lastError())")
        }
        let namespace = KubeFiles.read(directory + "/namespace").map { String(decoding: $0, as: UTF8.self).trimmedKube }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubeClusterConfig(server: "https://\(hostPart):\(port)", tls: KubeTLS(caPEM: ca), auth: .tokenFile(tokenPath),
                                 namespace: (namespace?.isEmpty ?? true) ? "default" : namespace ?? "default",
                                 source: "in-cluster (service account in \(directory))")
    }

    /// A named kubeconfig entry and the file it came from (relative paths resolve against that file).
    struct Named {
        var name: String
        var node: KubeYAML
        var file: String
    }

    static func clusterConfig(_ cluster: Named) throws(KubeError) -> KubeClusterConfig {
        let n = cluster.node
        let at = { (key: String) in "\(cluster.file):\(n[key]?.line ?? n.line)" }
        guard let server = n["server"]?.string, !server.isEmpty else {
            throw KubeError(.config, "\(cluster.file):\(n.line): cluster '\(cluster.name)' has no 'server'")
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw KubeError(.config, "\(at("server")): cluster '\(cluster.name)': server '\(server)' must start with https://")
        }
        var tls = KubeTLS()
        if let data = n["certificate-authority-data"]?.string {
            tls.caPEM = try base64(data, at("certificate-authority-data"), "certificate-authority-data")
        } else if let path = n["certificate-authority"]?.string {
            let full = KubeFiles.resolve(path, relativeTo: cluster.file)
            guard let pem = KubeFiles.read(full) else {
                throw KubeError(.config, "\(at("certificate-authority")): cluster '\(cluster.name)': cannot read certificate-authority \(full): \(KubeFiles.lastError())")
            }
            tls.caPEM = pem
        }
        if let insecure = n["insecure-skip-tls-verify"] {
            guard case .bool(let b) = insecure.json else {
                throw KubeError(.config, "\(at("insecure-skip-tls-verify")): insecure-skip-tls-verify must be true or false")
            }
            tls.insecure = b
        }
        return KubeClusterConfig(server: server, tls: tls)
    }

    static func apply(_ user: Named, to config: inout KubeClusterConfig) throws(KubeError) {
        let n = user.node
        let at = { (key: String) in "\(user.file):\(n[key]?.line ?? n.line)" }
        if let cert = n["client-certificate-data"]?.string {
            config.tls.clientCertificatePEM = try base64(cert, at("client-certificate-data"), "client-certificate-data")
        } else if let path = n["client-certificate"]?.string {
            config.tls.clientCertificatePEM = try readFile(path, user, "client-certificate")
        }
        if let key = n["client-key-data"]?.string {
            config.tls.clientKeyPEM = try base64(key, at("client-key-data"), "client-key-data")
        } else if let path = n["client-key"]?.string {
            config.tls.clientKeyPEM = try readFile(path, user, "client-key")
        }
        if (config.tls.clientCertificatePEM == nil) != (config.tls.clientKeyPEM == nil) {
            throw KubeError(.config, "\(user.file):\(n.line): user '\(user.name)' has a client certificate without its key (or a key without its certificate)")
        }
        if let token = n["token"]?.string {
            config.auth = .token(token.trimmedKube)
        } else if let file = n["tokenFile"]?.string {
            let full = KubeFiles.resolve(file, relativeTo: user.file)
            guard KubeFiles.read(full) != nil else {
                throw KubeError(.config, "\(at("tokenFile")): user '\(user.name)': cannot read tokenFile \(full): \(KubeFiles.lastError())")
            }
            config.auth = .tokenFile(full)
        } else if let exec = n["exec"] {
            config.auth = .exec(try execConfig(exec, user))
        } else if n["auth-provider"] != nil {
            let name = n["auth-provider"]?["name"]?.string ?? "?"
            throw KubeError(.config, "\(at("auth-provider")): user '\(user.name)' uses the removed auth-provider '\(name)'; use its exec credential plugin instead (gke-gcloud-auth-plugin for gcp, kubelogin for azure/oidc)")
        } else if n["username"] != nil || n["password"] != nil {
            throw KubeError(.config, "\(at("username")): user '\(user.name)' uses basic auth (username/password), which Kubernetes removed in 1.19; use a token, client certificate or exec plugin")
        }
    }

    static func execConfig(_ node: KubeYAML, _ user: Named) throws(KubeError) -> KubeExecConfig {
        let at = { (key: String) in "\(user.file):\(node[key]?.line ?? node.line)" }
        guard let command = node["command"]?.string else {
            throw KubeError(.config, "\(user.file):\(node.line): user '\(user.name)': exec has no 'command'")
        }
        let apiVersion = node["apiVersion"]?.string ?? ""
        guard ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"].contains(apiVersion) else {
            throw KubeError(.config, "\(at("apiVersion")): user '\(user.name)': exec apiVersion '\(apiVersion)' is not supported; use client.authentication.k8s.io/v1 or v1beta1")
        }
        var args: [String] = []
        if let list = node["args"] {
            guard let items = list.sequence else { throw KubeError(.config, "\(at("args")): exec args must be a list of strings") }
            for item in items {
                guard let s = item.string else { throw KubeError(.config, "\(user.file):\(item.line): exec args must be strings") }
                args.append(s)
            }
        }
        var env: [KubeEnvVar] = []
        if let list = node["env"], list.string != nil || list.sequence != nil {
            guard let items = list.sequence else { throw KubeError(.config, "\(at("env")): exec env must be a list of {name, value}") }
            for item in items {
                guard let name = item["name"]?.string else { throw KubeError(.config, "\(user.file):\(item.line): an exec env entry has no 'name'") }
                env.append(KubeEnvVar(name: name, value: item["value"]?.string ?? ""))
            }
        }
        var cmd = command
        if cmd.contains("/") && !cmd.hasPrefix("/") { cmd = KubeFiles.resolve(cmd, relativeTo: user.file) }
        return KubeExecConfig(apiVersion: apiVersion, command: cmd, args: args, env: env,
                              provideClusterInfo: node["provideClusterInfo"]?.json == .bool(true),
                              installHint: node["installHint"]?.string)
    }

    static func readFile(_ path: String, _ user: Named, _ key: String) throws(KubeError) -> [UInt8] {
        let full = KubeFiles.resolve(path, relativeTo: user.file)
        guard let bytes = KubeFiles.read(full) else {
            throw KubeError(.config, "\(user.file):\(user.node[key]?.line ?? user.node.line): user '\(user.name)': cannot read \(key) \(full): \(KubeFiles.lastError())")
        }
        return bytes
    }

    static func base64(_ text: String, _ at: String, _ key: String) throws(KubeError) -> [UInt8] {
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw KubeError(.config, "\(at): \(key) is not valid base64")
        }
        return Array(data)
    }
}
