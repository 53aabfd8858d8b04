import AWSCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

enum AWSTestSupport {
    static let testsDir: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    }()
    static var fixturesDir: String { testsDir + "/Fixtures" }

    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func write(_ text: String, to path: String) {
        // O_CLOEXEC: a test on another thread may spawn a process meanwhile; an inherited write
        // descriptor would make exec of this file (a script a test runs) fail with ETXTBSY.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            offset += n
        }
        close(fd)
    }

    static func makeTempDir(_ label: String) -> String {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { fatalError("mkdtemp failed") }
        return String(cString: p)
    }

    /// Runs a shell command; exit status and combined output.
    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) {
        guard let pipe = popen("(\(command)) 2>&1", "r") else { return (-1, "popen failed") }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, pipe)
            if n <= 0 { break }
            output.append(contentsOf: chunk[0..<n])
        }
        let status = pclose(pipe)
        return ((status >> 8) & 0xFF, String(decoding: output, as: UTF8.self))
    }

    /// A free TCP port on 127.0.0.1.
    static func freePort() -> Int {
        let r = shell("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'")
        return Int(r.output.split(whereSeparator: \.isNewline).first ?? "") ?? 0
    }
}

/// A transport that records requests and answers from a closure (for chain tests without a server).
final class FakeTransport: AWSTransport, @unchecked Sendable {
    let handler: @Sendable (AWSRequest) throws(AWSError) -> AWSResponse
    init(_ handler: @escaping @Sendable (AWSRequest) throws(AWSError) -> AWSResponse) { self.handler = handler }
    func send(_ request: AWSRequest, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse { try handler(request) }
}
