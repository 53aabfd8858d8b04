/// URI encoding as SigV4 defines it: every byte except the unreserved characters `A-Z a-z 0-9 - _ . ~`
/// becomes `%XX` (upper-case hex), spaces included (never `+`).
public enum AWSURI {
    private static let hex = Array("0123456789ABCDEF".utf8)

    static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }

    /// Percent-encodes `text`; `/` is kept when `keepSlash` (paths).
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out: [UInt8] = []
        for b in text.utf8 {
            if isUnreserved(b) || (keepSlash && b == 0x2F) {
                out.append(b)
            } else {
                out += [0x25, hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The wire path for an object key or any decoded path: each segment encoded, `/` kept.
    /// `encodePath("/team/my file.tar")` is `/team/my%20file.tar`.
    public static func encodePath(_ decoded: String) -> String { encode(decoded, keepSlash: true) }

    /// Decodes `%XX` escapes (and nothing else: `+` stays `+`). Malformed escapes are kept as they are.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count,
               let v = Hex.decode(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self)) {
                out.append(v[0])
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `a=1&b=2` for the items, encoded, in the order given.
    public static func queryString(_ items: [(name: String, value: String)]) -> String {
        items.map { "\(encode($0.name))=\(encode($0.value))" }.joined(separator: "&")
    }
}

/// An absolute `http(s)` URL split the way SigV4 needs it. `path` is the wire path, as sent (already
/// percent-encoded); `query` holds the *decoded* query items in their original order.
public struct AWSURL: Sendable, Equatable {
    public var scheme: String
    /// Host name, lower-case, without port.
    public var host: String
    public var port: Int?
    public var path: String
    public var query: [QueryItem]

    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    public init(scheme: String, host: String, port: Int? = nil, path: String = "/", query: [QueryItem] = []) {
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        self.port = port
        self.path = path.isEmpty ? "/" : path
        self.query = query
    }

    /// Parses `scheme://host[:port][/path][?query]`; query items are decoded (`%XX`; `+` is kept).
    public init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let scheme = String(text[..<schemeEnd.lowerBound]).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = Substring(text[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = String(authority)
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        }
        guard !host.isEmpty else { return nil }
        rest = rest[authorityEnd...]
        var path = rest
        var query: [QueryItem] = []
        if let q = rest.firstIndex(of: "?") {
            path = rest[..<q]
            for pair in rest[rest.index(after: q)...].split(separator: "&", omittingEmptySubsequences: true) {
                if let eq = pair.firstIndex(of: "=") {
                    query.append(QueryItem(AWSURI.decode(String(pair[..<eq])), AWSURI.decode(String(pair[pair.index(after: eq)...]))))
                } else {
                    query.append(QueryItem(AWSURI.decode(String(pair)), ""))
                }
            }
        }
        self.init(scheme: scheme, host: host, port: port, path: String(path), query: query)
    }

    /// `host` or `host:port` when the port is not the scheme's default: the `Host` header.
    public var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else { return host }
        return "\(host):\(port)"
    }

    /// The URL to send: the wire path and the query encoded with SigV4's rules, in the original order.
    public var string: String {
        var text = "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)"
        if !query.isEmpty { text += "?" + AWSURI.queryString(query.map { ($0.name, $0.value) }) }
        return text
    }
}
