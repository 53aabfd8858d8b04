/// POSIX ustar headers, with pax extended headers for what ustar cannot hold
/// (paths or link targets over 100 bytes, sizes of 8 GiB and more).
/// Every header is normalized: uid/gid 0, empty user/group names, the fixed
/// mtime `TarFormat.epoch`, mode 0644/0755 (0777 for symlinks).
enum TarFormat {
    /// 1980-01-01T00:00:00Z. Not 0: ZIP (and so Python wheels built from the
    /// copied sources) cannot store times before 1980.
    static let epoch: UInt64 = 315_532_800
    static let block = 512

    enum EntryType: UInt8 {
        case file = 0x30       // '0'
        case symlink = 0x32    // '2'
        case directory = 0x35  // '5'
        case pax = 0x78        // 'x'
    }

    /// The header block(s) for one entry: a pax header first when needed.
    /// `name` is the path inside the archive (directories end with `/`).
    static func header(name: [UInt8], type: EntryType, mode: UInt32, size: UInt64, link: [UInt8] = []) -> [UInt8] {
        var records: [UInt8] = []
        var ustarName = name
        var ustarLink = link
        var ustarSize = size
        if name.count > 100 { records += paxRecord("path", name); ustarName = Array(name.suffix(100)) }
        if link.count > 100 { records += paxRecord("linkpath", link); ustarLink = Array(link.suffix(100)) }
        if size > 0o777_7777_7777 { records += paxRecord("size", Array(String(size).utf8)); ustarSize = 0 }
        var out: [UInt8] = []
        if !records.isEmpty {
            out += ustar(name: Array("././@PaxHeader".utf8), type: .pax, mode: 0o644, size: UInt64(records.count), link: [])
            out += records
            out += padding(UInt64(records.count))
        }
        out += ustar(name: ustarName, type: type, mode: mode, size: ustarSize, link: ustarLink)
        return out
    }

    /// Zero bytes that pad `size` bytes of content to a whole block.
    static func padding(_ size: UInt64) -> [UInt8] {
        let r = Int(size % UInt64(block))
        return r == 0 ? [] : [UInt8](repeating: 0, count: block - r)
    }

    /// The end of the archive: two zero blocks.
    static let trailer = [UInt8](repeating: 0, count: 2 * block)

    /// A pax record: "<len> key=value\n", where len counts the whole record.
    static func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = 1 + key.utf8.count + 1 + value.count + 1   // " " key "=" value "\n"
        var length = body + String(body).utf8.count
        if String(length).utf8.count != String(body).utf8.count { length = body + String(length).utf8.count }
        return Array("\(length) \(key)=".utf8) + value + [0x0A]
    }

    private static func ustar(name: [UInt8], type: EntryType, mode: UInt32, size: UInt64, link: [UInt8]) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: block)
        func put(_ bytes: [UInt8], at offset: Int, width: Int) {
            for (i, b) in bytes.prefix(width).enumerated() { h[offset + i] = b }
        }
        func octal(_ value: UInt64, at offset: Int, width: Int) {
            var digits = Array(String(value, radix: 8).utf8)
            digits = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - 1 - digits.count)) + digits
            put(digits, at: offset, width: width - 1)   // NUL-terminated
        }
        put(name, at: 0, width: 100)
        octal(UInt64(mode), at: 100, width: 8)
        octal(0, at: 108, width: 8)          // uid
        octal(0, at: 116, width: 8)          // gid
        octal(size, at: 124, width: 12)
        octal(epoch, at: 136, width: 12)
        h[156] = type.rawValue
        put(link, at: 157, width: 100)
        put(Array("ustar\0".utf8), at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        octal(0, at: 329, width: 8)          // devmajor
        octal(0, at: 337, width: 8)          // devminor
        for i in 148..<156 { h[i] = 0x20 }   // checksum computed over spaces
        let sum = h.reduce(0) { $0 + UInt64($1) }
        var digits = Array(String(sum, radix: 8).utf8)
        digits = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, 6 - digits.count)) + digits
        put(digits + [0, 0x20], at: 148, width: 8)
        return h
    }
}
