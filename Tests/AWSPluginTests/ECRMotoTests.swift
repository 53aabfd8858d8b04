import AWSCore
import Testing

/// ECR through AWSCore against moto_server with signature checking on: the JSON 1.1 protocol, SigV4 for
/// service `ecr`, and moto's real answers (moto's token is base64 of `AWS:<account>-auth-token`).
@Suite(.serialized) struct ECRMotoTests {
    func ecr(_ moto: Moto) -> ECRClient {
        ECRClient(environment: AWSEnvironment(["AWS_ENDPOINT_URL_ECR": moto.endpoint]), region: "us-east-1", transport: CurlTransport())
    }
    func good(_ moto: Moto) -> AWSCredentials { AWSCredentials(accessKeyID: moto.access_key, secretAccessKey: moto.secret_key) }
    func wrong(_ moto: Moto) -> AWSCredentials { AWSCredentials(accessKeyID: moto.access_key, secretAccessKey: "not-the-secret") }

    /// Creates `name` (signed with the right key) unless it exists: tests share one moto.
    static func ensureRepository(_ name: String, _ moto: Moto) throws {
        let client = ECRClient(environment: AWSEnvironment(["AWS_ENDPOINT_URL_ECR": moto.endpoint]), region: "us-east-1", transport: CurlTransport())
        do {
            _ = try client.call("CreateRepository", .object([("repositoryName", .string(name))]),
                                credentials: AWSCredentials(accessKeyID: moto.access_key, secretAccessKey: moto.secret_key))
        } catch where error.awsCode == "RepositoryAlreadyExistsException" {}
    }

    @Test func rightSecretGetsALoginToken() throws {
        let moto = try Moto.shared()
        let login = try ecr(moto).getAuthorizationToken(credentials: good(moto))
        #expect(login.username == "AWS")
        #expect(login.password == "\(moto.account)-auth-token")
        #expect(login.proxyEndpoint == "https://\(moto.account).dkr.ecr.us-east-1.amazonaws.com")
        // moto answers a fixed expiry (2015-01-01 in its local time); it is passed on as sent.
        #expect(login.expiresAt.map(AWSTime.rfc3339)?.hasPrefix("2015-01-01T") == true || login.expiresAt.map(AWSTime.rfc3339)?.hasPrefix("2014-12-31T") == true)
    }

    @Test func wrongSecretIsRefused() throws {
        let moto = try Moto.shared()
        #expect {
            _ = try ecr(moto).getAuthorizationToken(credentials: wrong(moto))
        } throws: { error in
            guard let e = error as? AWSError else { return false }
            return e.kind == .auth && e.awsCode == "SignatureDoesNotMatch"
                && e.message.hasPrefix("ECR GetAuthorizationToken at \(moto.endpoint)/ refused (403 SignatureDoesNotMatch): The request signature")
                && !e.message.contains("not-the-secret")
        }
        #expect {
            _ = try ecr(moto).describeRepository(name: "team/app", registryID: moto.account, credentials: wrong(moto))
        } throws: { ($0 as? AWSError)?.awsCode == "SignatureDoesNotMatch" }
        // An access key moto does not know.
        #expect {
            _ = try ecr(moto).getAuthorizationToken(credentials: AWSCredentials(accessKeyID: "AKIAUNKNOWNKEY000000", secretAccessKey: moto.secret_key))
        } throws: { ($0 as? AWSError)?.kind == .auth }
    }

    @Test func describeRepositoriesFindsTheRepositoryAndNamesAMissingOne() throws {
        let moto = try Moto.shared()
        try Self.ensureRepository("team/app", moto)
        let repo = try ecr(moto).describeRepository(name: "team/app", registryID: moto.account, credentials: good(moto))
        #expect(repo.arn == "arn:aws:ecr:us-east-1:\(moto.account):repository/team/app")
        #expect(repo.uri == "\(moto.account).dkr.ecr.us-east-1.amazonaws.com/team/app")

        #expect {
            _ = try ecr(moto).describeRepository(name: "team/missing", registryID: moto.account, credentials: good(moto))
        } throws: { error in
            guard let e = error as? AWSError else { return false }
            return e.awsCode == "RepositoryNotFoundException" && e.message.contains("(400 RepositoryNotFoundException)")
                && e.message.contains("team/missing")
        }
    }

    /// Credentials that expired (here from credential_process, which says when) are refused before
    /// anything is sent, with where they came from and when they expired.
    @Test func expiredSessionCredentialsGiveAClearAuthError() throws {
        let moto = try Moto.shared()
        let dir = AWSTestSupport.makeTempDir("la-ecr-expired")
        AWSTestSupport.write("""
            [profile old]
            credential_process = printf '{"Version": 1, "AccessKeyId": "\(moto.access_key)", "SecretAccessKey": "\(moto.secret_key)", "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "Expiration": "2020-01-02T03:04:05Z"}'
            """, to: dir + "/config")
        let chain = CredentialChain(environment: AWSEnvironment(["HOME": dir, "AWS_PROFILE": "old", "AWS_CONFIG_FILE": dir + "/config",
                                                                 "AWS_EC2_METADATA_DISABLED": "true"]),
                                    region: "us-east-1", transport: CurlTransport(), runner: CredentialChainTests.ShellRunner())
        let credentials = try chain.credentials()
        #expect {
            _ = try ecr(moto).getAuthorizationToken(credentials: credentials)
        } throws: { error in
            guard let e = error as? AWSError else { return false }
            return e.kind == .auth && e.message == "the AWS credentials from profile 'old' (credential_process) expired at 2020-01-02T03:04:05Z: "
                + "refresh them (aws sso login, a new session token, or fix the credential source)"
        }
    }

    @Test func endpoints() {
        let env = AWSEnvironment([:])
        #expect(ECRClient(environment: env, region: "us-east-1", transport: CurlTransport()).endpoint == "https://api.ecr.us-east-1.amazonaws.com")
        #expect(ECRClient(environment: env, region: "cn-north-1", transport: CurlTransport()).endpoint == "https://api.ecr.cn-north-1.amazonaws.com.cn")
        #expect(ECRClient(environment: env, region: "us-gov-west-1", fips: true, transport: CurlTransport()).endpoint == "https://ecr-fips.us-gov-west-1.amazonaws.com")
        #expect(ECRClient(environment: AWSEnvironment(["AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_ECR": "http://b"]), region: "us-east-1",
                          transport: CurlTransport()).endpoint == "http://b")
    }
}
