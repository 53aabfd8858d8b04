import FoundationEssentials
import KubeCore
import Testing

/// kubeconfig and in-cluster loading: files as kubectl writes them (YAML), merged as kubectl merges them,
/// and errors that name the file, the line and what is wrong.
@Suite struct KubeConfigTests {
    let dir = KubeTestSupport.makeTempDir("la-kubeconfig")

    func write(_ name: String, _ text: String) -> String {
        let path = "\(dir)/\(name)"
        KubeTestSupport.write(text, to: path)
        return path
    }

    static let yaml = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://10.0.0.1:6443/
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
        - name: other
          cluster:
            server: "https://other.example:443"
            insecure-skip-tls-verify: true
        contexts:
        - name: dev
          context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
        - name: other
          context:
            cluster: other
            user: token-file-user
        users:
        - name: dev-user
          user:
            token: 'abc.def.ghi'
        - name: token-file-user
          user:
            tokenFile: tokens/sa-token
        """

    @Test func currentContextWithTokenAndCAData() throws {
        let path = write("config", Self.yaml)
        let config = try KubeConfigLoader.loadKubeconfig(paths: [path])
        #expect(config.server == "https://10.0.0.1:6443")
        #expect(config.auth == .token("abc.def.ghi"))
        #expect(config.namespace == "team-a")
        #expect(config.tls.caPEM == Array("-----BEGIN CERTIFICATE-----\n".utf8))
        #expect(config.tls.insecure == false)
        #expect(config.source == "context 'dev' of \(path)")
    }

    @Test func configuredContextWithTokenFileRelativeToTheKubeconfig() throws {
        let path = write("config", Self.yaml)
        KubeTestSupport.shell("mkdir -p \(dir)/tokens && printf 'sa-token-value\\n' > \(dir)/tokens/sa-token")
        let config = try KubeConfigLoader.loadKubeconfig(paths: [path], context: "other")
        #expect(config.auth == .tokenFile("\(dir)/tokens/sa-token"))
        #expect(config.tls.insecure)
        #expect(config.namespace == "default")
    }

    @Test func kubeconfigListMergesLikeKubectl() throws {
        // The first file to define a name or current-context wins; missing files are skipped.
        let first = write("a", """
            current-context: from-a
            contexts:
            - name: from-a
              context: {cluster: c, user: u}
            users:
            - name: u
              user: {token: first-token}
            """)
        let second = write("b", """
            current-context: from-b
            clusters:
            - name: c
              cluster: {server: "https://merged:6443"}
            users:
            - name: u
              user: {token: second-token}
            """)
        let env = KubeEnvironment(["KUBECONFIG": "\(dir)/missing:\(first):\(second)", "HOME": dir])
        #expect(KubeConfigLoader.kubeconfigPaths(environment: env) == ["\(dir)/missing", first, second])
        let config = try KubeConfigLoader.load(environment: env)
        #expect(config.server == "https://merged:6443")
        #expect(config.auth == .token("first-token"))
        #expect(config.source.contains("context 'from-a'"))
    }

    @Test func homeConfigIsTheDefault() throws {
        KubeTestSupport.shell("mkdir -p \(dir)/.kube")
        _ = write(".kube/config", Self.yaml)
        let config = try KubeConfigLoader.load(environment: KubeEnvironment(["HOME": dir]))
        #expect(config.server == "https://10.0.0.1:6443")
    }

    @Test func execPluginConfig() throws {
        let path = write("config", """
            current-context: eks
            clusters: [{name: c, cluster: {server: "https://eks.example"}}]
            contexts: [{name: eks, context: {cluster: c, user: aws}}]
            users:
            - name: aws
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: ./bin/token-plugin
                  args: [eks, get-token, --cluster-name, demo]
                  env:
                  - {name: AWS_PROFILE, value: dev}
                  provideClusterInfo: true
                  installHint: install the plugin
            """)
        let config = try KubeConfigLoader.loadKubeconfig(paths: [path])
        guard case .exec(let exec) = config.auth else { Issue.record("no exec auth: \(config.auth)"); return }
        #expect(exec.command == "\(dir)/./bin/token-plugin")
        #expect(exec.args == ["eks", "get-token", "--cluster-name", "demo"])
        #expect(exec.env == [KubeEnvVar(name: "AWS_PROFILE", value: "dev")])
        #expect(exec.provideClusterInfo)
        #expect(exec.apiVersion == "client.authentication.k8s.io/v1beta1")
    }

    /// Each bad file fails with FILE:LINE and what is wrong.
    @Test(arguments: [
        ("clusters:\n- name: c\n  cluster: {server: \"https://x\"\n", ":4:1: did not find expected ',' or '}'"),
        ("current-context: nope\ncontexts: []\n", "current-context (PATH) 'nope' is not defined in PATH; contexts there: none"),
        ("contexts:\n- name: a\n  context: {cluster: missing}\ncurrent-context: a\n", "PATH:3: context 'a' names cluster 'missing', which is not defined in PATH"),
        ("clusters:\n- name: c\n  cluster:\n    server: ftp://x\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: a\n", "PATH:4: cluster 'c': server 'ftp://x' must start with https://"),
        ("clusters:\n- name: c\n  cluster:\n    server: https://x\n    certificate-authority-data: '***'\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: a\n", "PATH:5: certificate-authority-data is not valid base64"),
        ("clusters:\n- name: c\n  cluster: {server: https://x}\nusers:\n- name: u\n  user:\n    exec: {command: x, apiVersion: client.authentication.k8s.io/v1alpha1}\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n", "PATH:7: user 'u': exec apiVersion 'client.authentication.k8s.io/v1alpha1' is not supported"),
        ("clusters:\n- name: c\n  cluster: {server: https://x}\nusers:\n- name: u\n  user:\n    tokenFile: /nonexistent/token\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n", "PATH:7: user 'u': cannot read tokenFile /nonexistent/token: No such file or directory"),
        ("clusters:\n- name: c\n  cluster: {server: https://x}\n  cluster: {server: https://y}\n", "PATH:4: duplicate key 'cluster'"),
        ("users:\n- name: u\n  user:\n    auth-provider: {name: gcp}\nclusters: [{name: c, cluster: {server: https://x}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n", "PATH:4: user 'u' uses the removed auth-provider 'gcp'; use its exec credential plugin instead"),
    ])
    func badFilesNameFileAndLine(text: String, expected: String) throws {
        let path = write("bad-\(KubeTestSupport.unique())", text)
        #expect { _ = try KubeConfigLoader.loadKubeconfig(paths: [path]) } throws: { error in
            guard let e = error as? KubeError, e.kind == .config else { return false }
            let want = expected.replacing("PATH", with: path)
            if !e.message.contains(want) { Issue.record("\(e.message)\n  does not contain\n\(want)") }
            return true
        }
    }

    @Test func noConfigurationAnywhere() {
        #expect { _ = try KubeConfigLoader.load(environment: KubeEnvironment(["HOME": dir])) } throws: {
            ($0 as? KubeError)?.message == "no Kubernetes configuration found: no KUBECONFIG, no \(dir)/.kube/config, and not running in a pod (KUBERNETES_SERVICE_HOST is unset)"
        }
    }

    @Test func inClusterFiles() throws {
        let sa = "\(dir)/sa"
        KubeTestSupport.shell("mkdir -p \(sa) && printf 'sa-token\\n' > \(sa)/token && printf 'CA' > \(sa)/ca.crt && printf 'jobs\\n' > \(sa)/namespace")
        let env = KubeEnvironment(["HOME": dir, "KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"])
        let config = try KubeConfigLoader.load(environment: env, serviceAccountDirectory: sa)
        #expect(config.server == "https://[fd00::1]:443")
        #expect(config.auth == .tokenFile("\(sa)/token"))
        #expect(config.tls.caPEM == Array("CA".utf8))
        #expect(config.namespace == "jobs")
        KubeTestSupport.shell("rm \(sa)/token")
        #expect { _ = try KubeConfigLoader.inCluster(environment: env, directory: sa) } throws: {
            ($0 as? KubeError)?.message.contains("cannot read the service-account token \(sa)/token: No such file or directory") == true
        }
    }

    @Test func rfc3339() {
        #expect(KubeClock.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(KubeClock.parseRFC3339("2026-11-30T01:02:03Z") == 1_796_000_523)
        #expect(KubeClock.parseRFC3339("2026-11-30T03:02:03.5+02:00") == 1_796_000_523.5)
        #expect(KubeClock.parseRFC3339("2026-11-30 01:02") == nil)
    }
}
