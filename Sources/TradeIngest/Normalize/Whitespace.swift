import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespaces)` (Unicode Zs and tab), answered from the first and last
    /// scalar's bytes when neither is whitespace — the usual cell — and by Foundation otherwise.
    var trimmingWhitespace: String {
        var s = self
        let endsInWhitespace = s.withUTF8 { bytes -> Bool in
            guard let first = bytes.first, let last = bytes.last else { return false }
            if first < 0x80 && last < 0x80 { return first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 }
            var start = bytes.count - 1
            while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
            return Self.isWhitespace(Self.scalar(at: 0, in: bytes)) || Self.isWhitespace(Self.scalar(at: start, in: bytes))
        }
        return endsInWhitespace ? trimmingCharacters(in: .whitespaces) : self
    }

    /// The scalar whose UTF-8 starts at `i` (the bytes of a String are valid UTF-8).
    private static func scalar(at i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar {
        let b0 = UInt32(bytes[i])
        var value: UInt32
        var n: Int
        switch b0 {
        case ..<0x80: return Unicode.Scalar(UInt8(b0))
        case ..<0xE0: value = b0 & 0x1F; n = 1
        case ..<0xF0: value = b0 & 0x0F; n = 2
        default: value = b0 & 0x07; n = 3
        }
        for k in 1...n where i + k < bytes.count { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    /// Tab, the space separators (Unicode general category Zs) and U+200B: exactly
    /// `CharacterSet.whitespaces` as Foundation on Linux has it (every scalar checked).
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
