import Foundation
import Logging
import TradeCore

/// stderr log line formats.
public enum LogFormat: String, Sendable, CaseIterable {
    case human
    case json
}

/// Bootstraps swift-log once per process: human lines or one JSON object per line, to stderr.
public enum LoggingSetup {
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch format {
            case .human: handler = StreamLogHandler.standardError(label: label)
            case .json: handler = JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }
}

/// One JSON object per log line on stderr: time, level, label, message and metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// A metadata value as JSON: counts and measures logged as numbers (`.stringConvertible(n)`)
    /// stay numbers, so a log reader can sum them without parsing strings.
    static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let v):
            switch v {
            case let n as any BinaryInteger: return .number(Double(n))
            case let d as Double where d.isFinite: return .number(d)
            case let b as Bool: return .bool(b)
            default: return .string(v.description)
            }
        case .array(let items): return .array(items.map(json))
        case .dictionary(let map): return .object(map.mapValues(json))
        }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var object: [String: JSONValue] = [
            "time": .string(ISO8601DateFormatter().string(from: Date())),
            "level": .string(level.rawValue),
            "label": .string(label),
            "message": .string(message.description),
        ]
        for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = Self.json(value)
        }
        FileHandle.standardError.write(Data((JSONValue.object(object).canonicalJSON + "\n").utf8))
    }
}
