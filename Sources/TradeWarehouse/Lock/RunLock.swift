import Foundation
import TradeCore
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<warehouse>.lock`, held for the length of a run; released by
/// `release()` or when the lock is deinitialized (and by the kernel if the process dies).
public final class RunLock: @unchecked Sendable {
    /// The lock file.
    public let path: String
    // Guarded by `mutex`; @unchecked Sendable because of it.
    private var descriptor: Int32
    private let mutex = NSLock()

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock at `path` (creating the file), writing this process's pid into it.
    ///
    /// With `wait` false, throws `WarehouseError.locked` at once when another holder has it.
    /// The lock file is truncated, so it must be this lock's own file: a symlink is not followed
    /// (run as root, `tw.sqlite.lock → /etc/passwd` would wipe the target) and anything but a
    /// regular file with one link is refused, untouched.
    public static func acquire(path: String, wait: Bool) throws -> RunLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP {
                throw Diagnostic("refusing lock file \(path): it is a symbolic link (remove it; the next run creates the lock)")
            }
            throw Diagnostic("cannot open lock file \(path): \(String(cString: strerror(code)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_nlink == 1 else {
            close(fd)
            throw Diagnostic("refusing lock file \(path): it is not a regular file of its own "
                             + "(a FIFO, device, folder or hard link to another file; remove it, the next run creates the lock)")
        }
        var result: Int32
        repeat {
            result = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let code = errno
            // The holder writes its pid just after taking the lock: if we looked in between, look
            // again for a moment so the message can name it.
            var holder = readPID(fd)
            var tries = 0
            while holder == nil && code == EWOULDBLOCK && tries < 50 {
                usleep(2_000)
                holder = readPID(fd)
                tries += 1
            }
            close(fd)
            if code == EWOULDBLOCK {
                throw WarehouseError.locked(holderPID: holder, lockPath: path)
            }
            throw Diagnostic("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        let pid = "\(getpid())\n"
        if ftruncate(fd, 0) != 0 || pwrite(fd, pid, pid.utf8.count, 0) != pid.utf8.count {
            let message = String(cString: strerror(errno))
            close(fd)
            throw Diagnostic("cannot write the pid into lock file \(path): \(message)")
        }
        return RunLock(path: path, descriptor: fd)
    }

    /// Releases the lock (idempotent). The file stays, so the next holder locks the same inode.
    public func release() {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    /// The pid a holder wrote into the lock file, if readable.
    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}

extension Warehouse {
    /// Takes the run lock `<warehouse path>.lock` (see `RunLock.acquire`).
    public func acquireRunLock(wait: Bool) throws -> RunLock {
        try RunLock.acquire(path: Self.lockPath(forWarehouse: path), wait: wait)
    }

    /// Takes the run lock of the warehouse at `path` before opening it (so migrations run under the lock).
    public static func acquireRunLock(warehousePath path: String, wait: Bool) throws -> RunLock {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw Diagnostic("cannot create directory \(directory) for \(path): \(ErrorText.reason(error))")
            }
        }
        return try RunLock.acquire(path: lockPath(forWarehouse: path), wait: wait)
    }

    /// `<warehouse path>.lock`.
    public static func lockPath(forWarehouse path: String) -> String { path + ".lock" }
}
