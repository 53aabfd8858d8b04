/// Names, encodings and log parsing for kaniko builds: small pure helpers the manifests and the builder share.
public enum KanikoNames {
    /// `<prefix>-<job id>` as a DNS-1123 label (lower-case alphanumerics and `-`, at most 63, alphanumeric at
    /// both ends). When that is too long, the job id part is cut and an 8-hex hash of the whole id keeps two
    /// long ids from colliding. The same job id always gives the same name, so a repeated build finds the first.
    public static func jobName(prefix: String, jobID: String) -> String {
        let cleanPrefix = dns1123(prefix)
        let cleanID = dns1123(jobID)
        let full = [cleanPrefix, cleanID].filter { !$0.isEmpty }.joined(separator: "-")
        if full.count <= 63, !full.isEmpty, cleanID == jobID.lowercased() { return full }
        let hash = fnv1a(jobID)
        let room = 63 - hash.count - 1
        var head = String(full.prefix(room))
        while let last = head.last, last == "-" { head.removeLast() }
        return head.isEmpty ? hash : head + "-" + hash
    }

    /// The name of the Secret holding a build's push credentials.
    public static func secretName(jobName: String) -> String { jobName + "-push" }

    /// True for a DNS-1123 label: 1–63 of lower-case letters, digits and `-`, alphanumeric at both ends.
    public static func isDNSLabel(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63 && dns1123(text) == text
    }

    /// True when `prefix` keeps at least one letter or digit once made DNS-safe.
    public static func isUsablePrefix(_ prefix: String) -> Bool { !dns1123(prefix).isEmpty }

    /// Lower-case, every run of other characters turned into one `-`, no `-` at either end.
    static func dns1123(_ text: String) -> String {
        var out = ""
        for ch in text.lowercased().unicodeScalars {
            if ("a"..."z").contains(ch) || ("0"..."9").contains(ch) {
                out.unicodeScalars.append(ch)
            } else if !out.isEmpty, out.last != "-" {
                out.append("-")
            }
        }
        while out.last == "-" { out.removeLast() }
        return out
    }

    /// A label value for `text`: at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends.
    public static func labelValue(_ text: String) -> String {
        var out = ""
        for ch in text.unicodeScalars {
            let ok = ("a"..."z").contains(ch) || ("A"..."Z").contains(ch) || ("0"..."9").contains(ch) || ch == "." || ch == "_" || ch == "-"
            out.unicodeScalars.append(ok ? ch : "-")
        }
        if out.count > 63 { out = String(out.prefix(54)) + "-" + fnv1a(text) }
        while let first = out.first, !(first.isLetter || first.isNumber) { out.removeFirst() }
        while let last = out.last, !(last.isLetter || last.isNumber) { out.removeLast() }
        return out
    }

    /// 32-bit FNV-1a of the UTF-8 bytes as 8 hex digits (a short, stable suffix; not a security hash).
    static func fnv1a(_ text: String) -> String {
        var h: UInt32 = 0x811c_9dc5
        for byte in text.utf8 {
            h ^= UInt32(byte)
            h = h &* 0x0100_0193
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// `https://host/repo:tag` → `host/repo:tag`.
    public static func withoutScheme(_ reference: String) -> String {
        for scheme in ["https://", "http://"] where reference.hasPrefix(scheme) { return String(reference.dropFirst(scheme.count)) }
        return reference
    }

    /// The repository of `registry/repo:tag` (or `@digest`): everything before the tag.
    public static func repository(of image: String) -> String {
        var ref = Substring(image)
        if let at = ref.firstIndex(of: "@") { ref = ref[..<at] }
        if let colon = ref.lastIndex(of: ":"), !ref[colon...].contains("/") { ref = ref[..<colon] }
        return String(ref)
    }

    /// Standard base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The pushed manifest digest from kaniko's log (`Pushed registry/repo@sha256:<64 hex>`): the last
    /// `@sha256:` followed by 64 hex digits, or nil.
    public static func digest(inLog log: String) -> String? {
        let bytes = Array(log.utf8)
        let marker = Array("@sha256:".utf8)
        var found: String?
        var i = 0
        while i + marker.count + 64 <= bytes.count {
            if bytes[i] == marker[0], Array(bytes[i..<(i + marker.count)]) == marker {
                let hex = bytes[(i + marker.count)..<(i + marker.count + 64)]
                if hex.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
                    found = "sha256:" + String(decoding: hex, as: UTF8.self)
                }
            }
            i += 1
        }
        return found
    }

    /// The last `count` non-empty lines of `log`, for failure messages.
    public static func tail(_ log: String, lines count: Int = 20) -> [String] {
        let lines = log.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
            .filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
        return Array(lines.suffix(count))
    }
}
