import Foundation
import TradeCore

/// Texts (findings' evidence JSON) written once and read back by number, kept in an unlinked
/// temporary file so that detection's memory does not grow with the number of findings: a
/// warehouse with many findings holds tens of MB of evidence. `inMemory` keeps them in an array
/// (tests, small inputs).
public final class EvidenceSpool {
    private let file: FileHandle?
    private var texts: [String] = []
    private var spans: [(offset: UInt64, count: Int)] = []
    private var end: UInt64 = 0

    /// Texts kept in memory.
    public static func inMemory() -> EvidenceSpool { EvidenceSpool(file: nil) }

    /// Texts kept in a temporary file, removed from the directory at once (it lives while open).
    public static func temporaryFile() throws -> EvidenceSpool {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-evidence-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forUpdatingAtPath: path) else {
            throw Diagnostic("cannot create a temporary file for findings' evidence at \(path)")
        }
        // Unlinked, the file goes when it is closed, even if the process is killed; if unlinking
        // fails it is only left in the temporary directory.
        try? FileManager.default.removeItem(atPath: path)
        return EvidenceSpool(file: handle)
    }

    private init(file: FileHandle?) { self.file = file }

    deinit { try? file?.close() }

    /// Keeps `text`; returns its number.
    @discardableResult
    public func append(_ text: String) throws -> Int {
        guard let file else {
            texts.append(text)
            return texts.count - 1
        }
        let bytes = Data(text.utf8)
        do {
            try file.seek(toOffset: end)
            try file.write(contentsOf: bytes)
        } catch {
            throw Diagnostic("cannot write findings' evidence to a temporary file: \(error)")
        }
        spans.append((end, bytes.count))
        end += UInt64(bytes.count)
        return spans.count - 1
    }

    /// The text numbered `index`.
    public func text(_ index: Int) throws -> String {
        guard let file else { return texts[index] }
        let span = spans[index]
        do {
            try file.seek(toOffset: span.offset)
            let bytes = try file.read(upToCount: span.count) ?? Data()
            guard bytes.count == span.count else {
                throw Diagnostic("read \(bytes.count) of \(span.count) bytes")
            }
            return String(decoding: bytes, as: UTF8.self)
        } catch {
            throw Diagnostic("cannot read findings' evidence back from its temporary file: \(error)")
        }
    }
}
