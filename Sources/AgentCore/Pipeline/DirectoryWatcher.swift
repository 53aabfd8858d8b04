#if canImport(Glibc)
import Glibc
#endif

/// Sleeps until a file appears or changes in a directory, or a timeout passes.
///
/// The agent waits for new jobs with inotify rather than by polling, so an idle agent uses no CPU; the
/// timeout is only a safety net (a queue on a file system without inotify, such as NFS).
final class DirectoryWatcher: @unchecked Sendable {
    private let fd: Int32
    private let wakePipe: (read: Int32, write: Int32)

    /// Watches `directory` (which must exist) for files created, moved in or written.
    init(directory: String) {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if fd >= 0 {
            _ = inotify_add_watch(fd, directory, UInt32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE))
        }
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
            _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        }
        wakePipe = (fds[0], fds[1])
    }

    deinit {
        if fd >= 0 { close(fd) }
        close(wakePipe.read)
        close(wakePipe.write)
    }

    /// Blocks until the directory changes, `wake()` is called, or `timeoutMilliseconds` pass.
    func wait(timeoutMilliseconds: Int32) {
        var polls = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)]
        let n = poll(&polls, 2, timeoutMilliseconds) // a negative fd (no inotify) is ignored by poll
        guard n > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        if fd >= 0 { while read(fd, &buffer, buffer.count) > 0 {} }
        while read(wakePipe.read, &buffer, buffer.count) > 0 {}
    }

    /// Ends a `wait` early, from any thread (also from a signal handler: it only writes a byte).
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }
}
