import TradeCore

/// A number read from `Pipelines/*.yaml` with the place it was written, so a
/// consumer can report `Pipelines/detectors.yaml:LINE:COL` when the value is out of range.
public struct LocatedNumber: Sendable, Hashable, CustomStringConvertible {
    public var value: Double
    public var location: SourceLocation
    /// Where its key was written (an unknown key is reported there).
    public var keyLocation: SourceLocation?
    /// Where the mapping it belongs to was named (`volume_spike:`; an unknown section is reported there).
    public var sectionLocation: SourceLocation?

    public init(_ value: Double, at location: SourceLocation, keyLocation: SourceLocation? = nil,
                sectionLocation: SourceLocation? = nil) {
        self.value = value
        self.location = location
        self.keyLocation = keyLocation
        self.sectionLocation = sectionLocation
    }

    public var description: String { "\(value) (\(location))" }
}
