/// A parsed image reference: `REGISTRY/REPOSITORY[:TAG][@DIGEST]`, normalised
/// with Docker's rules.
///
/// - A first path part is a registry when it contains a `.` or a `:`, is
///   `localhost`, or has upper-case letters; otherwise the registry is
///   `docker.io` (and `index.docker.io` is spelt `docker.io`).
/// - A single-part Docker Hub name gains `library/` (`python` →
///   `docker.io/library/python`).
/// - An `https://` or `http://` prefix is dropped (W&B accepts it in
///   `builder.destination`); which scheme is used is decided by the client.
/// - The repository must be lower case.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// `host[:port]`, lower case; `docker.io` for Docker Hub.
    public var registry: String
    /// The path inside the registry, e.g. `library/python` or `team/app`.
    public var repository: String
    public var tag: String?
    /// `algorithm:hex`, e.g. `sha256:…`.
    public var digest: String?

    public static let dockerHub = "docker.io"

    public init(registry: String, repository: String, tag: String? = nil, digest: String? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// `registry/repository`, no tag or digest.
    public var name: String { "\(registry)/\(repository)" }

    /// The canonical form, e.g. `docker.io/library/python:3.11`.
    public var description: String {
        name + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
    }

    /// What goes in `/v2/<name>/manifests/<reference>`: the digest when there
    /// is one, else the tag, else `latest` (Docker's default).
    public var manifestReference: String { digest ?? tag ?? "latest" }

    /// The host that serves the registry API (`registry-1.docker.io` for Docker Hub).
    public var apiHost: String { registry == ImageReference.dockerHub ? "registry-1.docker.io" : registry }

    /// Parses `text` as Docker would (`docker pull TEXT`).
    public static func parse(_ text: String) throws(ImageReferenceError) -> ImageReference {
        let original = text
        var rest = Substring(text)
        for scheme in ["https://", "http://"] where rest.lowercased().hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
        }
        guard !rest.isEmpty else { throw .empty }
        if rest.contains(where: { $0.isWhitespace }) {
            throw .invalidFormat(reference: original, reason: "it contains whitespace")
        }

        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let d = String(rest[rest.index(after: at)...])
            guard isValidDigest(d) else { throw .invalidDigest(reference: original, digest: d) }
            digest = d
            rest = rest[..<at]
        }
        var tag: String?
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let t = String(rest[rest.index(after: colon)...])
            guard isValidTag(t) else { throw .invalidTag(reference: original, tag: t) }
            tag = t
            rest = rest[..<colon]
        }

        var registry = dockerHub
        var path = rest
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                guard isValidRegistry(first) else { throw .invalidRegistry(reference: original, registry: String(first)) }
                registry = first.lowercased()
                path = rest[rest.index(after: slash)...]
            }
        }
        if registry == "index.docker.io" { registry = dockerHub }
        if registry == dockerHub, !path.contains("/") { path = "library/" + path }

        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for component in components where !isValidComponent(component) {
            if isValidComponent(Substring(component.lowercased())) { throw .uppercaseRepository(reference: original) }
            let shown = component.isEmpty ? "an empty path part" : "path part '\(component)'"
            throw .invalidFormat(reference: original, reason: "\(shown) must be lower-case letters and digits separated by '.', '_', '__' or '-'")
        }
        guard registry.utf8.count + 1 + path.utf8.count <= 255 else { throw .nameTooLong(reference: original) }
        return ImageReference(registry: registry, repository: String(path), tag: tag, digest: digest)
    }

    /// Parses `builder.destination`: a repository that the agent will tag
    /// itself, so a tag or digest is an error.
    public static func destination(_ text: String) throws(ImageReferenceError) -> ImageReference {
        var bare = Substring(text)
        var hadScheme = false
        for scheme in ["https://", "http://"] where bare.lowercased().hasPrefix(scheme) {
            bare = bare.dropFirst(scheme.count)
            hadScheme = true
        }
        while bare.hasSuffix("/") { bare = bare.dropLast() }
        // "myreg.example.com[:5000]" alone would be Docker Hub's library/myreg.example.com:
        // almost certainly a registry host with the repository left out.
        let host = bare.prefix { $0 != ":" && $0 != "@" }
        if !bare.contains("/"), !bare.isEmpty, hadScheme || host.contains(".") || host == "localhost" {
            throw .missingRepository(destination: String(bare))
        }
        let reference = try parse(String(bare))
        guard reference.tag == nil, reference.digest == nil else { throw .tagNotAllowedInDestination(destination: text) }
        return reference
    }

    /// `destination:tag`, the image the agent builds and checks for.
    public static func image(destination: String, tag: String) throws(ImageReferenceError) -> ImageReference {
        try self.destination(destination).tagged(tag)
    }

    /// This repository with `tag` and no digest.
    public func tagged(_ tag: String) throws(ImageReferenceError) -> ImageReference {
        guard ImageReference.isValidTag(tag) else { throw .invalidTag(reference: "\(name):\(tag)", tag: tag) }
        return ImageReference(registry: registry, repository: repository, tag: tag)
    }

    // MARK: Grammar

    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128, isWord(first) else { return false }
        return bytes.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func isValidDigest(_ digest: String) -> Bool {
        let parts = digest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].utf8.count >= 32 else { return false }
        let algorithm = parts[0], hex = parts[1]
        guard algorithm.utf8.allSatisfy({ isLowerAlnum($0) || "+.-_".utf8.contains($0) }),
              hex.utf8.allSatisfy({ isLowerAlnum($0) || (0x41...0x46).contains($0) }) else { return false }
        let lowerHex = hex.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        switch algorithm {
        case "sha256": return lowerHex && hex.utf8.count == 64
        case "sha512": return lowerHex && hex.utf8.count == 128
        default: return true
        }
    }

    /// `host[:port]`: DNS labels (letters, digits, inner '-') joined by '.', or `[IPv6]`.
    static func isValidRegistry(_ text: Substring) -> Bool {
        var host = text
        if let close = text.lastIndex(of: "]"), text.first == "[" {
            host = text[...close]
            let port = text[text.index(after: close)...]
            guard port.isEmpty || (port.first == ":" && isValidPort(port.dropFirst())) else { return false }
            let inner = host.dropFirst().dropLast()
            return !inner.isEmpty && inner.utf8.allSatisfy { isHexOrColon($0) || $0 == UInt8(ascii: ".") }
        }
        if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            guard isValidPort(text[text.index(after: colon)...]) else { return false }
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            let b = Array(label.utf8)
            guard let f = b.first, let l = b.last, isAlnum(f), isAlnum(l) else { return false }
            return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// One repository path part: `[a-z0-9]+` runs joined by `.`, `_`, `__` or `-+`.
    static func isValidComponent(_ component: Substring) -> Bool {
        let b = Array(component.utf8)
        guard let f = b.first, let l = b.last, isLowerAlnum(f), isLowerAlnum(l) else { return false }
        var i = 0
        while i < b.count {
            if isLowerAlnum(b[i]) { i += 1; continue }
            var j = i
            while j < b.count, !isLowerAlnum(b[j]) { j += 1 }
            let run = b[i..<j]
            let ok = run.elementsEqual([UInt8(ascii: ".")]) || run.allSatisfy { $0 == UInt8(ascii: "_") } && run.count <= 2
                || run.allSatisfy { $0 == UInt8(ascii: "-") }
            guard ok else { return false }
            i = j
        }
        return true
    }

    private static func isValidPort(_ s: Substring) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 5, s.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int(s) else { return false }
        return (1...65535).contains(n)
    }
    private static func isLowerAlnum(_ c: UInt8) -> Bool { (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) }
    private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (0x41...0x5A).contains(c) }
    private static func isWord(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") }
    private static func isHexOrColon(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x61...0x66).contains(c) || (0x41...0x46).contains(c) || c == UInt8(ascii: ":")
    }
}
