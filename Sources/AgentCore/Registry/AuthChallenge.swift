/// One challenge from a `WWW-Authenticate` header (RFC 9110 §11.6.1), e.g.
/// `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"`.
public struct AuthChallenge: Sendable, Equatable {
    /// Lower case: `bearer`, `basic`, ...
    public var scheme: String
    /// Parameter names lower case; quoted values unquoted.
    public var parameters: [String: String]

    public init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    public var scope: String? { parameters["scope"] }

    /// Every challenge in `headers` (each header may hold several, comma-separated).
    /// Unparseable trailing text is ignored rather than guessed at.
    public static func parse(_ headers: [String]) -> [AuthChallenge] {
        headers.flatMap { parse(header: $0) }
    }

    static func parse(header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == UInt8(ascii: ",") || isSpace($0) }
            guard let scheme = scanner.token() else { break }
            var challenge = AuthChallenge(scheme: scheme)
            // Parameters until the next "token" that is not followed by "=".
            while true {
                let mark = scanner.index
                scanner.skip { $0 == UInt8(ascii: ",") || isSpace($0) }
                guard let name = scanner.token() else { scanner.index = mark; break }
                scanner.skip(isSpace)
                guard scanner.peek == UInt8(ascii: "=") else { scanner.index = mark; break }
                scanner.index += 1
                scanner.skip(isSpace)
                let value = scanner.peek == UInt8(ascii: "\"") ? scanner.quoted() : (scanner.token() ?? "")
                challenge.parameters[name.lowercased()] = value
            }
            challenges.append(challenge)
            if scanner.atEnd { break }
        }
        return challenges
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func skip(_ predicate: (UInt8) -> Bool) {
            while let c = peek, predicate(c) { index += 1 }
        }

        /// An RFC 9110 token (token68's `/` and `=` padding are not needed here).
        mutating func token() -> String? {
            let start = index
            let special = Set("!#$%&'*+-.^_`|~/".utf8)
            skip { c in (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || special.contains(c) }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// A quoted-string with backslash escapes; an unterminated one runs to the end.
        mutating func quoted() -> String {
            index += 1
            var out: [UInt8] = []
            while let c = peek {
                index += 1
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\"), let next = peek { out.append(next); index += 1; continue }
                out.append(c)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
