/// What the agent presents to one registry. All fields empty means anonymous.
///
/// Printing a value (`description`, `debugDescription`, `dump`) shows the
/// username and which secrets are set, never the secrets themselves; use
/// `registerSecrets()` before a secret can reach any log.
public struct RegistryCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var username: String?
    public var password: String?
    /// An OAuth2 refresh token (`identitytoken` in the docker config, or a
    /// helper answering with Username `<token>`), exchanged at the token service.
    public var identityToken: String?
    /// A bearer token sent to the registry as is (`registrytoken`).
    public var registryToken: String?

    public init(username: String? = nil, password: String? = nil, identityToken: String? = nil, registryToken: String? = nil) {
        self.username = username.flatMap { $0.isEmpty ? nil : $0 }
        self.password = password.flatMap { $0.isEmpty ? nil : $0 }
        self.identityToken = identityToken.flatMap { $0.isEmpty ? nil : $0 }
        self.registryToken = registryToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    public static let anonymous = RegistryCredentials()

    public var isAnonymous: Bool { password == nil && identityToken == nil && registryToken == nil }

    /// Registers every secret (and the Basic header made from them) with the redactor.
    public func registerSecrets() {
        for secret in [password, identityToken, registryToken].compactMap({ $0 }) { Redactor.shared.register(secret) }
        if let basic = basicAuthorization { Redactor.shared.register(String(basic.dropFirst("Basic ".count))) }
    }

    /// `Basic base64(user:password)` when both are set.
    var basicAuthorization: String? {
        guard let username, let password else { return nil }
        return "Basic " + Base64.encode(Array("\(username):\(password)".utf8))
    }

    public var description: String {
        var parts: [String] = []
        if let username { parts.append("username: \(username)") }
        if password != nil { parts.append("password: set") }
        if identityToken != nil { parts.append("identity token: set") }
        if registryToken != nil { parts.append("registry token: set") }
        return "RegistryCredentials(\(parts.isEmpty ? "anonymous" : parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

/// Credentials plus where they were found, for messages such as "the
/// registry rejected the credentials from credHelpers[…]".
public struct ResolvedCredentials: Sendable, Equatable {
    public var credentials: RegistryCredentials
    /// Human-readable origin, never containing a secret.
    public var source: String

    public init(_ credentials: RegistryCredentials, source: String) {
        self.credentials = credentials
        self.source = source
    }
}

/// Standard base64 (RFC 4648 §4), padded; decoding ignores whitespace.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c + 4)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "/"), UInt8(ascii: "_"): values.append(63)
            case UInt8(ascii: "="), 0x20, 0x09, 0x0A, 0x0D: continue
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < values.count {
            out.append(values[i] << 2 | values[i + 1] >> 4)
            if i + 2 < values.count { out.append(values[i + 1] << 4 | values[i + 2] >> 2) }
            if i + 3 < values.count { out.append(values[i + 2] << 6 | values[i + 3]) }
            i += 4
        }
        return out
    }
}
