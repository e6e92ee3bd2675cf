import Foundation

/// The number grammar of the table sources, written a second way (a regular expression and
/// `Double(String)`) so tests can check the product's byte scanner against it, and a generator of
/// texts around the grammar's edges: grouping, exponents, overflow, hex, words, stray signs.
public enum NumberGrammarOracle {
    public enum Expected: Equatable, Sendable {
        case value(Double)
        case negative(Double)
        case notFinite
        case notANumber
    }

    /// `-`? then digits (or 1–3 digits not starting with 0 and `,ddd` groups), an optional fraction
    /// (or `.digits` alone), an optional exponent; and the words that name no finite number. Compiled
    /// once; a pattern that does not compile fails each test that asks the oracle, not the whole run.
    private static let patterns = Result {
        (grouped: try NSRegularExpression(
            pattern: #"^-?(?:(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"#),
         ungrouped: try NSRegularExpression(pattern: #"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"#),
         words: try NSRegularExpression(pattern: #"^-?(?:inf|infinity|nan)$"#, options: .caseInsensitive))
    }

    public static func expected(_ text: String, grouping: Bool) throws -> Expected {
        let patterns = try Self.patterns.get()
        let range = NSRange(text.startIndex..., in: text)
        if patterns.words.firstMatch(in: text, range: range) != nil { return .notFinite }
        guard (grouping ? patterns.grouped : patterns.ungrouped).firstMatch(in: text, range: range) != nil,
              let value = Double(text.replacingOccurrences(of: ",", with: "")) else { return .notANumber }
        guard value.isFinite else { return .notFinite }
        return text.hasPrefix("-") ? .negative(value) : .value(value)
    }

    /// A text near the grammar: mostly numbers in some notation, often broken on purpose.
    public static func text(_ rng: inout SeededGenerator) -> String {
        func digits(_ range: ClosedRange<Int>) -> String {
            String((0..<Int.random(in: range, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! })
        }
        if Int.random(in: 0..<8, using: &rng) == 0 {
            return ["inf", "-inf", "Infinity", "INF", "nan", "NaN", "-nan", "0x10", "0x1p-3", "1_000", "1 000", "５",
                    "١٢", "+", "-", ".", "e5", "--1", "1e", "1e+", "0,5", "1234,5", "12,34", "1,5", "1,2345", ",123",
                    "1,234,", "1,,234", "5,000", "1,234", "-1", "-0", "1e309", "-1e309", "1e-400", "abc"]
                .randomElement(using: &rng)!
        }
        var text = ["", "", "", "", "", "", "-", "+"].randomElement(using: &rng)!
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1: text += digits(1...3) + String(repeating: "," + digits(3...3), count: Int.random(in: 1...4, using: &rng))
        case 2: text += digits(1...4) + "," + digits(1...4)                  // grouped or a decimal comma
        case 3: text += digits(300...420)                                     // around the Double range
        case 4: text += ""                                                    // fraction only
        default: text += digits(1...20)
        }
        if Bool.random(using: &rng) { text += "." + digits(0...25) }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            text += ["e", "E"].randomElement(using: &rng)! + ["", "+", "-"].randomElement(using: &rng)!
                + (Int.random(in: 0..<4, using: &rng) == 0 ? String(Int.random(in: 290...420, using: &rng)) : digits(0...3))
        }
        if Int.random(in: 0..<16, using: &rng) == 0 {                        // one stray character
            let stray = ["x", " ", "e", ".", ",", "+", "-", "\u{00A0}", "é"].randomElement(using: &rng)!
            let at = text.index(text.startIndex, offsetBy: Int.random(in: 0...text.count, using: &rng))
            text.insert(contentsOf: stray, at: at)
        }
        return text.isEmpty ? "0" : text
    }
}
