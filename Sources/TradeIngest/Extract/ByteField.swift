/// Bytes kept from one XML event to a later one (an attribute value, a cell's text), in storage
/// reused from one element to the next (the parser's pointers are valid only during a callback).
/// A class so the handler's fields are updated in place.
///
/// Its own buffer, not an `[UInt8]`: emptying an array keeping its capacity and appending to it
/// were 6 % of an SDMX dry run, and the array's exclusivity checks as much again.
final class ByteField {
    // Owned by one handler, used on every cell or observation: no run-time exclusivity checks.
    @exclusivity(unchecked) private var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity = 64
    @exclusivity(unchecked) private(set) var count = 0
    /// The attribute was there (possibly empty).
    @exclusivity(unchecked) private(set) var isPresent = false

    init() {
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// Takes the attribute's value, or records its absence.
    func set(_ attribute: XMLAttributeView?) {
        count = 0
        guard let attribute else {
            isPresent = false
            return
        }
        isPresent = true
        if attribute.hasReference {
            Array(attribute.value.utf8).withUnsafeBufferPointer { append($0) }
        } else {
            append(attribute.rawValue)
        }
    }

    /// Empties the field (keeping its storage).
    func removeAll() {
        count = 0
        isPresent = false
    }

    /// Adds text that arrives in pieces.
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        isPresent = true
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if count + bytes.count > capacity { grow(toAtLeast: count + bytes.count) }
        (storage + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Moves the bytes to a buffer of at least `needed` (and at least twice the old one).
    private func grow(toAtLeast needed: Int) {
        let newCapacity = max(needed, 2 * capacity)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity = newCapacity
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage, count: count))
    }

    /// The value as a String, nil when the attribute was absent.
    var string: String? { isPresent ? withBytes { String(decoding: $0, as: UTF8.self) } : nil }
}
