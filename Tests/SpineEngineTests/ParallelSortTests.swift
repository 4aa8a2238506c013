import GSL
import SpineEngine
import Testing

@Suite("Parallel sort")
struct ParallelSortTests {
    /// Sizes on both sides of the one-thread cut-off, and thread counts that
    /// leave an odd run to carry through a merge pass.
    @Test("sorts like the standard library for any thread count", arguments: [0, 1, 1000, 50_000, 100_001])
    func matchesStandardSort(count: Int) {
        let random = RandomStream(seed: UInt64(count) + 7)
        let values = random.withHandle { handle in (0..<count).map { _ in handle.gaussian() } }
        for threads in [1, 2, 3, 5] {
            var sorted = values
            parallelSort(&sorted, threads: threads)
            #expect(sorted == values.sorted(), "threads \(threads)")
        }
    }

    @Test("the log-normal fit and its KS distance do not depend on the thread count")
    func fitIndependentOfThreads() {
        let random = RandomStream(seed: 11)
        let sample = random.withHandle { handle in (0..<80_000).map { _ in -1 + 0.5 * handle.gaussian() } }
        var one = sample, three = sample
        let serial = LogNormalFit(logVolumes: &one, threads: 1)
        #expect(LogNormalFit(logVolumes: &three, threads: 3) == serial)
        // KS distance of a normal sample against its own fit: well below the 1 % critical value 1.63/√n.
        #expect(serial.ksStatistic < 1.63 / Double(sample.count).squareRoot())
    }
}
