#if canImport(Glibc)
import Glibc
#endif

/// An `errno` value as an error.
struct Errno: Error, Equatable {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

/// Thin wrappers over the POSIX calls the context code needs, on byte paths.
enum POSIXFiles {
    /// Calls `body` with a NUL-terminated copy of `path`.
    static func withCPath<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (path + [0]).withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { body($0) }
        }
    }

    static func lstatPath(_ path: [UInt8]) -> Glibc.stat? {
        var st = Glibc.stat()
        return withCPath(path) { lstat($0, &st) } == 0 ? st : nil
    }

    static func statPath(_ path: [UInt8]) -> Glibc.stat? {
        var st = Glibc.stat()
        return withCPath(path) { stat($0, &st) } == 0 ? st : nil
    }

    /// `body` over the bytes of `array`, keeping the typed error.
    static func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(BuildContextError) -> R) throws(BuildContextError) -> R {
        let result: Result<R, BuildContextError> = array.withUnsafeBytes { raw in
            Result { () throws(BuildContextError) in try body(raw) }
        }
        return try result.get()
    }

    static func isDirectory(_ st: Glibc.stat) -> Bool { st.st_mode & S_IFMT == S_IFDIR }
    static func isRegular(_ st: Glibc.stat) -> Bool { st.st_mode & S_IFMT == S_IFREG }

    /// Names in a directory (without `.` and `..`) with their `d_type`.
    static func list(_ path: [UInt8]) -> Result<[(name: [UInt8], type: UInt8)], Errno> {
        guard let dir = withCPath(path, { opendir($0) }) else { return .failure(Errno(errno)) }
        defer { closedir(dir) }
        var out: [(name: [UInt8], type: UInt8)] = []
        while true {
            errno = 0
            guard let ent = readdir(dir) else {
                if errno != 0 { return .failure(Errno(errno)) }
                break
            }
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            out.append((name, ent.pointee.d_type))
        }
        return .success(out)
    }

    /// `realpath(3)`: absolute, with every symlink resolved; nil if it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func readLink(_ path: [UInt8]) -> Result<[UInt8], Errno> {
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = withCPath(path) { p in buf.withUnsafeMutableBufferPointer { readlink(p, $0.baseAddress!, $0.count) } }
        return n < 0 ? .failure(Errno(errno)) : .success(Array(buf[..<n]))
    }

    /// The whole file, or the errno that prevented reading it.
    static func readFile(_ path: [UInt8]) -> Result<[UInt8], Errno> {
        let fd = withCPath(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return .failure(Errno(errno)) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return .failure(Errno(errno)) }
            if n == 0 { return .success(out) }
            out += chunk[..<n]
        }
    }

    /// `write(2)` until everything is written; returns errno on failure.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 { if errno == EINTR { continue }; return errno }
            offset += n
        }
        return nil
    }

    /// `rm -rf path`, never following symlinks. Best effort.
    static func removeTree(_ path: [UInt8]) {
        guard let st = lstatPath(path) else { return }
        if isDirectory(st), case .success(let names) = list(path) {
            for entry in names { removeTree(PathBytes.join(path, entry.name)) }
            _ = withCPath(path) { rmdir($0) }
        } else {
            _ = withCPath(path) { unlink($0) }
        }
    }

    /// A new private directory `<parent>/<prefix>XXXXXX`.
    static func makeTempDirectory(in parent: String, prefix: String) -> Result<String, Errno> {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { return .failure(Errno(errno)) }
        return .success(String(cString: p))
    }
}

/// A buffered output file descriptor (the tar file or a staged copy).
final class FileOutput {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private var closed = false

    convenience init(path: String, capacity: Int = 1 << 20) throws(BuildContextError) {
        try self.init(path: Array(path.utf8), capacity: capacity)
    }

    init(path: [UInt8], capacity: Int = 1 << 20) throws(BuildContextError) {
        let fd = POSIXFiles.withCPath(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw .writeFailed(path: PathBytes.string(path), errno: errno) }
        self.path = PathBytes.string(path)
        self.fd = fd
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(BuildContextError) {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count >= capacity {
            if let e = POSIXFiles.writeAll(fd, bytes) { throw .writeFailed(path: path, errno: e) }
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    func flush() throws(BuildContextError) {
        guard !buffer.isEmpty else { return }
        let failure = buffer.withUnsafeBytes { POSIXFiles.writeAll(fd, $0) }
        buffer.removeAll(keepingCapacity: true)
        if let e = failure { throw .writeFailed(path: path, errno: e) }
    }

    /// Flushes, sets the exact mode (no umask) and closes.
    func close(mode: mode_t? = nil) throws(BuildContextError) {
        try flush()
        if let mode, fchmod(fd, mode) != 0 { throw .writeFailed(path: path, errno: errno) }
        closed = true
        if Glibc.close(fd) != 0 { throw .writeFailed(path: path, errno: errno) }
    }

    deinit { if !closed { _ = Glibc.close(fd) } }
}
