import KubeCore
import LaunchAgentPluginKit
import Synchronization

/// KubeCore's network through the host's HTTP service (libcurl: proxies, the agent's CA bundle, cancellation
/// of the operation's call).
///
/// Limits of the host service today (launch-agent.http/1 has no per-request CA or client certificate): a
/// cluster CA from the kubeconfig/in-cluster files cannot be handed over, so the server is verified against
/// the agent's CA bundle (`CURL_CA_BUNDLE`, else `SSL_CERT_FILE`, else the system store) — still verified, never
/// skipped — and a TLS failure says to add the cluster CA there. Client certificates are refused up front.
struct HostTransport: KubeTransport {
    let http: HTTPService
    let call: Call
    /// The kubeconfig context / in-cluster source, for messages.
    let source: String
    /// Registers bearer tokens (an exec plugin's fresh ones too) with the host's redaction.
    let connection: KubeConnection

    func send(_ request: KubeHTTPRequest, onHead: (KubeHTTPHead) throws -> Void,
              onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> KubeHTTPHead {
        if request.tls.clientCertificatePEM != nil {
            throw KubeError(.config, "\(source) authenticates with a client certificate, which the agent's HTTP service cannot present yet; use a token, tokenFile or exec credential plugin (docs/kubernetes.md)")
        }
        for header in request.headers where header.name == "Authorization" && header.value.hasPrefix("Bearer ") {
            connection.register(String(header.value.dropFirst(7)))
        }
        let hostRequest = HTTPRequest(method: request.method, url: request.url, headers: request.headers,
                                      body: request.body, timeoutMilliseconds: request.timeoutMilliseconds,
                                      insecure: request.tls.insecure)
        do {
            let response = try http.send(hostRequest, call: call, onBody: onBody)
            return KubeHTTPHead(status: response.status, headers: response.headers)
        } catch let error as PluginError {
            switch error.code {
            case .cancelled: throw KubeError(.cancelled, "cancelled")
            case .timeout: throw KubeError(.io, error.message, reason: KubeError.timeoutReason, retryable: true)
            default:
                var message = error.message
                if request.tls.caPEM != nil, !error.retryable, message.lowercased().contains("certificate") || message.lowercased().contains("ssl") {
                    message += " (the cluster CA of \(source) cannot be passed to the agent's HTTP service yet: add it to the CA bundle the agent uses, CURL_CA_BUNDLE or else SSL_CERT_FILE)"
                }
                throw KubeError(.io, message, retryable: error.retryable)
            }
        }
    }
}

/// `exec` credential plugins through the host's process service (stdin closed, output captured).
struct HostCommandRunner: KubeCommandRunner {
    let process: ProcessService
    let call: Call

    func run(_ argv: [String], environment: [String: String], timeoutMilliseconds: Int)
        throws -> (status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        do {
            let result = try process.run(ProcessRequest(argv, environment: environment, timeoutMilliseconds: timeoutMilliseconds),
                                         call: call, output: .capture)
            return (result.exitStatus, result.stdout, result.stderr)
        } catch let error as PluginError where error.code == .cancelled {
            throw KubeError(.cancelled, "cancelled")
        } catch let error as PluginError {
            throw KubeError(.io, error.message)
        }
    }
}

extension KubeError {
    /// The plugin error for this failure.
    var pluginError: PluginError {
        let code: PluginError.Code = switch kind {
        case .config: .config
        case .unauthorized, .forbidden: .auth
        case .notFound: .notFound
        case .alreadyExists, .conflict: .conflict
        case .invalid: .invalidArgument
        case .cancelled: .cancelled
        case .expired, .server, .io, .decoding: .io
        }
        return PluginError(code, message, retryable: retryable)
    }
}

/// One component's way to its cluster: which kubeconfig/context (component config, else KUBECONFIG,
/// ~/.kube/config, in-cluster), loaded on first use — `create` does no I/O beyond reading its config, and an
/// agent without a cluster can still validate its config — then kept with its exec credential cache.
/// ``client(_:)`` binds it to an operation's call so the host can cancel that operation's requests.
final class KubeConnection: Sendable {
    let host: Host
    let kubeconfig: String?
    let context: String?
    private let loaded = Mutex<KubeClient?>(nil)
    /// Secrets already handed to the host's redaction (each token once).
    private let registered = Mutex<Set<String>>([])

    init(host: Host, kubeconfig: String?, context: String?) {
        self.host = host
        self.kubeconfig = kubeconfig
        self.context = context
    }

    /// The client for this operation.
    func client(_ call: Call) throws -> KubeClient {
        let base: KubeClient = try loaded.withLock { client in
            if let client { return client }
            let config: KubeClusterConfig
            do {
                config = try KubeConfigLoader.load(environment: .process(), path: kubeconfig, context: context)
            } catch let error as KubeError {
                throw error.pluginError
            }
            for secret in config.secrets { register(secret) }
            let made = KubeClient(config: config, transport: UnusedTransport(), userAgent: "launch-agent/\(host.version)")
            client = made
            return made
        }
        let transport = HostTransport(http: try host.http(), call: call, source: base.config.source, connection: self)
        return base.bound(to: transport, commandRunner: HostCommandRunner(process: try host.process(), call: call))
    }

    /// Registers `secret` with the host's redaction once.
    func register(_ secret: String) {
        guard registered.withLock({ $0.insert(secret).inserted }) else { return }
        (try? host.secrets())?.register(secret)
    }
}

/// The transport of the unbound client (every use goes through ``KubeConnection/client(_:)``).
private struct UnusedTransport: KubeTransport {
    func send(_ request: KubeHTTPRequest, onHead: (KubeHTTPHead) throws -> Void,
              onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> KubeHTTPHead {
        throw KubeError(.io, "internal: the Kubernetes client was used without an operation's call")
    }
}
