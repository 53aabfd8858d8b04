#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 for the context stream. Uses the process's OpenSSL `libcrypto`
/// when it is already there (libcurl links it; SHA-NI makes it ~7× faster
/// than portable code), else the portable `SHA256`. Both give the same
/// digest (tested); `LAUNCH_AGENT_SHA256=portable` forces the portable one.
final class StreamHasher {
    private var portable = SHA256()
    private var context: UnsafeMutableRawPointer?
    private let crypto: LibCrypto?

    init(backend: Backend = .automatic) {
        crypto = backend == .portable ? nil : LibCrypto.shared
        if let crypto, let ctx = crypto.newContext() {
            if crypto.initialize(ctx, crypto.sha256(), nil) == 1 { context = ctx } else { crypto.freeContext(ctx) }
        }
    }

    enum Backend { case automatic, portable }

    /// The backend in use: "libcrypto" or "portable".
    var backendName: String { context == nil ? "portable" : "libcrypto" }

    func update(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        if let context, let crypto {
            precondition(crypto.update(context, buffer.baseAddress, buffer.count) == 1, "EVP_DigestUpdate failed")
        } else {
            portable.update(buffer)
        }
    }

    func finalizeHex() -> String {
        guard let context, let crypto else { return portable.finalizeHex() }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(crypto.final(context, &digest, &length) == 1 && length == 32, "EVP_DigestFinal_ex failed")
        return SHA256.hexString(digest)
    }

    deinit { if let context { crypto?.freeContext(context) } }
}

/// The six EVP functions, looked up in an already-loaded libcrypto 3 or 1.1.
struct LibCrypto: @unchecked Sendable {
    let newContext: @convention(c) () -> UnsafeMutableRawPointer?
    let freeContext: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let sha256: @convention(c) () -> UnsafeRawPointer?
    let initialize: @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
    let update: @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int32
    let final: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> Int32

    static let shared: LibCrypto? = {
        if ProcessEnvironment.current["LAUNCH_AGENT_SHA256"] == "portable" { return nil }
        for name in ["libcrypto.so.3", "libcrypto.so.1.1"] {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD) ?? dlopen(name, RTLD_NOW | RTLD_LOCAL)
            else { continue }
            if let lib = LibCrypto(handle) { return lib }
        }
        return nil
    }()

    private init?(_ handle: UnsafeMutableRawPointer) {
        func sym<T>(_ name: String, _: T.Type) -> T? {
            guard let p = dlsym(handle, name) else { return nil }
            return unsafeBitCast(p, to: T.self)
        }
        guard let n = sym("EVP_MD_CTX_new", (@convention(c) () -> UnsafeMutableRawPointer?).self),
              let f = sym("EVP_MD_CTX_free", (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
              let s = sym("EVP_sha256", (@convention(c) () -> UnsafeRawPointer?).self),
              let i = sym("EVP_DigestInit_ex",
                          (@convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32).self),
              let u = sym("EVP_DigestUpdate", (@convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int32).self),
              let d = sym("EVP_DigestFinal_ex",
                          (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> Int32).self)
        else { return nil }
        (newContext, freeContext, sha256, initialize, update, final) = (n, f, s, i, u, d)
    }
}
