#if canImport(Glibc)
import Glibc
#endif

/// Helper threads for parallel part uploads: started, then all joined before ``run(_:_:)`` returns (the
/// plugin's call object must not outlive the operation). Plain pthreads: the operation already runs on a host
/// worker thread, never on a Swift concurrency pool.
enum S3Threads {
    private final class Job: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body(0..<count)` on `count` threads and waits for all of them. A thread that cannot be started
    /// runs its share here instead.
    static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        var threads: [pthread_t] = []
        var inline: [Int] = []
        for i in 0..<max(count, 0) {
            let job = Unmanaged.passRetained(Job { body(i) }).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                guard let raw else { return nil }
                Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
                return nil
            }, job)
            if rc == 0 {
                threads.append(tid)
            } else {
                Unmanaged<Job>.fromOpaque(job).release()
                inline.append(i)
            }
        }
        for i in inline { body(i) }
        for t in threads { pthread_join(t, nil) }
    }

    /// Sleeps `milliseconds` in 50 ms steps, returning early once `stop()` is true.
    static func sleep(milliseconds: Int, stop: () -> Bool) {
        var left = milliseconds
        while left > 0, !stop() {
            let step = min(left, 50)
            usleep(UInt32(step) * 1000)
            left -= step
        }
    }
}
