import Foundation

/// The one number grammar of the table sources (Comtrade CSV and JSON, China customs, USGS, the FX
/// table): a decimal, nothing else.
///
///     number   = ["-"] mantissa [exponent]
///     mantissa = integer ["." digit*] | "." digit+
///     integer  = digit+ | group ("," digit digit digit)+     (groups only where the source writes them)
///     group    = 1 to 3 digits, the first not 0
///     exponent = ("e" | "E") ["+" | "-"] digit+
///
/// A comma is a thousands separator only between groups of three (`1,234`, `5,000`): `1234,5`,
/// `12,34` or `0,5` are decimal commas of another convention, not numbers here. No hex, no `inf`
/// or `nan`, no `+` sign, no spaces inside; a value beyond the Double range (`1e309`, 400 digits)
/// is not a finite number rather than infinity. The minus is read so that the caller can say
/// "negative" (or take Comtrade's documented `-1`); figures themselves are never negative.
public enum NumberParsing {
    /// What a cell's text is under the grammar.
    public enum Figure: Equatable, Sendable {
        /// A finite number without a minus sign.
        case value(Double)
        case flawed(Flaw)
    }

    /// Why a text is not a figure.
    public enum Flaw: Equatable, Sendable {
        /// A finite number with a minus sign.
        case negative(Double)
        /// `inf`, `infinity`, `nan`, or a number beyond the Double range.
        case notFinite
        /// Anything else.
        case notANumber

        /// The rejection reason for `text` in `column`: `netWgt "1e309" is not a finite number`.
        public func reason(_ column: String, _ text: some StringProtocol) -> String {
            switch self {
            case .negative: "\(column) \"\(text)\" is negative"
            case .notFinite: "\(column) \"\(text)\" is not a finite number"
            case .notANumber: "\(column) \"\(text)\" is not a number"
            }
        }
    }

    /// `bytes` judged by the grammar; `grouping` allows `,` thousands separators.
    public static func figure(_ bytes: UnsafeBufferPointer<UInt8>, grouping: Bool) -> Figure {
        guard let first = bytes.first, first != UInt8(ascii: "+") else { return .flawed(.notANumber) }
        // The common case, `12.5` or `-1`, in one pass without a copy.
        if let v = DecimalText.plain(bytes) { return first == UInt8(ascii: "-") ? .flawed(.negative(v)) : .value(v) }
        return general(bytes, grouping: grouping)
    }

    public static func figure(_ text: some StringProtocol, grouping: Bool) -> Figure {
        if let result = text.utf8.withContiguousStorageIfAvailable({ figure($0, grouping: grouping) }) { return result }
        var copy = String(text)
        return copy.withUTF8 { figure($0, grouping: grouping) }
    }

    /// A signed number with optional thousands groups, surrounding spaces ignored (USGS cells, FX
    /// rates): the grammar's value, negative or not; nil when the text is not a finite number.
    public static func decimal(_ text: some StringProtocol) -> Double? {
        let scalars = text.unicodeScalars
        let padded = [scalars.first, scalars.last].contains { $0.map(CharacterSet.whitespaces.contains) == true }
        switch padded ? figure(text.trimmingCharacters(in: .whitespaces), grouping: true) : figure(text, grouping: true) {
        case .value(let v), .flawed(.negative(let v)): return v
        case .flawed: return nil
        }
    }

    /// The grammar beyond the plain fast path: checks every byte, drops group separators and lets
    /// `Double(String)` round the text, which by then is certainly a decimal.
    private static func general(_ bytes: UnsafeBufferPointer<UInt8>, grouping: Bool) -> Figure {
        let n = bytes.count
        let negative = bytes[0] == UInt8(ascii: "-")
        var i = negative ? 1 : 0
        if isNonFiniteWord(UnsafeBufferPointer(rebasing: bytes[i...])) { return .flawed(.notFinite) }
        var text: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        text.reserveCapacity(n)
        func isDigit(_ at: Int) -> Bool { at < n && bytes[at] &- 48 < 10 }
        func digits() -> Int {
            let start = i
            while isDigit(i) { text.append(bytes[i]); i += 1 }
            return i - start
        }

        var integerDigits = digits()
        if grouping, i < n, bytes[i] == UInt8(ascii: ","), integerDigits > 0 {
            // First group 1...3 digits and not a leading 0 (`0,5` is a decimal comma), then groups of 3.
            guard integerDigits <= 3, text[text.count - integerDigits] != UInt8(ascii: "0") else { return .flawed(.notANumber) }
            while i < n, bytes[i] == UInt8(ascii: ",") {
                i += 1
                guard digits() == 3 else { return .flawed(.notANumber) }
                integerDigits += 3
            }
        }
        var fractionDigits = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
            text.append(bytes[i]); i += 1
            fractionDigits = digits()
        }
        guard integerDigits + fractionDigits > 0 else { return .flawed(.notANumber) }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            text.append(bytes[i]); i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { text.append(bytes[i]); i += 1 }
            guard digits() > 0 else { return .flawed(.notANumber) }
        }
        guard i == n, let value = Double(String(decoding: text, as: UTF8.self)) else { return .flawed(.notANumber) }
        guard value.isFinite else { return .flawed(.notFinite) }
        return negative ? .flawed(.negative(value)) : .value(value)
    }

    /// `inf`, `infinity` or `nan`, in any ASCII case: what `Double(String)` would read as non-finite.
    private static func isNonFiniteWord(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 3 || bytes.count == 8 else { return false }
        let lower = bytes.map { $0 | 0x20 }
        return lower.elementsEqual("inf".utf8) || lower.elementsEqual("nan".utf8) || lower.elementsEqual("infinity".utf8)
    }
}
