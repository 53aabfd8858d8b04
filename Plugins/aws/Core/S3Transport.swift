/// A slice of a local file sent as a request body, read by the transport while sending (an upload part is
/// never held in memory).
public struct S3FileSlice: Sendable, Equatable {
    public var path: String
    public var offset: Int64
    public var length: Int64

    public init(path: String, offset: Int64, length: Int64) {
        self.path = path
        self.offset = offset
        self.length = length
    }
}

/// The transport S3 needs: ``AWSTransport`` plus bodies streamed from a file slice. The plugin passes the
/// host's HTTP service (`body_file`); tests may pass anything that sends the same bytes.
public protocol S3Transport: AWSTransport {
    func send(_ request: AWSRequest, file: S3FileSlice, timeoutMilliseconds: Int?) throws(AWSError) -> AWSResponse
}

/// Standard base64 (with padding), for `x-amz-checksum-sha256`.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : 0x3D)
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : 0x3D)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reading S3's XML answers: the text of every `<Name>` element, or of the elements inside each `<Block>`.
/// S3's documents are flat and machine-written, so no general parser is needed.
enum S3XML {
    /// The decoded texts of every `<name>…</name>` in `xml`, in order.
    static func all(_ name: String, in xml: Substring) -> [String] {
        blocks(name, in: xml).map { XMLText.unescape(String($0)) }
    }

    /// The raw inner text of every `<name>…</name>` in `xml`, in order.
    static func blocks(_ name: String, in xml: Substring) -> [Substring] {
        var out: [Substring] = []
        var rest = xml
        let open = "<\(name)>", close = "</\(name)>"
        while let o = rest.firstRange(of: open) {
            let after = rest[o.upperBound...]
            guard let c = after.firstRange(of: close) else { break }
            out.append(after[..<c.lowerBound])
            rest = after[c.upperBound...]
        }
        return out
    }

    static func first(_ name: String, in xml: Substring) -> String? { all(name, in: xml).first }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
