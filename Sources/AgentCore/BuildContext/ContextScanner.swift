#if canImport(Glibc)
import Glibc
#endif

/// One entry of the context, by its path relative to the context root.
struct ContextEntry: Sendable {
    enum Kind: Sendable, Equatable {
        case directory
        case file
        /// A file whose bytes come from memory (the generated Dockerfile).
        case inline([UInt8])
        case symlink(target: [UInt8])
    }
    var path: [UInt8]
    var kind: Kind

    var sortKey: [UInt8] { kind == .directory ? path + [PathBytes.slash] : path }
}

/// Walks a context directory without following symlinks, applies
/// `.dockerignore`, and returns the entries sorted bytewise by tar name.
struct ContextScanner {
    let root: [UInt8]
    let ignore: DockerIgnore
    /// Relative paths left out whatever `.dockerignore` says (replaced by an inline entry).
    var replaced: Set<[UInt8]> = []
    private(set) var warnings: [String] = []
    private var entries: [ContextEntry] = []
    private var included: Set<[UInt8]> = []

    init(root: String, ignore: DockerIgnore) {
        var r = Array(root.utf8)
        while r.count > 1, r.last == PathBytes.slash { r.removeLast() }
        self.root = r
        self.ignore = ignore
    }

    mutating func scan(adding extra: [ContextEntry] = []) throws(BuildContextError) -> [ContextEntry] {
        entries = []
        included = []
        try walk([], parentIncluded: true)
        for e in extra { add(e, parentIncluded: false) }
        // By tar name (directories end with `/`), bytewise: every directory
        // comes right before its own contents, which stay contiguous.
        entries.sort { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
        return entries
    }

    private func absolute(_ rel: [UInt8]) -> [UInt8] { PathBytes.join(root, rel) }

    private mutating func walk(_ dir: [UInt8], parentIncluded: Bool) throws(BuildContextError) {
        let names: [(name: [UInt8], type: UInt8)]
        switch POSIXFiles.list(absolute(dir)) {
        case .success(let n): names = n
        case .failure(let e): throw .unreadable(path: PathBytes.string(absolute(dir)), errno: e.code)
        }
        for (name, dtype) in names {
            let rel = PathBytes.join(dir, name)
            if replaced.contains(rel) { continue }
            var type = dtype
            if type == UInt8(DT_UNKNOWN) {
                guard let st = POSIXFiles.lstatPath(absolute(rel)) else {
                    throw .unreadable(path: PathBytes.string(absolute(rel)), errno: errno)
                }
                type = Self.direntType(st.st_mode)
            }
            let ignored = ignore.ignores(bytes: rel)
            switch type {
            case UInt8(DT_DIR):
                if !ignored {
                    add(ContextEntry(path: rel, kind: .directory), parentIncluded: parentIncluded)
                    try walk(rel, parentIncluded: true)
                } else if ignore.mayReinclude(below: rel) {
                    try walk(rel, parentIncluded: false)
                }
            case UInt8(DT_REG) where !ignored:
                add(ContextEntry(path: rel, kind: .file), parentIncluded: parentIncluded)
            case UInt8(DT_LNK) where !ignored:
                let target: [UInt8]
                switch POSIXFiles.readLink(absolute(rel)) {
                case .success(let t): target = t
                case .failure(let e): throw .unreadable(path: PathBytes.string(absolute(rel)), errno: e.code)
                }
                guard PathBytes.staysInside(link: rel, target: target) else {
                    throw .symlinkEscapesContext(path: PathBytes.string(rel), target: PathBytes.string(target))
                }
                add(ContextEntry(path: rel, kind: .symlink(target: target)), parentIncluded: parentIncluded)
            case UInt8(DT_REG), UInt8(DT_LNK):
                continue
            default:
                if !ignored {
                    warnings.append("skipped \(PathBytes.string(rel)): not a regular file, directory or symlink")
                }
            }
        }
    }

    /// Adds an entry; when its parent directory was ignored (a `!` pattern
    /// re-included the entry), adds the missing parent directories too.
    private mutating func add(_ entry: ContextEntry, parentIncluded: Bool) {
        if !parentIncluded {
            var prefix: [UInt8] = []
            for part in entry.path.split(separator: PathBytes.slash).dropLast() {
                prefix = PathBytes.join(prefix, Array(part))
                if included.insert(prefix).inserted { entries.append(ContextEntry(path: prefix, kind: .directory)) }
            }
        }
        if entry.kind == .directory {
            guard included.insert(entry.path).inserted else { return }
        }
        entries.append(entry)
    }

    private static func direntType(_ mode: mode_t) -> UInt8 {
        switch mode & S_IFMT {
        case S_IFDIR: return UInt8(DT_DIR)
        case S_IFREG: return UInt8(DT_REG)
        case S_IFLNK: return UInt8(DT_LNK)
        default: return UInt8(DT_FIFO)
        }
    }
}
