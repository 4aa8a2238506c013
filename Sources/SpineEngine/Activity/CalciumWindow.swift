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
    /// Per spine: its presynaptic jump in units of C_pre (nil: 1 for all;
    /// glutamate uncaging can be stronger than a synaptic release).
    public var presynapticScale: [Double]?

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
        let preJump = presynapticScale.map { $0[i] * p.calciumPre } ?? p.calciumPre
        while a < pre.count || b < post.count {
            let nextPre = a < pre.count ? pre[a] + p.delayMs : .infinity
            let nextPost = b < post.count ? post[b] : .infinity
            let (time, amplitude) = nextPre <= nextPost ? (nextPre, preJump) : (nextPost, p.calciumPost)
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

/// ρ integrated inside the window, for processes through which ρ acts back
/// on calcium (the cooperativity messenger, docs/MODEL.md §2d).
public struct EfficacyCoupling {
    public var integrator: EfficacyIntegrator
    /// ρ of every spine at the window's start.
    public var initial: [Double]
    public var random: RandomHandle

    public init(integrator: EfficacyIntegrator, initial: [Double], random: RandomHandle) {
        self.integrator = integrator
        self.initial = initial
        self.random = random
    }
}

/// Spine calcium through a window of activity, as gating segments per spine
/// (the input of the efficacy integrator).
///
/// With diffusion and every process of docs/MODEL.md §2b–2d off, every
/// spine is isolated: its calcium is a sum of decaying jumps and its segments
/// are the closed-form ones of the event-driven engine
/// (`CalciumDynamics.segments`). Otherwise the window is advanced in steps
/// of the diffusion time step h:
/// - each spine's own calcium stays exact (jumps at the exact spike times,
///   decaying at 1/τ_Ca + 1/τ_neck); with diffusion the shaft and exchange
///   pools are advanced on the `DendriticCalcium` grid, the own calcium
///   entering as its exact average over each step;
/// - local dendritic spikes (§2b) add their jump to the own calcium of the
///   stretch's spines at the exact spike time, and their shaft influx at the
///   grid time nearest to it (an error of at most h/2 in its timing);
/// - the store-release messenger (§2c) is exact at every step's end
///   (`SealedCableField`), releases entering at their exact times; its store
///   calcium is linear between step ends, like the exchange pool;
/// - the cooperativity messenger (§2d) is read every update interval, which
///   sets each spine's θ_p for the next interval; ρ is integrated interval by
///   interval, and a spine whose ρ has crossed ρ* upward releases at the
///   interval's end.
/// `GatingTrace` cuts each spine's calcium at the exact threshold crossings
/// of this piecewise trace.
public enum CalciumWindow {
    /// Codable: the heterosynaptic-shrinkage conditions send their windows between MPI ranks.
    public struct Result: Sendable, Codable {
        /// Gating segments per spine, covering the whole window (empty when
        /// ρ was integrated inside the window).
        public var segments: [[GatingSegment]]
        /// Per spine: the peak of the calcium received through the neck (c_ex)
        /// at the grid times; nil when the window ran event-driven, which
        /// does not compute it (ask with `recordPeakExchange`).
        public var peakExchange: [Double]?
        /// Per spine: time spent above θ_d and above θ_p over the window (ms).
        public var timeAboveDepressionMs: [Double]
        public var timeAbovePotentiationMs: [Double]
        /// Per spine: the peak of the store-release messenger p (§2c; c_ER
        /// increases with p, so its peak is c_ER of this).
        public var peakMessenger: [Double]
        /// Local dendritic spikes fired (§2b).
        public var dendriticSpikes: Int
        /// ρ at the window's end, when it was integrated inside (§2d).
        public var finalEfficacy: [Double]?
        /// Per spine: when (ms) it released the cooperativity messenger, if it did.
        public var cooperativityReleaseMs: [Double?]
    }

    public static func run(_ inputs: WindowInputs, geometry: SpineGeometry, lengthUm: Double,
                           plasticity p: PlasticityParameters, diffusion: DiffusionParameters,
                           processes: HeterosynapticProcesses = HeterosynapticProcesses(),
                           efficacy: EfficacyCoupling? = nil, recordPeakExchange: Bool = false) throws -> Result {
        let n = geometry.count
        var jumps = (0..<n).map { inputs.jumps(spine: $0, p) }
        guard (diffusion.enabled || processes.anyEnabled), n > 0 else {
            let calcium = CalciumDynamics(p)
            let segments = jumps.map { calcium.segments(jumps: $0, from: 0, to: inputs.durationMs) }
            WindowEvents.shared.record(jumps: jumps.reduce(0) { $0 + $1.count }, segments: segments.reduce(0) { $0 + $1.count })
            return Result(segments: segments, peakExchange: Array(repeating: 0, count: n),
                          timeAboveDepressionMs: segments.map(timeAbove(.depression)),
                          timeAbovePotentiationMs: segments.map(timeAbove(.potentiation)), peakMessenger: Array(repeating: 0, count: n),
                          dendriticSpikes: 0, finalEfficacy: nil, cooperativityReleaseMs: Array(repeating: nil, count: n))
        }
        precondition(!processes.cooperativity.enabled || efficacy?.initial.count == n,
                     "the cooperativity messenger needs ρ of every spine")
        // §2b: the spikes, and their jumps in the spines of their stretch.
        let rule = processes.dendriticSpikes
        let spikes = rule.spikes(arrivalsMs: inputs.presynapticSpikesMs.map { $0.map { $0 + p.delayMs }.filter { $0 < inputs.durationMs } },
                                 positionsUm: geometry.positionsUm)
        if !spikes.isEmpty {
            let jump = rule.calciumOverPost * p.calciumPost
            let stretchOf = geometry.positionsUm.map { rule.stretch(ofUm: $0) }
            for i in 0..<n {
                let own = spikes.filter { $0.stretch == stretchOf[i] }.map { (timeMs: $0.timeMs, amplitude: jump) }
                if !own.isEmpty { jumps[i] = merged(jumps[i], own) }
            }
        }
        // A whole number of steps fills the window exactly.
        var gridParameters = diffusion
        let steps = try ResourceLimits.windowSteps(durationMs: inputs.durationMs, timeStepMs: diffusion.timeStepMs)
        gridParameters.timeStepMs = inputs.durationMs / Double(steps)
        let grid = diffusion.enabled
            ? try DendriticCalcium(lengthUm: lengthUm, parameters: gridParameters, tauCalciumMs: p.tauCalciumMs,
                                   spinePositionsUm: geometry.positionsUm, spineVolumesUm3: geometry.volumesUm3,
                                   neckCoupling: geometry.neckCoupling)
            : nil
        if let grid, diffusion.method == .events, !processes.anyEnabled, !recordPeakExchange {
            return eventDriven(inputs, jumps: jumps, grid: grid, steps: steps, plasticity: p, tolerance: diffusion.kernelTolerance)
        }
        var window = Stepping(jumps: jumps, geometry: geometry, lengthUm: lengthUm, steps: steps,
                              stepMs: gridParameters.timeStepMs, plasticity: p, grid: grid)
        if !spikes.isEmpty, grid != nil {
            window.shaftInflux = spikes.map { ($0.timeMs, Double($0.stretch) * rule.stretchUm, Double($0.stretch + 1) * rule.stretchUm) }
            window.shaftInfluxCalcium = rule.calciumOverPost * p.calciumPost
        }
        if processes.storeRelease.enabled {
            window.storeRelease = processes.storeRelease
            window.glutamate = inputs.presynapticSpikesMs.enumerated()
                .flatMap { i, times in times.filter { $0 < inputs.durationMs }.map { ($0, geometry.positionsUm[i]) } }
                .sorted { $0.0 < $1.0 }
        }
        if processes.cooperativity.enabled, let efficacy {
            window.cooperativity = processes.cooperativity
            window.efficacy = efficacy
        }
        var result = try window.integrate(dendriteRadiusUm: diffusion.dendriteRadiusUm)
        result.dendriticSpikes = spikes.count
        return result
    }

    /// The time a list of segments spends above θ_d (`.depression`) or θ_p (`.potentiation`).
    static func timeAbove(_ threshold: Gating) -> ([GatingSegment]) -> Double {
        { segments in segments.reduce(0) { $0 + ($1.gating.rawValue & threshold.rawValue != 0 ? $1.durationMs : 0) } }
    }

    /// Two jump lists merged in time order, simultaneous jumps added.
    static func merged(_ a: [(timeMs: Double, amplitude: Double)], _ b: [(timeMs: Double, amplitude: Double)]) -> [(timeMs: Double, amplitude: Double)] {
        var result: [(timeMs: Double, amplitude: Double)] = []
        result.reserveCapacity(a.count + b.count)
        for jump in (a + b).sorted(by: { $0.timeMs < $1.timeMs }) {
            if let last = result.last, last.timeMs == jump.timeMs {
                result[result.count - 1].amplitude += jump.amplitude
            } else {
                result.append(jump)
            }
        }
        return result
    }

    /// The stepped window: what `integrate` needs, set up by `run`.
    struct Stepping {
        let jumps: [[(timeMs: Double, amplitude: Double)]]
        let geometry: SpineGeometry
        let lengthUm: Double
        let steps: Int
        let h: Double
        let p: PlasticityParameters
        let grid: DendriticCalcium?
        /// §2b: (time, stretch start, stretch end) of each spike's shaft influx.
        var shaftInflux: [(Double, Double, Double)] = []
        var shaftInfluxCalcium = 0.0
        /// §2c
        var storeRelease: StoreReleaseParameters?
        var glutamate: [(Double, Double)] = []
        /// §2d
        var cooperativity: CooperativityParameters?
        var efficacy: EfficacyCoupling?

        init(jumps: [[(timeMs: Double, amplitude: Double)]], geometry: SpineGeometry, lengthUm: Double, steps: Int, stepMs: Double,
             plasticity: PlasticityParameters, grid: DendriticCalcium?) {
            self.jumps = jumps
            self.geometry = geometry
            self.lengthUm = lengthUm
            self.steps = steps
            h = stepMs
            p = plasticity
            self.grid = grid
        }

        /// One step at a time, every spine's own calcium exact within it.
        /// Jumps are flattened into contiguous buffers (spine i's are
        /// `time[first[i]..<first[i+1]]`) and the loops run on local pointers.
        func integrate(dendriteRadiusUm: Double) throws -> Result {
            let n = geometry.count
            let lowestTheta = min(p.thetaDepression, p.thetaPotentiation * (1 - (cooperativity?.maximumLowering ?? 0)))
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
            // Per spine: c_own at the step's start, below-threshold time not
            // yet appended, c_ex at the step's start, its peak, the own
            // average, the decay constants, c_ER at the step's start and end,
            // its peak, and the messenger levels read.
            let columns = 11
            let state = UnsafeMutableBufferPointer<Double>.allocate(capacity: columns * max(n, 1))
            state.initialize(repeating: 0)
            let cursor = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(n, 1))
            defer {
                first.deallocate(); time.deallocate(); amplitude.deallocate(); state.deallocate(); cursor.deallocate()
            }
            for i in 0..<n { cursor[i] = first[i] }
            let own = state.baseAddress!, quiet = own + n, previousExchange = own + 2 * n, peak = own + 3 * n
            let average = own + 4 * n, stepDecay = own + 5 * n, stepMean = own + 6 * n
            let storeStart = own + 7 * n, storeEnd = own + 8 * n, storePeak = own + 9 * n, messenger = own + 10 * n
            let ownRate: [Double] = grid?.ownDecayRate ?? Array(repeating: 1 / p.tauCalciumMs, count: n)
            for i in 0..<n {
                let a = ownRate[i]
                stepDecay[i] = exp(-a * h)
                stepMean[i] = a > 0 ? -expm1(-a * h) / (a * h) : 1
            }
            let noExchange = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1))
            noExchange.initialize(repeating: 0)
            defer { noExchange.deallocate() }
            let exchange = grid?.exchange.baseAddress ?? noExchange.baseAddress!
            let t = time.baseAddress!, amp = amplitude.baseAddress!, end = first.baseAddress! + 1, next = cursor.baseAddress!

            // §2b: the cells of each spike's stretch.
            var influx = shaftInflux.makeIterator()
            var pendingInflux = influx.next()
            let cellWidth = grid.map { $0.cellWidth(lengthUm: lengthUm) } ?? 1
            // §2c
            var storeField = storeRelease.map { $0.field(lengthUm: lengthUm, dendriteRadiusUm: dendriteRadiusUm) }
            let storeShapes = storeField?.modeShapes(atUm: geometry.positionsUm) ?? []
            var nextGlutamate = 0
            // §2d
            var cooperativityField = cooperativity.map { $0.field(lengthUm: lengthUm, dendriteRadiusUm: dendriteRadiusUm) }
            let cooperativityShapes = cooperativityField?.modeShapes(atUm: geometry.positionsUm) ?? []
            let stepsPerUpdate = cooperativity.map { max(1, Int(($0.updateIntervalMs / h).rounded())) } ?? 0
            var rho = efficacy?.initial ?? []
            var aboveDepression = [Double](repeating: 0, count: n), abovePotentiation = aboveDepression
            var releasedAt = [Double?](repeating: nil, count: n)
            var consumedSegments = 0

            for stepIndex in 0..<steps {
                let t0 = Double(stepIndex) * h, t1 = t0 + h
                if let grid {
                    // §2b: a spike's shaft influx at the grid time nearest to it.
                    while let (spikeTime, from, to) = pendingInflux, spikeTime < t0 + 0.5 * h {
                        let firstCell = max(0, Int((from / cellWidth).rounded())), lastCell = min(grid.cellCount, Int((to / cellWidth).rounded()))
                        for k in firstCell..<max(firstCell, lastCell) { grid.shaft[k] += shaftInfluxCalcium }
                        pendingInflux = influx.next()
                    }
                    // The exact average of each spine's own calcium over the step.
                    for i in 0..<n {
                        var k = next[i]
                        if k >= end[i] || t[k] >= t1 {
                            average[i] = own[i] * stepMean[i]
                            continue
                        }
                        let a = ownRate[i]
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
                }
                // §2c: the messenger at the step's end, releases at their exact times.
                if let parameters = storeRelease {
                    while nextGlutamate < glutamate.count && glutamate[nextGlutamate].0 < t1 {
                        storeField!.release(parameters.releasePerEvent, atUm: glutamate[nextGlutamate].1, time: glutamate[nextGlutamate].0)
                        nextGlutamate += 1
                    }
                    storeField!.advance(to: t1)
                    if !storeField!.isZero {
                        storeShapes.withUnsafeBufferPointer { storeField!.read(shapes: $0.baseAddress!, count: n, into: messenger) }
                        for i in 0..<n {
                            storeEnd[i] = parameters.storeCalcium(messenger: messenger[i], thetaDepression: p.thetaDepression)
                            if messenger[i] > storePeak[i] { storePeak[i] = messenger[i] }
                        }
                    }
                }
                // Cut each spine's trace over the step at its threshold crossings.
                for i in 0..<n {
                    let x0 = previousExchange[i], x1 = exchange[i]
                    previousExchange[i] = x1
                    if x1 > peak[i] { peak[i] = x1 }
                    let e0 = x0 + storeStart[i], e1 = x1 + storeEnd[i]
                    storeStart[i] = storeEnd[i]
                    var k = next[i]
                    let jumpInStep = k < end[i] && t[k] < t1
                    if !jumpInStep && own[i] + max(e0, e1) <= lowestTheta {
                        quiet[i] += h
                        own[i] *= stepDecay[i]
                        continue
                    }
                    if quiet[i] > 0 {
                        traces[i].append(quiet[i], gating: .none)
                        quiet[i] = 0
                    }
                    traces[i].appendStep(from: t0, stepStart: t0, stepMs: h, own: &own[i], decayRate: ownRate[i], exchangeStart: e0, exchangeEnd: e1,
                                         jumpTimes: t, jumpSizes: amp, next: &k, end: end[i])
                    next[i] = k
                }
                // §2d: ρ through the interval, releases of upward crossings, θ_p for the next.
                if let parameters = cooperativity, let coupling = efficacy,
                   (stepIndex + 1) % stepsPerUpdate == 0 || stepIndex == steps - 1 {
                    let rhoStar = p.rhoStar
                    for i in 0..<n {
                        if quiet[i] > 0 {
                            traces[i].append(quiet[i], gating: .none)
                            quiet[i] = 0
                        }
                        let before = rho[i], segments = traces[i].takeSegments()
                        consumedSegments += segments.count
                        aboveDepression[i] += CalciumWindow.timeAbove(.depression)(segments)
                        abovePotentiation[i] += CalciumWindow.timeAbove(.potentiation)(segments)
                        rho[i] = try coupling.integrator.advance(before, through: segments, random: coupling.random)
                        if before < rhoStar && rho[i] >= rhoStar {
                            cooperativityField!.release(parameters.releasePerCrossing, atUm: geometry.positionsUm[i], time: t1)
                            if releasedAt[i] == nil { releasedAt[i] = t1 }
                        }
                    }
                    cooperativityField!.advance(to: t1)
                    if !cooperativityField!.isZero {
                        cooperativityShapes.withUnsafeBufferPointer { cooperativityField!.read(shapes: $0.baseAddress!, count: n, into: messenger) }
                        for i in 0..<n {
                            traces[i].thetaPotentiation = p.thetaPotentiation * parameters.thresholdFactor(messenger: messenger[i])
                        }
                    }
                }
            }
            for i in 0..<n where quiet[i] > 0 { traces[i].append(quiet[i], gating: .none) }
            for i in 0..<n {
                aboveDepression[i] += CalciumWindow.timeAbove(.depression)(traces[i].segments)
                abovePotentiation[i] += CalciumWindow.timeAbove(.potentiation)(traces[i].segments)
            }
            WindowEvents.shared.record(jumps: first[n], segments: traces.reduce(consumedSegments) { $0 + $1.segments.count })
            return Result(segments: traces.map(\.segments), peakExchange: (0..<n).map { peak[$0] },
                          timeAboveDepressionMs: aboveDepression, timeAbovePotentiationMs: abovePotentiation,
                          peakMessenger: (0..<n).map { storePeak[$0] }, dendriticSpikes: 0,
                          finalEfficacy: efficacy != nil && cooperativity != nil ? rho : nil, cooperativityReleaseMs: releasedAt)
        }
    }
}
