/// A Bloom filter of the natural keys a bulk load has stored, in fixed memory.
///
/// A bulk load appends rows without the unique natural-key index, so it cannot ask SQLite whether a
/// key repeats. The filter answers "certainly new" for almost every new key and "maybe seen" for
/// every repeat; only the "maybe" rows are set aside and settled exactly once the index exists
/// (`FileLoadSink.settleRepeatCandidates`). A false "maybe" costs time, never a wrong answer.
///
/// Split-block layout (as in Parquet's filters): a key sets one bit in each of the eight 64-bit
/// words of one 64-byte block, so a probe touches one cache line.
final class RepeatFilter {
    private let words: UnsafeMutablePointer<UInt64>
    private let blocks: UInt64

    private static let wordsPerBlock = 8

    /// A filter of `bytes` (rounded up to whole 64-byte blocks, at least one).
    init(bytes: Int) {
        let blockCount = max(1, (bytes + 63) / 64)
        blocks = UInt64(blockCount)
        words = .allocate(capacity: blockCount * Self.wordsPerBlock)
        words.initialize(repeating: 0, count: blockCount * Self.wordsPerBlock)
    }

    /// The size for a file of `fileBytes`: 16 bits for each row the file may hold at `rowBytes` a
    /// row (about 0.1 % false "maybe"s when rows are that short), from one block up to 8 MiB, so a
    /// load's memory does not grow with the file. A file of more rows than that serves at 16 bits
    /// (some 4 M), or of shorter rows, still loads exactly, with more false alarms settled at the end.
    static func bytes(forFileBytes fileBytes: Int64, rowBytes: Int64) -> Int {
        Int(min(max(fileBytes / rowBytes * 2, 64), 8 << 20))
    }

    deinit { words.deallocate() }

    /// Whether `hash` may have been inserted (false: certainly not).
    func mayContain(_ hash: UInt64) -> Bool {
        let block = words + blockOffset(hash)
        let low = UInt32(truncatingIfNeeded: hash)
        for i in 0..<Self.wordsPerBlock where block[i] & Self.bit(low, i) == 0 { return false }
        return true
    }

    func insert(_ hash: UInt64) {
        let block = words + blockOffset(hash)
        let low = UInt32(truncatingIfNeeded: hash)
        for i in 0..<Self.wordsPerBlock { block[i] |= Self.bit(low, i) }
    }

    /// Word `i`'s bit: the top 6 bits of the hash's low 32 bits times odd constant `i` (Parquet's salts).
    @inline(__always)
    private static func bit(_ low: UInt32, _ i: Int) -> UInt64 {
        let salt: UInt32
        switch i {
        case 0: salt = 0x47b6_137b
        case 1: salt = 0x4497_4d91
        case 2: salt = 0x8824_ad5b
        case 3: salt = 0xa2b7_289d
        case 4: salt = 0x7054_95c7
        case 5: salt = 0x2df1_424b
        case 6: salt = 0x9efc_4947
        default: salt = 0x5c6b_fb31
        }
        return 1 << UInt64((low &* salt) >> 26)
    }

    /// The first word of the hash's block: the high 32 bits choose it (multiply-shift, no division).
    private func blockOffset(_ hash: UInt64) -> Int {
        Int(((hash >> 32) &* blocks) >> 32) * Self.wordsPerBlock
    }
}
