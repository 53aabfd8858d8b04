/// The content hash that names an image: everything that decides what the
/// build produces, and nothing about the machine that computed it.
///
/// `hex` is SHA-256 over this byte manifest, each value as
/// `<key> <byte length>\n<bytes>\n` after the line `launch-agent context v1\n`:
///
/// - `tar`: `sha256:<hex>` of the deterministic context tar;
/// - `dockerfile`: the Dockerfile text;
/// - `arg`: `NAME=value` for every build arg, sorted by name (bytewise);
/// - `platform`: each target platform, sorted, duplicates removed
///   (none given: one record `default`);
/// - `base`: `<reference> <digest>` for every external image, sorted.
///
/// `tag` is the first `tagLength` (20) hex characters: 80 bits.
public struct ContextDigest: Sendable, Equatable {
    public static let tagLength = 20

    public var tarSHA256: String
    public var dockerfile: String
    public var buildArgs: [String: String]
    public var platforms: [String]
    /// External image reference → digest (`sha256:…`).
    public var baseImages: [String: String]

    public init(tarSHA256: String, dockerfile: String, buildArgs: [String: String] = [:],
                platforms: [String] = [], baseImages: [String: String] = [:]) {
        self.tarSHA256 = tarSHA256
        self.dockerfile = dockerfile
        self.buildArgs = buildArgs
        self.platforms = platforms
        self.baseImages = baseImages
    }

    /// The bytes that are hashed.
    public var manifest: [UInt8] {
        func bytewise(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        var out = Array("launch-agent context v1\n".utf8)
        func record(_ key: String, _ value: String) {
            out += Array("\(key) \(value.utf8.count)\n".utf8) + Array(value.utf8) + [0x0A]
        }
        record("tar", "sha256:" + tarSHA256)
        record("dockerfile", dockerfile)
        for name in buildArgs.keys.sorted(by: bytewise) { record("arg", "\(name)=\(buildArgs[name]!)") }
        let platformSet = Set(platforms).sorted(by: bytewise)
        for p in platformSet.isEmpty ? ["default"] : platformSet { record("platform", p) }
        for ref in baseImages.keys.sorted(by: bytewise) { record("base", "\(ref) \(baseImages[ref]!)") }
        return out
    }

    /// Full SHA-256, 64 hex characters.
    public var hex: String { SHA256.hex(of: manifest) }

    /// The image tag: the first 20 hex characters of `hex`.
    public var tag: String { String(hex.prefix(Self.tagLength)) }
}
