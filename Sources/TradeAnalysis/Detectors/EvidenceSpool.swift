import Foundation
import TradeCore

/// Texts (findings' evidence JSON) written once and read back by number, kept in an unlinked
/// temporary file so that detection's memory does not grow with the number of findings: a
/// warehouse with many findings holds tens of MB of evidence. `inMemory` keeps them in an array
/// (tests, small inputs).
public final class EvidenceSpool {
    private let file: TemporaryFile?
    private var texts: [String] = []
    private var spans: [(offset: Int64, count: Int)] = []

    /// Texts kept in memory.
    public static func inMemory() -> EvidenceSpool { EvidenceSpool(file: nil) }

    /// Texts kept in an unlinked temporary file.
    public static func temporaryFile() throws -> EvidenceSpool {
        EvidenceSpool(file: try TemporaryFile(for: "findings' evidence"))
    }

    private init(file: TemporaryFile?) { self.file = file }

    /// Keeps `text`; returns its number.
    @discardableResult
    public func append(_ text: String) throws -> Int {
        guard let file else {
            texts.append(text)
            return texts.count - 1
        }
        var text = text
        spans.append(try text.withUTF8 { try file.append(UnsafeRawBufferPointer($0)) })
        return spans.count - 1
    }

    /// The text numbered `index`.
    public func text(_ index: Int) throws -> String {
        guard let file else { return texts[index] }
        return String(decoding: try file.read(spans[index]), as: UTF8.self)
    }
}
