import Foundation
import TradeCore
#if canImport(Glibc)
import Glibc
#endif

/// A file opened for sequential reads into caller-owned buffers (no per-read allocation).
final class RawInput {
    private let fd: Int32
    let display: String
    private var closed = false

    /// Refuses anything but a regular file. `O_NONBLOCK` keeps the open itself from blocking on a
    /// FIFO put in a file's place after the scan checked it; it is cleared again for the reads.
    init(url: URL, display: String) throws {
        fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        self.display = display
        if fd < 0 {
            throw Diagnostic("cannot open file: \(String(cString: strerror(errno)))", at: SourceLocation(file: display, line: 1))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            closed = true
            throw Diagnostic(RawDirectoryWalker.notRegularMessage(mode: info.st_mode), at: SourceLocation(file: display, line: 1))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    }

    /// Reads up to `count` bytes into the start of `buffer`; 0 at end of file.
    func read(into buffer: inout [UInt8], count: Int, at start: Int = 0) throws -> Int {
        precondition(start + count <= buffer.count)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + start, count)
            }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw Diagnostic("cannot read file: \(String(cString: strerror(errno)))", at: SourceLocation(file: display, line: 1))
        }
    }

    func rewind() throws {
        if lseek(fd, 0, SEEK_SET) < 0 {
            throw Diagnostic("cannot seek file: \(String(cString: strerror(errno)))", at: SourceLocation(file: display, line: 1))
        }
    }

    func skip(_ count: Int) throws {
        if count > 0, lseek(fd, off_t(count), SEEK_CUR) < 0 {
            throw Diagnostic("cannot seek file: \(String(cString: strerror(errno)))", at: SourceLocation(file: display, line: 1))
        }
    }

    func close() {
        if !closed { _ = Glibc.close(fd); closed = true }
    }

    deinit { close() }
}
