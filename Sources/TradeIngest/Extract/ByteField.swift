/// Bytes kept from one XML event to a later one (an attribute value, a cell's text), in storage
/// reused from one element to the next (the parser's pointers are valid only during a callback).
/// A class so the handler's fields are updated in place.
final class ByteField {
    private var storage: [UInt8] = []
    /// The attribute was there (possibly empty).
    private(set) var isPresent = false

    init() {
        storage.reserveCapacity(64)
    }

    var count: Int { storage.count }

    /// Takes the attribute's value, or records its absence.
    func set(_ attribute: XMLAttributeView?) {
        storage.removeAll(keepingCapacity: true)
        guard let attribute else {
            isPresent = false
            return
        }
        isPresent = true
        attribute.appendValue(to: &storage)
    }

    /// Empties the field (keeping its storage).
    func removeAll() {
        storage.removeAll(keepingCapacity: true)
        isPresent = false
    }

    /// Adds text that arrives in pieces.
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        isPresent = true
        storage.append(contentsOf: bytes)
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// The value as a String, nil when the attribute was absent.
    var string: String? { isPresent ? String(decoding: storage, as: UTF8.self) : nil }
}
