import Foundation
import GSL
import SpineModel

/// The spines of a dendrite as the calcium engine needs them.
public struct SpineGeometry: Sendable {
    public var positionsUm: [Double]
    public var volumesUm3: [Double]
    /// Per-spine factor on 1/τ_neck (nil: 1 for all).
    public var neckCoupling: [Double]?

    public init(positionsUm: [Double], volumesUm3: [Double], neckCoupling: [Double]? = nil) {
        self.positionsUm = positionsUm
        self.volumesUm3 = volumesUm3
        self.neckCoupling = neckCoupling
    }

    public var count: Int { positionsUm.count }
}

/// The inputs of one window of activity on one dendrite (times in ms from
/// the window's start, each list in time order).
public struct WindowInputs: Sendable {
    public var durationMs: Double
    /// Per spine: presynaptic spike times (their calcium arrives D later).
    public var presynapticSpikesMs: [[Double]]
    /// Back-propagating action potentials.
    public var backpropagatingMs: [Double]
    /// Which spines the bAPs reach (nil: all).
    public var reachedByBackpropagation: [Bool]?

    public init(durationMs: Double, presynapticSpikesMs: [[Double]], backpropagatingMs: [Double],
                reachedByBackpropagation: [Bool]? = nil) {
        self.durationMs = durationMs
        self.presynapticSpikesMs = presynapticSpikesMs
        self.backpropagatingMs = backpropagatingMs
        self.reachedByBackpropagation = reachedByBackpropagation
    }

    /// Spine i's calcium jumps: C_pre at each spike + D, C_post at each bAP,
    /// merged in time order (simultaneous jumps added), inside the window.
    func jumps(spine i: Int, _ p: PlasticityParameters) -> [(timeMs: Double, amplitude: Double)] {
        var merged: [(timeMs: Double, amplitude: Double)] = []
        var a = 0, b = 0
        let pre = presynapticSpikesMs[i]
        let post = reachedByBackpropagation?[i] == false ? [] : backpropagatingMs
        while a < pre.count || b < post.count {
            let nextPre = a < pre.count ? pre[a] + p.delayMs : .infinity
            let nextPost = b < post.count ? post[b] : .infinity
            let (time, amplitude) = nextPre <= nextPost ? (nextPre, p.calciumPre) : (nextPost, p.calciumPost)
            if nextPre <= nextPost { a += 1 } else { b += 1 }
            guard time < durationMs else { continue }
            if let last = merged.last, last.timeMs == time {
                merged[merged.count - 1].amplitude += amplitude
            } else {
                merged.append((time, amplitude))
            }
        }
        return merged
    }
}

/// Spine calcium through a window of activity, as gating segments per spine
/// (the input of the efficacy integrator).
///
/// With diffusion off every spine is isolated: its calcium is a sum of
/// decaying jumps and its segments are the closed-form ones of the
/// event-driven engine (`CalciumDynamics.segments`). With diffusion on, each
/// spine's own calcium is still exact (jumps at the exact spike times,
/// decaying at 1/τ_Ca + 1/τ_neck) and the shaft and exchange pools are
/// advanced on the `DendriticCalcium` grid, the own calcium entering as its
/// exact average over each step; `GatingTrace` cuts the sum at the exact
/// threshold crossings.
public enum CalciumWindow {
    public struct Result: Sendable {
        /// Gating segments per spine, covering the whole window.
        public var segments: [[GatingSegment]]
        /// Per spine: the peak of the calcium received through the neck (c_ex).
        public var peakExchange: [Double]
    }

    public static func run(_ inputs: WindowInputs, geometry: SpineGeometry, lengthUm: Double,
                           plasticity p: PlasticityParameters, diffusion: DiffusionParameters) throws -> Result {
        let jumps = (0..<geometry.count).map { inputs.jumps(spine: $0, p) }
        guard diffusion.enabled, geometry.count > 0 else {
            let calcium = CalciumDynamics(p)
            return Result(segments: jumps.map { calcium.segments(jumps: $0, from: 0, to: inputs.durationMs) },
                          peakExchange: Array(repeating: 0, count: geometry.count))
        }
        // A whole number of grid steps fills the window exactly.
        var gridParameters = diffusion
        let steps = max(1, Int((inputs.durationMs / diffusion.timeStepMs).rounded(.up)))
        gridParameters.timeStepMs = inputs.durationMs / Double(steps)
        let h = gridParameters.timeStepMs
        let grid = try DendriticCalcium(lengthUm: lengthUm, parameters: gridParameters, tauCalciumMs: p.tauCalciumMs,
                                        spinePositionsUm: geometry.positionsUm, spineVolumesUm3: geometry.volumesUm3,
                                        neckCoupling: geometry.neckCoupling)
        return try integrate(grid: grid, jumps: jumps, steps: steps, stepMs: h, plasticity: p)
    }

    /// The dense part: one grid step at a time, every spine's own calcium
    /// exact within it. Jumps are flattened into contiguous buffers (spine i's
    /// are `time[first[i]..<first[i+1]]`) and the loops run on local pointers.
    private static func integrate(grid: DendriticCalcium, jumps: [[(timeMs: Double, amplitude: Double)]],
                                  steps: Int, stepMs h: Double, plasticity p: PlasticityParameters) throws -> Result {
        let n = grid.spineCount
        let lowest = min(p.thetaDepression, p.thetaPotentiation)
        var traces = [GatingTrace](repeating: GatingTrace(p), count: n)
        let first = UnsafeMutableBufferPointer<Int>.allocate(capacity: n + 1)
        first[0] = 0
        for i in 0..<n { first[i + 1] = first[i] + jumps[i].count }
        let time = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(first[n], 1))
        let amplitude = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(first[n], 1))
        for i in 0..<n {
            for (k, jump) in jumps[i].enumerated() {
                time[first[i] + k] = jump.timeMs
                amplitude[first[i] + k] = jump.amplitude
            }
        }
        // Per spine: c_own at the step's start, next jump, below-threshold time
        // not yet appended, c_ex at the step's start, its peak, the own average,
        // and the decay constants.
        let columns = 7
        let state = UnsafeMutableBufferPointer<Double>.allocate(capacity: columns * max(n, 1))
        state.initialize(repeating: 0)
        let cursor = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(n, 1))
        defer {
            first.deallocate(); time.deallocate(); amplitude.deallocate(); state.deallocate(); cursor.deallocate()
        }
        for i in 0..<n { cursor[i] = first[i] }
        let own = state.baseAddress!, quiet = own + n, previousExchange = own + 2 * n, peak = own + 3 * n
        let average = own + 4 * n, stepDecay = own + 5 * n, stepMean = own + 6 * n
        let rate = grid.ownDecayRate
        for i in 0..<n {
            let a = rate[i]
            stepDecay[i] = exp(-a * h)
            stepMean[i] = a > 0 ? -expm1(-a * h) / (a * h) : 1
        }
        let exchange = grid.exchange.baseAddress!
        let t = time.baseAddress!, amp = amplitude.baseAddress!, end = first.baseAddress! + 1, next = cursor.baseAddress!

        for stepIndex in 0..<steps {
            let t0 = Double(stepIndex) * h, t1 = t0 + h
            // Phase 1: the exact average of each spine's own calcium over the step.
            for i in 0..<n {
                var k = next[i]
                if k >= end[i] || t[k] >= t1 {
                    average[i] = own[i] * stepMean[i]
                    continue
                }
                let a = rate[i]
                var level = own[i], clock = t0, integral = 0.0
                while k < end[i] && t[k] < t1 {
                    let d = t[k] - clock
                    integral += a > 0 ? level * -expm1(-a * d) / a : level * d
                    level = level * exp(-a * d) + amp[k]
                    clock = t[k]
                    k += 1
                }
                let d = t1 - clock
                integral += a > 0 ? level * -expm1(-a * d) / a : level * d
                average[i] = integral / h
            }
            grid.step(ownAverage: average)
            // Phase 2: cut each spine's trace over the step at its threshold crossings.
            for i in 0..<n {
                let e0 = previousExchange[i], e1 = exchange[i]
                previousExchange[i] = e1
                if e1 > peak[i] { peak[i] = e1 }
                var k = next[i]
                let jumpInStep = k < end[i] && t[k] < t1
                if !jumpInStep && own[i] + max(e0, e1) <= lowest {
                    quiet[i] += h
                    own[i] *= stepDecay[i]
                    continue
                }
                if quiet[i] > 0 {
                    traces[i].append(quiet[i], gating: .none)
                    quiet[i] = 0
                }
                let a = rate[i]
                var level = own[i], clock = t0
                while true {
                    let stop = k < end[i] && t[k] < t1 ? t[k] : t1
                    let from = (clock - t0) / h, to = (stop - t0) / h
                    traces[i].appendPiece(durationMs: stop - clock, own: level, decayRate: a,
                                          exchangeStart: e0 + (e1 - e0) * from, exchangeEnd: e0 + (e1 - e0) * to)
                    level *= exp(-a * (stop - clock))
                    clock = stop
                    guard stop < t1 else { break }
                    level += amp[k]
                    k += 1
                }
                own[i] = level
                next[i] = k
            }
        }
        for i in 0..<n where quiet[i] > 0 { traces[i].append(quiet[i], gating: .none) }
        return Result(segments: traces.map(\.segments), peakExchange: (0..<n).map { peak[$0] })
    }
}
