import Foundation

/// Writes a file whole or not at all: the bytes go to a temporary file in the same folder, which is
/// flushed to disk and renamed over the target, so a reader (or a run killed mid-write) sees the
/// old file or the new one, never part of one.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A dot name the source's `*.json`/`*.csv` globs do not match, unique per process.
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw FetchFailure.file("cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw FetchFailure.file("cannot write \(url.path): \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw FetchFailure.file("cannot rename into \(url.path): \(reason)")
        }
        syncFolder(folder)
    }

    /// Flushes the folder entry of the rename (best effort: not every file system allows it).
    private static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
