import Foundation

/// Strict decimal parsing for table cells: optional sign, digits with optional `,`
/// thousands separators, optional fraction and exponent. No `nan`, `inf`, hex or spaces inside.
public enum NumberParsing {
    public static func decimal(_ text: some StringProtocol) -> Double? {
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
}
