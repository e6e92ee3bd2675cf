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
    ///
    /// Runs the pattern as a set of states (how many components are matched so far) over the
    /// path's components, so the work is at most path components × pattern components
    /// component matches, however many `**` the pattern holds (backtracking is exponential in them).
    public func matches(_ path: String) -> Bool {
        let pattern = components.map { $0 == "**" ? nil : Array($0.utf8) }
        var states = [Bool](repeating: false, count: pattern.count + 1)
        var next = states
        states[0] = true
        Self.closeOverDoubleStars(&states, pattern)
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            let bytes = Array(part.utf8)
            for i in next.indices { next[i] = false }
            for i in pattern.indices where states[i] {
                if let component = pattern[i] {
                    if Self.matchComponent(component[...], bytes[...], atStart: true) { next[i + 1] = true }
                } else if bytes.first != UInt8(ascii: ".") {
                    next[i] = true  // `**` takes one more folder, never a hidden one
                }
            }
            Self.closeOverDoubleStars(&next, pattern)
            swap(&states, &next)
            if !states.contains(true) { return false }
        }
        return states[pattern.count]
    }

    /// A state before `**` also stands after it: `**` may match zero folders.
    private static func closeOverDoubleStars(_ states: inout [Bool], _ pattern: [[UInt8]?]) {
        for i in pattern.indices where states[i] && pattern[i] == nil { states[i + 1] = true }
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
