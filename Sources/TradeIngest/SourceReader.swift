import Foundation
import TradeCore
import TradeConfig

/// A raw file found under the raw directory.
public struct RawFile: Sendable, Hashable {
    /// Absolute location on disk.
    public var url: URL
    /// Path as shown in diagnostics and stored in `trade.raw_file` (e.g. `Raw/china-customs/x.csv`).
    public var displayPath: String

    public init(url: URL, displayPath: String) {
        self.url = url
        self.displayPath = displayPath
    }
}

/// Reads one raw file of one format: extract (bytes → located records) and
/// normalize (record → canonical row or rejected row), streaming.
///
/// A row problem is emitted as `.rejected`; a file problem (cannot be decoded,
/// truncated mid-row, required column missing, hostile content) throws a located
/// `Diagnostic`, and the caller discards whatever the file had emitted.
/// Every record read is emitted exactly once, so a file balances:
/// records read = rows emitted (loaded) + rows rejected.
public protocol SourceReader: Sendable {
    func read(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
              emit: (RowOutcome) throws -> Void) throws
}
