/// A registry login from ECR GetAuthorizationToken: what `docker login` takes.
public struct ECRAuthorization: Sendable, Equatable {
    /// Always `AWS` for ECR.
    public var username: String
    /// The token; a secret.
    public var password: String
    /// Seconds since the epoch (ECR tokens live 12 hours); nil when ECR sent none.
    public var expiresAt: Int64?
    /// `https://<account>.dkr.ecr.<region>.amazonaws.com`, as ECR sent it.
    public var proxyEndpoint: String?
}

/// A repository as DescribeRepositories reports it.
public struct ECRRepository: Sendable, Equatable {
    public var name: String
    public var arn: String
    public var uri: String
    public var registryID: String
}

/// The ECR API calls the registry component needs, over the AWS JSON 1.1 protocol: `POST /` with
/// `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Action>` and a JSON body, signed with SigV4 for
/// service `ecr`; errors come back as `{"__type": "...Exception", "message": "..."}`.
///
/// Endpoint: `AWS_ENDPOINT_URL_ECR`, else `AWS_ENDPOINT_URL`, else `https://api.ecr.<region>.amazonaws.com`
/// (`.amazonaws.com.cn` in China regions, `https://ecr-fips.<region>.amazonaws.com` for a FIPS registry).
public struct ECRClient: Sendable {
    public let environment: AWSEnvironment
    public let region: String
    public let fips: Bool
    let transport: any AWSTransport
    let now: @Sendable () -> Int64

    public init(environment: AWSEnvironment, region: String, fips: Bool = false, transport: any AWSTransport,
                now: @escaping @Sendable () -> Int64 = { Clock.nowSeconds() }) {
        self.environment = environment
        self.region = region
        self.fips = fips
        self.transport = transport
        self.now = now
    }

    static let targetPrefix = "AmazonEC2ContainerRegistry_V20150921."
    /// ``AWSError/awsCode`` of the refusal made here, before sending, for credentials already past their
    /// expiry (not a code AWS sends): its message already says what to do.
    public static let expiredCredentialsCode = "LocallyExpiredCredentials"

    public var endpoint: String {
        if let override = environment.endpointOverride(serviceID: "ECR") { return override }
        if fips { return "https://ecr-fips.\(region).amazonaws.com" }
        return "https://api.ecr.\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : "")
    }

    /// GetAuthorizationToken without `registryIds` (deprecated: the token works for every registry the
    /// identity may use). The decoded `user:password` is split at the first `:`.
    public func getAuthorizationToken(credentials: AWSCredentials) throws(AWSError) -> ECRAuthorization {
        let answer = try call("GetAuthorizationToken", .object([]), credentials: credentials)
        guard let data = answer["authorizationData"]?[0], let token = data["authorizationToken"]?.stringValue else {
            throw AWSError(.io, "ECR GetAuthorizationToken at \(endpoint) answered without authorizationData")
        }
        guard let decoded = Self.base64Decode(token), let text = String(validating: decoded, as: UTF8.self),
              let colon = text.firstIndex(of: ":") else {
            throw AWSError(.io, "ECR GetAuthorizationToken at \(endpoint) answered with a token that is not base64 of user:password")
        }
        // Seconds with a fraction; anything not a plausible time (NaN, 1e300) is treated as unknown rather
        // than converted (Int64(Double) traps out of range).
        let expires = data["expiresAt"]?.numberValue.flatMap { $0.isFinite && abs($0) < 1e15 ? Int64($0.rounded(.down)) : nil }
        return ECRAuthorization(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]),
                                expiresAt: expires, proxyEndpoint: data["proxyEndpoint"]?.stringValue)
    }

    /// DescribeRepositories for one repository of `registryID` (the account in the destination).
    public func describeRepository(name: String, registryID: String, credentials: AWSCredentials) throws(AWSError) -> ECRRepository {
        let answer = try call("DescribeRepositories",
                              .object([("registryId", .string(registryID)), ("repositoryNames", .array([.string(name)]))]),
                              credentials: credentials)
        guard let repo = answer["repositories"]?[0], let arn = repo["repositoryArn"]?.stringValue else {
            throw AWSError(.io, "ECR DescribeRepositories at \(endpoint) answered without the repository \(name)")
        }
        return ECRRepository(name: repo["repositoryName"]?.stringValue ?? name, arn: arn,
                             uri: repo["repositoryUri"]?.stringValue ?? "", registryID: repo["registryId"]?.stringValue ?? registryID)
    }

    /// Sends one action; returns the JSON answer of a 2xx, else throws with ECR's error type and message.
    /// Credentials already past their expiry are refused before anything is sent, as the SDKs do.
    public func call(_ action: String, _ body: AWSJSON, credentials: AWSCredentials) throws(AWSError) -> AWSJSON {
        if let expiration = credentials.expiration, expiration <= now() {
            throw AWSError(.auth, "the AWS credentials from \(credentials.source) expired at \(AWSTime.rfc3339(expiration)): "
                           + "refresh them (aws sso login, a new session token, or fix the credential source)",
                           awsCode: ECRClient.expiredCredentialsCode)
        }
        guard let url = AWSURL(endpoint.hasSuffix("/") || endpoint.contains("?") ? endpoint : endpoint + "/") else {
            throw AWSError(.config, "the ECR endpoint '\(endpoint)' is not an http(s) URL (check AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL)")
        }
        var request = AWSRequest(method: "POST", url: url,
                                 headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", Self.targetPrefix + action)],
                                 body: Array(body.description.utf8))
        SigV4Signer(service: "ecr", region: region).sign(&request, credentials: credentials)
        let response: AWSResponse
        do { response = try transport.send(request, timeoutMilliseconds: 30_000) } catch {
            throw AWSError(.io, "ECR \(action) at \(url.string): \(error.message)", retryable: error.retryable)
        }
        let parsed = AWSJSON.parse(response.text)
        guard (200..<300).contains(response.status) else {
            throw Self.error(action: action, url: url.string, status: response.status, body: parsed, raw: response.text,
                             headerType: response.header("x-amzn-ErrorType"))
        }
        guard let parsed else {
            throw AWSError(.io, "ECR \(action) at \(url.string) answered \(response.status) with a body that is not JSON")
        }
        return parsed
    }

    /// The error for a non-2xx answer. `__type` may carry a namespace (`com.amazonaws.ecr#RepositoryNotFoundException`).
    /// An XML error body (`<Error><Code>…</Code><Message>…</Message>`, as moto and some front ends answer
    /// authentication failures) is read too.
    static func error(action: String, url: String, status: Int, body: AWSJSON?, raw: String, headerType: String?) -> AWSError {
        var code = body?["__type"]?.stringValue ?? headerType ?? XMLText.first("Code", in: raw)
        if let c = code, let hash = c.lastIndex(of: "#") { code = String(c[c.index(after: hash)...]) }
        if let c = code, let colon = c.firstIndex(of: ":") { code = String(c[..<colon]) }
        let message = body?["message"]?.stringValue ?? body?["Message"]?.stringValue ?? XMLText.first("Message", in: raw)
            ?? String(raw.prefix(300))
        let kind: AWSError.Kind
        switch code ?? "" {
        case "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch", "AccessDeniedException",
             "AccessDenied", "ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId", "MissingAuthenticationTokenException":
            kind = .auth
        case "InvalidParameterException", "RepositoryNotFoundException", "RegistryNotFoundException":
            kind = .config
        default:
            kind = status == 401 || status == 403 ? .auth : (status >= 500 ? .io : .config)
        }
        let retryable = status >= 500 || code == "ThrottlingException" || code == "TooManyRequestsException"
        return AWSError(retryable ? .io : kind, "ECR \(action) at \(url) refused (\(status)\(code.map { " " + $0 } ?? "")): \(message)",
                        awsCode: code, retryable: retryable)
    }

    /// Standard base64 (padding optional); nil for anything else.
    static func base64Decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = (buffer << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }
}

/// Times as RFC 3339 strings.
public enum AWSTime {
    /// `2026-11-30T09:14:07Z`
    public static func rfc3339(_ epochSeconds: Int64) -> String {
        let t = CivilTime(epochSeconds: epochSeconds)
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))Z"
    }
}
