/// A located, one-line problem report: `Raw/x.csv:12:5: error: message [source=name]`.
///
/// Run-level problems (bad configuration, undecodable or truncated files, failed
/// migrations) are thrown as `Diagnostic`s; row-level problems are `RejectedRow` values.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var location: SourceLocation?
    public var severity: Severity
    public var message: String
    /// The pipeline (source definition) concerned, if any.
    public var source: String?

    public init(_ message: String, at location: SourceLocation? = nil,
                severity: Severity = .error, source: String? = nil) {
        self.message = message
        self.location = location
        self.severity = severity
        self.source = source
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue): \(Self.oneLine(message))"
        if let source { text += " [source=\(source)]" }
        return text
    }

    /// Longest message `description` shows, in characters; the rest is cut with "…".
    public static let maxMessageLength = 2_000

    /// File content quoted in a message (a header, a cell) may hold line breaks or megabytes:
    /// control characters are escaped (`\n`, `\u{0}`) and the text is cut, so a report stays one
    /// bounded line and a hostile file cannot forge log lines.
    static func oneLine(_ message: String) -> String {
        guard message.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{2028}" || $0 == "\u{2029}" })
                || message.count > maxMessageLength else { return message }
        var out = ""
        for scalar in message.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}":
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out.count > maxMessageLength ? String(out.prefix(maxMessageLength)) + "…" : out
    }
}
