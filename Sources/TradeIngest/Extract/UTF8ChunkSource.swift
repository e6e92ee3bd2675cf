/// Something that hands out a text as UTF-8 bytes, one chunk at a time.
public protocol UTF8ChunkSource: AnyObject {
    /// Fills `out` from index 0; returns the count, 0 at the end.
    func read(into out: inout [UInt8]) throws -> Int
}

extension Transcoder: UTF8ChunkSource {}

/// UTF-8 bytes already in memory, handed out in chunks of at most `chunkSize` (tests use tiny chunks
/// to exercise records and characters split across reads).
public final class MemoryChunkSource: UTF8ChunkSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunkSize: Int

    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 16) {
        var b = bytes
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { b.removeFirst(3) }
        self.bytes = b
        self.chunkSize = max(1, chunkSize)
    }

    public convenience init(_ text: String, chunkSize: Int = 1 << 16) {
        self.init(Array(text.utf8), chunkSize: chunkSize)
    }

    public func read(into out: inout [UInt8]) throws -> Int {
        let n = min(chunkSize, out.count, bytes.count - offset)
        for i in 0..<n { out[i] = bytes[offset + i] }
        offset += n
        return n
    }
}
