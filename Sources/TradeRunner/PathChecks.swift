import Foundation
import TradeCore

/// Checks of the paths a command is given, before it does anything: a mistyped path is a usage
/// error (exit 2) naming the absolute path, never a new empty warehouse or an empty run.
enum PathChecks {
    /// `path` resolved against the working directory (a cron job's is rarely the one you think).
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Only `init`, `load` and `run` create a warehouse; every other command needs one.
    static func requireWarehouse(_ path: String, command: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw RunFailure(.usage, "tradewatch: error: no warehouse at \(absolute(path)) (see --warehouse); "
                + "`\(command)` does not create one: `tradewatch init`, `load` or `run` do")
        }
    }

    static func requirePipelines(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunFailure(.usage, "tradewatch: error: no pipelines directory at \(absolute(path)) (see --pipelines)")
        }
    }

    /// A file-level error as one located line: our own errors as they are, Foundation's in words.
    static func message(_ error: any Error, path: String) -> String {
        if error is Diagnostic || error is RunFailure { return "\(error)" }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
            return "\(path): error: \(ErrorText.reason(error))"
        }
        return "\(error)"
    }
}
