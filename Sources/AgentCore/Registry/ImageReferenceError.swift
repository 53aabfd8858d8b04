/// Why a string is not a usable image reference, destination or platform.
///
/// Each message quotes the offending text and says what a valid one looks like.
public enum ImageReferenceError: Error, Equatable, CustomStringConvertible, Sendable {
    case empty
    /// The text does not have the shape `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`.
    case invalidFormat(reference: String, reason: String)
    /// Docker repository names are lower case only.
    case uppercaseRepository(reference: String)
    case invalidRegistry(reference: String, registry: String)
    case invalidTag(reference: String, tag: String)
    case invalidDigest(reference: String, digest: String)
    /// Registry plus repository longer than Docker's 255-character limit.
    case nameTooLong(reference: String)
    /// `builder.destination` carried a tag or digest.
    case tagNotAllowedInDestination(destination: String)
    /// `builder.destination` names a registry host but no repository.
    case missingRepository(destination: String)
    /// A platform string that is not `OS/ARCH[/VARIANT]`.
    case invalidPlatform(String)

    public var description: String {
        switch self {
        case .empty:
            return "image reference is empty"
        case .invalidFormat(let reference, let reason):
            return "invalid image reference '\(reference)': \(reason)"
        case .uppercaseRepository(let reference):
            return "invalid image reference '\(reference)': repository name must be lowercase"
        case .invalidRegistry(let reference, let registry):
            return "invalid image reference '\(reference)': '\(registry)' is not a valid registry host[:port]"
        case .invalidTag(let reference, let tag):
            return "invalid image reference '\(reference)': tag '\(tag)' must be 1-128 characters of letters, digits, '_', '.' or '-', not starting with '.' or '-'"
        case .invalidDigest(let reference, let digest):
            return "invalid image reference '\(reference)': digest '\(digest)' must look like sha256:<64 lower-case hex digits>"
        case .nameTooLong(let reference):
            return "invalid image reference '\(reference)': registry plus repository name is longer than 255 characters"
        case .tagNotAllowedInDestination(let destination):
            return "tag not allowed in builder.destination: the agent tags images itself (got '\(destination)'; drop the ':tag' or '@digest' part)"
        case .missingRepository(let destination):
            return "builder.destination '\(destination)' names a registry but no repository: use '\(destination)/REPOSITORY'"
        case .invalidPlatform(let text):
            return "invalid platform '\(text)': use OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64"
        }
    }
}
