import Foundation
import TradeCore
#if canImport(Glibc)
import Glibc
#endif

/// A file in the temporary directory, unlinked as soon as it is made: it lives while this object
/// does, and goes with the process even when it is killed. Detection keeps what would otherwise
/// grow with the warehouse in such files (`FamilySpill`, `EvidenceSpool`): bytes are appended and
/// read back by span.
final class TemporaryFile {
    private let descriptor: Int32
    /// What the file holds, for error messages ("findings' evidence").
    private let purpose: String
    private var end: Int64 = 0

    init(for purpose: String) throws {
        self.purpose = purpose
        var template = Array(FileManager.default.temporaryDirectory
            .appendingPathComponent("tradewatch-XXXXXX").path.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw Diagnostic("cannot create a temporary file for \(purpose) in \(FileManager.default.temporaryDirectory.path): \(String(cString: strerror(errno)))")
        }
        // If unlinking fails the file is only left in the temporary directory.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Appends `bytes`; returns where they are.
    func append(_ bytes: UnsafeRawBufferPointer) throws -> (offset: Int64, count: Int) {
        let written = pwrite(descriptor, bytes.baseAddress, bytes.count, off_t(end))
        guard written == bytes.count else {
            throw Diagnostic("cannot write \(purpose) to a temporary file: \(written < 0 ? String(cString: strerror(errno)) : "short write")")
        }
        defer { end += Int64(bytes.count) }
        return (end, bytes.count)
    }

    /// The bytes of a span `append` returned.
    func read(_ span: (offset: Int64, count: Int)) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: span.count)
        let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, span.count, off_t(span.offset)) }
        guard got == span.count else {
            throw Diagnostic("cannot read \(purpose) back from its temporary file: \(got < 0 ? String(cString: strerror(errno)) : "short read")")
        }
        return bytes
    }
}
