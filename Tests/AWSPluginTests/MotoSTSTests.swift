import AWSCore
import Testing

/// STS through AWSCore against moto_server with signature checking on.
@Suite(.serialized) struct MotoSTSTests {
    func sts(_ moto: Moto) -> STSClient {
        STSClient(environment: AWSEnvironment(["AWS_ENDPOINT_URL_STS": moto.endpoint]), region: "us-east-1", transport: CurlTransport())
    }

    @Test func rightSecretGetsTheCallerIdentity() throws {
        let moto = try Moto.shared()
        let identity = try sts(moto).getCallerIdentity(credentials: AWSCredentials(accessKeyID: moto.access_key, secretAccessKey: moto.secret_key))
        #expect(identity.account == moto.account)
        #expect(identity.arn == moto.user_arn)
    }

    @Test func wrongSecretIsRefusedWithSignatureDoesNotMatch() throws {
        let moto = try Moto.shared()
        #expect {
            _ = try sts(moto).getCallerIdentity(credentials: AWSCredentials(accessKeyID: moto.access_key, secretAccessKey: "not-the-secret"))
        } throws: { error in
            guard let e = error as? AWSError else { return false }
            return e.kind == .auth && e.awsCode == "SignatureDoesNotMatch" && e.message.contains("GetCallerIdentity")
                && e.message.contains("403") && !e.message.contains("not-the-secret")
        }
    }

    @Test func unknownAccessKeyIsRefusedWithInvalidClientTokenId() throws {
        let moto = try Moto.shared()
        #expect {
            _ = try sts(moto).getCallerIdentity(credentials: AWSCredentials(accessKeyID: "AKIAUNKNOWNKEY000000", secretAccessKey: moto.secret_key))
        } throws: { error in
            (error as? AWSError)?.awsCode == "InvalidClientTokenId"
        }
    }

    /// IRSA: the chain reads the token file and role from the environment and calls moto's
    /// AssumeRoleWithWebIdentity (unsigned); moto's temporary credentials come back with an expiry.
    /// This one moto runs without signature checking: moto's checker fails with a 500 on any request
    /// without an Authorization header, and the call is unsigned in every SDK (boto3 fails the same way).
    @Test func webIdentityFromTheEnvironment() throws {
        let moto = try Moto.shared(noAuth: true)
        let dir = AWSTestSupport.makeTempDir("la-aws-wi")
        AWSTestSupport.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.sig\n", to: dir + "/token")
        let secrets = SecretLog()
        let chain = CredentialChain(environment: AWSEnvironment([
            "HOME": dir, "AWS_ENDPOINT_URL_STS": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_WEB_IDENTITY_TOKEN_FILE": dir + "/token", "AWS_ROLE_ARN": "arn:aws:iam::\(moto.account):role/agent",
            "AWS_ROLE_SESSION_NAME": "launch-agent-test",
        ]), region: "us-east-1", transport: CurlTransport(), onSecret: secrets.add)
        let c = try chain.credentials()
        #expect(c.accessKeyID.hasPrefix("ASIA"))
        #expect(c.sessionToken != nil && c.expiration != nil)
        #expect(c.source.contains("web identity") && c.source.contains("role/agent"))
        #expect(secrets.all.contains(c.secretAccessKey) && secrets.all.contains { $0.hasPrefix("eyJhbGci") })
    }

    /// `role_arn` + `source_profile` in ~/.aws/config: AssumeRole signed with the source profile's keys
    /// (moto checks the signature), the role's credentials returned.
    @Test func assumeRoleWithSourceProfile() throws {
        let moto = try Moto.shared()
        let dir = AWSTestSupport.makeTempDir("la-aws-ar")
        AWSTestSupport.write("[base]\naws_access_key_id = \(moto.access_key)\naws_secret_access_key = \(moto.secret_key)\n", to: dir + "/credentials")
        AWSTestSupport.write("[profile deploy]\nrole_arn = arn:aws:iam::\(moto.account):role/deployer\nsource_profile = base\nrole_session_name = agent\n",
                             to: dir + "/config")
        let env: [String: String] = [
            "HOME": dir, "AWS_PROFILE": "deploy", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials", "AWS_CONFIG_FILE": dir + "/config",
            "AWS_ENDPOINT_URL": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let c = try CredentialChain(environment: AWSEnvironment(env), region: "us-east-1", transport: CurlTransport()).credentials()
        #expect(c.accessKeyID.hasPrefix("ASIA") && c.sessionToken != nil)
        #expect(c.source == "profile 'deploy' (role arn:aws:iam::\(moto.account):role/deployer via profile 'base' (shared credentials))")

        // The same profile with a wrong source secret: moto refuses the AssumeRole signature.
        AWSTestSupport.write("[base]\naws_access_key_id = \(moto.access_key)\naws_secret_access_key = wrong\n", to: dir + "/credentials")
        #expect {
            _ = try CredentialChain(environment: AWSEnvironment(env), region: "us-east-1", transport: CurlTransport()).credentials()
        } throws: { ($0 as? AWSError)?.awsCode == "SignatureDoesNotMatch" }
    }
}

final class SecretLog: @unchecked Sendable {
    private let lock = Mutex<[String]>([])
    func add(_ s: String) { lock.withLock { $0.append(s) } }
    var all: [String] { lock.withLock { $0 } }
}

import Synchronization
