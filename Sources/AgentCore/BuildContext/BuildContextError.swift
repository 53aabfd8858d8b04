#if canImport(Glibc)
import Glibc
#endif

/// Why a build context could not be prepared or hashed. Every case names the
/// file or image it is about; `description` is the line to show the user.
public enum BuildContextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source directory does not exist or is not a directory.
    case sourceNotADirectory(path: String)
    /// The Dockerfile to build was not found (absolute path).
    case missingDockerfile(path: String)
    /// The Dockerfile path leaves the context directory.
    case dockerfileOutsideContext(path: String)
    /// Both a Dockerfile path and a generated Dockerfile were given.
    case conflictingDockerfiles(path: String)
    /// A file or directory could not be read (absolute path, errno).
    case unreadable(path: String, errno: Int32)
    /// A file changed size while it was being read; the hash would not match the bytes sent.
    case fileChanged(path: String)
    /// A symlink whose target lies outside the context (relative path inside the context).
    case symlinkEscapesContext(path: String, target: String)
    /// A `.dockerignore` line that Docker would reject too.
    case invalidDockerignore(line: Int, pattern: String)
    /// The Dockerfile could not be parsed far enough to find its base images.
    case invalidDockerfile(path: String, line: Int, reason: String)
    /// The resolver could not turn a base image reference into a digest.
    case baseImageUnresolved(image: String, reason: String)
    /// A field of the generated Dockerfile is not acceptable (e.g. whitespace in the base image).
    case invalidGeneratedDockerfile(reason: String)
    /// Writing the tar or the staging directory failed (absolute path, errno).
    case writeFailed(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .sourceNotADirectory(let p): return "build context: source \(p) is not a directory"
        case .missingDockerfile(let p): return "build context: Dockerfile not found: \(p)"
        case .dockerfileOutsideContext(let p):
            return "build context: Dockerfile \(p) is outside the context directory"
        case .conflictingDockerfiles(let p):
            return "build context: both a Dockerfile (\(p)) and a generated Dockerfile were given; use one"
        case .unreadable(let p, let e): return "build context: cannot read \(p): \(Self.message(e))"
        case .fileChanged(let p):
            return "build context: \(p) changed while it was being read; retry when the source is stable"
        case .symlinkEscapesContext(let p, let t):
            return "build context: symlink \(p) -> \(t) points outside the context; "
                + "exclude it in .dockerignore or make it relative and inside the context"
        case .invalidDockerignore(let line, let pattern):
            return "build context: .dockerignore:\(line): invalid pattern \"\(pattern)\""
        case .invalidDockerfile(let p, let line, let reason): return "build context: \(p):\(line): \(reason)"
        case .baseImageUnresolved(let image, let reason):
            return "build context: cannot resolve base image \(image) to a digest: \(reason)"
        case .invalidGeneratedDockerfile(let reason): return "build context: generated Dockerfile: \(reason)"
        case .writeFailed(let p, let e): return "build context: cannot write \(p): \(Self.message(e))"
        }
    }

    static func message(_ code: Int32) -> String { String(cString: strerror(code)) }
}
