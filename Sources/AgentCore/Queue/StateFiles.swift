#if canImport(Glibc)
import Glibc
#endif

/// The plain-file operations the queue is built on. A record is replaced
/// atomically: written to a temporary file in the same directory, flushed
/// with `fsync`, renamed over the old one, and the directory flushed too, so
/// after a crash (even a power cut) the record is either the old one or the
/// new one, never a mix. Temporary files start with '.' and end in `.tmp`.
enum StateFiles {
    static let tempSuffix = ".tmp"

    /// The whole file, or nil if it does not exist.
    static func read(_ path: String) throws(QueueError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(QueueError) {
        let dir = directory(of: path)
        let name = String(path[path.index(after: path.lastIndex(of: "/")!)...])
        var rng = SystemRandomNumberGenerator()
        let temp = "\(dir)/.\(name).\(getpid())-\(String(rng.next(), radix: 16))\(tempSuffix)"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(operation: "create", path: temp, errno: errno) }
        var failure: QueueError?
        if let e = writeAll(fd, bytes) { failure = .io(operation: "write", path: temp, errno: e) }
        if failure == nil, fsync(fd) != 0 { failure = .io(operation: "flush", path: temp, errno: errno) }
        close(fd)
        if failure == nil, rename(temp, path) != 0 { failure = .io(operation: "replace", path: path, errno: errno) }
        if let failure {
            unlink(temp)
            throw failure
        }
        try syncDirectory(dir)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return nil
    }

    /// Makes a rename or unlink in `dir` survive a crash.
    static func syncDirectory(_ dir: String) throws(QueueError) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: dir, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0, errno != EINVAL { throw .io(operation: "flush", path: dir, errno: errno) }
    }

    /// Names in `dir` (not `.` and `..`), unsorted.
    static func list(_ dir: String) throws(QueueError) -> [String] {
        guard let d = opendir(dir) else { throw .io(operation: "list", path: dir, errno: errno) }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `mkdir -p` with `mode` for the directories it creates.
    static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(QueueError) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0, errno != EEXIST { throw .io(operation: "create directory", path: current, errno: errno) }
        }
        if JobPaths.kind(of: path) != .directory { throw .io(operation: "use directory", path: path, errno: ENOTDIR) }
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    static func directory(of path: String) -> String { JobPaths.directory(of: path) }
}
