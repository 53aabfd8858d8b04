#if canImport(Glibc)
import Glibc
#endif

/// The steps behind `BuildContext`'s public functions.
extension BuildContext {
    static func checkedRoot(_ source: String) throws(BuildContextError) -> String {
        var root = source
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        guard let st = POSIXFiles.statPath(Array(root.utf8)), POSIXFiles.isDirectory(st) else {
            throw .sourceNotADirectory(path: source)
        }
        return root
    }

    static func relativeDockerfile(_ path: String, root: String) throws(BuildContextError) -> String {
        var rel = path
        if rel.hasPrefix("/") {
            guard rel.hasPrefix(root + "/") else { throw .dockerfileOutsideContext(path: path) }
            rel.removeFirst(root.count + 1)
        }
        let cleaned = PathBytes.string(PathBytes.clean(Array(rel.utf8)))
        guard cleaned != ".", cleaned != "..", !cleaned.hasPrefix("../") else { throw .dockerfileOutsideContext(path: path) }
        return cleaned
    }

    static func loadIgnore(root: String, dockerfile: String) throws(BuildContextError) -> DockerIgnore {
        guard let bytes = try readContextFile(root: root, ".dockerignore") else { return .empty }
        return try DockerIgnore(text: bytes, keep: [".dockerignore", dockerfile])
    }

    /// A file of the context read whole (nil if it does not exist). Symlinks
    /// are followed only while they stay inside the context: the Dockerfile
    /// may link to `docker/Dockerfile.prod`, never to `/etc/shadow`.
    static func readContextFile(root: String, _ rel: String) throws(BuildContextError) -> [UInt8]? {
        let path = root + "/" + rel
        guard POSIXFiles.lstatPath(Array(path.utf8)) != nil else { return nil }
        guard let real = POSIXFiles.realPath(path), let realRoot = POSIXFiles.realPath(root) else { return nil }
        guard real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") else {
            throw .symlinkEscapesContext(path: rel, target: real)
        }
        switch POSIXFiles.readFile(Array(path.utf8)) {
        case .success(let bytes): return bytes
        case .failure(let e) where e.code == ENOENT || e.code == ENOTDIR: return nil
        case .failure(let e): throw .unreadable(path: path, errno: e.code)
        }
    }

    static func resolve(_ ref: String, _ resolver: (String) throws -> String) throws(BuildContextError) -> String {
        if let at = ref.lastIndex(of: "@") {
            let pinned = String(ref[ref.index(after: at)...])
            guard isDigest(pinned) else { throw .baseImageUnresolved(image: ref, reason: "\"\(pinned)\" is not a digest") }
            return pinned
        }
        let digest: String
        do { digest = try resolver(ref) } catch { throw .baseImageUnresolved(image: ref, reason: "\(error)") }
        guard isDigest(digest) else {
            throw .baseImageUnresolved(image: ref, reason: "the resolver returned \"\(digest)\", not a digest")
        }
        return digest
    }

    /// `algorithm:hex`, e.g. `sha256:` + 64 hex characters.
    static func isDigest(_ s: String) -> Bool {
        guard let colon = s.firstIndex(of: ":") else { return false }
        let algorithm = s[..<colon], hex = s[s.index(after: colon)...]
        return !algorithm.isEmpty && algorithm.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+._-".contains($0)) }
            && hex.count >= 32 && hex.allSatisfy(\.isHexDigit)
            && (algorithm != "sha256" || hex.count == 64)
    }

    static func stream(_ entries: [ContextEntry], root: String, tarPath: String?, staging: String?) throws(BuildContextError) -> TarStreamResult {
        var output: FileOutput?
        let partial = tarPath.map { $0 + ".partial" }
        if let partial { output = try FileOutput(path: partial) }
        var stream = ContextTarStream(root: Array(root.utf8), tarOutput: output, stagingRoot: staging.map { Array($0.utf8) })
        do throws(BuildContextError) {
            let result = try stream.run(entries)
            if let partial, let tarPath, rename(partial, tarPath) != 0 { throw .writeFailed(path: tarPath, errno: errno) }
            return result
        } catch {
            if let partial { unlink(partial) }
            throw error
        }
    }

    static func defaultTempParent() -> String {
        let t = ProcessEnvironment.current["TMPDIR"] ?? ""
        return t.isEmpty ? "/tmp" : t
    }
}
