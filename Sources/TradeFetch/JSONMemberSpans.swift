/// Finds the byte ranges of the elements of one array member of a top-level JSON object, so a
/// response's records can be written to files exactly as the server sent them (a number keeps its
/// literal; re-encoding would pass it through Double).
///
/// It only walks a document that `JSONSerialization` has already accepted: it tracks strings
/// (with escapes) and nesting, nothing else.
enum JSONMemberSpans {
    /// The element ranges of the array `name` of the top-level object; nil when there is none.
    static func elements(ofMember name: String, in bytes: [UInt8]) -> [Range<Int>]? {
        let key = Array(name.utf8)
        var index = skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        while true {
            index = skipSpace(bytes, index)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let keyEnd = skipString(bytes, index)
            let isTarget = Array(bytes[(index + 1)..<(keyEnd - 1)]) == key
            index = skipSpace(bytes, keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index = skipSpace(bytes, index + 1)
            guard index < bytes.count else { return nil }
            if isTarget, bytes[index] == UInt8(ascii: "[") {
                return arrayElements(bytes, index)
            }
            index = skipSpace(bytes, skipValue(bytes, index))
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    private static func arrayElements(_ bytes: [UInt8], _ open: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = skipSpace(bytes, open + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return ranges }
        while index < bytes.count {
            let end = skipValue(bytes, index)
            ranges.append(index..<end)
            index = skipSpace(bytes, end)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { break }
            index = skipSpace(bytes, index + 1)
        }
        return ranges
    }

    private static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    /// The index after the string starting at `start` (its opening quote).
    private static func skipString(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return index
    }

    /// The index after the value starting at `start`.
    private static func skipValue(_ bytes: [UInt8], _ start: Int) -> Int {
        guard start < bytes.count else { return start }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return skipString(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""): index = skipString(bytes, index); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return index
        default:
            var index = start
            while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D]
                .contains(bytes[index]) { index += 1 }
            return index
        }
    }
}
