import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// Compresses a context tar into the `.tar.gz` a context store keeps, and
/// hashes the result in the same pass.
///
/// The gzip header carries no name and no time, so the same tar gives the
/// same bytes (and digest) every time with the same zlib: agents that share a
/// store share its objects.
public enum GzipFile {
    /// What `compress` wrote.
    public struct Output: Sendable, Equatable {
        /// SHA-256 of the written `.tar.gz` (64 hex characters).
        public var sha256: String
        public var size: UInt64
    }

    /// Compresses `source` into `destination` (created with mode 0600, replaced if present).
    public static func compress(_ source: String, to destination: String, level: Int32 = 6) throws(BuildContextError) -> Output {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .unreadable(path: source, errno: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw .writeFailed(path: destination, errno: errno) }
        var ok = false
        defer {
            close(output)
            if !ok { unlink(destination) }
        }

        var stream = z_stream()
        guard la_deflate_init_gzip(&stream, level) == Z_OK else { throw .writeFailed(path: destination, errno: ENOMEM) }
        defer { deflateEnd(&stream) }
        let hasher = StreamHasher()
        let chunk = 1 << 20
        let inBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        let outBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer {
            inBuffer.deallocate()
            outBuffer.deallocate()
        }
        var size: UInt64 = 0
        var finished = false
        while !finished {
            let n = read(input, inBuffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: source, errno: errno)
            }
            let flush = n == 0 ? Z_FINISH : Z_NO_FLUSH
            stream.next_in = inBuffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(n)
            repeat {
                stream.next_out = outBuffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(chunk)
                let status = deflate(&stream, flush)
                guard status != Z_STREAM_ERROR else { throw .writeFailed(path: destination, errno: EIO) }
                let produced = chunk - Int(stream.avail_out)
                if produced > 0 {
                    let slice = UnsafeRawBufferPointer(rebasing: outBuffer[0..<produced])
                    if let code = POSIXFiles.writeAll(output, slice) { throw .writeFailed(path: destination, errno: code) }
                    hasher.update(slice)
                    size += UInt64(produced)
                }
                if status == Z_STREAM_END { finished = true }
            } while stream.avail_out == 0
        }
        guard fsync(output) == 0 else { throw .writeFailed(path: destination, errno: errno) }
        ok = true
        return Output(sha256: hasher.finalizeHex(), size: size)
    }
}
