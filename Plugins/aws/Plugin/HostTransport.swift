import AWSCore
import LaunchAgentPluginKit

/// AWSCore's network through the host's HTTP service (libcurl: proxies, SSL_CERT_FILE, cancellation).
struct HostTransport: AWSTransport {
    let http: HTTPService
    let call: Call

    func send(_ request: AWSRequest, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse {
        let hostRequest = HTTPRequest(method: request.method, url: request.url.string, headers: request.headers,
                                      body: request.body, timeoutMilliseconds: timeoutMilliseconds)
        do {
            let response = try http.send(hostRequest, call: call)
            return AWSResponse(status: response.status, headers: response.headers, body: response.body)
        } catch let error as PluginError {
            if error.code == .cancelled { throw AWSError(.io, "cancelled") }
            throw AWSError(.io, error.message, retryable: error.retryable)
        } catch {
            throw AWSError(.io, "\(error)")
        }
    }
}

/// `credential_process` through the host's process service.
struct HostCommandRunner: AWSCommandRunner {
    let process: ProcessService
    let call: Call

    func run(shellCommand command: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try process.run(ProcessRequest(["/bin/sh", "-c", command], timeoutMilliseconds: 60_000), call: call, output: .capture)
        return (result.exitStatus, result.stdoutText, result.stderrText)
    }
}

extension AWSError {
    /// The plugin error for this failure (secrets are redacted by the host).
    var pluginError: PluginError {
        let code: PluginError.Code = switch kind {
        case .auth: .auth
        case .config: .config
        case .io: .io
        }
        return PluginError(code, message, retryable: retryable)
    }
}
