import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespaces)` (Unicode Zs and tab), answered from the first and last
    /// scalar when neither is whitespace — the usual cell — and by Foundation otherwise.
    var trimmingWhitespace: String {
        // ASCII ends (most cells): a byte test; otherwise decode the end scalars.
        if let first = utf8.first, let last = utf8.last, first < 0x80, last < 0x80 {
            if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return self }
            return trimmingCharacters(in: .whitespaces)
        }
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        if !Self.isWhitespace(first) && !Self.isWhitespace(last) { return self }
        return trimmingCharacters(in: .whitespaces)
    }

    /// Tab and the space separators (Unicode general category Zs), as `CharacterSet.whitespaces`.
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
