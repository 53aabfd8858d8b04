import Testing
@testable import AgentCore
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SHA256Tests {
    /// FIPS 180-4 / NIST CAVP short messages.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func nistVectors(message: String, expected: String) {
        #expect(SHA256.hex(of: Array(message.utf8)) == expected)
        let h = StreamHasher(backend: .portable)
        Array(message.utf8).withUnsafeBytes { h.update($0) }
        #expect(h.finalizeHex() == expected)
    }

    @Test func oneMillionA() {
        let a = [UInt8](repeating: 0x61, count: 1_000_000)
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hex(of: a) == expected)
        // Fed in odd-sized pieces that straddle block boundaries.
        var h = SHA256()
        var offset = 0
        var step = 1
        while offset < a.count {
            let n = min(step, a.count - offset)
            a[offset..<offset + n].withUnsafeBytes { h.update($0) }
            offset += n
            step = step % 130 + 7
        }
        #expect(h.finalizeHex() == expected)
        #expect(h.count == 1_000_000)
    }

    /// Lengths around the padding boundaries, random content, checked with `sha256sum`.
    @Test func matchesSha256sumOnRandomFiles() {
        let dir = TestSupport.makeTempDir("la-sha")
        defer { TestSupport.shell("rm -rf '\(dir)'") }
        var rng = SystemRandomNumberGenerator()
        for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 65_537, 300_001] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let path = "\(dir)/f\(length)"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
            close(fd)
            let expected = String(TestSupport.shell("sha256sum '\(path)'").output.prefix(64))
            #expect(SHA256.hex(of: bytes) == expected, "length \(length)")
            for backend in [StreamHasher.Backend.portable, .automatic] {
                let h = StreamHasher(backend: backend)
                bytes.withUnsafeBytes { raw in
                    let half = raw.count / 3
                    h.update(UnsafeRawBufferPointer(rebasing: raw[..<half]))
                    h.update(UnsafeRawBufferPointer(rebasing: raw[half...]))
                }
                #expect(h.finalizeHex() == expected, "length \(length), \(h.backendName)")
            }
        }
    }

    @Test func libcryptoIsUsedWhenLoaded() {
        // The host links libcurl (OpenSSL flavour), so libcrypto is in the process.
        #expect(LibCrypto.shared != nil)
        #expect(StreamHasher().backendName == "libcrypto")
        #expect(StreamHasher(backend: .portable).backendName == "portable")
    }
}
