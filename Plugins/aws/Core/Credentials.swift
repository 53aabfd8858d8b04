import Synchronization

/// A set of AWS credentials and where they came from.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Seconds since the epoch; nil for long-term keys.
    public var expiration: Int64?
    /// Where they came from, for messages: "environment variables", "profile dev (role arn:…)".
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Int64? = nil,
                source: String = "static") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// Never prints the secret or the token.
    public var description: String { "AWSCredentials(\(accessKeyID) from \(source))" }
}

/// The default credential chain, in the SDKs' order:
///
/// 1. environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`
/// 2. the profile (`AWS_PROFILE`, else `default`) from `AWS_SHARED_CREDENTIALS_FILE` (`~/.aws/credentials`)
///    and `AWS_CONFIG_FILE` (`~/.aws/config`): `role_arn` with `source_profile` / `credential_source` /
///    `web_identity_token_file` (STS AssumeRole / AssumeRoleWithWebIdentity), static keys,
///    `credential_process`
/// 3. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`)
/// 4. container: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (at http://169.254.170.2) or
///    `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`
/// 5. EC2 instance metadata, IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, `AWS_EC2_METADATA_DISABLED`)
///
/// The first source that is *configured* decides: a configured source that fails is an error (it does
/// not fall through to the next), as in the SDKs. With none configured the error lists every place
/// looked. Temporary credentials are cached and refreshed 5 minutes before they expire.
public final class CredentialChain: Sendable {
    public let environment: AWSEnvironment
    public let region: String
    let transport: any AWSTransport
    let runner: (any AWSCommandRunner)?
    let onSecret: @Sendable (String) -> Void
    let now: @Sendable () -> Int64
    private let cache = Mutex<AWSCredentials?>(nil)

    /// Credentials expiring within this many seconds are refreshed.
    public static let refreshMargin: Int64 = 300

    public init(environment: AWSEnvironment, region: String, transport: any AWSTransport,
                runner: (any AWSCommandRunner)? = nil, onSecret: @escaping @Sendable (String) -> Void = { _ in },
                now: @escaping @Sendable () -> Int64 = { Clock.nowSeconds() }) {
        self.environment = environment
        self.region = region
        self.transport = transport
        self.runner = runner
        self.onSecret = onSecret
        self.now = now
    }

    /// The cached credentials, or fresh ones when there are none or they expire within 5 minutes.
    public func credentials() throws(AWSError) -> AWSCredentials {
        if let cached = cache.withLock({ $0 }), !needsRefresh(cached) { return cached }
        let fresh = try resolve()
        onSecret(fresh.secretAccessKey)
        if let token = fresh.sessionToken { onSecret(token) }
        cache.withLock { $0 = fresh }
        return fresh
    }

    /// Drops the cache (after the service refused the credentials, say).
    public func invalidate() { cache.withLock { $0 = nil } }

    func needsRefresh(_ c: AWSCredentials) -> Bool {
        guard let exp = c.expiration else { return false }
        return exp - now() <= Self.refreshMargin
    }

    // MARK: the chain

    var profileName: String { environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"] ?? "default" }
    var credentialsFilePath: String { environment.expand(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials") }
    var configFilePath: String { environment.expand(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config") }

    /// Walks the chain once, without the cache.
    public func resolve() throws(AWSError) -> AWSCredentials {
        var looked: [String] = []
        if let c = try fromEnvironment(&looked) { return c }
        if let c = try fromProfile(&looked) { return c }
        if let c = try fromWebIdentityEnvironment(&looked) { return c }
        if let c = try fromContainer(&looked) { return c }
        if let c = try fromIMDS(&looked) { return c }
        throw AWSError(.auth, "no AWS credentials found; looked in:\n" + looked.map { "  - " + $0 }.joined(separator: "\n"))
    }

    func fromEnvironment(_ looked: inout [String]) throws(AWSError) -> AWSCredentials? {
        let id = environment["AWS_ACCESS_KEY_ID"], secret = environment["AWS_SECRET_ACCESS_KEY"]
        switch (id, secret) {
        case let (id?, secret?):
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"],
                                  source: "environment variables")
        case (_?, nil):
            throw AWSError(.config, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither")
        case (nil, _?):
            throw AWSError(.config, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both or neither")
        case (nil, nil):
            looked.append("environment variables: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
            return nil
        }
    }

    struct Profiles {
        let credentials: SharedConfigFile
        let config: SharedConfigFile
        /// Credentials-file keys win over config-file keys of the same profile.
        func merged(_ name: String) -> [String: String]? {
            let a = config.profiles[name], b = credentials.profiles[name]
            guard a != nil || b != nil else { return nil }
            return (a ?? [:]).merging(b ?? [:]) { _, fromCredentials in fromCredentials }
        }
    }

    func loadProfiles() -> Profiles {
        Profiles(credentials: SharedConfigFile(path: credentialsFilePath, isConfigFile: false),
                 config: SharedConfigFile(path: configFilePath, isConfigFile: true))
    }

    func fromProfile(_ looked: inout [String]) throws(AWSError) -> AWSCredentials? {
        let files = loadProfiles()
        let name = profileName
        let explicit = environment["AWS_PROFILE"] != nil || environment["AWS_DEFAULT_PROFILE"] != nil
        guard files.merged(name) != nil else {
            let where_ = "\(files.credentials.path) (\(files.credentials.exists ? "no [\(name)]" : "not found")), \(files.config.path) (\(files.config.exists ? "no [\(name == "default" ? "default" : "profile " + name)]" : "not found"))"
            if explicit {
                throw AWSError(.config, "AWS_PROFILE is '\(name)' but no such profile exists in \(where_)")
            }
            looked.append("profile '\(name)': \(where_)")
            return nil
        }
        if let c = try credentialsForProfile(name, files: files, visited: []) { return c }
        looked.append("profile '\(name)' in \(files.credentials.path) / \(files.config.path): no aws_access_key_id, role_arn or credential_process")
        return nil
    }

    /// Credentials for one profile, following `source_profile` chains.
    func credentialsForProfile(_ name: String, files: Profiles, visited: [String]) throws(AWSError) -> AWSCredentials? {
        guard let p = files.merged(name) else {
            throw AWSError(.config, "profile '\(name)' (source_profile of '\(visited.last ?? name)') does not exist in \(files.credentials.path) or \(files.config.path)")
        }
        if let roleARN = p["role_arn"] {
            if let tokenFile = p["web_identity_token_file"] {
                return try assumeRoleWithWebIdentity(roleARN: roleARN, tokenFile: environment.expand(tokenFile),
                                                     sessionName: p["role_session_name"], source: "profile '\(name)' (web identity)")
            }
            let source: AWSCredentials
            if let sourceProfile = p["source_profile"] {
                if visited.contains(sourceProfile) && sourceProfile != name {
                    throw AWSError(.config, "profile '\(name)': source_profile loop (\((visited + [name, sourceProfile]).joined(separator: " → ")))")
                }
                let next: AWSCredentials?
                if sourceProfile == name {
                    // A profile may name itself: its own static keys are the source.
                    next = staticKeys(p, profile: name)
                } else {
                    next = try credentialsForProfile(sourceProfile, files: files, visited: visited + [name])
                }
                guard let next else {
                    throw AWSError(.config, "profile '\(name)': source_profile '\(sourceProfile)' has no credentials (aws_access_key_id/aws_secret_access_key, role_arn or credential_process)")
                }
                source = next
            } else if let credentialSource = p["credential_source"] {
                var ignored: [String] = []
                let found: AWSCredentials?
                switch credentialSource {
                case "Environment": found = try fromEnvironment(&ignored)
                case "EcsContainer": found = try fromContainer(&ignored)
                case "Ec2InstanceMetadata": found = try fromIMDS(&ignored)
                default:
                    throw AWSError(.config, "profile '\(name)': credential_source '\(credentialSource)' is not one of Environment, EcsContainer, Ec2InstanceMetadata")
                }
                guard let found else { throw AWSError(.auth, "profile '\(name)': credential_source \(credentialSource) has no credentials: \(ignored.joined(separator: "; "))") }
                source = found
            } else {
                throw AWSError(.config, "profile '\(name)' has role_arn but neither source_profile, credential_source nor web_identity_token_file")
            }
            return try assumeRole(roleARN: roleARN, sessionName: p["role_session_name"], externalID: p["external_id"],
                                  durationSeconds: p["duration_seconds"].flatMap { Int($0) }, with: source,
                                  region: p["region"] ?? region, profile: name)
        }
        if let c = staticKeys(p, profile: name) { return c }
        if let command = p["credential_process"] { return try credentialProcess(command, profile: name) }
        return nil
    }

    func staticKeys(_ p: [String: String], profile: String) -> AWSCredentials? {
        guard let id = p["aws_access_key_id"], !id.isEmpty, let secret = p["aws_secret_access_key"], !secret.isEmpty else { return nil }
        let token = p["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token, source: "profile '\(profile)' (shared credentials)")
    }

    func credentialProcess(_ command: String, profile: String) throws(AWSError) -> AWSCredentials {
        guard let runner else { throw AWSError(.config, "profile '\(profile)': credential_process needs the host's process service") }
        let result: (status: Int32, stdout: String, stderr: String)
        do { result = try runner.run(shellCommand: command) } catch {
            throw AWSError(.auth, "profile '\(profile)': credential_process could not start: \(error)")
        }
        guard result.status == 0 else {
            let why = result.stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            throw AWSError(.auth, "profile '\(profile)': credential_process exited with status \(result.status)\(why.isEmpty ? "" : ": " + why)")
        }
        let doc = try JSONObject.parse(result.stdout, what: "profile '\(profile)': credential_process output")
        guard doc["Version"] == "1" else {
            throw AWSError(.auth, "profile '\(profile)': credential_process output must have \"Version\": 1")
        }
        return try credentialsFromJSON(doc, what: "profile '\(profile)': credential_process output", source: "profile '\(profile)' (credential_process)")
    }

    func credentialsFromJSON(_ doc: [String: String], what: String, source: String) throws(AWSError) -> AWSCredentials {
        guard let id = doc["AccessKeyId"], let secret = doc["SecretAccessKey"] else {
            throw AWSError(.auth, "\(what) has no AccessKeyId/SecretAccessKey")
        }
        var expiration: Int64?
        if let e = doc["Expiration"] {
            guard let parsed = CivilTime.parseISO8601(e) else { throw AWSError(.auth, "\(what): Expiration '\(e)' is not an ISO 8601 time") }
            expiration = parsed
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: doc["Token"] ?? doc["SessionToken"],
                              expiration: expiration, source: source)
    }

    func fromWebIdentityEnvironment(_ looked: inout [String]) throws(AWSError) -> AWSCredentials? {
        guard let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], let role = environment["AWS_ROLE_ARN"] else {
            looked.append("web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set")
            return nil
        }
        return try assumeRoleWithWebIdentity(roleARN: role, tokenFile: tokenFile, sessionName: environment["AWS_ROLE_SESSION_NAME"],
                                             source: "web identity (\(tokenFile))")
    }

    func fromContainer(_ looked: inout [String]) throws(AWSError) -> AWSCredentials? {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            url = "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] {
            url = full
        } else {
            looked.append("container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set")
            return nil
        }
        guard let parsed = AWSURL(url) else { throw AWSError(.config, "container credentials URI '\(url)' is not an http(s) URL") }
        if environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != nil, environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] == nil,
           parsed.scheme == "http", !Self.isAllowedContainerHost(parsed.host) {
            throw AWSError(.config, "AWS_CONTAINER_CREDENTIALS_FULL_URI '\(url)' uses plain http to \(parsed.host); only loopback, 169.254.170.2 and 169.254.170.23 (EKS Pod Identity) may be reached without TLS")
        }
        var request = AWSRequest(method: "GET", url: parsed, headers: [("Accept", "application/json")])
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            guard let bytes = readFile(file) else { throw AWSError(.config, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '\(file)' cannot be read") }
            let token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
            onSecret(token)
            request.headers.append(("Authorization", token))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            onSecret(token)
            request.headers.append(("Authorization", token))
        }
        let response = try send(request, timeoutMilliseconds: 2000, what: "container credentials endpoint \(parsed.string)", attempts: 2)
        guard response.status == 200 else {
            throw AWSError(.auth, "container credentials endpoint \(parsed.string) answered \(response.status): \(response.text.prefix(200))",
                           retryable: response.status >= 500)
        }
        let doc = try JSONObject.parse(response.text, what: "container credentials from \(parsed.string)")
        return try credentialsFromJSON(doc, what: "container credentials from \(parsed.string)", source: "container credentials (\(parsed.string))")
    }

    static func isAllowedContainerHost(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "[::1]" || host == "::1" || host == "169.254.170.2" || host == "169.254.170.23"
            || host == "[fd00:ec2::23]"
    }

    func fromIMDS(_ looked: inout [String]) throws(AWSError) -> AWSCredentials? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" {
            looked.append("EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED")
            return nil
        }
        var base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
            ?? (environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254")
        while base.hasSuffix("/") { base.removeLast() }
        guard let tokenURL = AWSURL(base + "/latest/api/token") else {
            throw AWSError(.config, "AWS_EC2_METADATA_SERVICE_ENDPOINT '\(base)' is not an http(s) URL")
        }
        // IMDSv2: a session token first. No answer at all means "not on EC2": look elsewhere.
        let tokenResponse: AWSResponse
        do {
            tokenResponse = try transport.send(AWSRequest(method: "PUT", url: tokenURL, headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]),
                                               timeoutMilliseconds: 1000)
        } catch {
            looked.append("EC2 instance metadata at \(base): no answer (\(error.message))")
            return nil
        }
        guard tokenResponse.status == 200 else {
            looked.append("EC2 instance metadata at \(base): token request answered \(tokenResponse.status)")
            return nil
        }
        let token = tokenResponse.text.trimmingWhitespace()
        onSecret(token)
        let headers = [(name: "X-aws-ec2-metadata-token", value: token)]
        let rolePath = base + "/latest/meta-data/iam/security-credentials/"
        let roles = try send(AWSRequest(method: "GET", url: AWSURL(rolePath)!, headers: headers), timeoutMilliseconds: 1000,
                             what: "EC2 instance metadata \(rolePath)", attempts: 2)
        guard roles.status == 200, let role = roles.text.split(whereSeparator: \.isNewline).first.map({ String($0).trimmingWhitespace() }), !role.isEmpty else {
            looked.append("EC2 instance metadata at \(base): no instance profile role (\(roles.status))")
            return nil
        }
        let credentialsURL = rolePath + AWSURI.encode(role)
        let response = try send(AWSRequest(method: "GET", url: AWSURL(credentialsURL)!, headers: headers), timeoutMilliseconds: 1000,
                                what: "EC2 instance metadata \(credentialsURL)", attempts: 2)
        guard response.status == 200 else {
            throw AWSError(.auth, "EC2 instance metadata \(credentialsURL) answered \(response.status)", retryable: response.status >= 500)
        }
        let doc = try JSONObject.parse(response.text, what: "EC2 instance metadata credentials for role \(role)")
        if let code = doc["Code"], code != "Success" {
            throw AWSError(.auth, "EC2 instance metadata credentials for role \(role): \(code) \(doc["Message"] ?? "")")
        }
        return try credentialsFromJSON(doc, what: "EC2 instance metadata credentials for role \(role)",
                                       source: "EC2 instance metadata (role \(role))")
    }

    func send(_ request: AWSRequest, timeoutMilliseconds: Int?, what: String, attempts: Int) throws(AWSError) -> AWSResponse {
        var last = AWSError(.io, "\(what): no attempt")
        for _ in 0..<max(1, attempts) {
            do { return try transport.send(request, timeoutMilliseconds: timeoutMilliseconds) } catch {
                last = AWSError(.io, "\(what): \(error.message)", retryable: true)
            }
        }
        throw last
    }

    // MARK: STS

    func sts(region: String) -> STSClient { STSClient(environment: environment, region: region, transport: transport) }

    func assumeRole(roleARN: String, sessionName: String?, externalID: String?, durationSeconds: Int?,
                    with source: AWSCredentials, region: String, profile: String) throws(AWSError) -> AWSCredentials {
        onSecret(source.secretAccessKey)
        if let token = source.sessionToken { onSecret(token) }
        var c = try sts(region: region).assumeRole(roleARN: roleARN, sessionName: sessionName ?? "launch-agent-\(now())",
                                                   externalID: externalID, durationSeconds: durationSeconds, credentials: source)
        c.source = "profile '\(profile)' (role \(roleARN) via \(source.source))"
        return c
    }

    func assumeRoleWithWebIdentity(roleARN: String, tokenFile: String, sessionName: String?, source: String) throws(AWSError) -> AWSCredentials {
        guard let bytes = readFile(tokenFile) else {
            throw AWSError(.config, "web identity token file '\(tokenFile)' cannot be read")
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        onSecret(token)
        var c = try sts(region: region).assumeRoleWithWebIdentity(roleARN: roleARN, sessionName: sessionName ?? "launch-agent-\(now())",
                                                                 webIdentityToken: token)
        c.source = "\(source), role \(roleARN)"
        return c
    }
}

/// Flat JSON objects (credential endpoints and credential_process): string and number members only.
enum JSONObject {
    static func parse(_ text: String, what: String) throws(AWSError) -> [String: String] {
        var p = MiniJSON(Array(text.utf8))
        guard let doc = p.parseObject() else { throw AWSError(.auth, "\(what) is not a JSON object") }
        return doc
    }
}

/// Just enough JSON: one object whose values are strings, numbers, booleans or null (nested values skipped).
struct MiniJSON {
    let b: [UInt8]
    var i = 0
    init(_ b: [UInt8]) { self.b = b }

    mutating func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }

    mutating func parseObject() -> [String: String]? {
        ws()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var out: [String: String] = [:]
        ws()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return out }
        while true {
            ws()
            guard let key = parseString() else { return nil }
            ws()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            ws()
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "\"") {
                guard let v = parseString() else { return nil }
                out[key] = v
            } else {
                let start = i
                guard skipValue() else { return nil }
                let raw = String(decoding: b[start..<i], as: UTF8.self)
                if raw != "null", raw.first != "{", raw.first != "[" { out[key] = raw }
            }
            ws()
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return out }
            return nil
        }
    }

    mutating func skipValue() -> Bool {
        var depth = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { guard parseString() != nil else { return false }; if depth == 0 { return true }; continue }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                if depth == 0 { return true }
                depth -= 1
                i += 1
                if depth == 0 { return true }
                continue
            }
            if depth == 0 && (c == UInt8(ascii: ",") || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09) { return true }
            i += 1
        }
        return depth == 0
    }

    mutating func parseString() -> String? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { return nil }
                let e = b[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= b.count, var v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
                    i += 4
                    if (0xD800..<0xDC00).contains(v), i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u"),
                       let lo = UInt32(String(decoding: b[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16) {
                        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                        i += 6
                    }
                    out += Array(String(Unicode.Scalar(v).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(e)
                }
                continue
            }
            out.append(c)
            i += 1
        }
        return nil
    }
}
