import Dispatch
import Synchronization

/// Runs `body(index)` for every index in 0..<count on `threads` workers and
/// returns the results in index order. Work is handed out dynamically, but
/// each index must draw only from its own generator stream, so the results
/// are the same for any thread count. The first error stops the other
/// workers and is rethrown.
public func parallelMap<Result: Sendable>(count: Int, threads: Int,
                                          _ body: @Sendable (Int) throws -> Result) throws -> [Result] {
    let slots = ResultSlots<Result>(count: count)
    let next = Atomic<Int>(0)
    let failure = Mutex<(any Error)?>(nil)
    let workers = max(1, min(threads, count))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let index = next.add(1, ordering: .relaxed).oldValue
            guard index < count, failure.withLock({ $0 == nil }) else { return }
            do {
                slots.store(try body(index), at: index)
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
                return
            }
        }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    return slots.collect()
}

/// Runs `body` on the pairs of indices (0, 1), (2, 3), … (the last one
/// alone when `count` is odd), as `parallelMap` does, and returns the
/// results of every index in index order: for work on two items at once
/// (`CalciumWindow.run(_:together:)`), paired the same way whatever the
/// thread count.
public func parallelPairs<Result: Sendable>(count: Int, threads: Int,
                                            _ body: @Sendable ([Int]) throws -> [Result]) throws -> [Result] {
    try parallelMap(count: (count + 1) / 2, threads: threads) { pair in
        try body(Array((2 * pair)..<min(2 * pair + 2, count)))
    }.flatMap { $0 }
}

/// Splits 0..<count into `parts` contiguous ranges of near-equal length and
/// runs `body` on each, on `threads` workers; returns the results in range
/// order. Callers combine them exactly (sums of integers, maxima, sorted
/// runs), so the result does not depend on the split.
public func parallelChunks<Result: Sendable>(count: Int, parts: Int, threads: Int,
                                             _ body: @Sendable (Range<Int>) -> Result) -> [Result] {
    let parts = max(1, parts)
    return try! parallelMap(count: parts, threads: threads) { part in   // the body cannot throw
        body((part * count / parts)..<((part + 1) * count / parts))
    }
}

/// One slot per index, each written by exactly one worker.
private final class ResultSlots<Result>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Result?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    func store(_ value: Result, at index: Int) { buffer[index] = value }

    /// Moves the results out (no copies; the slots are left empty).
    func collect() -> [Result] { (0..<buffer.count).map { buffer[$0].take()! } }
}

/// Per-index values (e.g. one generator per dendrite) handed to
/// `parallelMap` workers: element i is only touched by the worker of index i,
/// so no two threads share one.
public struct Partitioned<Value>: @unchecked Sendable {
    private let values: [Value]
    public init(_ values: [Value]) { self.values = values }
    public subscript(index: Int) -> Value { values[index] }
}
