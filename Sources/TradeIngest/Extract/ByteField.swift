/// Bytes kept from one XML event to a later one (an attribute value, a cell's text), in storage
/// reused from one element to the next (the parser's pointers are valid only during a callback).
/// A class so the handler's fields are updated in place.
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
        guard let attribute else {
            count = 0
            isPresent = false
            return
        }
        isPresent = true
        if attribute.hasReference {
            let decoded = Array(attribute.value.utf8)
            decoded.withUnsafeBufferPointer { copy($0) }
        } else {
            copy(attribute.rawValue)
        }
    }

    private func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
        count = 0
        append(bytes)
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
        if count + bytes.count > capacity { grow(&storage, count: count, capacity: &capacity, toAtLeast: count + bytes.count) }
        copyBytes(from: source, to: storage + count, count: bytes.count)
        count += bytes.count
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: storage, count: count) }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(bytes)
    }

    /// The value as a String, nil when the attribute was absent.
    var string: String? { isPresent ? String(decoding: bytes, as: UTF8.self) : nil }
}
