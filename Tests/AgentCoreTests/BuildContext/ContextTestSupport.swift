import FoundationEssentials
import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

/// Builds small source trees for the build-context tests.
struct TestTree {
    let root: String

    init(_ label: String = "ctx") { root = TestSupport.makeTempDir("la-\(label)") }

    /// Writes `text` at `path` (parents created) with `mode`.
    @discardableResult
    func file(_ path: String, _ text: String = "", mode: mode_t = 0o644) -> TestTree {
        bytes(path, Array(text.utf8), mode: mode)
    }

    @discardableResult
    func bytes(_ path: String, _ content: [UInt8], mode: mode_t = 0o644) -> TestTree {
        dir(Self.parent(of: path))
        let full = root + "/" + path
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(full)")
        content.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
        chmod(full, mode)
        return self
    }

    @discardableResult
    func dir(_ path: String) -> TestTree {
        if !path.isEmpty { TestSupport.shell("mkdir -p '\(root)/\(path)'") }
        return self
    }

    @discardableResult
    func link(_ path: String, to target: String) -> TestTree {
        dir(Self.parent(of: path))
        symlink(target, root + "/" + path)
        return self
    }

    /// `cp -a` to a new directory elsewhere.
    func copy(_ label: String = "copy") -> TestTree {
        let other = TestTree(label)
        TestSupport.shell("cp -a '\(root)/.' '\(other.root)/'")
        return other
    }

    func sh(_ command: String) -> String {
        let r = TestSupport.shell("cd '\(root)' && \(command)")
        precondition(r.status == 0, "\(command): \(r.output)")
        return r.output
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    func remove() { TestSupport.shell("rm -rf '\(root)'") }
}


enum Resolvers {
    /// A fixed digest for every reference.
    static func fixed(_ digest: String = "sha256:" + String(repeating: "a", count: 64)) -> (String) throws -> String {
        { _ in digest }
    }

    static func digest(_ seed: String) -> String { "sha256:" + SHA256.hex(of: Array(seed.utf8)) }
}
