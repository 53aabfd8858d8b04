#if canImport(Glibc)
import Glibc
#endif

/// What one pass over the context produced.
struct TarStreamResult: Sendable {
    var sha256: String
    var tarSize: UInt64
    var fileCount: Int
    var byteCount: UInt64
}

/// Streams sorted context entries as a deterministic tar through SHA-256,
/// optionally into a tar file and a staging copy of the tree, in one pass.
/// Never holds more than one read buffer of file content in memory.
struct ContextTarStream {
    let root: [UInt8]
    var tarOutput: FileOutput?
    var stagingRoot: [UInt8]?
    private var hasher = StreamHasher()
    private var tarSize: UInt64 = 0

    init(root: [UInt8], tarOutput: FileOutput? = nil, stagingRoot: [UInt8]? = nil) {
        self.root = root
        self.tarOutput = tarOutput
        self.stagingRoot = stagingRoot
    }

    mutating func run(_ entries: [ContextEntry]) throws(BuildContextError) -> TarStreamResult {
        var files = 0
        var bytes: UInt64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 64)
        defer { buffer.deallocate() }
        for entry in entries {
            switch entry.kind {
            case .directory:
                try emit(TarFormat.header(name: entry.path + [PathBytes.slash], type: .directory, mode: 0o755, size: 0))
                try stage(entry.path) { p in mkdir(p, 0o755) == 0 && chmod(p, 0o755) == 0 }
            case .symlink(let target):
                try emit(TarFormat.header(name: entry.path, type: .symlink, mode: 0o777, size: 0, link: target))
                try stage(entry.path) { p in POSIXFiles.withCPath(target) { symlink($0, p) } == 0 }
            case .inline(let content):
                try emit(TarFormat.header(name: entry.path, type: .file, mode: 0o644, size: UInt64(content.count)))
                let out = try stagedFile(entry.path)
                try POSIXFiles.withBytes(content) { raw throws(BuildContextError) in
                    try emit(raw)
                    try out?.write(raw)
                }
                try emit(TarFormat.padding(UInt64(content.count)))
                try out?.close(mode: 0o644)
                files += 1
                bytes += UInt64(content.count)
            case .file:
                bytes += try copyFile(entry.path, buffer: buffer)
                files += 1
            }
        }
        try emit(TarFormat.trailer)
        try tarOutput?.close()
        return TarStreamResult(sha256: hasher.finalizeHex(), tarSize: tarSize, fileCount: files, byteCount: bytes)
    }

    private mutating func emit(_ bytes: [UInt8]) throws(BuildContextError) {
        try POSIXFiles.withBytes(bytes) { raw throws(BuildContextError) in try emit(raw) }
    }

    private mutating func emit(_ raw: UnsafeRawBufferPointer) throws(BuildContextError) {
        hasher.update(raw)
        tarSize += UInt64(raw.count)
        try tarOutput?.write(raw)
    }

    /// Header, exactly `size` bytes of content (the size read before), padding.
    private mutating func copyFile(_ rel: [UInt8], buffer: UnsafeMutableRawBufferPointer) throws(BuildContextError) -> UInt64 {
        let path = PathBytes.join(root, rel)
        let fd = POSIXFiles.withCPath(path) { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { throw .unreadable(path: PathBytes.string(path), errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .unreadable(path: PathBytes.string(path), errno: errno) }
        guard POSIXFiles.isRegular(st) else { throw .fileChanged(path: PathBytes.string(path)) }
        let size = UInt64(st.st_size)
        let mode: mode_t = st.st_mode & 0o111 != 0 ? 0o755 : 0o644
        try emit(TarFormat.header(name: rel, type: .file, mode: UInt32(mode), size: size))
        let out = try stagedFile(rel)
        var done: UInt64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: PathBytes.string(path), errno: errno)
            }
            if n == 0 { break }
            guard done + UInt64(n) <= size else { throw .fileChanged(path: PathBytes.string(path)) }
            done += UInt64(n)
            let part = UnsafeRawBufferPointer(rebasing: buffer[..<n])
            try emit(part)
            try out?.write(part)
        }
        guard done == size else { throw .fileChanged(path: PathBytes.string(path)) }
        try emit(TarFormat.padding(size))
        try out?.close(mode: mode)
        return size
    }

    private func stagedFile(_ rel: [UInt8]) throws(BuildContextError) -> FileOutput? {
        guard let stagingRoot else { return nil }
        return try FileOutput(path: PathBytes.join(stagingRoot, rel), capacity: 0)
    }

    private func stage(_ rel: [UInt8], _ make: (UnsafePointer<CChar>) -> Bool) throws(BuildContextError) {
        guard let stagingRoot else { return }
        let path = PathBytes.join(stagingRoot, rel)
        guard POSIXFiles.withCPath(path, make) else { throw .writeFailed(path: PathBytes.string(path), errno: errno) }
    }
}
