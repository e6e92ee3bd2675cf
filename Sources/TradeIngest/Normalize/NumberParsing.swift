import Foundation

/// Strict decimal parsing for table cells: optional sign, digits with optional `,`
/// thousands separators, optional fraction and exponent. No `nan`, `inf`, hex or spaces inside.
public enum NumberParsing {
    public static func decimal(_ text: some StringProtocol) -> Double? {
        if let plain = plainDecimal(text) { return plain.isFinite ? plain : nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        var digits = ""
        digits.reserveCapacity(trimmed.utf8.count)
        var sawDigit = false, sawDot = false, sawExp = false
        var previous: Character = " "
        for (i, ch) in trimmed.enumerated() {
            switch ch {
            case "0"..."9": sawDigit = true; digits.append(ch)
            case ",":
                guard sawDigit, !sawDot, !sawExp else { return nil }
            case ".":
                guard !sawDot, !sawExp else { return nil }
                sawDot = true; digits.append(ch)
            case "-", "+":
                guard i == 0 || previous == "e" || previous == "E" else { return nil }
                digits.append(ch)
            case "e", "E":
                guard sawDigit, !sawExp else { return nil }
                sawExp = true; digits.append(ch)
            default:
                return nil
            }
            previous = ch
        }
        guard sawDigit, let value = Double(digits), value.isFinite else { return nil }
        return value
    }

    /// The common case without a String copy: `[+-]digits[.digits]` (at least one digit, nothing else),
    /// read with `DecimalText` (the same Double as `Double(String)`); nil for anything else.
    private static func plainDecimal(_ text: some StringProtocol) -> Double? {
        func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
            var i = 0, digits = 0, dots = 0
            if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { i = 1 }
            while i < bytes.count {
                let b = bytes[i]
                if b &- 48 < 10 { digits += 1 } else if b == UInt8(ascii: ".") { dots += 1 } else { return nil }
                i += 1
            }
            guard digits > 0, dots <= 1 else { return nil }
            return DecimalText.double(bytes)
        }
        if let result = text.utf8.withContiguousStorageIfAvailable(scan) { return result }
        var copy = String(text)
        return copy.withUTF8(scan)
    }
}
