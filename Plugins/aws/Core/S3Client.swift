/// The S3 REST calls a context store needs, signed with SigV4 (S3 rules) and sent through an ``S3Transport``.
///
/// Endpoint: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (path-style: `<endpoint>/<bucket>/<key>`, which
/// every S3-compatible server understands), else AWS itself with virtual-hosted addressing
/// (`https://<bucket>.s3.<region>.amazonaws.com/<key>`; path-style on `s3.<region>.amazonaws.com` for bucket
/// names with dots, which the `*.s3…` TLS certificate does not cover).
///
/// Bodies streamed from a file are signed as `UNSIGNED-PAYLOAD`: hashing every part before sending it would
/// read the file twice with a slow SHA-256 (docs/aws.md, "Context store `s3`").
public struct S3Client: Sendable {
    public let environment: AWSEnvironment
    public let region: String
    let transport: any S3Transport
    let credentials: @Sendable () throws(AWSError) -> AWSCredentials

    public init(environment: AWSEnvironment, region: String, transport: any S3Transport,
                credentials: @escaping @Sendable () throws(AWSError) -> AWSCredentials) {
        self.environment = environment
        self.region = region
        self.transport = transport
        self.credentials = credentials
    }

    /// The credentials requests are signed with (the chain's cache).
    public func resolveCredentials() throws(AWSError) -> AWSCredentials { try credentials() }

    /// The configured endpoint (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`), or nil for AWS.
    public var endpointOverride: String? { environment.endpointOverride(serviceID: "S3") }

    /// The URL of `key` in `bucket` (of the bucket itself when `key` is nil).
    public func url(bucket: String, key: String?, query: [AWSURL.QueryItem] = []) throws(S3Error) -> AWSURL {
        let keyPath = key.map { "/" + AWSURI.encodePath($0) } ?? ""
        if let override = endpointOverride {
            guard var base = AWSURL(override) else {
                throw S3Error(.config, "the S3 endpoint '\(override)' is not an http(s) URL; fix AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL")
            }
            var basePath = Substring(base.path)
            while basePath.hasSuffix("/") { basePath = basePath.dropLast() }
            base.path = "\(basePath)/\(bucket)\(keyPath.isEmpty ? "" : keyPath)"
            base.query = query
            return base
        }
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        if bucket.contains(".") {
            return AWSURL(scheme: "https", host: "s3.\(region).\(domain)", path: "/\(bucket)\(keyPath)", query: query)
        }
        return AWSURL(scheme: "https", host: "\(bucket).s3.\(region).\(domain)", path: keyPath.isEmpty ? "/" : keyPath, query: query)
    }

    /// What one request is for, for messages: `"UploadPart 3"`, the object, and the IAM action it needs.
    public struct Operation: Sendable {
        public var name: String
        public var location: S3Location
        public var key: String?
        public var permission: String

        public init(_ name: String, _ location: S3Location, key: String?, permission: String) {
            self.name = name
            self.location = location
            self.key = key
            self.permission = permission
        }

        var target: String { key.map { "s3://\(location.bucket)/\($0)" } ?? "bucket \(location.bucket)" }
        var resource: String {
            key == nil || permission == "s3:ListBucket" || permission == "s3:ListBucketMultipartUploads" ? location.bucketARN : location.objectsARN
        }
    }

    /// Signs and sends one request; returns any response (whatever its status). A transport failure is
    /// `.io` (retryable as the transport said).
    public func send(_ op: Operation, method: String, query: [AWSURL.QueryItem] = [], headers: [(name: String, value: String)] = [],
                     body: [UInt8] = [], file: S3FileSlice? = nil, timeoutMilliseconds: Int? = 60_000) throws(S3Error) -> AWSResponse {
        var request = AWSRequest(method: method, url: try url(bucket: op.location.bucket, key: op.key, query: query), headers: headers, body: body)
        let creds: AWSCredentials
        do { creds = try credentials() } catch { throw S3Error(error, context: "") }
        SigV4Signer(service: "s3", region: region).sign(&request, credentials: creds, payload: file == nil ? .sha256 : .unsigned)
        do {
            if let file { return try transport.send(request, file: file, timeoutMilliseconds: timeoutMilliseconds) }
            return try transport.send(request, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            throw S3Error(.io, "\(op.name) of \(op.target) at \(request.url.hostHeader) failed: \(error.message)", retryable: error.retryable)
        }
    }

    /// ``send`` that throws ``failure(_:_:)`` unless the status is 2xx.
    public func call(_ op: Operation, method: String, query: [AWSURL.QueryItem] = [], headers: [(name: String, value: String)] = [],
                     body: [UInt8] = [], file: S3FileSlice? = nil, timeoutMilliseconds: Int? = 60_000) throws(S3Error) -> AWSResponse {
        let response = try send(op, method: method, query: query, headers: headers, body: body, file: file, timeoutMilliseconds: timeoutMilliseconds)
        guard (200..<300).contains(response.status) else { throw failure(response, op) }
        // CompleteMultipartUpload (and CopyObject) may answer 200 and then report an error in the body.
        if method == "POST", let code = S3XML.first("Code", in: response.text[...]), response.text.contains("<Error>") {
            throw failure(AWSResponse(status: 500, headers: response.headers, body: response.body), op, code: code)
        }
        return response
    }

    /// The error for a non-2xx answer: S3's XML `Code`/`Message` (HEAD answers have no body, so the status
    /// stands in), with what to do.
    public func failure(_ response: AWSResponse, _ op: Operation, code known: String? = nil) -> S3Error {
        let text = response.text[...]
        let code = known ?? S3XML.first("Code", in: text) ?? Self.codeForBodylessStatus(response.status)
        let detail = S3XML.first("Message", in: text).map { ": \($0)" } ?? ""
        let seen = "S3 answered \(op.name) of \(op.target) with \(response.status) \(code)\(detail)"
        let status = response.status
        switch code {
        case "NoSuchBucket":
            return S3Error(.notFound, "bucket '\(op.location.bucket)' does not exist (\(seen)); create bucket \(op.location.bucket) or fix build-context-store",
                           awsCode: code, status: status)
        case "SignatureDoesNotMatch":
            return S3Error(.auth, "\(seen); the secret access key does not belong to the access key ID: fix the AWS credentials",
                           awsCode: code, status: status)
        case "InvalidAccessKeyId", "InvalidToken":
            return S3Error(.auth, "\(seen); the access key is unknown to AWS (deleted, or from another account or partition): use valid AWS credentials",
                           awsCode: code, status: status)
        case "ExpiredToken", "TokenRefreshRequired":
            return S3Error(.auth, "\(seen); the session token has expired: refresh the AWS credentials", awsCode: code, status: status)
        case "AccessDenied", "Forbidden", "AllAccessDisabled":
            var fix = "grant \(op.permission) on \(op.resource)"
            if op.permission == "s3:GetObject" {
                fix += " and s3:ListBucket on \(op.location.bucketARN) (without s3:ListBucket S3 answers 403, not 404, for an object that does not exist)"
            }
            return S3Error(.auth, "\(seen); \(fix)", awsCode: code, status: status)
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "Moved":
            let bucketRegion = response.header("x-amz-bucket-region") ?? S3XML.first("Region", in: text)
            let fix = bucketRegion.map { "the bucket is in \($0), not \(region): set environment.region (or AWS_REGION) to \($0)" }
                ?? "the bucket is not in \(region): set environment.region (or AWS_REGION) to the bucket's region"
            return S3Error(.config, "\(seen); \(fix)", awsCode: code, status: status)
        case "BadDigest", "XAmzContentChecksumMismatch", "InvalidDigest":
            return S3Error(.io, "\(seen); the bytes S3 received do not match the context's digest: the file changed during the upload or was damaged on the way",
                           awsCode: code, status: status, retryable: true)
        case "NoSuchUpload":
            return S3Error(.io, "\(seen); the multipart upload was aborted meanwhile (by another agent or a lifecycle rule): upload again",
                           awsCode: code, status: status, retryable: true)
        default:
            let retryable = status >= 500 || status == 429
                || ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException",
                    "RequestTimeTooSkewed", "OperationAborted"].contains(code)
            return S3Error(.io, retryable ? "\(seen); S3 may succeed when asked again" : seen, awsCode: code, status: status,
                           retryable: retryable)
        }
    }

    /// What a body-less (HEAD) answer means: S3 sends its error code only in a body.
    static func codeForBodylessStatus(_ status: Int) -> String {
        switch status {
        case 301: return "PermanentRedirect"
        case 400: return "BadRequest"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 503: return "SlowDown"
        default: return status >= 500 ? "InternalError" : "HTTP\(status)"
        }
    }
}
