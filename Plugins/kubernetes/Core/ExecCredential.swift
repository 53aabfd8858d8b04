import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What an exec credential plugin returned (`ExecCredential.status`).
public struct KubeExecCredential: Sendable, Equatable {
    public var token: String?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// Seconds since 1970; nil: valid until the server refuses it.
    public var expiresAt: Double?

    public init(token: String? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil, expiresAt: Double? = nil) {
        self.token = token
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.expiresAt = expiresAt
    }
}

/// Runs a kubeconfig `exec` credential plugin and caches its answer until `expirationTimestamp` (or until the
/// server answers 401, see ``invalidate()``), as client-go does. Thread-safe: one run at a time. The runner is
/// passed per call (the plugin's process service is bound to the calling operation), the cache outlives it.
public final class KubeExecCredentialProvider: Sendable {
    public let config: KubeExecConfig
    let cluster: KubeClusterConfig
    let now: @Sendable () -> Double
    private let cached = Mutex<KubeExecCredential?>(nil)

    /// `now` returns seconds since 1970 (a parameter so tests can move time).
    public init(config: KubeExecConfig, cluster: KubeClusterConfig, now: @escaping @Sendable () -> Double = KubeClock.now) {
        self.config = config
        self.cluster = cluster
        self.now = now
    }

    /// A valid credential: the cached one while it has more than 10 s left, else a fresh run of the plugin.
    public func credential(runner: any KubeCommandRunner) throws(KubeError) -> KubeExecCredential {
        let result: Result<KubeExecCredential, KubeError> = cached.withLock { cached in
            if let c = cached, c.expiresAt.map({ $0 - 10 > now() }) ?? true { return .success(c) }
            do throws(KubeError) {
                let fresh = try run(runner)
                cached = fresh
                return .success(fresh)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Forgets the cached credential (the server refused it).
    public func invalidate() { cached.withLock { $0 = nil } }

    /// The `KUBERNETES_EXEC_INFO` document.
    var execInfo: KubeJSON {
        var spec: KubeJSON = ["interactive": false]
        if config.provideClusterInfo {
            var clusterInfo: KubeJSON = ["server": .string(cluster.server)]
            if let ca = cluster.tls.caPEM { clusterInfo["certificate-authority-data"] = .string(Data(ca).base64EncodedString()) }
            if cluster.tls.insecure { clusterInfo["insecure-skip-tls-verify"] = true }
            spec["cluster"] = clusterInfo
        }
        return ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": spec]
    }

    func run(_ runner: any KubeCommandRunner) throws(KubeError) -> KubeExecCredential {
        var env: [String: String] = [:]
        for v in config.env { env[v.name] = v.value }
        env["KUBERNETES_EXEC_INFO"] = execInfo.serialized
        let hint = config.installHint.map { " (\($0.trimmedKube))" } ?? ""
        let result: (status: Int32, stdout: [UInt8], stderr: [UInt8])
        do {
            result = try runner.run([config.command] + config.args, environment: env, timeoutMilliseconds: 60_000)
        } catch let error as KubeError {
            throw KubeError(error.kind == .cancelled ? .cancelled : .unauthorized,
                            "the exec credential plugin '\(config.command)' could not run: \(error.message)\(hint)")
        } catch {
            throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' could not run: \(error)\(hint)")
        }
        guard result.status == 0 else {
            let stderr = String(decoding: result.stderr.suffix(500), as: UTF8.self).trimmedKube
            throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' exited with status \(result.status)\(stderr.isEmpty ? "" : ": \(stderr)")")
        }
        let doc: KubeJSON
        do { doc = try KubeJSON(parsing: result.stdout) } catch {
            throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' printed something that is not an ExecCredential JSON document")
        }
        guard doc["kind"]?.stringValue == "ExecCredential" else {
            throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' printed kind '\(doc["kind"]?.stringValue ?? "none")', expected ExecCredential")
        }
        guard doc["apiVersion"]?.stringValue == config.apiVersion else {
            throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' answered apiVersion '\(doc["apiVersion"]?.stringValue ?? "none")' to a request for \(config.apiVersion)")
        }
        guard let status = doc["status"], case .object = status else {
            throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' printed an ExecCredential without status")
        }
        var credential = KubeExecCredential()
        credential.token = status["token"]?.stringValue
        credential.clientCertificatePEM = status["clientCertificateData"]?.stringValue.map { Array($0.utf8) }
        credential.clientKeyPEM = status["clientKeyData"]?.stringValue.map { Array($0.utf8) }
        guard credential.token != nil || (credential.clientCertificatePEM != nil && credential.clientKeyPEM != nil) else {
            throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' gave neither status.token nor status.clientCertificateData and clientKeyData")
        }
        if let stamp = status["expirationTimestamp"]?.stringValue {
            guard let t = KubeClock.parseRFC3339(stamp) else {
                throw KubeError(.unauthorized, "the exec credential plugin '\(config.command)' gave an expirationTimestamp that is not RFC 3339: \(stamp)")
            }
            credential.expiresAt = t
        }
        return credential
    }
}


/// Wall-clock time and RFC 3339 timestamps (Kubernetes' `metav1.Time`).
public enum KubeClock {
    /// Seconds since 1970.
    @Sendable public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `2026-11-30T01:02:03Z`, `…03.123456Z`, `…03+02:00` → seconds since 1970; nil when malformed.
    public static func parseRFC3339(_ s: String) -> Double? {
        let b = Array(s.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2),
              b[16] == 58, let sec = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61
        else { return nil }
        var i = 19
        var frac = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                frac += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Double(days * 86400 + h * 3600 + mi * 60 + sec - offset) + frac
    }
}
