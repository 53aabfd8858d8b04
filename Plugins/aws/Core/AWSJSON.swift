/// A JSON value for the AWS JSON 1.1 protocol (ECR) and for policy documents. Objects keep their members
/// in insertion order so a policy prints the way IAM documents write it (`Version` before `Statement`,
/// `Effect` before `Action`); equality ignores member order.
public indirect enum AWSJSON: Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([AWSJSON])
    case object([(String, AWSJSON)])

    public subscript(_ key: String) -> AWSJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public subscript(_ index: Int) -> AWSJSON? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var numberValue: Double? { if case .number(let n) = self { return n } else { return nil } }
    public var arrayValue: [AWSJSON]? { if case .array(let a) = self { return a } else { return nil } }

    /// Compact JSON, members in their order.
    public var description: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { out += String(Int64(n)) } else { out += String(n) }
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// Parses a whole document; nil when it is not JSON.
    public static func parse(_ text: String) -> AWSJSON? {
        var parser = MiniJSON(Array(text.utf8))
        guard let value = parser.parseValue(depth: 0) else { return nil }
        parser.ws()
        return parser.i == parser.b.count ? value : nil
    }
}

extension AWSJSON: Equatable {
    public static func == (a: AWSJSON, b: AWSJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { member in y.contains { $0.0 == member.0 && $0.1 == member.1 } }
        default: return false
        }
    }
}

extension MiniJSON {
    /// Any JSON value; nesting is capped so hostile input cannot exhaust the stack.
    mutating func parseValue(depth: Int) -> AWSJSON? {
        guard depth < 64 else { return nil }
        ws()
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "\""):
            return parseString().map(AWSJSON.string)
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, AWSJSON)] = []
            ws()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                ws()
                guard let key = parseString() else { return nil }
                ws()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard let value = parseValue(depth: depth + 1) else { return nil }
                members.append((key, value))
                ws()
                guard i < b.count else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                return nil
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [AWSJSON] = []
            ws()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                guard let value = parseValue(depth: depth + 1) else { return nil }
                items.append(value)
                ws()
                guard i < b.count else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                return nil
            }
        default:
            let start = i
            while i < b.count, !Self.isDelimiter(b[i]) { i += 1 }
            let word = String(decoding: b[start..<i], as: UTF8.self)
            switch word {
            case "null": return .null
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return Double(word).map(AWSJSON.number)
            }
        }
    }

    static func isDelimiter(_ c: UInt8) -> Bool {
        c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
    }
}
