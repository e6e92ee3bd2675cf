/// Warehouse failures a caller must tell apart from ordinary `Diagnostic`s (exit code 3 for `locked`).
public enum WarehouseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another process holds the run lock; `holderPID` is what it wrote into the lock file.
    case locked(holderPID: Int32?, lockPath: String)

    public var description: String {
        switch self {
        case .locked(let pid, let path):
            let who = pid.map { "another tradewatch run (pid \($0))" } ?? "another tradewatch run"
            return "error: \(who) holds \(path); this one stops here (exit 3). Give --wait to queue behind it instead"
        }
    }
}
