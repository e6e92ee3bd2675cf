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
        text += "\(severity.rawValue): \(message)"
        if let source { text += " [source=\(source)]" }
        return text
    }
}
