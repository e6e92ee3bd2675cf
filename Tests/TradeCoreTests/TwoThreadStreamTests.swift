import Foundation
import Testing
import TradeCore

@Suite struct TwoThreadStreamTests {
    struct Boom: Error, Equatable { let at: Int }

    /// Counts what the producer has sent, read by the consumer (the test's only shared state).
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.lock(); value += 1; lock.unlock() }
        var current: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    @Test func consumesEveryItemInOrderOnTheCallingThread() throws {
        var received: [Int] = []
        var consumerThreads = Set<String>()
        let caller = "\(Thread.current)"
        try TwoThreadStream.run(capacity: 3, produce: { send in
            for i in 0..<10_000 { try send(i) }
        }, consume: { item in
            received.append(item)
            consumerThreads.insert("\(Thread.current)")
        })
        #expect(received == Array(0..<10_000))
        #expect(consumerThreads == [caller])
    }

    @Test func producerErrorComesAfterTheItemsSentBeforeIt() {
        var received: [Int] = []
        #expect(throws: Boom(at: 7)) {
            try TwoThreadStream.run(capacity: 2, produce: { send in
                for i in 0..<7 { try send(i) }
                throw Boom(at: 7)
            }, consume: { received.append($0) })
        }
        #expect(received == Array(0..<7))
    }

    @Test func consumerErrorStopsTheProducer() {
        let sent = Counter()
        var producerSaw: (any Error)?
        #expect(throws: Boom(at: 5)) {
            try TwoThreadStream.run(capacity: 2, produce: { send in
                do {
                    for i in 0..<1_000_000 {
                        try send(i)
                        sent.increment()
                    }
                } catch {
                    producerSaw = error
                    throw error
                }
            }, consume: { item in
                if item == 5 { throw Boom(at: 5) }
            })
        }
        // `run` returned only after the producer did: it was told to stop, long before its end.
        #expect(producerSaw is TwoThreadStream.ConsumerStopped)
        #expect(sent.current < 100)
    }

    @Test func producerStaysWithinCapacityOfTheConsumer() throws {
        let sent = Counter()
        var maxAhead = 0
        var consumed = 0
        try TwoThreadStream.run(capacity: 4, produce: { send in
            for i in 0..<2_000 {
                try send(i)
                sent.increment()
            }
        }, consume: { _ in
            consumed += 1
            // Items sent but not yet consumed: those queued plus the one in hand.
            maxAhead = max(maxAhead, sent.current - consumed)
            if consumed % 100 == 0 { Thread.sleep(forTimeInterval: 0.001) }
        })
        #expect(consumed == 2_000)
        #expect(maxAhead <= 4)
    }

    /// Items travel in batches but arrive one by one, in order, including a last partial batch.
    @Test func streamDeliversEveryItemAcrossBatchBoundaries() throws {
        for count in [0, 1, 7, 8, 9, 1_000] {
            var received: [Int] = []
            try TwoThreadStream.stream(batchSize: 8, batchesAhead: 2, produce: { emit in
                for i in 0..<count { try emit(i) }
            }, consume: { received.append($0) })
            #expect(received == Array(0..<count), "\(count) items")
        }
        var received: [Int] = []
        #expect(throws: Boom(at: 13)) {
            try TwoThreadStream.stream(batchSize: 8, produce: { emit in
                for i in 0..<13 { try emit(i) }
                throw Boom(at: 13)
            }, consume: { received.append($0) })
        }
        // The partial batch emitted before the error is delivered too.
        #expect(received == Array(0..<13))
    }

    @Test func emptyProducerReturnsAtOnce() throws {
        let consumed = Counter()
        try Self.returns(within: 60) {
            try TwoThreadStream.run(produce: { (_: (Int) throws -> Void) in }, consume: { _ in consumed.increment() })
        }
        #expect(consumed.current == 0)
    }

    /// Runs `body` on a thread of its own and waits at most `seconds` for it. A pipeline that hangs
    /// fails the test that calls it (the stuck thread is left behind) instead of stalling the run: a
    /// time-limit trait cannot interrupt a synchronous wait.
    static func returns(within seconds: Double, sourceLocation: Testing.SourceLocation = #_sourceLocation,
                        _ body: @escaping @Sendable () throws -> Void) throws {
        final class Outcome: @unchecked Sendable {
            var result: Result<Void, any Error> = .success(())
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        // The semaphore orders the thread's write of `result` before the read below.
        Thread {
            outcome.result = Result { try body() }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + seconds) == .success else {
            Issue.record("did not return within \(seconds) s", sourceLocation: sourceLocation)
            return
        }
        try outcome.result.get()
    }
}
