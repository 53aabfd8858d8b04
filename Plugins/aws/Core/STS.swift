/// Who the credentials belong to (STS GetCallerIdentity).
public struct CallerIdentity: Sendable, Equatable {
    public var account: String
    public var arn: String
    public var userID: String
}

/// The STS calls the credential chain and `verify` need, over the query protocol (form POST, XML answer).
///
/// Endpoint: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else `https://sts.<region>.amazonaws.com`
/// (`sts.<region>.amazonaws.com.cn` in China regions).
public struct STSClient: Sendable {
    public let environment: AWSEnvironment
    public let region: String
    let transport: any AWSTransport

    public init(environment: AWSEnvironment, region: String, transport: any AWSTransport) {
        self.environment = environment
        self.region = region
        self.transport = transport
    }

    public var endpoint: String {
        if let override = environment.endpointOverride(serviceID: "STS") { return override }
        return "https://sts.\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : "")
    }

    public func getCallerIdentity(credentials: AWSCredentials) throws(AWSError) -> CallerIdentity {
        let xml = try call("GetCallerIdentity", [], credentials: credentials)
        guard let account = XMLText.first("Account", in: xml), let arn = XMLText.first("Arn", in: xml) else {
            throw AWSError(.io, "STS GetCallerIdentity at \(endpoint) answered without Account/Arn")
        }
        return CallerIdentity(account: account, arn: arn, userID: XMLText.first("UserId", in: xml) ?? "")
    }

    public func assumeRole(roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil,
                           credentials: AWSCredentials) throws(AWSError) -> AWSCredentials {
        var params = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let externalID { params.append(("ExternalId", externalID)) }
        if let durationSeconds { params.append(("DurationSeconds", String(durationSeconds))) }
        let xml = try call("AssumeRole", params, credentials: credentials)
        return try Self.credentials(in: xml, action: "AssumeRole", role: roleARN)
    }

    /// Unsigned, as the SDKs send it: the web identity token is the proof.
    public func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, webIdentityToken: String) throws(AWSError) -> AWSCredentials {
        let xml = try call("AssumeRoleWithWebIdentity",
                           [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", webIdentityToken)],
                           credentials: nil)
        return try Self.credentials(in: xml, action: "AssumeRoleWithWebIdentity", role: roleARN)
    }

    static func credentials(in xml: String, action: String, role: String) throws(AWSError) -> AWSCredentials {
        guard let id = XMLText.first("AccessKeyId", in: xml), let secret = XMLText.first("SecretAccessKey", in: xml) else {
            throw AWSError(.auth, "STS \(action) for \(role) answered without credentials")
        }
        let expiration = XMLText.first("Expiration", in: xml).flatMap { CivilTime.parseISO8601($0) }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: XMLText.first("SessionToken", in: xml),
                              expiration: expiration, source: "STS \(action)")
    }

    /// Sends one action; returns the XML body of a 2xx answer, else throws with the service's code and message.
    func call(_ action: String, _ params: [(String, String)], credentials: AWSCredentials?) throws(AWSError) -> String {
        guard let url = AWSURL(endpoint.hasSuffix("/") || endpoint.contains("?") ? endpoint : endpoint + "/") else {
            throw AWSError(.config, "the STS endpoint '\(endpoint)' is not an http(s) URL (check AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL)")
        }
        let body = AWSURI.queryString([("Action", action), ("Version", "2011-06-15")] + params)
        var request = AWSRequest(method: "POST", url: url,
                                 headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                                 body: Array(body.utf8))
        if let credentials {
            SigV4Signer(service: "sts", region: region).sign(&request, credentials: credentials)
        } else {
            request.headers.insert(("Host", url.hostHeader), at: 0)
        }
        let response: AWSResponse
        do { response = try transport.send(request, timeoutMilliseconds: 30_000) } catch {
            throw AWSError(.io, "STS \(action) at \(url.string): \(error.message)", retryable: error.retryable)
        }
        let text = response.text
        guard (200..<300).contains(response.status) else {
            let code = XMLText.first("Code", in: text)
            let message = XMLText.first("Message", in: text) ?? String(text.prefix(300))
            let kind: AWSError.Kind = response.status >= 500 ? .io : .auth
            throw AWSError(kind, "STS \(action) at \(url.string) refused (\(response.status)\(code.map { " " + $0 } ?? "")): \(message)",
                           awsCode: code, retryable: response.status >= 500 || code == "Throttling")
        }
        return text
    }
}
