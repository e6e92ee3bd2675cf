import TradeCore

/// Typed access to `options`, each failure located at the option in the YAML.
extension SourceDefinition {
    /// A whole-number option within `range`, or a located error when it is not one (a reader
    /// sizes buffers and does arithmetic with it, so no value may reach it unchecked).
    public func intOption(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = options[key] else { return nil }
        guard let text = value.string, let n = Int(text), range.contains(n) else {
            throw Diagnostic("option \(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)",
                             at: value.location, source: name)
        }
        return n
    }

    /// A string option (scalar).
    public func stringOption(_ key: String) throws -> String? {
        guard let value = options[key] else { return nil }
        guard let text = value.string else {
            throw Diagnostic("option \(key) must be a single value", at: value.location, source: name)
        }
        return text
    }

    /// A list option (a scalar counts as a one-element list).
    public func listOption(_ key: String) throws -> [String]? {
        guard let value = options[key] else { return nil }
        if let s = value.string { return [s] }
        guard let list = value.list else {
            throw Diagnostic("option \(key) must be a value or a list", at: value.location, source: name)
        }
        return try list.map {
            guard let s = $0.string else { throw Diagnostic("option \(key): each entry must be a value", at: $0.location, source: name) }
            return s
        }
    }

    /// A map option of string → string.
    public func mapOption(_ key: String) throws -> [String: String]? {
        guard let value = options[key] else { return nil }
        guard let map = value.map else {
            throw Diagnostic("option \(key) must be a mapping", at: value.location, source: name)
        }
        var result: [String: String] = [:]
        for (k, v) in map {
            guard let s = v.string else { throw Diagnostic("option \(key).\(k) must be a value", at: v.location, source: name) }
            result[k] = s
        }
        return result
    }
}
