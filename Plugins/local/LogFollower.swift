#if canImport(Glibc)
import Glibc
#endif

/// Follows a growing log file and hands over complete lines.
///
/// With a `checkpoint` file it remembers how far it has handed lines over,
/// so a `watch` after an agent restart resumes there instead of sending the
/// job's whole output to the job log again. Lines handed over in the last
/// poll before the agent died may be sent twice; none are lost.
struct LogFollower {
    let path: String
    let checkpoint: String?
    private var offset: Int = 0
    private var partial: [UInt8] = []
    private var saved: Int = 0

    init(path: String, checkpoint: String? = nil) {
        self.path = path
        self.checkpoint = checkpoint
        if let checkpoint, let text = Self.read(checkpoint), let start = Int(text), start > 0 {
            offset = start
            saved = start
        }
    }

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
        save(offset - partial.count)
    }

    /// Records the offset of the first byte not yet handed over (atomically: write, then rename).
    private mutating func save(_ done: Int) {
        guard let checkpoint, done != saved else { return }
        let temp = checkpoint + ".tmp"
        guard let file = fopen(temp, "w") else { return }
        let text = String(done)
        let wrote = fputs(text, file) >= 0
        fclose(file)
        if wrote, rename(temp, checkpoint) == 0 { saved = done } else { unlink(temp) }
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 32)
        guard fgets(&buffer, 32, file) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingWhitespace
    }
}
