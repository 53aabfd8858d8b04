/// A target platform, `OS/ARCH[/VARIANT]` as in `docker build --platform`.
///
/// Parsing normalises the common aliases (`x86_64` → `amd64`, `aarch64` →
/// `arm64`) and drops `arm64`'s default variant `v8`, so `linux/arm64` and
/// `linux/arm64/v8` are the same platform.
public struct Platform: Sendable, Hashable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os.lowercased()
        self.architecture = Platform.normalizedArchitecture(architecture.lowercased())
        let v = variant?.lowercased()
        self.variant = (v?.isEmpty ?? true) || (self.architecture == "arm64" && v == "v8") ? nil : v
    }

    /// Parses `linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`.
    public init(parsing text: String) throws(ImageReferenceError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let valid = { (s: String) in !s.isEmpty && s.utf8.allSatisfy { c in
            (0x61...0x7A).contains(c) || (0x41...0x5A).contains(c) || (0x30...0x39).contains(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        } }
        guard (2...3).contains(parts.count), parts.allSatisfy(valid) else { throw .invalidPlatform(text) }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    public var description: String { "\(os)/\(architecture)" + (variant.map { "/\($0)" } ?? "") }

    /// Whether an image built for `offered` serves a request for `self`: OS
    /// and architecture equal, and the variant equal when `self` names one.
    public func isSatisfied(by offered: Platform) -> Bool {
        os == offered.os && architecture == offered.architecture && (variant == nil || variant == offered.variant)
    }

    static func normalizedArchitecture(_ arch: String) -> String {
        switch arch {
        case "x86_64", "x86-64": return "amd64"
        case "aarch64": return "arm64"
        case "i386", "i686": return "386"
        default: return arch
        }
    }
}
