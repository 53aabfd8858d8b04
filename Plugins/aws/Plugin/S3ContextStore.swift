import AWSCore
import LaunchAgentPluginKit
#if canImport(Glibc)
import Glibc
#endif

/// Context store `s3`: build contexts as `s3://<bucket>/<prefix>/<64 hex>.tar.gz`, keyed by their digest.
///
/// No config keys of its own: the store is `builder.build-context-store` (`s3://bucket/prefix`), the region
/// `environment.region` (environment `aws`), else `AWS_REGION` / `AWS_DEFAULT_REGION`. Credentials come from
/// the SDKs' default chain, the endpoint from `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` (docs/aws.md).
struct S3ContextStore: ContextStore {
    let location: S3Location
    let region: String
    let host: Host
    let environment: AWSEnvironment
    let options: S3Uploader.Options

    init(_ context: ComponentContext) throws {
        try context.config.rejectUnknownKeys()
        let settings = context.settings
        guard let store = settings.buildContextStore else {
            throw PluginError(.config, "no build-context-store is set; set builder.build-context-store to s3://BUCKET/PREFIX",
                              pointer: settings.pointer(to: "build_context_store"))
        }
        do {
            location = try S3Location(uri: store)
        } catch {
            throw PluginError(.config, error.message, pointer: settings.pointer(to: "build_context_store"))
        }
        environment = AWSEnvironment.process()
        if let env = settings.environment, env.type == "aws", let region = env.region {
            guard AWSEnvironmentComponent.isRegionName(region) else {
                throw PluginError(.config, "'\(region)' is not an AWS region name such as us-east-1",
                                  pointer: settings.pointer(to: "environment", "region"))
            }
            self.region = region
        } else if let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] {
            self.region = region
        } else if environment.endpointOverride(serviceID: "S3") != nil {
            region = "us-east-1"   // S3-compatible servers ignore the region; SigV4 needs one.
        } else {
            throw PluginError(.config, "no AWS region for bucket \(location.bucket): add an environment section (type: aws, region: …) or set AWS_REGION",
                              pointer: settings.environment == nil ? settings.pointer(to: "build_context_store") : settings.pointer(to: "environment"))
        }
        host = context.host
        options = S3Uploader.Options()
    }

    /// The S3 client for one call: the credential chain and the host's HTTP service, both bound to `call`.
    func client(_ call: Call) throws -> S3Client {
        let http = try host.http()
        let transport = S3HostTransport(http: http, call: call)
        let secrets = try? host.secrets()
        let runner = (try? host.process()).map { HostCommandRunner(process: $0, call: call) }
        let chain = CredentialChain(environment: environment, region: region, transport: transport.base, runner: runner,
                                    onSecret: { secrets?.register($0) })
        return S3Client(environment: environment, region: region, transport: transport) { () throws(AWSError) in
            try chain.credentials()
        }
    }

    func exists(_ query: ContextQuery, _ call: Call) throws -> StoredContext? {
        let client = try client(call)
        do {
            let key = try location.key(forDigest: query.digest)
            return try client.objectExists(location, key: key) ? StoredContext(uri: location.uri(forKey: key)) : nil
        } catch {
            if call.isCancelled { throw PluginError(.cancelled, "the lookup of \(query.digest) in \(location.uri) was cancelled") }
            throw error.pluginError
        }
    }

    func upload(_ upload: ContextUpload, _ call: Call) throws -> StoredContext {
        // The abort after a cancellation goes out on a call that is never cancelled (bounded by its own timeout).
        try call.withCleanupCall { cleanup in try self.upload(upload, call, cleanup: cleanup) }
    }

    private func upload(_ upload: ContextUpload, _ call: Call, cleanup: Call) throws -> StoredContext {
        let uploader = S3Uploader(client: try client(call), cleanupClient: try client(cleanup), options: options,
                                  isCancelled: { call.isCancelled },
                                  progress: { call.progress($0, $1) },
                                  log: { call.log($0, level: .info) })
        do {
            let (uri, outcome) = try uploader.upload(path: upload.path, size: upload.size, digest: upload.digest, to: location)
            switch outcome {
            case .alreadyStored: call.log("\(uri) is already stored; nothing uploaded", level: .debug)
            case .put: call.log("uploaded \(upload.size) bytes to \(uri)", level: .debug)
            case .multipart(let parts, let resumed):
                call.log("uploaded \(upload.size) bytes to \(uri) in \(parts) parts\(resumed > 0 ? " (\(resumed) resumed)" : "")", level: .debug)
            }
            return StoredContext(uri: uri)
        } catch {
            if call.isCancelled, error.kind != .cancelled {
                throw PluginError(.cancelled, "the upload to \(location.uri) was cancelled (\(error.message))")
            }
            throw error.pluginError
        }
    }
}
