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
        var segments: [[GatingSegment]] = [], evaluated = 0, terms = 0
        segments.reserveCapacity(n)
        for i in 0..<n {
            var trace = GatingTrace(p)
            let times = jumps[i].map(\.timeMs), sizes = jumps[i].map(\.amplitude)
            let work = events.cut(spine: i, jumpTimes: times, jumpSizes: sizes, count: times.count,
                                  decayRate: grid.ownDecayRate[i], into: &trace)
            evaluated += work.evaluations
            terms += work.terms
            segments.append(trace.segments)
        }
        WindowEvents.shared.record(jumps: jumps.reduce(0) { $0 + $1.count }, segments: segments.reduce(0) { $0 + $1.count },
                                   exchangeEvaluations: evaluated, exchangeTerms: terms, shaftJumps: events.jumpCount,
                                   kernelRows: kernels.rows.count,
                                   kernelSteps: kernels.stepsComputed)
        return Result(segments: segments, peakExchange: nil,
                      timeAboveDepressionMs: segments.map(timeAbove(.depression)),
                      timeAbovePotentiationMs: segments.map(timeAbove(.potentiation)), peakMessenger: nil,
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
    /// sizes in any stretch of (longest row + 1) steps; the bAPs' summed row
    /// adds C_post E_i(ℓ) per bAP, E_i(ℓ) being the largest its response is ℓ
    /// or more steps after the bAP. Between its own jumps a spine's own calcium C e^{−aτ}
    /// falls; while it is more than B_i away from both thresholds its gating
    /// is that of the own calcium alone, whatever it receives, and no X is
    /// computed. On every step where it comes within B_i of a threshold the
    /// step is cut exactly as the grid cuts it (`GatingTrace.appendPiece`
    /// with X linear between the step's ends), so the segments are the
    /// grid's to the kernels' tolerance.
    final class ExchangeEvents {
        let kernels: ExchangeKernels
        let h: Double
        let steps: Int
        let p: PlasticityParameters
        /// Every jump into the shaft, in step order: its step, its source
        /// (−1: a bAP with the summed row), A·α and A·β.
        let jumpCount: Int
        let jumpStep: UnsafeMutablePointer<Int>
        let jumpSource: UnsafeMutablePointer<Int>
        let jumpAlpha: UnsafeMutablePointer<Double>
        let jumpBeta: UnsafeMutablePointer<Double>
        /// Steps of the bAPs with the summed row.
        let backpropagationStep: [Int]
        /// The part of B_i from the sources' own jumps.
        let bound: [Double]
        /// Per receiver: E(0...length+1) of its bAP row.
        let backpropagationEnvelope: [[Double]]
        /// Scratch per receiver, indexed by source + 1: the row's offset and length (0: no row).
        let rowOffset: UnsafeMutablePointer<Int>
        let rowLength: UnsafeMutablePointer<Int>

        init(kernels: ExchangeKernels, inputs: WindowInputs, decayRate: [Double], steps: Int, stepMs h: Double, plasticity p: PlasticityParameters) {
            self.kernels = kernels
            self.h = h
            self.steps = steps
            self.p = p
            let n = kernels.spineCount
            /// The step holding τ as the grid assigns it (τ < its end t₁ = m h + h), and A·α, A·β.
            func entry(_ time: Double, _ size: Double, _ a: Double) -> (step: Int, alpha: Double, beta: Double) {
                let m = ExchangeEvents.step(holding: time, steps: steps, h: h)
                let d = Double(m) * h + h - time
                let alpha = a > 0 ? -expm1(-a * d) / a / h : d / h
                return (m, size * alpha, size * exp(-a * d))
            }
            let post = inputs.backpropagatingMs.filter { $0 < inputs.durationMs }
            let summedBackpropagation = kernels.backpropagationRows != nil
            var all: [(step: Int, source: Int, alpha: Double, beta: Double)] = []
            var mass = [Double](repeating: 0, count: n)
            let span = kernels.longestRow
            for j in 0..<n {
                let scale = inputs.presynapticScale?[j] ?? 1
                var own = inputs.presynapticSpikesMs[j].map { ($0 + p.delayMs, scale * p.calciumPre) }.filter { $0.0 < inputs.durationMs }
                if !summedBackpropagation && inputs.reachedByBackpropagation?[j] != false {
                    own = (own + post.map { ($0, p.calciumPost) }).sorted { $0.0 < $1.0 }
                }
                // W_j: the largest jump mass in any (longest row + 1) steps.
                let base = all.count
                var sum = 0.0, low = base
                for (time, size) in own {
                    let e = entry(time, size, decayRate[j])
                    all.append((e.step, j, e.alpha, e.beta))
                    sum += size
                    while all[low].step + span < e.step { sum -= own[low - base].1; low += 1 }
                    mass[j] = max(mass[j], sum)
                }
            }
            var bapSteps: [Int] = []
            if summedBackpropagation {
                let a = decayRate[(0..<n).first { inputs.reachedByBackpropagation?[$0] ?? true } ?? 0]
                for time in post {
                    let e = entry(time, p.calciumPost, a)
                    all.append((e.step, -1, e.alpha, e.beta))
                    bapSteps.append(e.step)
                }
            }
            all.sort { $0.step < $1.step }
            jumpCount = all.count
            jumpStep = .allocate(capacity: max(all.count, 1))
            jumpSource = .allocate(capacity: max(all.count, 1))
            jumpAlpha = .allocate(capacity: max(all.count, 1))
            jumpBeta = .allocate(capacity: max(all.count, 1))
            for (k, jump) in all.enumerated() {
                jumpStep[k] = jump.step; jumpSource[k] = jump.source; jumpAlpha[k] = jump.alpha; jumpBeta[k] = jump.beta
            }
            backpropagationStep = bapSteps
            bound = (0..<n).map { i in
                kernels.rows[kernels.rowStart[i]..<kernels.rowStart[i + 1]].reduce(0) { $0 + $1.bound * mass[$1.source] }
            }
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
            rowOffset = .allocate(capacity: n + 1)
            rowOffset.initialize(repeating: 0, count: n + 1)
            rowLength = .allocate(capacity: n + 1)
            rowLength.initialize(repeating: 0, count: n + 1)
        }

        deinit {
            jumpStep.deallocate(); jumpSource.deallocate(); jumpAlpha.deallocate(); jumpBeta.deallocate()
            rowOffset.deallocate(); rowLength.deallocate()
        }

        /// The grid step m holding time τ: m h ≤ τ < m h + h, as the grid compares.
        static func step(holding time: Double, steps: Int, h: Double) -> Int {
            var m = min(steps - 1, max(0, Int(time / h)))
            while m > 0 && time < Double(m - 1) * h + h { m -= 1 }
            while m < steps - 1 && time >= Double(m) * h + h { m += 1 }
            return m
        }

        /// Spine i's gating segments through the window from its own jumps
        /// (merged, in time order: `count` times and sizes) and own decay
        /// rate a; returns how many X were computed and the jump terms they read.
        func cut(spine i: Int, jumpTimes times: UnsafePointer<Double>, jumpSizes sizes: UnsafePointer<Double>, count: Int,
                 decayRate a: Double, into trace: inout GatingTrace) -> (evaluations: Int, terms: Int) {
            // Spine i's rows, by source.
            var longest = 0
            for row in kernels.rows[kernels.rowStart[i]..<kernels.rowStart[i + 1]] {
                rowOffset[row.source + 1] = row.offset
                rowLength[row.source + 1] = row.length
                longest = max(longest, row.length)
            }
            if let rows = kernels.backpropagationRows {
                rowOffset[0] = rows[i].offset
                rowLength[0] = rows[i].length
                longest = max(longest, rows[i].length)
            }
            defer {
                for row in kernels.rows[kernels.rowStart[i]..<kernels.rowStart[i + 1]] { rowLength[row.source + 1] = 0 }
                rowLength[0] = 0
            }
            let impulse = kernels.impulse.baseAddress!, train = kernels.train.baseAddress!
            let jumpStep = jumpStep, jumpSource = jumpSource, jumpAlpha = jumpAlpha, jumpBeta = jumpBeta
            let rowOffset = rowOffset, rowLength = rowLength, jumpCount = jumpCount
            var oldestJump = 0, terms = 0
            /// X_i^m: the jumps of the last `longest` + 1 steps through their rows (m never decreases).
            func exchange(_ m: Int) -> Double {
                while oldestJump < jumpCount && jumpStep[oldestJump] + longest < m { oldestJump += 1 }
                var x = 0.0, k = oldestJump
                while k < jumpCount && jumpStep[k] <= m {
                    let slot = jumpSource[k] + 1, length = rowLength[slot], l = m - jumpStep[k]
                    if l < length { x += jumpAlpha[k] * impulse[rowOffset[slot] + l] }
                    if l >= 1 && l <= length { x += jumpBeta[k] * train[rowOffset[slot] + l - 1] }
                    k += 1
                }
                terms += k - oldestJump
                return x
            }
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
            let steps = steps, h = h, stepDecay = exp(-a * h)
            let end = Double(steps - 1) * h + h
            var clock = 0.0, level = 0.0, k = 0, evaluated = 0
            var known: (step: Int, value: Double) = (-1, 0)      // X^{-1} = 0
            func x(_ m: Int) -> Double {
                if m == known.step { return known.value }
                known = (m, exchange(m))
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
                let nextJump = k < count ? times[k] : end
                let b = bound(fromStep: ExchangeEvents.step(holding: clock, steps: steps, h: h), toStep: ExchangeEvents.step(holding: min(nextJump, end), steps: steps, h: h))
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
                    if k < count {
                        level += sizes[k]
                        k += 1
                    }
                    continue
                }
                // Up to the step holding `entry`, then that step as the grid cuts it.
                let m = ExchangeEvents.step(holding: entry, steps: steps, h: h)
                let t0 = Double(m) * h, t1 = t0 + h
                certain(until: t0)
                let e0 = x(m - 1), e1 = x(m)
                trace.appendStep(from: clock, stepStart: t0, stepMs: h, own: &level, decayRate: a, stepDecay: stepDecay,
                                 exchangeStart: e0, exchangeEnd: e1,
                                 jumpTimes: times, jumpSizes: sizes, next: &k, end: count)
                clock = t1
            }
            return (evaluated, terms)
        }
    }
}
