import Testing
import TradeCore

/// The located error `body` throws, or nil when it throws none; any other error fails the test.
/// Shared by the test targets that check where a bad file or definition is reported.
public func diagnostic(_ body: () throws -> Void) -> Diagnostic? {
    do {
        try body()
    } catch let d as Diagnostic {
        return d
    } catch {
        Issue.record("unexpected error \(error)")
    }
    return nil
}
