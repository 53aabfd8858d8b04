import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGTERM and SIGINT into a graceful stop: the first one asks the agent to stop taking jobs and
/// wind down; a second one while winding down exits at once (as `kill -9` would, but with status 130/143).
public final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "launch-agent.signals")
    private var received = 0

    public init() {}

    /// Installs the handlers; `onStop` runs once, on a private queue.
    public func install(onStop: @escaping @Sendable (Int32) -> Void) {
        for signo in [SIGTERM, SIGINT] {
            signal(signo, SIG_IGN) // let the dispatch source see it instead of the default action
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler { [unowned self] in
                self.received += 1
                if self.received == 1 {
                    AgentLog.shared.warning("received \(signo == SIGTERM ? "SIGTERM" : "SIGINT"): not taking new jobs; in-flight jobs finish or are handed back to the queue (send it again to exit at once)")
                    onStop(signo)
                } else {
                    _exit(128 + signo)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
