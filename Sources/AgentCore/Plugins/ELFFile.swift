import FoundationEssentials

/// What the loader learns from a file's ELF header before it lets `dlopen`
/// run any of the file's code: is it a shared object for this machine, and
/// which libraries does it need.
struct ELFFile {
    /// Why a file is not a loadable ELF shared object for this host.
    enum Problem: Error, Equatable {
        case unreadable(String)
        case notELF(firstBytes: String)
        case notSharedObject(type: UInt16)
        case wrongClass
        case wrongMachine(String)
    }

    let machine: UInt16
    /// DT_NEEDED entries, in order.
    let needed: [String]
    /// DT_RUNPATH (or DT_RPATH), if any.
    let runpath: String?

    static let hostMachine: UInt16 = {
        #if arch(x86_64)
        return 62
        #elseif arch(arm64)
        return 183
        #else
        return 0
        #endif
    }()

    static func machineName(_ m: UInt16) -> String {
        switch m {
        case 3: return "i386"
        case 40: return "arm"
        case 62: return "x86_64"
        case 183: return "aarch64"
        case 243: return "riscv"
        default: return "machine \(m)"
        }
    }

    /// Reads and checks the header of the file at `path`.
    static func read(path: String) throws(Problem) -> ELFFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .unreadable("\(error)")
        }
        // Mapped, not copied (.mappedIfSafe reads the whole file on Linux): a plugin library is
        // megabytes, mostly debug info, of which the checks touch a few pages.
        let checked: Result<ELFFile, Problem> = data.withUnsafeBytes { raw in
            Result { () throws(Problem) in try parse(raw) }
        }
        return try checked.get()
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> ELFFile {
        guard bytes.count >= 64, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            throw .notELF(firstBytes: describeStart(bytes))
        }
        guard bytes[4] == 2, bytes[5] == 1 else { throw .wrongClass } // 64-bit little-endian only
        let type = u16(bytes, 16)
        guard type == 3 else { throw .notSharedObject(type: type) }
        let machine = u16(bytes, 18)
        guard machine == hostMachine else { throw .wrongMachine(machineName(machine)) }
        let (needed, runpath) = dynamicEntries(bytes)
        return ELFFile(machine: machine, needed: needed, runpath: runpath)
    }

    private static func describeStart(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.isEmpty { return "the file is empty" }
        let head = bytes.prefix(16)
        if head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20..<0x7F).contains($0) }) {
            let text = String(decoding: head, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return "it looks like text, starting \"\(text)\""
        }
        return "it starts with bytes " + head.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
    }

    private static func u16(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
    private static func u32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) }
    }
    private static func u64(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) }
    }

    /// DT_NEEDED and DT_RUNPATH from PT_DYNAMIC, resolving string offsets
    /// through the PT_LOAD segment that holds DT_STRTAB. Malformed tables give
    /// empty results rather than errors: dlopen is the final judge.
    private static func dynamicEntries(_ b: UnsafeRawBufferPointer) -> ([String], String?) {
        let phoff = Int(u64(b, 32)), phentsize = Int(u16(b, 54)), phnum = Int(u16(b, 56))
        var loads: [(vaddr: UInt64, offset: UInt64, filesz: UInt64)] = []
        var dynamic: (offset: Int, size: Int)?
        for i in 0..<phnum {
            let p = phoff + i * phentsize
            guard p + 56 <= b.count else { return ([], nil) }
            let type = u32(b, p)
            if type == 1 { loads.append((u64(b, p + 16), u64(b, p + 8), u64(b, p + 32))) }
            if type == 2 { dynamic = (Int(u64(b, p + 8)), Int(u64(b, p + 32))) }
        }
        guard let dyn = dynamic, dyn.offset + dyn.size <= b.count else { return ([], nil) }
        var strtabAddr: UInt64 = 0
        var neededOffsets: [UInt64] = []
        var runpathOffset: UInt64?
        var o = dyn.offset
        while o + 16 <= dyn.offset + dyn.size {
            let tag = u64(b, o), val = u64(b, o + 8)
            if tag == 0 { break }
            switch tag {
            case 1: neededOffsets.append(val)
            case 5: strtabAddr = val
            case 15, 29: runpathOffset = val
            default: break
            }
            o += 16
        }
        guard let seg = loads.first(where: { strtabAddr >= $0.vaddr && strtabAddr < $0.vaddr + $0.filesz }) else {
            return ([], nil)
        }
        let strtab = Int(strtabAddr - seg.vaddr + seg.offset)
        func string(at off: UInt64) -> String? {
            var i = strtab + Int(off)
            guard i < b.count else { return nil }
            let start = i
            while i < b.count, b[i] != 0 { i += 1 }
            return String(decoding: b[start..<i], as: UTF8.self)
        }
        return (neededOffsets.compactMap(string(at:)), runpathOffset.flatMap(string(at:)))
    }
}
