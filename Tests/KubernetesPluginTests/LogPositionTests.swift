import KubeCore
import Testing

/// Resuming a followed log: each line once, whether the server prefixes timestamps (a kubelet) or not (the
/// harness, which ignores `timestamps=true`).
@Suite struct LogPositionTests {
    /// Feeds `lines` (one request's answer) and returns what is handed out.
    func request(_ position: inout KubeLogPosition, _ lines: [String]) -> [String] {
        position.restart()
        return lines.compactMap { position.consume($0, byteCount: $0.utf8.count + 1) }
    }

    @Test func timestampsModeSkipsWhatWasHandedOutAndKeepsSameStampLines() {
        var p = KubeLogPosition()
        let first = ["2026-11-30T01:02:03.1Z a", "2026-11-30T01:02:03.25Z b", "2026-11-30T01:02:03.25Z b-again"]
        #expect(request(&p, first) == ["a", "b", "b-again"])
        #expect(p.timestamps == true)
        #expect(p.lastTimestamp == "2026-11-30T01:02:03.25Z")
        // The resumed request (sinceTime = that second) repeats the second's lines, then new ones, one of them
        // with the same stamp as the last line handed out.
        let second = ["2026-11-30T01:02:03.1Z a", "2026-11-30T01:02:03.25Z b", "2026-11-30T01:02:03.25Z b-again",
                      "2026-11-30T01:02:03.250000000Z b-third", "2026-11-30T01:02:04Z c"]
        #expect(request(&p, second) == ["b-third", "c"])
        #expect(request(&p, ["2026-11-30T01:02:04Z c", "2026-11-30T01:02:05.000000001Z d"]) == ["d"])
    }

    @Test func bytesModeSkipsTheOffset() {
        var p = KubeLogPosition()
        #expect(request(&p, ["one", "two"]) == ["one", "two"])
        #expect(p.timestamps == false)
        #expect(request(&p, ["one", "two", "three"]) == ["three"])
    }

    @Test func nanosecondTimestamps() {
        #expect(KubeClock.parseRFC3339Nanos("1970-01-01T00:00:01.000000001Z") == 1_000_000_001)
        #expect(KubeClock.parseRFC3339Nanos("1970-01-01T00:00:01.5Z") == 1_500_000_000)
        #expect(KubeClock.parseRFC3339Nanos("1970-01-01T00:00:01Z") == 1_000_000_000)
        #expect(KubeClock.parseRFC3339Nanos("1970-01-01T00:00:01.Z") == nil)
        #expect(KubeClock.parseRFC3339Nanos("hello") == nil)
    }
}
