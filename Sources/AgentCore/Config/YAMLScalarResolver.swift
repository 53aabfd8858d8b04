/// Resolves scalars by the YAML 1.2 core schema.
///
/// We use 1.2 rather than PyYAML's 1.1 rules on purpose: `yes`, `no`, `on` and
/// `off` stay strings (the "Norway problem"), and `0777` is a decimal integer.
enum YAMLScalarResolver {
    static let strTag = "tag:yaml.org,2002:str"
    static let nullTag = "tag:yaml.org,2002:null"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"

    /// The value of a scalar, and the reason its tag cannot apply, if any
    /// (the value is then the text as a string).
    static func resolve(_ text: String, plain: Bool, tag: String?) -> (value: YAMLScalarValue, problem: String?) {
        switch tag {
        case nil:
            return (plain ? resolvePlain(text) : .string(text), nil)
        case "!", strTag:
            return (.string(text), nil)
        case nullTag, boolTag, intTag, floatTag:
            let value = resolvePlain(text)
            let matches: Bool
            switch (tag, value) {
            case (nullTag, .null), (boolTag, .bool), (intTag, .int), (floatTag, .double): matches = true
            case (floatTag, .int(let i)): return (.double(Double(i)), nil)
            default: matches = false
            }
            return matches ? (value, nil) : (.string(text), "the value does not match its tag '\(shortTag(tag!))'")
        default:
            return (.string(text), "unsupported YAML tag '\(shortTag(tag!))'")
        }
    }

    static func shortTag(_ tag: String) -> String {
        tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
    }

    static func resolvePlain(_ text: String) -> YAMLScalarValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let i = integer(text) { return i }
        if isFloat(text), let d = Double(text) { return .double(d) }
        return .string(text)
    }

    private static func integer(_ text: String) -> YAMLScalarValue? {
        let u = Array(text.utf8)
        func digits(_ s: ArraySlice<UInt8>, _ ok: (UInt8) -> Bool) -> Bool { !s.isEmpty && s.allSatisfy(ok) }
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "o") {
            guard digits(u[2...], { (48...55).contains($0) }) else { return nil }
            return Int64(String(text.dropFirst(2)), radix: 8).map(YAMLScalarValue.int)
        }
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "x") {
            guard digits(u[2...], { isHex($0) }) else { return nil }
            return Int64(String(text.dropFirst(2)), radix: 16).map(YAMLScalarValue.int)
        }
        let body = u.first == UInt8(ascii: "-") || u.first == UInt8(ascii: "+") ? u[1...] : u[...]
        guard digits(body, { (48...57).contains($0) }) else { return nil }
        // Too large for Int64: still a number to the user, so keep it as one.
        if let i = Int64(text) { return .int(i) }
        return Double(text).map(YAMLScalarValue.double)
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c)
    }

    /// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
    private static func isFloat(_ text: String) -> Bool {
        var u = Array(text.utf8)[...]
        func isDigit(_ c: UInt8) -> Bool { (48...57).contains(c) }
        func eatDigits() -> Int {
            var n = 0
            while let c = u.first, isDigit(c) { u = u.dropFirst(); n += 1 }
            return n
        }
        if let c = u.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { u = u.dropFirst() }
        let whole = eatDigits()
        var fraction = 0
        if u.first == UInt8(ascii: ".") {
            u = u.dropFirst()
            fraction = eatDigits()
            if whole == 0 && fraction == 0 { return false }
        } else if whole == 0 {
            return false
        }
        if let c = u.first, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            u = u.dropFirst()
            if let s = u.first, s == UInt8(ascii: "-") || s == UInt8(ascii: "+") { u = u.dropFirst() }
            if eatDigits() == 0 { return false }
        }
        return u.isEmpty
    }
}
