/// Sorts `values` ascending on `threads` workers: equal chunks are sorted
/// concurrently, then merged pairwise. A sorted array is unique, so the
/// result does not depend on `threads` (no NaN allowed).
public func parallelSort(_ values: inout [Double], threads: Int) {
    let count = values.count
    let chunks = max(1, min(threads, count / minimumChunk))
    guard chunks > 1 else { values.sort(); return }
    var bounds = (0...chunks).map { $0 * count / chunks }   // the ranges parallelChunks sorts
    var scratch = [Double](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { source in
        scratch.withUnsafeMutableBufferPointer { target in
            let data = SharedBuffer(source), spare = SharedBuffer(target)
            _ = parallelChunks(count: count, parts: chunks, threads: threads) { range in
                var chunk = UnsafeMutableBufferPointer(rebasing: data.buffer[range])
                chunk.sort()
            }
            var (from, to) = (data, spare)
            while bounds.count > 2 {
                let runs = bounds, input = from, output = to
                // Runs i and i+1 merge; an odd last run is copied (mid = high).
                _ = try! parallelMap(count: runs.count / 2, threads: threads) { p in
                    let low = runs[2 * p], mid = runs[min(2 * p + 1, runs.count - 1)], high = runs[min(2 * p + 2, runs.count - 1)]
                    mergeRuns(input.buffer, low: low, mid: mid, high: high, into: output.buffer)
                }
                bounds = stride(from: 0, to: runs.count, by: 2).map { runs[$0] }
                if bounds.last != count { bounds.append(count) }
                (from, to) = (to, from)
            }
            if from.buffer.baseAddress != source.baseAddress {
                _ = source.update(fromContentsOf: from.buffer)
            }
        }
    }
}

/// Arrays with fewer values than this per worker are sorted on one thread.
private let minimumChunk = 1 << 14

/// Merges the sorted runs low..<mid and mid..<high of `from` into the same range of `into`.
private func mergeRuns(_ from: UnsafeMutableBufferPointer<Double>, low: Int, mid: Int, high: Int,
                       into: UnsafeMutableBufferPointer<Double>) {
    var i = low, j = mid, k = low
    while i < mid && j < high {
        if from[j] < from[i] { into[k] = from[j]; j += 1 } else { into[k] = from[i]; i += 1 }
        k += 1
    }
    while i < mid { into[k] = from[i]; i += 1; k += 1 }
    while j < high { into[k] = from[j]; j += 1; k += 1 }
}

/// A buffer whose disjoint ranges are written by different workers.
private struct SharedBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Double>
    init(_ buffer: UnsafeMutableBufferPointer<Double>) { self.buffer = buffer }
}
