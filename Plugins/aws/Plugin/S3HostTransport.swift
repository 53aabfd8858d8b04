import AWSCore
import LaunchAgentPluginKit

/// S3's transport through the host's HTTP service: ``HostTransport`` plus bodies sent from a file slice
/// (`body_file`), so a part never sits in the plugin's memory.
struct S3HostTransport: S3Transport {
    let base: HostTransport

    init(http: HTTPService, call: Call) { base = HostTransport(http: http, call: call) }

    func send(_ request: AWSRequest, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse {
        try base.send(request, timeoutMilliseconds: timeoutMilliseconds)
    }

    func send(_ request: AWSRequest, file: S3FileSlice, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse {
        let hostRequest = HTTPRequest(method: request.method, url: request.url.string, headers: request.headers,
                                      bodyFile: .init(path: file.path, offset: file.offset, length: file.length),
                                      timeoutMilliseconds: timeoutMilliseconds)
        do {
            let response = try base.http.send(hostRequest, call: base.call)
            return AWSResponse(status: response.status, headers: response.headers, body: response.body)
        } catch let error as PluginError {
            throw AWSError(.io, error.message, retryable: error.retryable)
        } catch {
            throw AWSError(.io, "\(error)")
        }
    }
}

extension S3Error {
    /// The plugin error for this failure.
    var pluginError: PluginError {
        let code: PluginError.Code = switch kind {
        case .auth: .auth
        case .notFound: .notFound
        case .io: .io
        case .cancelled: .cancelled
        case .config: .config
        case .invalidArgument: .invalidArgument
        }
        return PluginError(code, message, retryable: retryable)
    }
}
