import TradeCore

/// A number read from `Pipelines/*.yaml` with the place it was written, so a
/// consumer can report `Pipelines/detectors.yaml:LINE:COL` when the value is out of range.
public struct LocatedNumber: Sendable, Hashable, CustomStringConvertible {
    public var value: Double
    public var location: SourceLocation

    public init(_ value: Double, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var description: String { "\(value) (\(location))" }
}
