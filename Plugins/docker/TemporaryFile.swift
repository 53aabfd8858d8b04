#if canImport(Glibc)
import Glibc
#endif
import LaunchAgentPluginKit

/// A private (0600) temporary file, removed when the value is released.
final class TemporaryFile {
    let path: String

    init() throws {
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(dir)/launch-agent-docker-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw PluginError(.io, "cannot create a temporary file in \(dir): \(String(cString: strerror(errno)))") }
        close(fd)
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { unlink(path) }

    /// The file's text, or nil when it cannot be read.
    func contents() -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
