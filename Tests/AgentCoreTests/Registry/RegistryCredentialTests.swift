import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// Finding credentials: explicit ones, the docker config's `auths`,
/// `credHelpers` and `credsStore` (run as real helper scripts on PATH).
@Suite struct RegistryCredentialTests {
    /// A DOCKER_CONFIG directory holding `config` (JSON text) and any helper scripts.
    struct ConfigDir {
        let path = TestSupport.makeTempDir("la-registry-dockercfg")
        var environment: [String: String] {
            ["DOCKER_CONFIG": path, "PATH": path + ":" + (ProcessEnvironment.current["PATH"] ?? "/usr/bin:/bin")]
        }
        var resolver: RegistryCredentialResolver { RegistryCredentialResolver(environment: environment) }

        func write(config: String) { TestSupport.write(config, to: path + "/config.json") }

        /// `docker-credential-NAME`: records the server URL it was asked for,
        /// answers for `server` only, says "not found" for anything else.
        func helper(_ name: String, server: String, user: String, secret: String) {
            script(name, """
                #!/bin/sh
                [ "$1" = get ] || exit 3
                IFS= read -r url || true
                printf '%s' "$url" > '\(path)/\(name).asked'
                if [ "$url" = '\(server)' ]; then
                  printf '{"ServerURL":"%s","Username":"\(user)","Secret":"\(secret)"}\\n' "$url"
                else
                  echo "credentials not found in native keychain"; exit 1
                fi
                """)
        }

        /// Installs an executable script. It is copied into place by `cp`, so
        /// no descriptor of ours ever has the final file open for writing: a
        /// child spawned meanwhile by a parallel test could inherit one and
        /// make exec fail with ETXTBSY.
        func script(_ name: String, _ text: String) {
            let file = path + "/docker-credential-" + name
            TestSupport.write(text, to: file + ".src")
            let copied = TestSupport.shell("cp '\(file).src' '\(file)' && chmod 755 '\(file)'")
            precondition(copied.status == 0, copied.output)
        }

        func asked(_ name: String) -> String? {
            guard case .read(let bytes) = DockerConfig.readFile(path + "/\(name).asked") else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    func auth(_ user: String, _ password: String) -> String { Base64.encode(Array("\(user):\(password)".utf8)) }

    @Test func authsEntryIsUsedWhenNoCredentialsAreGiven() throws {
        let server = try RegistryHarness.basic()
        let dir = ConfigDir()
        dir.write(config: #"{"auths": {"\#(server.registry)": {"auth": "\#(auth(RegistryHarness.user, RegistryHarness.password))"}}}"#)
        let resolved = try dir.resolver.resolve(registry: server.registry)
        #expect(resolved.credentials == RegistryCredentials(username: RegistryHarness.user, password: RegistryHarness.password))
        #expect(resolved.source == "auths[\"\(server.registry)\"] in \(dir.path)/config.json")
        let client = RegistryClient(options: registryTestOptions(), credentials: dir.resolver)
        #expect(try client.manifestExists(server.reference("team/app:v1")).exists)
    }

    @Test func legacyKeyWithSchemeAndPathMatchesTheHost() throws {
        let dir = ConfigDir()
        dir.write(config: #"{"auths": {"https://registry.corp:5000/v1/": {"username": "u", "password": "legacy-pass"}}}"#)
        let resolved = try dir.resolver.resolve(registry: "registry.corp:5000")
        #expect(resolved.credentials == RegistryCredentials(username: "u", password: "legacy-pass"))
        #expect(try dir.resolver.resolve(registry: "registry.corp").credentials.isAnonymous)
    }

    @Test func dockerHubUsesItsIndexKey() throws {
        let dir = ConfigDir()
        dir.write(config: #"{"auths": {"https://index.docker.io/v1/": {"auth": "\#(auth("hubuser", "hub-token"))"}, "docker.io": {"auth": "\#(auth("x", "other-one"))"}}}"#)
        let resolved = try dir.resolver.resolve(registry: ImageReference.parse("python:3.11").registry)
        #expect(resolved.credentials.username == "hubuser")
        #expect(DockerConfig.serverKey(for: "docker.io") == "https://index.docker.io/v1/")
    }

    @Test func identityTokenEntryIsKept() throws {
        let dir = ConfigDir()
        dir.write(config: #"{"auths": {"myreg.azurecr.io": {"auth": "\#(auth("00000000-0000-0000-0000-000000000000", ""))", "identitytoken": "refresh-abc-123"}}}"#)
        let credentials = try dir.resolver.resolve(registry: "myreg.azurecr.io").credentials
        #expect(credentials.identityToken == "refresh-abc-123")
        #expect(credentials.password == nil)
    }

    @Test func credHelperIsRunWithTheServerURLOnStdin() throws {
        let server = try RegistryHarness.basic()
        let dir = ConfigDir()
        dir.helper("test", server: server.registry, user: RegistryHarness.user, secret: RegistryHarness.password)
        dir.write(config: #"{"credHelpers": {"\#(server.registry)": "test"}, "auths": {"\#(server.registry)": {"auth": "\#(auth("stale", "stale-pass"))"}}}"#)
        let resolved = try dir.resolver.resolve(registry: server.registry)
        #expect(resolved.credentials == RegistryCredentials(username: RegistryHarness.user, password: RegistryHarness.password))
        #expect(resolved.source.hasPrefix("credHelpers docker-credential-test"))
        #expect(dir.asked("test") == server.registry)
        let client = RegistryClient(options: registryTestOptions(), credentials: dir.resolver)
        #expect(try client.manifestExists(server.reference("team/app:v1")).exists)
    }

    @Test func helperUsernameTokenMeansIdentityToken() throws {
        let dir = ConfigDir()
        dir.helper("tok", server: "myreg.example.com", user: "<token>", secret: "helper-refresh-token")
        dir.write(config: #"{"credHelpers": {"myreg.example.com": "tok"}}"#)
        let credentials = try dir.resolver.resolve(registry: "myreg.example.com").credentials
        #expect(credentials == RegistryCredentials(identityToken: "helper-refresh-token"))
    }

    @Test func credsStoreIsUsedAndDockerHubIsAskedByItsIndexURL() throws {
        let dir = ConfigDir()
        dir.helper("store", server: "https://index.docker.io/v1/", user: "hubuser", secret: "store-secret-1")
        dir.write(config: #"{"credsStore": "store"}"#)
        let resolved = try dir.resolver.resolve(registry: "docker.io")
        #expect(resolved.credentials.password == "store-secret-1")
        #expect(resolved.source.hasPrefix("credsStore docker-credential-store"))
    }

    @Test func helperWithNothingFallsBackToAuthsThenAnonymous() throws {
        let dir = ConfigDir()
        dir.helper("store", server: "elsewhere.example.com", user: "u", secret: "unused-secret")
        dir.write(config: #"{"credsStore": "store", "auths": {"a.example.com": {"auth": "\#(auth("a", "a-password"))"}, "b.example.com": {}}}"#)
        #expect(try dir.resolver.resolve(registry: "a.example.com").credentials.password == "a-password")
        let b = try dir.resolver.resolve(registry: "b.example.com")
        #expect(b.credentials.isAnonymous)
        #expect(b.source.contains("nothing for b.example.com"))
    }

    @Test func failingHelperIsAnErrorThatDoesNotEchoItsOutput() throws {
        let dir = ConfigDir()
        let leaked = "leaked-secret-\(getpid())"
        dir.script("broken", "#!/bin/sh\necho 'token \(leaked) expired' >&2\necho '\(leaked)'\nexit 2\n")
        dir.write(config: #"{"credHelpers": {"reg.example.com": "broken"}}"#)
        let error = #expect(throws: RegistryError.self) { try dir.resolver.resolve(registry: "reg.example.com") }
        guard case .credentials(_, let message)? = error else { Issue.record("not a credentials error: \(String(describing: error))"); return }
        #expect(message.contains("docker-credential-broken failed"))
        #expect(message.contains("exit code 2"))
        #expect(!message.contains(leaked))
    }

    @Test func missingHelperIsAnError() throws {
        let dir = ConfigDir()
        dir.write(config: #"{"credHelpers": {"reg.example.com": "not-installed-anywhere"}}"#)
        let error = #expect(throws: RegistryError.self) { try dir.resolver.resolve(registry: "reg.example.com") }
        #expect(error?.message.contains("docker-credential-not-installed-anywhere") == true)
        #expect(error?.message.contains("not installed or not in PATH") == true)
    }

    @Test func helperNameCannotBeAPath() throws {
        let dir = ConfigDir()
        dir.write(config: #"{"credHelpers": {"reg.example.com": "../../bin/sh"}}"#)
        #expect(throws: RegistryError.self) { try dir.resolver.resolve(registry: "reg.example.com") }
    }

    @Test func malformedConfigIsAnErrorNamingTheFile() throws {
        let dir = ConfigDir()
        dir.write(config: #"{"auths": {"#)
        let error = #expect(throws: RegistryError.self) { try dir.resolver.resolve(registry: "reg.example.com") }
        #expect(error?.message.contains(dir.path + "/config.json") == true)
        dir.write(config: #"{"auths": {"r.example.com": {"auth": "not base64!"}}}"#)
        #expect(throws: RegistryError.self) { try dir.resolver.resolve(registry: "r.example.com") }
    }

    @Test func missingConfigIsAnonymous() throws {
        let dir = ConfigDir()
        let resolved = try dir.resolver.resolve(registry: "reg.example.com")
        #expect(resolved.credentials.isAnonymous)
        #expect(resolved.source == "none (no docker config at \(dir.path)/config.json)")
        let home = RegistryCredentialResolver(environment: ["HOME": "/nonexistent-home"])
        #expect(home.configPath == "/nonexistent-home/.docker/config.json")
    }

    @Test func explicitCredentialsWinOverTheConfig() throws {
        let dir = ConfigDir()
        dir.write(config: #"{"auths": {"reg.example.com": {"auth": "\#(auth("config", "config-pass"))"}}}"#)
        var resolver = dir.resolver
        resolver.explicit = ["reg.example.com": RegistryCredentials(username: "AWS", password: "explicit-pass")]
        let resolved = try resolver.resolve(registry: "reg.example.com")
        #expect(resolved.credentials.username == "AWS")
        #expect(resolved.source == "the credentials given for reg.example.com")
    }

    @Test func printingCredentialsShowsNoSecret() {
        let credentials = RegistryCredentials(username: "alice", password: "print-me-not", identityToken: "nor-me-either")
        for text in [credentials.description, String(reflecting: credentials), "\(credentials)"] {
            #expect(!text.contains("print-me-not"))
            #expect(!text.contains("nor-me-either"))
            #expect(text.contains("alice"))
        }
        var dumped = ""
        dump(credentials, to: &dumped)
        #expect(!dumped.contains("print-me-not"))
        credentials.registerSecrets()
        #expect(Redactor.shared.redact("x print-me-not y") == "x \(Redactor.placeholder) y")
    }
}
