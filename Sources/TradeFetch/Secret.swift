/// The subscription key, kept out of every text a fetch produces: it is sent as a header only, and
/// any message built from a server's or a library's words is passed through `redact` first.
public struct Secret: Sendable {
    let value: String?

    public init(_ value: String?) {
        self.value = (value?.isEmpty ?? true) ? nil : value
    }

    public var isSet: Bool { value != nil }

    /// `text` with every occurrence of the key replaced.
    public func redact(_ text: String) -> String {
        guard let value else { return text }
        return text.replacingOccurrences(of: value, with: "[key]")
    }
}
