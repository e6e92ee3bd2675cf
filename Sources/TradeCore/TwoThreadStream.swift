import Foundation

/// Two-stage pipelining: `produce` runs on a worker thread and hands items over, in order, to
/// `consume` on the calling thread, with at most `capacity` items waiting in between (memory stays
/// flat). Used where one stage is a parser and the other a consumer that must stay on the caller's
/// thread (a GRDB connection is confined to its queue), so the two use both cores.
///
/// - Order and errors are those of a serial run: `consume` sees every item `produce` sent before it
///   failed, then `run` rethrows the producer's error. When `consume` throws, the producer's next
///   `send` throws `ConsumerStopped`, and `run` rethrows the consumer's error once the producer
///   has returned.
/// - `run` returns only after `produce` has returned, so both closures may borrow the caller's
///   state; they must not share mutable state with each other.
public enum TwoThreadStream {
    /// Thrown by `send` after the consumer stopped; a producer should let it propagate.
    public struct ConsumerStopped: Error, CustomStringConvertible {
        public var description: String { "stopped: the consuming stage failed" }
    }

    /// Stack of the producing thread (parsers may recurse; Foundation's default for a secondary thread is smaller).
    static let stackSize = 8 << 20

    public static func run<Item: Sendable>(capacity: Int = 4,
                                           produce: (_ send: (Item) throws -> Void) throws -> Void,
                                           consume: (Item) throws -> Void) throws {
        precondition(capacity >= 1, "a pipeline needs room for one item")
        let channel = Channel<Item>(capacity: capacity)
        try withoutActuallyEscaping(produce) { produce in
            // The thread takes the closure out of the slot and drops it before closing the channel, and
            // `run` waits for that close: `produce` never outlives this call (withoutActuallyEscaping checks).
            let slot = ProducerSlot(produce)
            let thread = Thread {
                channel.close(error: slot.runOnce { try channel.send($0) })
            }
            thread.stackSize = stackSize
            thread.start()
            do {
                while let item = try channel.receive() {
                    try consume(item)
                }
            } catch {
                channel.cancel()
                channel.waitUntilClosed()
                throw error
            }
        }
    }
}

extension TwoThreadStream {
    /// `run` for a stream of small items: `produce` emits them one by one, they travel in batches of
    /// `batchSize` (one hand-over per batch, not per item), and `consume` takes them one by one, in order.
    /// Errors behave as in `run`: a producer error arrives after every item emitted before it.
    public static func stream<Element: Sendable>(batchSize: Int = 1024, batchesAhead: Int = 4,
                                                 produce: (_ emit: (Element) throws -> Void) throws -> Void,
                                                 consume: (Element) throws -> Void) throws {
        precondition(batchSize >= 1, "a batch holds at least one item")
        try run(capacity: batchesAhead, produce: { sendBatch in
            // `send` only runs while `produce` does.
            try withoutActuallyEscaping(sendBatch) { send in
                var batch: [Element] = []
                batch.reserveCapacity(batchSize)
                do {
                    try produce { element in
                        batch.append(element)
                        if batch.count == batchSize {
                            try send(batch)
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                } catch {
                    // As with `run`: the consumer first sees every item emitted before the error.
                    if !batch.isEmpty, !(error is ConsumerStopped) { try send(batch) }
                    throw error
                }
                if !batch.isEmpty { try send(batch) }
            }
        }, consume: { batch in
            for element in batch { try consume(element) }
        })
    }
}

/// Hands the producing closure to the worker thread; sound because `TwoThreadStream.run` blocks until
/// that thread has run it and let it go.
private final class ProducerSlot<Item>: @unchecked Sendable {
    typealias Body = (_ send: (Item) throws -> Void) throws -> Void
    private var body: Body?

    init(_ body: @escaping Body) { self.body = body }

    /// Runs the closure and releases it; returns what it threw.
    func runOnce(send: (Item) throws -> Void) -> (any Error)? {
        guard let body else { return nil }
        self.body = nil
        do {
            try body(send)
            return nil
        } catch {
            return error
        }
    }
}

/// A bounded FIFO between one producer and one consumer.
private final class Channel<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private var cancelled = false
    private var producerError: (any Error)?

    init(capacity: Int) {
        self.capacity = capacity
        items.reserveCapacity(capacity)
    }

    func send(_ item: Item) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { throw TwoThreadStream.ConsumerStopped() }
        if head > 0 && items.count == items.capacity {
            items.removeFirst(head)
            head = 0
        }
        items.append(item)
        condition.broadcast()
    }

    /// The next item; nil once the producer finished cleanly and everything was taken.
    func receive() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        if head < items.count {
            let item = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.broadcast()
            return item
        }
        if let producerError { throw producerError }
        return nil
    }

    func close(error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        producerError = error
        condition.broadcast()
    }

    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        items.removeAll()
        head = 0
        condition.broadcast()
    }

    func waitUntilClosed() {
        condition.lock()
        defer { condition.unlock() }
        while !closed { condition.wait() }
    }
}
