#if canImport(Glibc)
import Glibc
#endif

/// Follows a growing log file and hands over complete lines.
struct LogFollower {
    let path: String
    private var offset: Int = 0
    private var partial: [UInt8] = []

    init(path: String) { self.path = path }

    /// Reads what was appended since the last call; with `flush`, a trailing line without a newline too.
    mutating func forward(flush: Bool = false, _ emit: (String) -> Void) {
        if let file = fopen(path, "r") {
            defer { fclose(file) }
            fseek(file, offset, SEEK_SET)
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = fread(&buffer, 1, buffer.count, file)
                if n <= 0 { break }
                offset += n
                for byte in buffer[0..<n] {
                    if byte == 0x0A {
                        emit(String(decoding: partial, as: UTF8.self))
                        partial.removeAll(keepingCapacity: true)
                    } else {
                        partial.append(byte)
                    }
                }
            }
        }
        if flush, !partial.isEmpty {
            emit(String(decoding: partial, as: UTF8.self))
            partial.removeAll()
        }
    }
}
