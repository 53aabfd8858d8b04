#if canImport(Glibc)
import Glibc
#endif

public enum Clock {
    public static func nowSeconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }
}

/// UTC calendar time without Foundation (days-from-civil, proleptic Gregorian).
struct CivilTime {
    var year, month, day, hour, minute, second: Int

    init(epochSeconds: Int64) {
        let days = Int(epochSeconds >= 0 ? epochSeconds / 86400 : (epochSeconds - 86399) / 86400)
        let secs = Int(epochSeconds - Int64(days) * 86400)
        hour = secs / 3600; minute = secs % 3600 / 60; second = secs % 60
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute; self.second = second
    }

    var epochSeconds: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    var amzDate: String {
        "\(Self.pad(year, 4))\(Self.pad(month, 2))\(Self.pad(day, 2))T\(Self.pad(hour, 2))\(Self.pad(minute, 2))\(Self.pad(second, 2))Z"
    }

    /// `20150830T123600Z`
    init?(amzDate s: String) {
        let c = Array(s.utf8)
        guard c.count == 16, c[8] == UInt8(ascii: "T"), c[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int? { Int(String(decoding: c[r], as: UTF8.self)) }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8), let h = num(9..<11), let mi = num(11..<13), let se = num(13..<15) else { return nil }
        self.init(year: y, month: mo, day: d, hour: h, minute: mi, second: se)
    }

    /// ISO 8601 as STS, IMDS and credential_process write it: `2024-01-02T03:04:05Z`,
    /// `2024-01-02T03:04:05.123Z`, `2024-01-02T03:04:05+00:00`.
    static func parseISO8601(_ s: String) -> Int64? {
        let c = Array(s.utf8)
        guard c.count >= 19, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"),
              c[10] == UInt8(ascii: "T") || c[10] == UInt8(ascii: " ") else { return nil }
        func num(_ r: Range<Int>) -> Int? { Int(String(decoding: c[r], as: UTF8.self)) }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
              let mi = num(14..<16), let se = num(17..<19) else { return nil }
        var i = 19
        if i < c.count, c[i] == UInt8(ascii: ".") { i += 1; while i < c.count, c[i] >= 0x30, c[i] <= 0x39 { i += 1 } }
        var offset = 0
        if i < c.count {
            if c[i] == UInt8(ascii: "Z") {
                i += 1
            } else if c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-"), c.count >= i + 6,
                      let oh = num((i + 1)..<(i + 3)), let om = num((i + 4)..<(i + 6)) {
                offset = (oh * 3600 + om * 60) * (c[i] == UInt8(ascii: "+") ? 1 : -1)
                i += 6
            } else {
                return nil
            }
        }
        guard i == c.count else { return nil }
        return CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: se).epochSeconds - Int64(offset)
    }
}
