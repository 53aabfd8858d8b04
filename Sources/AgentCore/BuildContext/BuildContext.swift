#if canImport(Glibc)
import Glibc
#endif

/// Deterministic build contexts and the content-hash tags derived from them
/// (docs/build-context.md).
public enum BuildContext {
    /// Prepares `source` for a build and computes its tag, in one streaming pass.
    ///
    /// - Parameters:
    ///   - source: the context directory.
    ///   - dockerfile: path of the Dockerfile, relative to `source` (default `Dockerfile`).
    ///   - generated: generate the Dockerfile instead (Python jobs without one); the
    ///     context is then staged in a new directory under `stagingParent`
    ///     (default `$TMPDIR` or `/tmp`) with the file `Dockerfile.launch-agent`.
    ///   - buildArgs: build args; all of them enter the tag.
    ///   - platforms: target platforms the builder will build for.
    ///   - tarPath: also write the deterministic tar there (for a context store).
    ///   - resolveBase: turns an external image reference into its current digest
    ///     (`sha256:…`; for a multi-platform image, the index digest). Not called for
    ///     references already pinned with `@sha256:`.
    public static func prepare(
        source: String,
        dockerfile: String? = nil,
        generated: GeneratedDockerfile? = nil,
        buildArgs: [String: String] = [:],
        platforms: [String] = [],
        tarPath: String? = nil,
        stagingParent: String? = nil,
        resolveBase: (String) throws -> String
    ) throws(BuildContextError) -> PreparedContext {
        let root = try checkedRoot(source)
        if generated != nil, let dockerfile { throw .conflictingDockerfiles(path: dockerfile) }
        let dockerfileRel = generated == nil ? try relativeDockerfile(dockerfile ?? "Dockerfile", root: root)
                                             : GeneratedDockerfile.fileName
        let ignore = try loadIgnore(root: root, dockerfile: dockerfileRel)

        var scanner = ContextScanner(root: root, ignore: ignore)
        var extra: [ContextEntry] = []
        let text: String
        if let generated {
            let req = generated.requirementsFile
            let hasRequirements = POSIXFiles.statPath(Array((root + "/" + req).utf8)).map(POSIXFiles.isRegular) == true
                && !ignore.ignores(req)
            text = try generated.render(withRequirements: hasRequirements)
            scanner.replaced = [Array(GeneratedDockerfile.fileName.utf8)]
            extra = [ContextEntry(path: Array(GeneratedDockerfile.fileName.utf8), kind: .inline(Array(text.utf8)))]
        } else {
            let path = root + "/" + dockerfileRel
            guard let bytes = try readContextFile(root: root, dockerfileRel) else { throw .missingDockerfile(path: path) }
            text = String(decoding: bytes, as: UTF8.self)
        }

        let images = try DockerfileImages(text: text, path: dockerfileRel, buildArgs: buildArgs)
        var bases: [String: String] = [:]
        for ref in images.images { bases[ref] = try resolve(ref, resolveBase) }

        let entries = try scanner.scan(adding: extra)
        var staging: String?
        if generated != nil {
            switch POSIXFiles.makeTempDirectory(in: stagingParent ?? defaultTempParent(), prefix: "launch-agent-context-") {
            case .success(let dir):
                staging = dir
                chmod(dir, 0o755)   // like every directory in the tar; mkdtemp made it 0700
            case .failure(let e): throw .writeFailed(path: stagingParent ?? defaultTempParent(), errno: e.code)
            }
        }
        let result: TarStreamResult
        do throws(BuildContextError) {
            result = try stream(entries, root: root, tarPath: tarPath, staging: staging)
        } catch {
            if let staging { POSIXFiles.removeTree(Array(staging.utf8)) }
            throw error
        }
        let digest = ContextDigest(tarSHA256: result.sha256, dockerfile: text, buildArgs: buildArgs,
                                   platforms: platforms, baseImages: bases)
        let hex = digest.hex
        return PreparedContext(
            directory: staging ?? root, dockerfile: dockerfileRel, digest: hex,
            tag: String(hex.prefix(ContextDigest.tagLength)), tarSHA256: result.sha256, tarPath: tarPath,
            tarSize: result.tarSize, fileCount: result.fileCount, byteCount: result.byteCount,
            baseImages: bases, isStaged: staging != nil, warnings: scanner.warnings + images.warnings)
    }

    /// SHA-256 of `directory`'s deterministic context tar (its `.dockerignore`
    /// applied, `Dockerfile` kept), without writing anything.
    public static func hash(directory: String) throws(BuildContextError) -> ContextHash {
        try writeTar(directory: directory, to: nil)
    }

    /// Writes `directory`'s deterministic context tar to `path` (nil: hash only).
    /// The digest equals `sha256sum` of the file.
    public static func writeTar(directory: String, dockerfile: String = "Dockerfile", to path: String?) throws(BuildContextError) -> ContextHash {
        let root = try checkedRoot(directory)
        var scanner = ContextScanner(root: root, ignore: try loadIgnore(root: root, dockerfile: dockerfile))
        let entries = try scanner.scan()
        let r = try stream(entries, root: root, tarPath: path, staging: nil)
        return ContextHash(sha256: r.sha256, tarSize: r.tarSize, fileCount: r.fileCount, byteCount: r.byteCount,
                           warnings: scanner.warnings)
    }
}
