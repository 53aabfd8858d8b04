import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Paths and helpers shared by the tests.
enum TestSupport {
    static let testsDir: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
    }()
    static var fixturesDir: String { testsDir + "/Fixtures" }
    static var repoRoot: String {
        URL(fileURLWithPath: testsDir).deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The build directory holding this test binary, the agent and the plugins.
    static let buildDir: String = {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = String(decoding: buf[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // swift-testing may run from inside the .xctest bundle directory.
        while url.path.contains(".xctest") { url = url.deletingLastPathComponent() }
        return url.path
    }()

    /// A fresh private directory (mode 0700) under /tmp.
    static func makeTempDir(_ label: String = "la-test") -> String {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { fatalError("mkdtemp failed") }
        return String(cString: p)
    }

    /// Runs a shell command, returning its exit status and combined output.
    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) {
        guard let pipe = popen("(\(command)) 2>&1", "r") else { return (-1, "popen failed") }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, pipe)
            if n <= 0 { break }
            output.append(contentsOf: chunk[0..<n])
        }
        let status = pclose(pipe)
        return ((status >> 8) & 0xFF, String(decoding: output, as: UTF8.self))
    }

    /// Compiles Fixtures/plugins/fixture_plugin.c with -DFIXTURE_<variant>
    /// against the frozen ABI 1.0 header into `dir/fileName`.
    static func buildFixture(_ variant: String, in dir: String, as fileName: String) -> String {
        let out = dir + "/" + fileName
        let r = shell("cc -shared -fPIC -fvisibility=hidden -DFIXTURE_\(variant) -I '\(fixturesDir)/abi-1.0' -o '\(out)' '\(fixturesDir)/plugins/fixture_plugin.c'")
        precondition(r.status == 0, "fixture \(variant) did not compile: \(r.output)")
        return out
    }

    /// Compiles Fixtures/plugins/route_fixture.c (registry, context store,
    /// environment and builder chosen by URI) into `dir`.
    static func buildRouteFixture(in dir: String) -> String {
        let out = dir + "/libroute-fixture.so"
        let r = shell("cc -shared -fPIC -fvisibility=hidden -Wall -Werror -I '\(fixturesDir)/abi-1.0' -o '\(out)' '\(fixturesDir)/plugins/route_fixture.c'")
        precondition(r.status == 0, "route fixture did not compile: \(r.output)")
        return out
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
}
