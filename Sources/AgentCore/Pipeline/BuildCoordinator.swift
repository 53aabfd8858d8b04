import Synchronization

/// Two jobs that need the same image build it once: the second waits for the
/// first and then finds the image in the registry.
final class BuildCoordinator: Sendable {
    private let inFlight = Mutex<Set<String>>([])

    /// Runs `body` for `image` unless another job is building it; then waits
    /// for that build to end and returns false so the caller checks again.
    func exclusive(_ image: String, _ body: () throws -> Void) rethrows -> Bool {
        var waited = false
        while true {
            let mine = inFlight.withLock { set in set.insert(image).inserted }
            if mine { break }
            waited = true
            var ts = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            nanosleep(&ts, nil)
        }
        defer { _ = inFlight.withLock { $0.remove(image) } }
        if waited { return false }
        try body()
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif
