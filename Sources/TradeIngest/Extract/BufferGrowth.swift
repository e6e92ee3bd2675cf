/// Grows a buffer that holds `count` elements to room for at least `needed` (and at least twice
/// `capacity`): the elements move to the new allocation and the old one is freed. The XML tape,
/// the scanner's arenas and `ByteField` grow this way (rarely: they are reused).
func grow<Element>(_ pointer: inout UnsafeMutablePointer<Element>, count: Int, capacity: inout Int, toAtLeast needed: Int) {
    let newCapacity = max(needed, 2 * capacity)
    let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
    grown.moveInitialize(from: pointer, count: count)
    pointer.deallocate()
    pointer = grown
    capacity = newCapacity
}
