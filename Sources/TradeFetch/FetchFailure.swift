/// Why a call or a fetch stopped; every message is free of the key.
public enum FetchFailure: Error, Sendable, CustomStringConvertible, Equatable {
    /// The source's daily call budget is spent.
    case budgetSpent(budget: Int)
    /// The tries ran out on 429, 5xx or transport failures; `status` is the last HTTP answer's.
    case triesExhausted(tries: Int, status: Int?, last: String)
    /// An answer that is not retried: 4xx, or one whose body is unusable.
    case refused(status: Int?, message: String)
    /// A response that cannot be a file: count disagrees with data, cap cannot be split, bad JSON.
    case invalidResponse(String)
    case file(String)

    public var description: String {
        switch self {
        case .budgetSpent(let budget): return "daily call budget of \(budget) calls is spent; not called"
        case .triesExhausted(let tries, _, let last): return "gave up after \(tries) tries: \(last)"
        case .refused(let status, let message): return status.map { "HTTP \($0): \(message)" } ?? message
        case .invalidResponse(let message): return message
        case .file(let message): return message
        }
    }

    /// Whether the failure ends the run's remaining calls of the source (budget) rather than one call.
    var stopsSource: Bool {
        if case .budgetSpent = self { return true }
        return false
    }
}
