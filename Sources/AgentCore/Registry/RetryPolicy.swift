#if canImport(Glibc)
import Glibc
#endif

/// How registry requests are retried after 429, 5xx, timeouts and
/// connection failures: bounded attempts, exponential backoff with jitter,
/// and a server's `Retry-After` honoured up to `maxRetryAfter`.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first one included (at least 1).
    public var maxAttempts: Int
    /// The pause after the first failure; it doubles per attempt.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A longer `Retry-After` ends the retries at once (and is reported).
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(10), maxRetryAfter: Duration = .seconds(60)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    public static let `default` = RetryPolicy()

    /// The pause after failed attempt `attempt` (1-based): half the capped
    /// exponential delay plus a random share of the other half, so that
    /// agents that failed together do not retry together.
    func backoff(afterAttempt attempt: Int) -> Duration {
        var cap = baseDelay
        for _ in 1..<max(1, attempt) where cap < maxDelay { cap *= 2 }
        cap = min(cap, maxDelay)
        return cap / 2 + cap / 2 * Double.random(in: 0...1)
    }

    /// `Retry-After` as delta-seconds or an IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`); nil when absent or unreadable.
    static func retryAfter(_ value: String?, now: Int = time(nil)) -> Duration? {
        guard let value = value?.trimmingSpaces, !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = value.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3]) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(month)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(clock[0])
        fields.tm_min = Int32(clock[1])
        fields.tm_sec = Int32(clock[2])
        let at = timegm(&fields)
        return .seconds(max(0, at - now))
    }
}

fileprivate extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}

/// Sleeps the calling thread (registry calls are synchronous, like `HTTPClient`).
func registrySleep(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    guard seconds > 0 || attoseconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
}
