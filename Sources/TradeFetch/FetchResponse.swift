import Foundation

/// A response as a fetch uses it.
public struct FetchResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data
    /// HTTP tries it took.
    public var tries: Int

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
