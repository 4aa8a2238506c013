import Foundation
import SpineModel

extension CalciumWindow {
    /// A window with diffusion and none of §2b–2d, event-driven.
    static func eventDriven(_ inputs: WindowInputs, jumps: [[(timeMs: Double, amplitude: Double)]], grid: DendriticCalcium, steps: Int,
                            plasticity p: PlasticityParameters, tolerance: Double) -> Result {
        let n = grid.spineCount
        let kernels = ExchangeKernels(grid: grid, reachedByBackpropagation: inputs.reachedByBackpropagation, tolerance: tolerance)
        let events = ExchangeEvents(kernels: kernels, inputs: inputs, decayRate: grid.ownDecayRate, steps: steps,
                                    stepMs: grid.parameters.timeStepMs, plasticity: p)
        let widest = (0..<n).map { kernels.rowStart[$0 + 1] - kernels.rowStart[$0] }.max() ?? 0
        let cursor = UnsafeMutablePointer<Int>.allocate(capacity: widest + 1)
        defer { cursor.deallocate() }
        var segments: [[GatingSegment]] = [], evaluated = 0
        segments.reserveCapacity(n)
        for i in 0..<n {
            var trace = GatingTrace(p)
            evaluated += events.cut(spine: i, jumps: jumps[i], decayRate: grid.ownDecayRate[i], into: &trace, cursor: cursor)
            segments.append(trace.segments)
        }
        WindowEvents.shared.record(jumps: jumps.reduce(0) { $0 + $1.count }, segments: segments.reduce(0) { $0 + $1.count },
                                   exchangeEvaluations: evaluated, kernelSteps: kernels.stepsComputed)
        return Result(segments: segments, peakExchange: nil,
                      timeAboveDepressionMs: segments.map(timeAbove(.depression)),
                      timeAbovePotentiationMs: segments.map(timeAbove(.potentiation)), peakMessenger: Array(repeating: 0, count: n),
                      dendriticSpikes: 0, finalEfficacy: nil, cooperativityReleaseMs: Array(repeating: nil, count: n))
    }

    /// The window with `diffusion.method: events` (docs/MODEL.md §2a,
    /// "Event-driven exchange"): the grid's values of the received calcium
    /// X_i^m, summed from `ExchangeKernels` only on the steps where they can
    /// change spine i's gating.
    ///
    /// **Bound.** A jump A of spine j changes X_i by at most A·b_r (b_r: the
    /// bound of the row r from j to i) and only for the row's length; so
    /// |X_i^m| ≤ B_i = Σ_r b_r W_j, W_j being the largest sum of j's jump
    /// sizes in any stretch of (longest row + 1) steps (bAPs likewise through
    /// their summed row). Between its own jumps a spine's own calcium C e^{−aτ}
    /// falls; while it is more than B_i away from both thresholds its gating
    /// is that of the own calcium alone, whatever it receives, and no X is
    /// computed. On every step where it comes within B_i of a threshold the
    /// step is cut exactly as the grid cuts it (`GatingTrace.appendPiece`
    /// with X linear between the step's ends), so the segments are the
    /// grid's to the kernels' tolerance.
    struct ExchangeEvents {
        let kernels: ExchangeKernels
        let h: Double
        let steps: Int
        let p: PlasticityParameters
        /// Per source spine j, its jumps into the shaft at
        /// `sourceStep[sourceStart[j]..<sourceStart[j + 1]]` with A·α and A·β.
        var sourceStart: [Int] = []
        var sourceStep: [Int] = []
        var sourceAlpha: [Double] = []
        var sourceBeta: [Double] = []
        /// bAPs, when they have a summed row.
        var backpropagationStep: [Int] = []
        var backpropagationAlpha: [Double] = []
        var backpropagationBeta: [Double] = []
        /// The part of B_i from the sources' own jumps (the bAPs' part is
        /// bounded along the way, `backpropagationBound`).
        var bound: [Double] = []
        /// Per receiver: E(ℓ), the largest a bAP's response can be ℓ or more steps after it.
        var backpropagationEnvelope: [[Double]] = []

        init(kernels: ExchangeKernels, inputs: WindowInputs, decayRate: [Double], steps: Int, stepMs h: Double, plasticity p: PlasticityParameters) {
            self.kernels = kernels
            self.h = h
            self.steps = steps
            self.p = p
            let n = kernels.spineCount
            /// The step holding τ as the grid assigns it (τ < its end t₁ = m h + h), and A·α, A·β.
            func entry(_ time: Double, _ size: Double, _ a: Double) -> (Int, Double, Double) {
                var m = min(steps - 1, max(0, Int(time / h)))
                while m > 0 && time < Double(m - 1) * h + h { m -= 1 }
                while m < steps - 1 && time >= Double(m) * h + h { m += 1 }
                let d = Double(m) * h + h - time
                let alpha = a > 0 ? -expm1(-a * d) / a / h : d / h
                return (m, size * alpha, size * exp(-a * d))
            }
            let post = inputs.backpropagatingMs.filter { $0 < inputs.durationMs }
            let bapsPerSource = kernels.backpropagationRows == nil
            var start = [0], sizes: [Double] = []
            for j in 0..<n {
                let scale = inputs.presynapticScale?[j] ?? 1
                var own = inputs.presynapticSpikesMs[j].map { ($0 + p.delayMs, scale * p.calciumPre) }.filter { $0.0 < inputs.durationMs }
                if bapsPerSource && inputs.reachedByBackpropagation?[j] != false {
                    own = (own + post.map { ($0, p.calciumPost) }).sorted { $0.0 < $1.0 }
                }
                for (time, size) in own {
                    let (m, alpha, beta) = entry(time, size, decayRate[j])
                    sourceStep.append(m); sourceAlpha.append(alpha); sourceBeta.append(beta); sizes.append(size)
                }
                start.append(sourceStep.count)
            }
            sourceStart = start
            let a = kernels.backpropagationRows == nil ? 0 : decayRate[(0..<n).first { inputs.reachedByBackpropagation?[$0] ?? true } ?? 0]
            if !bapsPerSource {
                for time in post {
                    let (m, alpha, beta) = entry(time, p.calciumPost, a)
                    backpropagationStep.append(m); backpropagationAlpha.append(alpha); backpropagationBeta.append(beta)
                }
            }
            // W: the largest jump mass in any (longest row + 1) steps.
            let span = kernels.longestRow
            func largestMass(_ steps: ArraySlice<Int>, _ size: (Int) -> Double) -> Double {
                var best = 0.0, sum = 0.0, low = steps.startIndex
                for k in steps.indices {
                    sum += size(k)
                    while steps[low] + span < steps[k] { sum -= size(low); low += 1 }
                    best = max(best, sum)
                }
                return best
            }
            let mass = (0..<n).map { j in largestMass(sourceStep[sourceStart[j]..<sourceStart[j + 1]]) { sizes[$0] } }
            bound = (0..<n).map { i in
                var b = 0.0
                for r in kernels.rowStart[i]..<kernels.rowStart[i + 1] { b += kernels.rows[r].bound * mass[kernels.rows[r].source] }
                return b
            }
            // E_i(ℓ) = max over ℓ' ≥ ℓ of |H(ℓ')| + |G(ℓ'−1)| of the bAP row.
            backpropagationEnvelope = (kernels.backpropagationRows ?? []).map { row in
                var envelope = [Double](repeating: 0, count: row.length + 2)
                var l = row.length
                while l >= 0 {
                    let h = l < row.length ? abs(kernels.impulse[row.offset + l]) : 0
                    let g = l >= 1 ? abs(kernels.train[row.offset + l - 1]) : 0
                    envelope[l] = max(envelope[l + 1], h + g)
                    l -= 1
                }
                return envelope
            }
        }

        /// X_i^m (0 before the window). `cursor` holds one position per row of
        /// spine i and the bAP row, and m must not decrease between calls.
        func exchange(spine i: Int, step m: Int, cursor: UnsafeMutablePointer<Int>) -> Double {
            guard m >= 0 else { return 0 }
            var x = 0.0
            let first = kernels.rowStart[i], last = kernels.rowStart[i + 1]
            let impulse = kernels.impulse.baseAddress!, train = kernels.train.baseAddress!
            sourceStep.withUnsafeBufferPointer { step in
                sourceAlpha.withUnsafeBufferPointer { alpha in
                    sourceBeta.withUnsafeBufferPointer { beta in
                        kernels.rows.withUnsafeBufferPointer { rows in
                            for r in first..<last {
                                let row = rows[r], end = sourceStart[row.source + 1]
                                var k = cursor[r - first]
                                while k < end && step[k] + row.length < m { k += 1 }
                                cursor[r - first] = k
                                while k < end && step[k] <= m {
                                    let l = m - step[k]
                                    if l < row.length { x += alpha[k] * impulse[row.offset + l] }
                                    if l >= 1 { x += beta[k] * train[row.offset + l - 1] }
                                    k += 1
                                }
                            }
                        }
                    }
                }
            }
            if let rows = kernels.backpropagationRows, rows[i].length > 0 {
                let row = rows[i]
                var k = cursor[last - first]
                while k < backpropagationStep.count && backpropagationStep[k] + row.length < m { k += 1 }
                cursor[last - first] = k
                while k < backpropagationStep.count && backpropagationStep[k] <= m {
                    let l = m - backpropagationStep[k]
                    if l < row.length { x += backpropagationAlpha[k] * impulse[row.offset + l] }
                    if l >= 1 { x += backpropagationBeta[k] * train[row.offset + l - 1] }
                    k += 1
                }
            }
            return x
        }

        /// Spine i's gating segments through the window from its own jumps
        /// (merged, in time order) and own decay rate a; returns how many X were computed.
        func cut(spine i: Int, jumps: [(timeMs: Double, amplitude: Double)], decayRate a: Double,
                 into trace: inout GatingTrace, cursor: UnsafeMutablePointer<Int>) -> Int {
            let rowCount = kernels.rowStart[i + 1] - kernels.rowStart[i] + 1
            cursor.update(repeating: 0, count: rowCount)
            for r in 0..<(rowCount - 1) { cursor[r] = sourceStart[kernels.rows[kernels.rowStart[i] + r].source] }
            let thetaD = p.thetaDepression, thetaP = p.thetaPotentiation
            let envelope = backpropagationEnvelope.isEmpty ? [] : backpropagationEnvelope[i]
            var oldestBackpropagation = 0
            /// B over the steps from the one before `from` to `to`: the sources'
            /// part, and each bAP's envelope from its lag at the step before `from`.
            func bound(fromStep from: Int, toStep to: Int) -> Double {
                var b = self.bound[i]
                guard envelope.count > 1 else { return b }
                let span = envelope.count - 2
                while oldestBackpropagation < backpropagationStep.count && backpropagationStep[oldestBackpropagation] + span < from - 1 {
                    oldestBackpropagation += 1
                }
                var k = oldestBackpropagation
                while k < backpropagationStep.count && backpropagationStep[k] <= to {
                    b += p.calciumPost * envelope[min(max(0, from - 1 - backpropagationStep[k]), span + 1)]
                    k += 1
                }
                return b
            }
            func stepHolding(_ time: Double) -> Int {
                var m = min(steps - 1, max(0, Int(time / h)))
                while m > 0 && time < Double(m - 1) * h + h { m -= 1 }
                while m < steps - 1 && time >= Double(m) * h + h { m += 1 }
                return m
            }
            let end = Double(steps - 1) * h + h
            var clock = 0.0, level = 0.0, k = 0, evaluated = 0
            var known: (step: Int, value: Double) = (-1, 0)      // X^{-1} = 0
            func x(_ m: Int) -> Double {
                if m == known.step { return known.value }
                known = (m, exchange(spine: i, step: m, cursor: cursor))
                evaluated += 1
                return known.value
            }
            /// Appends [clock, until) on which the own calcium decides the gating.
            func certain(until: Double) {
                guard until > clock else { return }
                let middle = level * exp(-a * 0.5 * (until - clock))
                trace.append(until - clock, gating: Gating(aboveDepression: middle > thetaD, abovePotentiation: middle > thetaP))
                level *= exp(-a * (until - clock))
                clock = until
            }
            while clock < end {
                let nextJump = k < jumps.count ? jumps[k].timeMs : end
                let b = bound(fromStep: stepHolding(clock), toStep: stepHolding(min(nextJump, end)))
                // When the falling own calcium first comes within b of a threshold.
                var entry = Double.infinity
                for theta in [thetaD, thetaP] {
                    if level >= theta - b && level <= theta + b {
                        entry = clock
                    } else if level > theta + b {
                        entry = min(entry, a > 0 ? clock + log(level / (theta + b)) / a : .infinity)
                    }
                }
                if entry >= nextJump {
                    certain(until: nextJump)
                    if k < jumps.count {
                        level += jumps[k].amplitude
                        k += 1
                    }
                    continue
                }
                // Up to the step holding `entry`, then that step as the grid cuts it.
                let m = stepHolding(entry)
                let t0 = Double(m) * h, t1 = t0 + h
                certain(until: t0)
                let e0 = x(m - 1), e1 = x(m)
                while true {
                    let stop = k < jumps.count && jumps[k].timeMs < t1 ? jumps[k].timeMs : t1
                    let from = (clock - t0) / h, to = (stop - t0) / h
                    trace.appendPiece(durationMs: stop - clock, own: level, decayRate: a,
                                      exchangeStart: e0 + (e1 - e0) * from, exchangeEnd: e0 + (e1 - e0) * to)
                    level *= exp(-a * (stop - clock))
                    clock = stop
                    guard stop < t1 else { break }
                    level += jumps[k].amplitude
                    k += 1
                }
            }
            return evaluated
        }
    }
}
