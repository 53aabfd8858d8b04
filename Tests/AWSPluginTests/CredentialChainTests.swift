import AWSCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Each source of the chain, its order, caching, and the "nothing found" message.
@Suite struct CredentialChainTests {
    let home = AWSTestSupport.makeTempDir("la-aws-home")
    var unreachable: FakeTransport { FakeTransport { req throws(AWSError) in throw AWSError(.io, "connection refused to \(req.url.string)") } }

    func chain(_ env: [String: String], transport: (any AWSTransport)? = nil, runner: (any AWSCommandRunner)? = nil,
               now: @escaping @Sendable () -> Int64 = { Clock.nowSeconds() }) -> CredentialChain {
        CredentialChain(environment: AWSEnvironment(["HOME": home].merging(env) { $1 }), region: "us-east-1",
                        transport: transport ?? unreachable, runner: runner, now: now)
    }

    @Test func environmentComesFirst() throws {
        AWSTestSupport.write("[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = s\n", to: home + "/credentials")
        let c = try chain(["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "tok",
                           "AWS_SHARED_CREDENTIALS_FILE": home + "/credentials"]).credentials()
        #expect(c == AWSCredentials(accessKeyID: "AKENV", secretAccessKey: "secret", sessionToken: "tok", source: "environment variables"))
        #expect(!c.description.contains("secret") && !c.description.contains("tok"))
    }

    @Test func halfSetEnvironmentIsAnError() {
        #expect { _ = try chain(["AWS_ACCESS_KEY_ID": "AK"]).credentials() } throws: {
            ($0 as? AWSError)?.message.contains("AWS_SECRET_ACCESS_KEY is not") == true
        }
    }

    @Test func profilesFromBothFiles() throws {
        AWSTestSupport.write("""
            # comment
            [default]
            aws_access_key_id = AKDEFAULT
            aws_secret_access_key = sdefault ; inline comment
            [dev]
            aws_access_key_id=AKDEV
            aws_secret_access_key=sdev
            aws_session_token=tdev
            """, to: home + "/creds")
        AWSTestSupport.write("""
            [default]
            region = eu-west-1
            [profile cfgonly]
            aws_access_key_id = AKCFG
            aws_secret_access_key = scfg
            s3 =
              max_concurrent_requests = 4
            [sso-session x]
            sso_region = us-east-1
            """, to: home + "/config")
        let files = ["AWS_SHARED_CREDENTIALS_FILE": home + "/creds", "AWS_CONFIG_FILE": home + "/config"]
        #expect(try chain(files).credentials().accessKeyID == "AKDEFAULT")
        #expect(try chain(files).credentials().secretAccessKey == "sdefault")
        let dev = try chain(files.merging(["AWS_PROFILE": "dev"]) { $1 }).credentials()
        #expect(dev.sessionToken == "tdev" && dev.source == "profile 'dev' (shared credentials)")
        #expect(try chain(files.merging(["AWS_PROFILE": "cfgonly"]) { $1 }).credentials().accessKeyID == "AKCFG")
        #expect { _ = try chain(files.merging(["AWS_PROFILE": "nope"]) { $1 }).credentials() } throws: {
            let m = ($0 as? AWSError)?.message ?? ""
            return m.contains("AWS_PROFILE is 'nope'") && m.contains(home + "/creds") && m.contains("[profile nope]")
        }
    }

    @Test func defaultFilesUnderHome() throws {
        mkdir(home + "/.aws", 0o700)
        AWSTestSupport.write("[default]\naws_access_key_id = AKHOME\naws_secret_access_key = s\n", to: home + "/.aws/credentials")
        #expect(try chain([:]).credentials().accessKeyID == "AKHOME")
    }

    struct ShellRunner: AWSCommandRunner {
        func run(shellCommand command: String) throws -> (status: Int32, stdout: String, stderr: String) {
            let r = AWSTestSupport.shell(command)
            return (r.status, r.output, "")
        }
    }

    @Test func credentialProcess() throws {
        AWSTestSupport.write("""
            [profile proc]
            credential_process = printf '{"Version": 1, "AccessKeyId": "AKPROC", "SecretAccessKey": "sproc", "SessionToken": "tproc", "Expiration": "2099-05-06T07:08:09Z"}'
            [profile broken]
            credential_process = sh -c 'echo boom >&2; exit 3'
            """, to: home + "/config")
        let env = ["AWS_CONFIG_FILE": home + "/config", "AWS_PROFILE": "proc"]
        let c = try chain(env, runner: ShellRunner()).credentials()
        #expect(c.accessKeyID == "AKPROC" && c.sessionToken == "tproc" && c.expiration == 4081734489)
        #expect { _ = try chain(env.merging(["AWS_PROFILE": "broken"]) { $1 }, runner: ShellRunner()).credentials() } throws: {
            ($0 as? AWSError)?.message.contains("credential_process exited with status 3") == true
        }
    }

    @Test func containerCredentialsWithAuthorizationTokenFile() throws {
        let server = try MetadataServer(mode: "container", extra: ["Bearer pod-identity-token"])
        AWSTestSupport.write("Bearer pod-identity-token\n", to: home + "/token")
        let env = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": home + "/token"]
        let c = try chain(env, transport: CurlTransport()).credentials()
        #expect(c.accessKeyID == "ASIAMETADATAEXAMPLE" && c.sessionToken == "metadata-session-token-EXAMPLE")
        #expect(c.source.contains("container credentials"))
        #expect(server.requests.last?.contains("authorization=Bearer pod-identity-token") == true)

        // A wrong token: the endpoint's 401 is reported, not swallowed.
        #expect {
            _ = try chain(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer wrong"],
                          transport: CurlTransport()).credentials()
        } throws: { ($0 as? AWSError)?.message.contains("answered 401") == true }

        // Plain http to a non-loopback host is refused before any request.
        #expect { _ = try chain(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"]).credentials() } throws: {
            ($0 as? AWSError)?.kind == .config
        }
    }

    @Test func relativeURIGoesTo169_254_170_2() throws {
        let seen = Mutex<String>("")
        let transport = FakeTransport { req throws(AWSError) in
            seen.withLock { $0 = req.url.string }
            return AWSResponse(status: 200, body: Array(#"{"AccessKeyId":"AK","SecretAccessKey":"S","Token":"T","Expiration":"2099-01-01T00:00:00Z"}"#.utf8))
        }
        _ = try chain(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"], transport: transport).credentials()
        #expect(seen.withLock { $0 } == "http://169.254.170.2/v2/credentials/abc")
    }

    @Test func imdsV2() throws {
        let server = try MetadataServer(mode: "imds")
        let c = try chain(["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url + "/"], transport: CurlTransport()).credentials()
        #expect(c.accessKeyID == "ASIAMETADATAEXAMPLE" && c.source == "EC2 instance metadata (role launch-agent-node)")
        let requests = server.requests
        #expect(requests.count == 3)
        #expect(requests.first?.hasPrefix("PUT /latest/api/token") == true)
        #expect(requests.dropFirst().allSatisfy { $0.contains("x-aws-ec2-metadata-token=imds-session-token-0123456789") })
    }

    @Test func nothingAnywhereListsEveryPlaceLooked() {
        #expect {
            _ = try chain(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"]).credentials()
        } throws: { error in
            guard let e = error as? AWSError, e.kind == .auth else { return false }
            let m = e.message
            return m.hasPrefix("no AWS credentials found; looked in:")
                && m.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
                && m.contains("profile 'default': \(home)/.aws/credentials (not found), \(home)/.aws/config (not found)")
                && m.contains("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN")
                && m.contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set")
                && m.contains("EC2 instance metadata at http://127.0.0.1:9: no answer")
        }
        #expect { _ = try chain(["AWS_EC2_METADATA_DISABLED": "true"]).credentials() } throws: {
            ($0 as? AWSError)?.message.contains("disabled by AWS_EC2_METADATA_DISABLED") == true
        }
    }

    /// Cached until 5 minutes before expiry, then fetched again.
    @Test func cachedAndRefreshedFiveMinutesBeforeExpiry() throws {
        let calls = Mutex(0)
        let clock = Mutex<Int64>(1_000_000)
        let transport = FakeTransport { _ throws(AWSError) in
            calls.withLock { $0 += 1 }
            return AWSResponse(status: 200, body: Array(#"{"AccessKeyId":"AK","SecretAccessKey":"S","Token":"T","Expiration":"1970-01-12T14:46:40Z"}"#.utf8))
        }   // expires at 1_000_000 + 3600
        let c = chain(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds"], transport: transport, now: { clock.withLock { $0 } })
        _ = try c.credentials(); _ = try c.credentials()
        #expect(calls.withLock { $0 } == 1)
        clock.withLock { $0 = 1_000_000 + 3600 - 301 }
        _ = try c.credentials()
        #expect(calls.withLock { $0 } == 1)
        clock.withLock { $0 = 1_000_000 + 3600 - 300 }
        _ = try c.credentials()
        #expect(calls.withLock { $0 } == 2)
    }

    @Test func endpointOverrides() {
        let env = AWSEnvironment(["AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_STS": "http://sts-only"])
        #expect(env.endpointOverride(serviceID: "STS") == "http://sts-only")
        #expect(env.endpointOverride(serviceID: "S3") == "http://all")
        #expect(AWSEnvironment(["AWS_ENDPOINT_URL_SECRETS_MANAGER": "x"]).endpointOverride(serviceID: "Secrets Manager") == "x")
        #expect(AWSEnvironment(["AWS_ENDPOINT_URL": "x", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]).endpointOverride(serviceID: "STS") == nil)
        #expect(STSClient(environment: AWSEnvironment([:]), region: "eu-west-1", transport: unreachable).endpoint == "https://sts.eu-west-1.amazonaws.com")
    }
}
