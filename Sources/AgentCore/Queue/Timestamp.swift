import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 times in UTC with milliseconds (`2026-08-21T10:15:00.123Z`), the
/// form job records store: sortable as text and readable with `cat`.
///
/// Times are kept to whole milliseconds (`now()`), so a record read back is
/// equal to the one written.
enum Timestamp {
    /// The current time, to the millisecond.
    static func now() -> Date { date(milliseconds: milliseconds(Date())) }

    static func format(_ date: Date) -> String {
        let ms = milliseconds(date)
        let whole = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let tm = utc(whole)
        return pad(Int(tm.tm_year) + 1900, 4) + "-" + pad(Int(tm.tm_mon) + 1) + "-" + pad(Int(tm.tm_mday)) + "T"
            + pad(Int(tm.tm_hour)) + ":" + pad(Int(tm.tm_min)) + ":" + pad(Int(tm.tm_sec)) + "." + pad(Int(ms - whole * 1000), 3) + "Z"
    }

    /// `yyyymmddHHMMSS` in UTC, for job ids.
    static func compact(_ date: Date) -> String {
        let tm = utc(Int64(date.timeIntervalSince1970.rounded(.down)))
        return pad(Int(tm.tm_year) + 1900, 4) + pad(Int(tm.tm_mon) + 1) + pad(Int(tm.tm_mday))
            + pad(Int(tm.tm_hour)) + pad(Int(tm.tm_min)) + pad(Int(tm.tm_sec))
    }

    /// Parses what `format` writes (the fraction is optional; `Z` only).
    static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 20, u.last == UInt8(ascii: "Z"), u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            let part = u[range]
            guard !part.isEmpty, part.allSatisfy({ (48...57).contains($0) }) else { return nil }
            return Int(String(decoding: part, as: UTF8.self))
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var millis: Int64 = 0
        if u.count > 20 {
            guard u[19] == UInt8(ascii: "."), number(20..<(u.count - 1)) != nil else { return nil }
            let digits = Array(u[20..<(u.count - 1)].prefix(3)) + Array(repeating: UInt8(ascii: "0"), count: 3)
            millis = Int64(String(decoding: digits.prefix(3), as: UTF8.self)) ?? 0
        } else if u.count != 20 {
            return nil
        }
        var tm = Glibc.tm()
        tm.tm_year = Int32(year - 1900); tm.tm_mon = Int32(month - 1); tm.tm_mday = Int32(day)
        tm.tm_hour = Int32(hour); tm.tm_min = Int32(minute); tm.tm_sec = Int32(second)
        return date(milliseconds: Int64(timegm(&tm)) * 1000 + millis)
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    private static func date(milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    private static func utc(_ seconds: Int64) -> Glibc.tm {
        var t = time_t(seconds)
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        return tm
    }

    private static func pad(_ n: Int, _ width: Int = 2) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
