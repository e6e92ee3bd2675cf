/// A file pattern relative to the raw directory: `*` and `?` within one path component
/// (not matching a leading `.`), `**` for any number of folders.
public struct GlobPattern: Sendable, Hashable {
    public let text: String
    let components: [String]

    public init(_ text: String) {
        self.text = text
        components = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// The leading folders without wildcards (where a directory walk can start).
    public var literalPrefix: [String] {
        Array(components.prefix { !$0.contains("*") && !$0.contains("?") }.dropLast(components.isEmpty ? 0 : (isLiteral ? 1 : 0)))
    }

    var isLiteral: Bool { components.allSatisfy { !$0.contains("*") && !$0.contains("?") } }

    /// Whether a `/`-separated relative path matches.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return Self.match(components[...], parts[...])
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            // Zero or more folders.
            var rest = path
            while true {
                if match(pattern.dropFirst(), rest) { return true }
                guard let first = rest.first, !first.hasPrefix(".") else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let first = path.first, matchComponent(Array(head.utf8)[...], Array(first.utf8)[...], atStart: true) else {
            return false
        }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` and `?` within one component; a leading `.` must be matched literally.
    static func matchComponent(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>, atStart: Bool) -> Bool {
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?"), dot = UInt8(ascii: ".")
        if atStart, s.first == dot, p.first != dot { return false }
        var pi = p.startIndex, si = s.startIndex
        var starP = -1, starS = -1
        while si < s.endIndex {
            if pi < p.endIndex, p[pi] == question || p[pi] == s[si] {
                // `?` matches one byte of a UTF-8 sequence; move over a whole character.
                if p[pi] == question {
                    si += 1
                    while si < s.endIndex, s[si] & 0xC0 == 0x80 { si += 1 }
                } else {
                    si += 1
                }
                pi += 1
            } else if pi < p.endIndex, p[pi] == star {
                starP = pi; starS = si; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starS += 1; si = starS
            } else {
                return false
            }
        }
        while pi < p.endIndex, p[pi] == star { pi += 1 }
        return pi == p.endIndex
    }
}
