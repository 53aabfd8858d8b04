/// Where a followed pod log was left, so a new `follow` request goes on without handing out a line twice.
///
/// Two ways, chosen by what the server sends back to `timestamps=true`:
/// - **timestamps** (a real kubelet): every line starts with its RFC 3339 time. A resumed request asks for
///   `sinceTime` (whole seconds) and skips what is older than the last line handed out, and as many lines of
///   that very timestamp as were handed out already — so only about a second of log is read twice.
/// - **bytes** (a server that ignores `timestamps`, such as the test harness): the whole log is read again and
///   the first ``byteOffset`` bytes are skipped.
public struct KubeLogPosition: Sendable, Equatable {
    /// nil until the first line shows whether the server prefixes timestamps.
    public var timestamps: Bool?
    /// Bytes of complete lines handed out (bytes mode).
    public var byteOffset: Int = 0
    /// The timestamp of the last line handed out, as sent, and its value in nanoseconds since 1970.
    public var lastTimestamp: String?
    var lastNanos: Int64 = .min
    /// Lines handed out with exactly ``lastTimestamp``.
    var linesAtLast = 0
    /// Per request: lines seen so far with exactly ``lastTimestamp`` (to skip the repeats).
    var seenAtLast = 0
    /// Per request: bytes seen so far (bytes mode).
    var position = 0

    public init() {}

    /// The `sinceTime` of a resumed request in timestamps mode (the last line's second).
    var sinceTime: String? {
        guard timestamps == true, let last = lastTimestamp, last.utf8.count >= 19 else { return nil }
        return String(decoding: Array(last.utf8.prefix(19)), as: UTF8.self) + "Z"
    }

    /// Call at the start of each request's answer (``KubeClient/followLogs(pod:namespace:container:position:follow:timeoutMilliseconds:onLine:)`` does).
    public mutating func restart() {
        seenAtLast = 0
        position = 0
    }

    /// One complete line as received (`byteCount` = its length with the newline); returns the text to hand out,
    /// or nil for a line handed out before.
    public mutating func consume(_ line: String, byteCount: Int) -> String? {
        position += byteCount
        if timestamps == nil { timestamps = Self.split(line) != nil }
        guard timestamps == true else {
            guard position > byteOffset else { return nil }
            byteOffset = position
            return line
        }
        guard let (stamp, nanos, text) = Self.split(line) else { return line }
        if nanos < lastNanos { return nil }
        if nanos == lastNanos {
            seenAtLast += 1
            if seenAtLast <= linesAtLast { return nil }
            linesAtLast += 1
        } else {
            lastNanos = nanos
            lastTimestamp = stamp
            linesAtLast = 1
            seenAtLast = 1
        }
        return text
    }

    /// `2026-11-30T01:02:03.123456789Z text` → (stamp, nanoseconds, text); nil without a leading timestamp.
    static func split(_ line: String) -> (String, Int64, String)? {
        guard let space = line.firstIndex(of: " ") else { return nil }
        let stamp = String(line[..<space])
        guard let nanos = KubeClock.parseRFC3339Nanos(stamp) else { return nil }
        return (stamp, nanos, String(line[line.index(after: space)...]))
    }
}

extension KubeClock {
    /// An RFC 3339 time in nanoseconds since 1970 (exact, unlike ``parseRFC3339(_:)``'s Double).
    public static func parseRFC3339Nanos(_ s: String) -> Int64? {
        let bytes = Array(s.utf8)
        // Whole seconds from the same parser, without the fraction; the fraction read here digit by digit.
        var head = bytes
        var fraction: Int64 = 0
        if bytes.count > 19, bytes[19] == UInt8(ascii: ".") {
            var i = 20
            var digits = 0
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                if digits < 9 { fraction = fraction * 10 + Int64(bytes[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { fraction *= 10 }
            head = Array(bytes[0..<19]) + Array(bytes[i...])
        }
        guard let seconds = parseRFC3339(String(decoding: head, as: UTF8.self)) else { return nil }
        return Int64(seconds) * 1_000_000_000 + fraction
    }
}

extension KubeClient {
    /// Follows a pod's log from `position` for at most `timeoutMilliseconds`, handing out each line once
    /// (see ``KubeLogPosition``). Returns true when the log ended (the container stopped), false when the time
    /// ran out first — call again with the same position to go on. With `follow: false` it reads what is
    /// there now and returns.
    public func followLogs(pod: String, namespace: String?, container: String? = nil, position: inout KubeLogPosition,
                           follow: Bool = true, timeoutMilliseconds: Int, onLine: (String) throws -> Void) throws -> Bool {
        let ns = namespace ?? defaultNamespace
        var query: [(String, String)] = [("timestamps", "true")]
        if follow { query.append(("follow", "true")) }
        if let container { query.append(("container", container)) }
        if let since = position.sinceTime { query.append(("sinceTime", since)) }
        position.restart()
        var pending: [UInt8] = []
        var status = 0
        var errorBody: [UInt8] = []
        var ended = true
        // A first line that is a Status object is held back until the status is known (transports that report
        // the head late): the error of a failed request, or a real log line after all.
        var held: (line: String, count: Int)?
        var first = true
        var state = position
        do {
            status = try send(method: "GET", path: KubeResource.pods.path(namespace: ns, name: pod, subresource: "log"), query: query,
                              body: nil, contentType: nil, timeoutMilliseconds: timeoutMilliseconds,
                              describe: ("get", "pods/log", ns, pod), onHead: { head in status = head.status }) { chunk in
                if status != 0 && !(200..<300).contains(status) { errorBody.append(contentsOf: chunk); return }
                for byte in chunk {
                    if byte != 10 { pending.append(byte); continue }
                    let count = pending.count + 1
                    if pending.last == 13 { pending.removeLast() }
                    let line = String(decoding: pending, as: UTF8.self)
                    pending.removeAll(keepingCapacity: true)
                    if first {
                        first = false
                        if status == 0, line.hasPrefix("{"), let j = try? KubeJSON(parsing: line), j["kind"]?.stringValue == "Status" {
                            held = (line, count)
                            continue
                        }
                    }
                    if let h = held {
                        held = nil
                        if let text = state.consume(h.line, byteCount: h.count) { try onLine(text) }
                    }
                    if let text = state.consume(line, byteCount: count) { try onLine(text) }
                }
            }
        } catch let error as KubeError where error.kind == .io && error.reason == KubeError.timeoutReason {
            ended = false
        }
        position = state
        guard ended else { return false }
        guard (200..<300).contains(status) else {
            var body = errorBody
            if body.isEmpty, let h = held { body = Array(h.line.utf8) }
            if body.isEmpty { body = pending }
            throw KubeError.fromResponse(status: status, body: body, verb: "get", resource: "pods/log", namespace: ns, name: pod)
        }
        if let h = held, let text = position.consume(h.line, byteCount: h.count) { try onLine(text) }
        if !pending.isEmpty, let text = position.consume(String(decoding: pending, as: UTF8.self), byteCount: pending.count) {
            try onLine(text)
        }
        return true
    }
}
