#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a file, released when closed or when the process
/// ends in any way (even `kill -9`), which is what makes it a liveness signal.
/// Descriptors are close-on-exec, so a job the agent starts never inherits one.
struct FileLock: ~Copyable {
    let fd: Int32

    /// Opens (creating) `path` and locks it, waiting if `wait`; nil if another
    /// open file holds the lock and `wait` is false.
    init?(path: String, wait: Bool) throws(QueueError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(operation: "open lock", path: path, errno: errno) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .io(operation: "lock", path: path, errno: code)
        }
        self.fd = fd
    }

    /// Hands the descriptor over (it stays locked); the caller closes it.
    consuming func take() -> Int32 {
        let fd = self.fd
        discard self
        return fd
    }

    deinit { close(fd) }
}
