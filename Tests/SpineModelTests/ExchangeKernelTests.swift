import Foundation
import SpineModel
import Testing

/// docs/MODEL.md §2a, "Event-driven exchange": the grid is linear and
/// time-invariant, so its received calcium is the sum of its response
/// kernels over the jumps.
@Suite("Exchange kernels of the shaft grid")
struct ExchangeKernelTests {
    /// A 30 µm dendrite with 12 spines, each jumping at random times over 1.2 s;
    /// the grid stepped with the exact step averages of the own calcium
    /// (computed here from the jumps) against the kernels' sum.
    @Test func kernelsReproduceTheSteppedGrid() throws {
        let h = 2.0, steps = 600, n = 12, lengthUm = 30.0
        var parameters = DiffusionParameters()
        parameters.timeStepMs = h
        let positions = (0..<n).map { 1.0 + 2.3 * Double($0) }
        let volumes = (0..<n).map { 0.05 + 0.02 * Double($0 % 5) }
        let neck = (0..<n).map { $0 == 3 ? 0.5 : 1.0 }          // one spine with its own decay rate
        let grid = try DendriticCalcium(lengthUm: lengthUm, parameters: parameters, tauCalciumMs: 20,
                                        spinePositionsUm: positions, spineVolumesUm3: volumes, neckCoupling: neck)
        // Jumps: a fixed pseudo-random pattern (a linear congruential sequence).
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let jumps: [[(time: Double, size: Double)]] = (0..<n).map { _ in
            (0..<8).map { _ in (next() * Double(steps) * h * 0.8, 0.5 + next()) }.sorted { $0.time < $1.time }
        }
        let a = grid.ownDecayRate

        // The stepped grid, with the exact average of Σ A e^{−a(t−τ)} over each step.
        var stepped: [[Double]] = []
        var average = [Double](repeating: 0, count: n)
        for m in 0..<steps {
            let t0 = Double(m) * h, t1 = t0 + h
            for i in 0..<n {
                average[i] = jumps[i].reduce(0) { sum, jump in
                    guard jump.time < t1 else { return sum }
                    let from = max(t0, jump.time)
                    return sum + jump.size * (exp(-a[i] * (from - jump.time)) - exp(-a[i] * (t1 - jump.time))) / a[i] / h
                }
            }
            average.withUnsafeBufferPointer { grid.step(ownAverage: $0.baseAddress!) }
            stepped.append(Array(grid.exchange))
        }

        let kernels = ExchangeKernels(grid: grid, reachedByBackpropagation: nil, tolerance: 1e-9)
        var largestError = 0.0, peak = 0.0
        for m in 0..<steps {
            for i in 0..<n {
                var x = 0.0
                for row in kernels.rows[kernels.rowStart[i]..<kernels.rowStart[i + 1]] {
                    let j = row.source
                    for jump in jumps[j] {
                        let m0 = Int(jump.time / h)
                        let l = m - m0
                        guard l >= 0 else { continue }
                        let d = Double(m0 + 1) * h - jump.time
                        if l < row.length { x += jump.size * (1 - exp(-a[j] * d)) / a[j] / h * kernels.impulse[row.offset + l] }
                        if l >= 1 && l - 1 < row.length { x += jump.size * exp(-a[j] * d) * kernels.train[row.offset + l - 1] }
                    }
                }
                largestError = max(largestError, abs(x - stepped[m][i]))
                peak = max(peak, abs(stepped[m][i]))
            }
        }
        #expect(peak > 1e-3)
        // ε = 1e-9 of each jump's peak, 8 jumps per spine, 12 spines: below 1e-7 of the peak.
        #expect(largestError < 1e-7 * peak, "largest error \(largestError), peak \(peak)")
        // The grid is left at rest for the window.
        #expect(grid.exchange.allSatisfy { $0 == 0 } && grid.shaft.allSatisfy { $0 == 0 })
    }

    /// Every kept row is followed until it is below ε of its source's peak,
    /// and the rows of far spines are dropped.
    @Test func truncation() throws {
        let n = 40, lengthUm = 200.0
        let grid = try DendriticCalcium(lengthUm: lengthUm, parameters: DiffusionParameters(), tauCalciumMs: 20,
                                        spinePositionsUm: (0..<n).map { 2.5 + 5 * Double($0) },
                                        spineVolumesUm3: Array(repeating: 0.1, count: n))
        let loose = ExchangeKernels(grid: grid, reachedByBackpropagation: nil, tolerance: 1e-3)
        let tight = ExchangeKernels(grid: grid, reachedByBackpropagation: nil, tolerance: 1e-9)
        #expect(loose.rows.count < tight.rows.count)
        #expect(loose.longestRow < tight.longestRow)
        // The spine in the middle hears nobody 100 µm away at ε = 1e-3.
        let middle = n / 2
        #expect(loose.rows[loose.rowStart[middle]..<loose.rowStart[middle + 1]].allSatisfy { abs($0.source - middle) < 10 })
    }
}
