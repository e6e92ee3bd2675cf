import Foundation
import CLibXML2

/// A run of SAX events recorded on the parsing thread, to be replayed into an `XMLStreamHandler`
/// on the handler's thread: the names, attribute values and text are copied into one byte arena
/// and each event is a 16-byte record holding an offset into it (so the arena can grow for a huge
/// event) and the line libxml2 reported when the event happened.
///
/// Arena layout (lengths are unaligned `UInt32`s; a prefix length is stored plus one, 0 = none):
/// - start tag: name length, prefix length, name NUL [prefix NUL], then per attribute: name length,
///   prefix length, value length, name NUL [prefix NUL] value;
/// - end tag: name length, prefix length, name NUL [prefix NUL];
/// - characters: the bytes.
///
/// `@unchecked Sendable`: a tape is written by one thread, then handed over whole through
/// `Pipelined` (whose channel lock orders the writes before the reads) and from then on touched
/// only by the thread that received it, until it is given back to the `Pool` for reuse.
final class XMLEventTape: @unchecked Sendable {
    enum Kind: UInt32 {
        case start = 0, end = 1, characters = 2
    }

    struct Event {
        /// Where the event's bytes start in the arena.
        var offset: Int
        /// libxml2's line at the event.
        var line: Int32
        /// `count << 2 | kind`: attributes of a start tag, bytes of a characters event.
        var packed: UInt32

        var kind: Kind { Kind(rawValue: packed & 3)! }
        var count: Int { Int(packed >> 2) }
    }

    /// Largest attribute count or characters length one event holds (`packed` keeps 30 bits).
    static let maxCount = (1 << 30) - 1

    /// A tape is shipped once its arena or its event list reaches these sizes.
    static let byteLimit = 256 << 10
    static let eventLimit = 16 << 10

    // One thread at a time touches a tape (see above), on every event: no run-time exclusivity checks.
    @exclusivity(unchecked) private(set) var bytes: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private(set) var byteCount = 0
    @exclusivity(unchecked) private var byteCapacity: Int
    @exclusivity(unchecked) private(set) var events: UnsafeMutablePointer<Event>
    @exclusivity(unchecked) private(set) var eventCount = 0
    @exclusivity(unchecked) private var eventCapacity: Int

    init() {
        byteCapacity = Self.byteLimit + 4096
        bytes = .allocate(capacity: byteCapacity)
        eventCapacity = Self.eventLimit
        events = .allocate(capacity: eventCapacity)
    }

    deinit {
        bytes.deallocate()
        events.deallocate()
    }

    var isEmpty: Bool { eventCount == 0 }

    /// Time to ship: either limit reached.
    var isFull: Bool { byteCount >= Self.byteLimit || eventCount >= Self.eventLimit }

    func removeAll() {
        byteCount = 0
        eventCount = 0
        // A huge event grew the arena: give the memory back rather than keep it for every later tape.
        if byteCapacity > 4 * Self.byteLimit {
            bytes.deallocate()
            byteCapacity = Self.byteLimit + 4096
            bytes = .allocate(capacity: byteCapacity)
        }
    }

    // MARK: recording (parsing thread)

    @inline(__always)
    private func reserve(_ n: Int) {
        if byteCount + n > byteCapacity { grow(&bytes, count: byteCount, capacity: &byteCapacity, toAtLeast: byteCount + n) }
    }

    @inline(__always)
    private func append(_ event: Event) {
        if eventCount == eventCapacity { grow(&events, count: eventCount, capacity: &eventCapacity, toAtLeast: eventCount + 1) }
        events[eventCount] = event
        eventCount += 1
    }

    @inline(__always)
    private func put(_ source: UnsafePointer<UInt8>, count: Int) {
        copyBytes(from: source, to: bytes + byteCount, count: count)
        byteCount += count
    }

    @inline(__always)
    private func setLength(at offset: Int, _ n: Int) {
        UnsafeMutableRawPointer(bytes + offset).storeBytes(of: UInt32(truncatingIfNeeded: n), as: UInt32.self)
    }

    /// The length of a NUL-terminated name: a loop, as names are a few bytes and a call to strlen
    /// costs more than the bytes.
    @inline(__always)
    private static func length(_ s: UnsafePointer<UInt8>) -> Int {
        var n = 0
        while s[n] != 0 { n += 1 }
        return n
    }

    /// Name length, prefix length (+1, 0 = none)[, extra length], name NUL [prefix NUL]; reserves
    /// `extraLength` more bytes for what follows.
    @inline(__always)
    private func putName(_ name: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?, extraLength: Int? = nil) {
        let nameLength = Self.length(name)
        let prefixLength = prefix.map { Self.length($0) + 1 } ?? 0
        let headerSize = extraLength == nil ? 8 : 12
        reserve(headerSize + nameLength + 1 + prefixLength + (extraLength ?? 0))
        setLength(at: byteCount, nameLength)
        setLength(at: byteCount + 4, prefixLength)
        if let extraLength { setLength(at: byteCount + 8, extraLength) }
        byteCount += headerSize
        put(name, count: nameLength + 1)
        if let prefix { put(prefix, count: prefixLength) }
    }

    /// A start tag with libxml2's SAX2 attribute array (five pointers per attribute; the caller
    /// checked that every value has its begin and end pointers).
    func recordStart(_ localName: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?, line: Int32,
                     attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        append(Event(offset: byteCount, line: line, packed: UInt32(attributeCount) << 2 | Kind.start.rawValue))
        putName(localName, prefix)
        guard attributeCount > 0, let attributes else { return }
        for i in 0..<attributeCount {
            let a = attributes + 5 * i
            let begin = a[3]!, length = a[4]! - begin
            putName(a[0]!, a[1], extraLength: length)
            put(begin, count: length)
        }
    }

    /// A name as `XMLScanner` holds it: the bytes of `prefix:local`, not NUL-terminated, with the
    /// offset of the colon (-1 when there is no prefix).
    struct QualifiedName {
        var bytes: UnsafePointer<UInt8>
        var length: Int
        var colon: Int
    }

    /// An attribute as `XMLScanner` holds it (a namespace declaration is never one).
    struct ScannedAttribute {
        var name: QualifiedName
        var value: UnsafePointer<UInt8>
        var valueLength: Int
    }

    /// Writes the same name record as `putName` at `p` (and moves `p` past it), from a qualified name
    /// whose lengths are known; the caller reserved the room (`length + 1` bytes after the header).
    @inline(__always)
    private static func putQualifiedName(_ name: QualifiedName, extraLength: Int? = nil, at p: inout UnsafeMutablePointer<UInt8>) {
        let localStart = name.colon &+ 1  // 0 without a prefix
        let localLength = name.length &- localStart
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: UInt32(truncatingIfNeeded: localLength), as: UInt32.self)
        (raw + 4).storeBytes(of: UInt32(truncatingIfNeeded: name.colon < 0 ? 0 : name.colon &+ 1), as: UInt32.self)
        if let extraLength {
            (raw + 8).storeBytes(of: UInt32(truncatingIfNeeded: extraLength), as: UInt32.self)
            p += 12
        } else {
            p += 8
        }
        copyBytes(from: name.bytes + localStart, to: p, count: localLength)
        p[localLength] = 0
        p += localLength &+ 1
        if name.colon >= 0 {
            copyBytes(from: name.bytes, to: p, count: name.colon)
            p[name.colon] = 0
            p += name.colon &+ 1
        }
    }

    /// A start tag from `XMLScanner`: the same record as `recordStart`, written through one pointer
    /// after one reservation, with no name measured.
    func recordStart(_ name: QualifiedName, line: Int32, attributes: UnsafeBufferPointer<ScannedAttribute>) {
        append(Event(offset: byteCount, line: line, packed: UInt32(attributes.count) << 2 | Kind.start.rawValue))
        var size = 8 + name.length + 1
        for a in attributes { size += 12 + a.name.length + 1 + a.valueLength }
        reserve(size)
        var p = bytes + byteCount
        Self.putQualifiedName(name, at: &p)
        for a in attributes {
            Self.putQualifiedName(a.name, extraLength: a.valueLength, at: &p)
            copyBytes(from: a.value, to: p, count: a.valueLength)
            p += a.valueLength
        }
        byteCount = p - bytes
    }

    /// An end tag from `XMLScanner`.
    func recordEnd(_ name: QualifiedName, line: Int32) {
        append(Event(offset: byteCount, line: line, packed: Kind.end.rawValue))
        reserve(8 + name.length + 1)
        var p = bytes + byteCount
        Self.putQualifiedName(name, at: &p)
        byteCount = p - bytes
    }

    func recordEnd(_ localName: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?, line: Int32) {
        append(Event(offset: byteCount, line: line, packed: Kind.end.rawValue))
        putName(localName, prefix)
    }

    func recordCharacters(_ text: UnsafePointer<UInt8>, count: Int, line: Int32) {
        append(Event(offset: byteCount, line: line, packed: UInt32(count) << 2 | Kind.characters.rawValue))
        reserve(count)
        put(text, count: count)
    }

    // MARK: replay (handler thread)

    /// Tapes handed back after replay, for the parsing thread to fill again (no allocation per tape
    /// in steady state).
    final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var spare: [XMLEventTape] = []
        private let limit: Int

        init(limit: Int) { self.limit = limit }

        func take() -> XMLEventTape {
            lock.lock()
            let tape = spare.popLast()
            lock.unlock()
            return tape ?? XMLEventTape()
        }

        func recycle(_ tape: XMLEventTape) {
            tape.removeAll()
            lock.lock()
            if spare.count < limit { spare.append(tape) }
            lock.unlock()
        }
    }
}

/// Replays tapes into a handler, rebuilding libxml2's five-pointers-per-attribute array from the
/// arena in a reused scratch buffer, so handlers see exactly the borrowed views they would have
/// seen inside the libxml2 callbacks.
final class XMLEventPlayer {
    let handler: XMLStreamHandler
    private var scratch: UnsafeMutablePointer<UnsafePointer<xmlChar>?>
    private var scratchAttributes = 64

    init(handler: XMLStreamHandler) {
        self.handler = handler
        scratch = .allocate(capacity: 5 * scratchAttributes)
    }

    deinit {
        scratch.deallocate()
    }

    @inline(__always)
    private static func length(_ p: UnsafePointer<UInt8>) -> Int {
        Int(UnsafeRawPointer(p).loadUnaligned(as: UInt32.self))
    }

    /// Reads a name record at `p`: the name, the prefix, the pointer past them (and past an extra length).
    @inline(__always)
    private static func name(at p: UnsafePointer<UInt8>, extra: Bool = false)
        -> (name: UnsafePointer<UInt8>, prefix: UnsafePointer<UInt8>?, extra: Int, next: UnsafePointer<UInt8>) {
        let nameLength = length(p)
        let prefixStored = length(p + 4)
        var q = p + 8
        var extraLength = 0
        if extra {
            extraLength = length(q)
            q += 4
        }
        let name = q
        q += nameLength + 1
        var prefix: UnsafePointer<UInt8>?
        if prefixStored > 0 {
            prefix = q
            q += prefixStored
        }
        return (name, prefix, extraLength, q)
    }

    /// Calls the handler for every event of the tape, in order; stops at the first error it throws.
    func play(_ tape: XMLEventTape) throws {
        let base = UnsafePointer(tape.bytes)
        let events = tape.events
        for i in 0..<tape.eventCount {
            let event = events[i]
            let p = base + event.offset
            switch event.kind {
            case .characters:
                try handler.characters(UnsafeBufferPointer(start: p, count: event.count))
            case .end:
                let (name, prefix, _, _) = Self.name(at: p)
                try handler.endElement(XMLEndElement(localName: XMLName(name), prefix: XMLName(prefix),
                                                     line: Int(event.line)))
            case .start:
                let (name, prefix, _, next) = Self.name(at: p)
                let count = event.count
                if count > scratchAttributes {
                    scratch.deallocate()
                    scratchAttributes = max(count, 2 * scratchAttributes)
                    scratch = .allocate(capacity: 5 * scratchAttributes)
                }
                var q = next
                for a in 0..<count {
                    let (attributeName, attributePrefix, valueLength, value) = Self.name(at: q, extra: true)
                    let slot = scratch + 5 * a
                    slot[0] = attributeName
                    slot[1] = attributePrefix
                    slot[2] = nil
                    slot[3] = value
                    slot[4] = value + valueLength
                    q = value + valueLength
                }
                try handler.startElement(XMLStartElement(localName: XMLName(name), prefix: XMLName(prefix),
                                                         attributes: XMLAttributeList(base: UnsafePointer(scratch), count: count),
                                                         line: Int(event.line)))
            }
        }
    }
}

/// `target.update(from: source, count: count)`, faster for the short names and values of XML
/// events: up to 16 bytes take two overlapping word moves (or a byte loop below 4) instead of a
/// call to memmove, and never touch memory outside the two ranges.
@inline(__always)
func copyBytes(from source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, count: Int) {
    guard count <= 16 else {
        target.update(from: source, count: count)
        return
    }
    let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
    if count >= 8 {
        to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
        (to + count - 8).storeBytes(of: (from + count - 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
    } else if count >= 4 {
        to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
        (to + count - 4).storeBytes(of: (from + count - 4).loadUnaligned(as: UInt32.self), as: UInt32.self)
    } else {
        for i in 0..<count { target[i] = source[i] }
    }
}
