import FoundationEssentials

/// Job ids: `j-<UTC yyyymmddHHMMSS>-<6 random hex digits>`. Sorting ids as
/// text sorts jobs by submission second; the random part keeps ids made in
/// the same second apart (the queue also checks, under its lock).
enum JobID {
    static func make(at date: Date) -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = String(rng.next(upperBound: UInt32(1 << 24)), radix: 16)
        return "j-" + Timestamp.compact(date) + "-" + String(repeating: "0", count: 6 - hex.count) + hex
    }

    /// Exactly the shape `make` produces.
    static func isWellFormed(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 23, u[0] == UInt8(ascii: "j"), u[1] == UInt8(ascii: "-"), u[16] == UInt8(ascii: "-") else { return false }
        let digits = u[2..<16].allSatisfy { (48...57).contains($0) }
        let hex = u[17...].allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        return digits && hex
    }

    /// Text that may be looked up as an id or id prefix (no path characters).
    static func isLookupSafe(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || $0 == 45 }
    }
}
