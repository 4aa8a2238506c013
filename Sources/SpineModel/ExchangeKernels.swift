import Foundation

/// The calcium each spine receives through its neck (c_ex) as a sum of the
/// shaft grid's response kernels, so that it can be computed only at the
/// grid times where it can change a gating (docs/MODEL.md §2a, "Event-driven
/// exchange").
///
/// The grid of `DendriticCalcium` is linear and time-invariant, and spine
/// j's own calcium enters it only through its average f_j^m over each step
/// m. So c_ex of spine i at the end of step m is, exactly,
///
///     X_i^m = Σ_j Σ_{m' ≤ m} H_ij(m − m') f_j^{m'},
///
/// H_ij(ℓ) being c_ex,i at the end of step ℓ after a unit average in spine j
/// in step 0. A jump A of spine j at τ in step m₀ (t₁ its end) gives
/// f_j = A α in step m₀ and A β s e^{−a h r} in step m₀ + 1 + r, with
/// α = (1 − e^{−a(t₁−τ)})/(a h), β = e^{−a(t₁−τ)}, s = (1 − e^{−a h})/(a h);
/// it therefore adds A [α H_ij(m − m₀) + β G_ij(m − m₀ − 1)] to X_i^m, where
///
///     G_ij(ℓ) = s H_ij(ℓ) + e^{−a h} G_ij(ℓ − 1),   G_ij(−1) = 0.
///
/// **Truncation.** Each source's kernels are computed on the whole dendrite
/// until the grid's state (shaft and exchange pools) and G are below ε times
/// their peak; a row (receiver) is kept for the steps where |H| or |G| reach
/// ε of that peak, and dropped where they never do. Every dropped value is
/// below ε·peak of its jump.
///
/// **bAPs** reach many spines at the same instant; when those spines share
/// one decay rate a, their summed response is one kernel per receiver,
/// computed by one grid run with all of them as sources (no spatial
/// truncation).
public final class ExchangeKernels {
    /// One kernel row: the response of one receiver to one source.
    public struct Row: Sendable {
        public var source: Int
        public var offset: Int
        public var length: Int
        /// max|H| + max|G| over the row: |response to a jump of size A| ≤ A·bound.
        public var bound: Double
    }

    public let spineCount: Int
    /// Receiver i's rows are `rows[rowStart[i]..<rowStart[i + 1]]`.
    public let rowStart: [Int]
    public let rows: [Row]
    /// Receiver i's summed bAP kernel (offset, length, bound), if the bAP
    /// sources share one decay rate.
    public let backpropagationRows: [Row]?
    /// H and G values of every row, at the row's offset.
    public let impulse: UnsafeMutableBufferPointer<Double>
    public let train: UnsafeMutableBufferPointer<Double>
    /// The longest row (steps).
    public let longestRow: Int
    /// Grid steps run to compute the kernels (their cost).
    public let stepsComputed: Int

    /// - Parameters:
    ///   - grid: the window's grid (its step length is h); its pools are reset.
    ///   - reachedByBackpropagation: the bAP sources (nil: every spine).
    ///   - tolerance: ε.
    ///   - maximumSteps: the longest a kernel is followed.
    public init(grid: DendriticCalcium, reachedByBackpropagation: [Bool]?, tolerance: Double = 1e-6, maximumSteps: Int = 100_000) {
        let n = grid.spineCount
        spineCount = n
        let h = grid.parameters.timeStepMs
        var rowsBySource: [[(receiver: Int, row: Row)]] = []
        var values: (impulse: [Double], train: [Double]) = ([], [])
        var computed = 0
        let source = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1))
        source.initialize(repeating: 0)
        // Scratch reused by every run: c_ex and G per step (step-major, n per
        // step; grown when a run is longer), G of the previous step, and per
        // receiver the last step reaching the cut and the largest |H|, |G|.
        var capacity = 256
        var history = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1) * capacity)
        var trains = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1) * capacity)
        let previousTrain = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1))
        let lastAbove = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(n, 1))
        let bestImpulse = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1))
        let bestTrain = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1))
        previousTrain.initialize(repeating: 0); lastAbove.initialize(repeating: 0)
        bestImpulse.initialize(repeating: 0); bestTrain.initialize(repeating: 0)
        defer {
            source.deallocate(); history.deallocate(); trains.deallocate(); previousTrain.deallocate()
            lastAbove.deallocate(); bestImpulse.deallocate(); bestTrain.deallocate()
        }

        /// Runs the grid from rest with a unit average in `sources` in step 0
        /// and keeps each receiver's rows; `a` is the sources' decay rate.
        func respond(to sources: [Int], decayRate a: Double) -> [(receiver: Int, row: Row)] {
            grid.reset()
            let s = a > 0 ? -expm1(-a * h) / (a * h) : 1, decay = exp(-a * h)
            previousTrain.update(repeating: 0)
            var peak = 0.0
            for j in sources { source[j] = 1 }
            let exchange = grid.exchange.baseAddress!, shaft = grid.shaft.baseAddress!, cells = grid.cellCount
            var step = 0
            while step < maximumSteps {
                grid.step(ownAverage: UnsafePointer(source.baseAddress!))
                if step == 0 { for j in sources { source[j] = 0 } }
                if step == capacity {
                    func grown(_ old: UnsafeMutableBufferPointer<Double>) -> UnsafeMutableBufferPointer<Double> {
                        let new = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2 * old.count)
                        new.baseAddress!.initialize(from: old.baseAddress!, count: old.count)
                        old.deallocate()
                        return new
                    }
                    history = grown(history)
                    trains = grown(trains)
                    capacity *= 2
                }
                let x = history.baseAddress! + step * n, g = trains.baseAddress! + step * n
                var largest = 0.0, largestState = 0.0
                for i in 0..<n {
                    x[i] = exchange[i]
                    g[i] = s * x[i] + decay * previousTrain[i]
                    previousTrain[i] = g[i]
                    largest = max(largest, abs(x[i]), abs(g[i]))
                }
                for k in 0..<cells { largestState = max(largestState, abs(shaft[k])) }
                peak = max(peak, largest)
                step += 1
                if max(largest, largestState) < tolerance * peak { break }
            }
            computed += step
            // Per receiver, in one step-major pass: the row's length and bound.
            let cut = tolerance * peak
            lastAbove.update(repeating: 0)
            bestImpulse.update(repeating: 0)
            bestTrain.update(repeating: 0)
            for l in 0..<step {
                let x = history.baseAddress! + l * n, g = trains.baseAddress! + l * n
                for i in 0..<n {
                    let absX = abs(x[i]), absG = abs(g[i])
                    if absX >= cut || absG >= cut { lastAbove[i] = l + 1 }
                    bestImpulse[i] = max(bestImpulse[i], absX)
                    bestTrain[i] = max(bestTrain[i], absG)
                }
            }
            var kept: [(receiver: Int, row: Row)] = []
            for i in 0..<n where lastAbove[i] > 0 {
                let length = lastAbove[i], offset = values.impulse.count
                for l in 0..<length {
                    values.impulse.append(history[l * n + i])
                    values.train.append(trains[l * n + i])
                }
                kept.append((i, Row(source: sources.count == 1 ? sources[0] : -1, offset: offset, length: length,
                                    bound: bestImpulse[i] + bestTrain[i])))
            }
            return kept
        }

        for j in 0..<n { rowsBySource.append(respond(to: [j], decayRate: grid.ownDecayRate[j])) }
        let reached = (0..<n).filter { reachedByBackpropagation?[$0] ?? true }
        let rates = Set(reached.map { grid.ownDecayRate[$0] })
        if let rate = rates.first, rates.count == 1 {
            var byReceiver = [Row](repeating: Row(source: -1, offset: 0, length: 0, bound: 0), count: n)
            for (receiver, row) in respond(to: reached, decayRate: rate) { byReceiver[receiver] = row }
            backpropagationRows = byReceiver
        } else {
            backpropagationRows = nil
        }
        grid.reset()
        stepsComputed = computed

        var start = [Int](repeating: 0, count: n + 1)
        for kept in rowsBySource { for (receiver, _) in kept { start[receiver + 1] += 1 } }
        for i in 0..<n { start[i + 1] += start[i] }
        var fill = start, ordered = [Row](repeating: Row(source: 0, offset: 0, length: 0, bound: 0), count: start[n])
        for kept in rowsBySource {
            for (receiver, row) in kept {
                ordered[fill[receiver]] = row
                fill[receiver] += 1
            }
        }
        rowStart = start
        rows = ordered
        longestRow = max(ordered.map(\.length).max() ?? 0, backpropagationRows?.map(\.length).max() ?? 0)
        impulse = .allocate(capacity: max(values.impulse.count, 1))
        _ = impulse.initialize(from: values.impulse)
        train = .allocate(capacity: max(values.train.count, 1))
        _ = train.initialize(from: values.train)
    }

    deinit {
        impulse.deallocate()
        train.deallocate()
    }

    /// Doubles held by the kernels.
    public var storedValues: Int { 2 * (rows.reduce(0) { $0 + $1.length } + (backpropagationRows?.reduce(0) { $0 + $1.length } ?? 0)) }
}
