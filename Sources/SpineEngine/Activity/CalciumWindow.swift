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
///   calcium is linear between step ends, like the exchange pool, and is
///   read only for the spines whose gating over the step it can change
///   (docs/MODEL.md §2c, lazy read-out) unless the peaks are recorded;
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
        /// Per spine: the peak of the store-release messenger p at the grid
        /// times (§2c; c_ER increases with p, so its peak is c_ER of this);
        /// nil unless asked for with `recordPeakMessenger`, since without it a spine's
        /// messenger is read only where it can move a threshold crossing.
        public var peakMessenger: [Double]?
        /// Local dendritic spikes fired (§2b).
        public var dendriticSpikes: Int
        /// ρ at the window's end, when it was integrated inside (§2d).
        public var finalEfficacy: [Double]?
        /// Per spine: when (ms) it released the cooperativity messenger, if it did.
        public var cooperativityReleaseMs: [Double?]
        /// Spine-steps whose store-messenger read-out was skipped, their
        /// gating settled by bounds (§2c, lazy read-out; 0 with `recordPeakMessenger`).
        public var skippedStoreReadOuts = 0
    }

    /// One window to compute: the arguments of `run`.
    public struct Request {
        public var inputs: WindowInputs
        public var geometry: SpineGeometry
        public var lengthUm: Double
        public var plasticity: PlasticityParameters
        public var diffusion: DiffusionParameters
        public var processes: HeterosynapticProcesses
        public var efficacy: EfficacyCoupling?
        /// Record the peak of c_ex per spine (`Result.peakExchange`; not event-driven then).
        public var recordPeakExchange: Bool
        /// Record the peak of the store messenger per spine (`Result.peakMessenger`;
        /// it is then read at every spine and step).
        public var recordPeakMessenger: Bool

        public init(_ inputs: WindowInputs, geometry: SpineGeometry, lengthUm: Double, plasticity: PlasticityParameters,
                    diffusion: DiffusionParameters, processes: HeterosynapticProcesses = HeterosynapticProcesses(),
                    efficacy: EfficacyCoupling? = nil, recordPeakExchange: Bool = false, recordPeakMessenger: Bool = false) {
            self.inputs = inputs
            self.geometry = geometry
            self.lengthUm = lengthUm
            self.plasticity = plasticity
            self.diffusion = diffusion
            self.processes = processes
            self.efficacy = efficacy
            self.recordPeakExchange = recordPeakExchange
            self.recordPeakMessenger = recordPeakMessenger
        }
    }

    public static func run(_ inputs: WindowInputs, geometry: SpineGeometry, lengthUm: Double,
                           plasticity: PlasticityParameters, diffusion: DiffusionParameters,
                           processes: HeterosynapticProcesses = HeterosynapticProcesses(),
                           efficacy: EfficacyCoupling? = nil, recordPeakExchange: Bool = false,
                           recordPeakMessenger: Bool = false) throws -> Result {
        try run(Request(inputs, geometry: geometry, lengthUm: lengthUm, plasticity: plasticity, diffusion: diffusion,
                        processes: processes, efficacy: efficacy, recordPeakExchange: recordPeakExchange,
                        recordPeakMessenger: recordPeakMessenger))
    }

    public static func run(_ request: Request) throws -> Result {
        try finish(prepare(request))
    }

    /// Two windows (two dendrites) at once: the results of two `run` calls,
    /// bit for bit. When both are stepped on a grid with the same number of
    /// steps, their grids advance side by side (`Stepping.integrate(_:together:)`),
    /// which is faster than one after the other.
    public static func run(_ first: Request, together second: Request) throws -> (Result, Result) {
        let a = try prepare(first), b = try prepare(second)
        if case let .stepping(x, xSpikes) = a, case let .stepping(y, ySpikes) = b, x.grid != nil, y.grid != nil, x.steps == y.steps {
            var (r, s) = try Stepping.integrate(x, together: y)
            r.dendriticSpikes = xSpikes
            s.dendriticSpikes = ySpikes
            return (r, s)
        }
        return (try finish(a), try finish(b))
    }

    /// A window set up by `prepare`: done already, or to be stepped.
    enum Prepared {
        case finished(Result)
        case stepping(Stepping, dendriticSpikes: Int)
    }

    static func finish(_ prepared: Prepared) throws -> Result {
        switch prepared {
        case let .finished(result): return result
        case let .stepping(window, spikes):
            var result = try window.integrate()
            result.dendriticSpikes = spikes
            return result
        }
    }

    /// Everything up to the steps: the isolated-spine and event-driven
    /// windows are computed here; a stepped window is set up.
    static func prepare(_ request: Request) throws -> Prepared {
        let (inputs, geometry, lengthUm, p) = (request.inputs, request.geometry, request.lengthUm, request.plasticity)
        let (diffusion, processes, efficacy) = (request.diffusion, request.processes, request.efficacy)
        let n = geometry.count
        var jumps = (0..<n).map { inputs.jumps(spine: $0, p) }
        guard (diffusion.enabled || processes.anyEnabled), n > 0 else {
            let calcium = CalciumDynamics(p)
            let segments = jumps.map { calcium.segments(jumps: $0, from: 0, to: inputs.durationMs) }
            WindowEvents.shared.record(jumps: jumps.reduce(0) { $0 + $1.count }, segments: segments.reduce(0) { $0 + $1.count })
            return .finished(Result(segments: segments, peakExchange: Array(repeating: 0, count: n),
                                    timeAboveDepressionMs: segments.map(timeAbove(.depression)),
                                    timeAbovePotentiationMs: segments.map(timeAbove(.potentiation)),
                                    peakMessenger: Array(repeating: 0, count: n), dendriticSpikes: 0, finalEfficacy: nil,
                                    cooperativityReleaseMs: Array(repeating: nil, count: n)))
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
        if let grid, diffusion.method == .events, !processes.anyEnabled, !request.recordPeakExchange {
            return .finished(eventDriven(inputs, jumps: jumps, grid: grid, steps: steps, plasticity: p, tolerance: diffusion.kernelTolerance))
        }
        var window = Stepping(jumps: jumps, geometry: geometry, lengthUm: lengthUm, steps: steps,
                              stepMs: gridParameters.timeStepMs, plasticity: p, grid: grid)
        window.recordsPeakMessenger = request.recordPeakMessenger
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
        window.dendriteRadiusUm = diffusion.dendriteRadiusUm
        return .stepping(window, dendriticSpikes: spikes.count)
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
        /// r_d, for the messenger fields.
        var dendriteRadiusUm = 0.5
        /// Read the store messenger at every spine and step, for its peaks
        /// (otherwise only where it can move a threshold crossing).
        var recordsPeakMessenger = true

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
        func integrate() throws -> Result {
            let window = Progress(self)
            for stepIndex in 0..<steps {
                window.beforeGrid(stepIndex)
                grid?.step(ownAverage: window.average)
                try window.afterGrid(stepIndex)
            }
            return window.result()
        }

        /// Two windows with the same number of steps, each on its own grid,
        /// advanced side by side so that their tridiagonal solves interleave
        /// (`DendriticCalcium.step(_:ownAverage:together:ownAverage:)`): the
        /// same bits as two `integrate` calls, in less time.
        static func integrate(_ first: Stepping, together second: Stepping) throws -> (Result, Result) {
            precondition(first.steps == second.steps && first.grid != nil && second.grid != nil)
            let a = Progress(first), b = Progress(second)
            for stepIndex in 0..<first.steps {
                a.beforeGrid(stepIndex)
                b.beforeGrid(stepIndex)
                DendriticCalcium.step(first.grid!, ownAverage: a.average, together: second.grid!, ownAverage: b.average)
                try a.afterGrid(stepIndex)
                try b.afterGrid(stepIndex)
            }
            return (a.result(), b.result())
        }

        /// A stepped window's state from one step to the next. Jumps are
        /// flattened into contiguous buffers (spine i's are
        /// `time[first[i]..<first[i+1]]`), per-spine state is held in columns
        /// of one buffer, and the loops run on these pointers.
        final class Progress {
            let window: Stepping
            let n: Int
            let lowestTheta: Double
            var traces: [GatingTrace]
            let first: UnsafeMutableBufferPointer<Int>, cursor: UnsafeMutableBufferPointer<Int>, toCut: UnsafeMutableBufferPointer<Int>
            let time: UnsafeMutableBufferPointer<Double>, amplitude: UnsafeMutableBufferPointer<Double>
            let state: UnsafeMutableBufferPointer<Double>
            // Per spine: c_own at the step's start, below-threshold time not
            // yet appended, c_ex at the step's start, its peak, the own
            // average, the decay constants, c_ER at the step's start and end,
            // its peak, the messenger levels read, the time of its next jump
            // (∞: none left), and the received calcium at the step's ends.
            let own, quiet, previousExchange, peak, average, stepDecay, stepMean: UnsafeMutablePointer<Double>
            let storeStart, storeEnd, storePeak, messenger, upcoming, receivedStart, receivedEnd: UnsafeMutablePointer<Double>
            let ownRate: [Double]
            /// c_ex of the grid (zeros without one).
            let noExchange: UnsafeMutableBufferPointer<Double>
            let exchange: UnsafeMutablePointer<Double>
            // §2b: the cells of each spike's stretch.
            var influx: IndexingIterator<[(Double, Double, Double)]>
            var pendingInflux: (Double, Double, Double)?
            let cellWidth: Double
            // §2c
            var storeField: SealedCableField?
            let storeShapes: [Double]
            var nextGlutamate = 0
            /// Lazy read-out (§2c): whether it applies (peaks not recorded), the
            /// field at the step's start, the gating of each spine whose step lies
            /// within one gating band whatever c_ER is (`band`), whose c_ER at the step's
            /// start is only a lower bound (`storeStartIsBound`), and scratch.
            let lazyStore: Bool
            let storeAtStepStart: UnsafeMutableBufferPointer<Double>
            let band: UnsafeMutableBufferPointer<Gating?>, storeStartIsBound: UnsafeMutableBufferPointer<Bool>
            let candidates: UnsafeMutableBufferPointer<Int>, candidateBound: UnsafeMutableBufferPointer<Double>
            let storeTails: UnsafeMutableBufferPointer<Double>
            var skippedReadOuts = 0
            // §2d
            var cooperativityField: SealedCableField?
            let cooperativityShapes: [Double]
            let stepsPerUpdate: Int
            var rho: [Double]
            var aboveDepression: [Double], abovePotentiation: [Double]
            var releasedAt: [Double?]
            var consumedSegments = 0

            init(_ window: Stepping) {
                self.window = window
                let n = window.geometry.count, p = window.p, h = window.h, jumps = window.jumps
                self.n = n
                lowestTheta = min(p.thetaDepression, p.thetaPotentiation * (1 - (window.cooperativity?.maximumLowering ?? 0)))
                traces = [GatingTrace](repeating: GatingTrace(p), count: n)
                first = .allocate(capacity: n + 1)
                first[0] = 0
                for i in 0..<n { first[i + 1] = first[i] + jumps[i].count }
                time = .allocate(capacity: max(first[n], 1))
                amplitude = .allocate(capacity: max(first[n], 1))
                for i in 0..<n {
                    for (k, jump) in jumps[i].enumerated() {
                        time[first[i] + k] = jump.timeMs
                        amplitude[first[i] + k] = jump.amplitude
                    }
                }
                state = .allocate(capacity: 14 * max(n, 1))
                state.initialize(repeating: 0)
                cursor = .allocate(capacity: max(n, 1))
                toCut = .allocate(capacity: max(n, 1))
                for i in 0..<n { cursor[i] = first[i] }
                own = state.baseAddress!
                (quiet, previousExchange, peak, average, stepDecay, stepMean) = (own + n, own + 2 * n, own + 3 * n, own + 4 * n, own + 5 * n, own + 6 * n)
                (storeStart, storeEnd, storePeak, messenger) = (own + 7 * n, own + 8 * n, own + 9 * n, own + 10 * n)
                (upcoming, receivedStart, receivedEnd) = (own + 11 * n, own + 12 * n, own + 13 * n)
                ownRate = window.grid?.ownDecayRate ?? Array(repeating: 1 / p.tauCalciumMs, count: n)
                for i in 0..<n {
                    let a = ownRate[i]
                    stepDecay[i] = exp(-a * h)
                    stepMean[i] = a > 0 ? -expm1(-a * h) / (a * h) : 1
                    upcoming[i] = first[i] < first[i + 1] ? time[first[i]] : .infinity
                }
                noExchange = .allocate(capacity: max(n, 1))
                noExchange.initialize(repeating: 0)
                exchange = window.grid?.exchange.baseAddress ?? noExchange.baseAddress!
                influx = window.shaftInflux.makeIterator()
                pendingInflux = influx.next()
                cellWidth = window.grid.map { $0.cellWidth(lengthUm: window.lengthUm) } ?? 1
                let radius = window.dendriteRadiusUm, length = window.lengthUm, positions = window.geometry.positionsUm
                storeField = window.storeRelease.map { $0.field(lengthUm: length, dendriteRadiusUm: radius) }
                storeShapes = storeField?.modeShapes(atUm: positions) ?? []
                lazyStore = storeField != nil && !window.recordsPeakMessenger
                storeAtStepStart = .allocate(capacity: lazyStore ? storeField!.paddedModeCount : 0)
                band = .allocate(capacity: max(n, 1))
                band.initialize(repeating: nil)
                storeStartIsBound = .allocate(capacity: max(n, 1))
                storeStartIsBound.initialize(repeating: false)
                candidates = .allocate(capacity: max(n, 1))
                candidateBound = .allocate(capacity: max(n, 1))
                storeTails = .allocate(capacity: lazyStore ? storeField!.paddedModeCount / 8 + 1 : 0)
                cooperativityField = window.cooperativity.map { $0.field(lengthUm: length, dendriteRadiusUm: radius) }
                cooperativityShapes = cooperativityField?.modeShapes(atUm: positions) ?? []
                stepsPerUpdate = window.cooperativity.map { max(1, Int(($0.updateIntervalMs / h).rounded())) } ?? 0
                rho = window.efficacy?.initial ?? []
                aboveDepression = [Double](repeating: 0, count: n)
                abovePotentiation = aboveDepression
                releasedAt = [Double?](repeating: nil, count: n)
            }

            deinit {
                first.deallocate(); cursor.deallocate(); toCut.deallocate(); time.deallocate(); amplitude.deallocate()
                state.deallocate(); noExchange.deallocate()
                storeAtStepStart.deallocate(); band.deallocate(); storeStartIsBound.deallocate(); candidates.deallocate(); candidateBound.deallocate()
                storeTails.deallocate()
            }

            /// What step `stepIndex` needs before the grid advances: §2b's
            /// shaft influx and each spine's own average over the step.
            func beforeGrid(_ stepIndex: Int) {
                guard let grid = window.grid else { return }
                let h = window.h, t0 = Double(stepIndex) * h
                // §2b: a spike's shaft influx at the grid time nearest to it.
                while let (spikeTime, from, to) = pendingInflux, spikeTime < t0 + 0.5 * h {
                    let firstCell = max(0, Int((from / cellWidth).rounded())), lastCell = min(grid.cellCount, Int((to / cellWidth).rounded()))
                    for k in firstCell..<max(firstCell, lastCell) { grid.shaft[k] += window.shaftInfluxCalcium }
                    pendingInflux = influx.next()
                }
                Stepping.ownAverages(count: n, from: t0, stepMs: h, own: own, stepMean: stepMean, decayRate: ownRate, upcoming: upcoming,
                                     jumpTimes: time.baseAddress!, jumpSizes: amplitude.baseAddress!, next: cursor.baseAddress!,
                                     end: first.baseAddress! + 1, into: average)
            }

            /// The rest of step `stepIndex` once the grid has advanced: the
            /// store messenger (§2c), each spine's trace cut at its threshold
            /// crossings, and the cooperativity messenger with ρ (§2d).
            func afterGrid(_ stepIndex: Int) throws {
                let h = window.h, p = window.p, t0 = Double(stepIndex) * h, t1 = t0 + h
                let t = time.baseAddress!, amp = amplitude.baseAddress!, end = first.baseAddress! + 1, next = cursor.baseAddress!
                // §2c: the messenger at the step's end, releases at their exact times.
                if let parameters = window.storeRelease {
                    if lazyStore { storeField!.copyAmplitudes(into: storeAtStepStart.baseAddress!) }
                    let glutamate = window.glutamate
                    while nextGlutamate < glutamate.count && glutamate[nextGlutamate].0 < t1 {
                        storeField!.release(parameters.releasePerEvent, atUm: glutamate[nextGlutamate].1, time: glutamate[nextGlutamate].0)
                        nextGlutamate += 1
                    }
                    storeField!.advance(to: t1)
                    if !storeField!.isZero { readStore(parameters, stepEnd: t1) }
                }
                // Cut each spine's trace over the step at its threshold crossings.
                let cutCount = Stepping.classify(count: n, stepEnd: t1, stepMs: h, lowestTheta: lowestTheta, own: own, quiet: quiet,
                                                 stepDecay: stepDecay, upcoming: upcoming, exchange: exchange,
                                                 previousExchange: previousExchange, peak: peak, storeStart: storeStart, storeEnd: storeEnd,
                                                 receivedStart: receivedStart, receivedEnd: receivedEnd, toCut: toCut.baseAddress!)
                traces.withUnsafeMutableBufferPointer { traces in
                    for i in toCut.prefix(cutCount) {
                        if quiet[i] > 0 {
                            traces[i].append(quiet[i], gating: .none)
                            quiet[i] = 0
                        }
                        if let gating = band[i] {
                            // No jump and no crossing: what `appendStep` gives then.
                            traces[i].append(t1 - t0, gating: gating)
                            own[i] *= GatingTrace.decay(overMs: t1 - t0, rate: ownRate[i], stepMs: h, stepDecay: stepDecay[i])
                            continue
                        }
                        var k = next[i]
                        traces[i].appendStep(from: t0, stepStart: t0, stepMs: h, own: &own[i], decayRate: ownRate[i], stepDecay: stepDecay[i],
                                             exchangeStart: receivedStart[i], exchangeEnd: receivedEnd[i],
                                             jumpTimes: t, jumpSizes: amp, next: &k, end: end[i])
                        next[i] = k
                        upcoming[i] = k < end[i] ? t[k] : .infinity
                    }
                }
                if lazyStore {
                    for i in 0..<n {
                        storeStartIsBound[i] = band[i] != nil
                        band[i] = nil
                    }
                }
                // §2d: ρ through the interval, releases of upward crossings, θ_p for the next.
                if let parameters = window.cooperativity, let coupling = window.efficacy,
                   (stepIndex + 1) % stepsPerUpdate == 0 || stepIndex == window.steps - 1 {
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
                            cooperativityField!.release(parameters.releasePerCrossing, atUm: window.geometry.positionsUm[i], time: t1)
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

            /// The store messenger's calcium at the step's end (§2c): at every
            /// spine, with its peak, where the peaks are recorded; otherwise
            /// only where it can matter (docs/MODEL.md §2c, lazy read-out). A spine
            /// with no jump in the step has c ≥ c_own(t₁) + min c_ex + min c_ER
            /// and c ≤ c_own(t₀) + max c_ex + c_max over it (c_ex and c_ER are
            /// linear within the step, c_ER below c_max). Where these bounds,
            /// with a lower bound of c_ER at both ends, keep it on one side of
            /// each threshold, the step has one gating whatever c_ER is: it is
            /// put in `band` and its c_ER is not read. The lower bound of p
            /// comes from its first modes (`SealedCableField.lowerBounds`).
            /// Every other spine gets the exact read-out at the step's end, and
            /// at its start too where that was skipped, so its trace is cut
            /// exactly as if every read-out had been made.
            func readStore(_ parameters: StoreReleaseParameters, stepEnd t1: Double) {
                let field = storeField!, p = window.p, stride = field.paddedModeCount
                let thetaD = p.thetaDepression, margin = 1e-9 * thetaD
                let largest = parameters.maximumCalciumOverThetaD * thetaD
                // Worth bounding only where the field's mean is above half-activation.
                let mean = field.amplitudes[0]
                if lazyStore && mean > parameters.halfActivation {
                    var count = 0
                    for i in 0..<n where upcoming[i] >= t1 {
                        candidates[count] = i
                        count += 1
                    }
                    // A coarse bound for all, then a finer one for those it left undecided.
                    if count > 0 { field.absoluteTails(into: storeTails.baseAddress!) }
                    for share in 0..<2 where count > 0 {
                        guard let modes = field.modesLeaving(atMost: (share == 0 ? 0.5 : 0.1) * mean, tails: storeTails.baseAddress!)
                        else { break }
                        storeShapes.withUnsafeBufferPointer {
                            field.lowerBounds(shapes: $0.baseAddress!, modes: modes, tails: storeTails.baseAddress!,
                                              rows: candidates.baseAddress!, count: count, into: candidateBound.baseAddress!)
                        }
                        var undecided = 0
                        traces.withUnsafeBufferPointer { traces in
                            for j in 0..<count {
                                let i = candidates[j], thetaP = traces[i].thetaPotentiation
                                let low = parameters.storeCalcium(messenger: candidateBound[j], thetaDepression: thetaD)
                                let lowest = own[i] * stepDecay[i] + min(previousExchange[i], exchange[i]) + min(storeStart[i], low)
                                let highest = own[i] + max(previousExchange[i], exchange[i]) + largest
                                let aboveD = lowest > thetaD + margin, aboveP = lowest > thetaP + margin
                                guard (aboveD || highest < thetaD - margin) && (aboveP || highest < thetaP - margin), aboveD || aboveP else {
                                    candidates[undecided] = i
                                    undecided += 1
                                    continue
                                }
                                band[i] = Gating(aboveDepression: aboveD, abovePotentiation: aboveP)
                                storeEnd[i] = low
                                skippedReadOuts += 1
                            }
                        }
                        count = undecided
                    }
                }
                // The exact read-outs: at the step's end, then at its start where that one was skipped.
                var count = 0
                for i in 0..<n where band[i] == nil {
                    candidates[count] = i
                    count += 1
                }
                let rows = candidates.baseAddress!, values = candidateBound.baseAddress!
                storeShapes.withUnsafeBufferPointer { shapes in
                    field.amplitudes.withUnsafeBufferPointer { now in
                        SealedCableField.dots(now.baseAddress!, shapes: shapes.baseAddress!, stride: stride, rows: rows, count: count,
                                              modes: stride, into: values)
                    }
                    var starts = 0
                    for j in 0..<count {
                        let i = rows[j], value = values[j]
                        storeEnd[i] = parameters.storeCalcium(messenger: value, thetaDepression: thetaD)
                        if !lazyStore && value > storePeak[i] { storePeak[i] = value }
                        if storeStartIsBound[i] {
                            rows[starts] = i
                            starts += 1
                        }
                    }
                    guard starts > 0 else { return }
                    SealedCableField.dots(storeAtStepStart.baseAddress!, shapes: shapes.baseAddress!, stride: stride, rows: rows,
                                          count: starts, modes: stride, into: values)
                    for j in 0..<starts { storeStart[rows[j]] = parameters.storeCalcium(messenger: values[j], thetaDepression: thetaD) }
                }
            }

            /// The window's result once every step is done.
            func result() -> Result {
                for i in 0..<n where quiet[i] > 0 { traces[i].append(quiet[i], gating: .none) }
                for i in 0..<n {
                    aboveDepression[i] += CalciumWindow.timeAbove(.depression)(traces[i].segments)
                    abovePotentiation[i] += CalciumWindow.timeAbove(.potentiation)(traces[i].segments)
                }
                WindowEvents.shared.record(jumps: first[n], segments: traces.reduce(consumedSegments) { $0 + $1.segments.count })
                return Result(segments: traces.map(\.segments), peakExchange: (0..<n).map { peak[$0] },
                              timeAboveDepressionMs: aboveDepression, timeAbovePotentiationMs: abovePotentiation,
                              peakMessenger: window.recordsPeakMessenger ? (0..<n).map { storePeak[$0] } : nil, dendriticSpikes: 0,
                              finalEfficacy: window.efficacy != nil && window.cooperativity != nil ? rho : nil,
                              cooperativityReleaseMs: releasedAt, skippedStoreReadOuts: skippedReadOuts)
            }
        }

        /// Spines handled four at a time where a loop over them is vectorised.
        typealias Lanes = SIMD4<Double>

        /// The exact average of each spine's own calcium over the step
        /// [t₀, t₀ + h]: c·(1 − e^{−ah})/(ah) where no jump falls in it,
        /// else piece by piece between its jumps (docs/MODEL.md §2a).
        static func ownAverages(count n: Int, from t0: Double, stepMs h: Double, own: UnsafePointer<Double>, stepMean: UnsafePointer<Double>,
                                decayRate: [Double], upcoming: UnsafePointer<Double>, jumpTimes t: UnsafePointer<Double>,
                                jumpSizes amp: UnsafePointer<Double>, next: UnsafePointer<Int>, end: UnsafePointer<Int>, into average: UnsafeMutablePointer<Double>) {
            let t1 = t0 + h
            for i in 0..<n { average[i] = own[i] * stepMean[i] }
            func exactAverage(_ i: Int) {
                let a = decayRate[i]
                var k = next[i], level = own[i], clock = t0, integral = 0.0
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
            // Few spines have a jump in a step: look for them four at a time.
            var i = 0
            while i + Lanes.scalarCount <= n {
                let jumpInStep = Lanes.load(upcoming + i) .< t1
                if any(jumpInStep) {
                    for lane in 0..<Lanes.scalarCount where jumpInStep[lane] { exactAverage(i + lane) }
                }
                i += Lanes.scalarCount
            }
            for i in i..<n where upcoming[i] < t1 { exactAverage(i) }
        }

        /// Which spines' traces must be cut over the step ending at t₁: those
        /// with a jump in it or whose calcium may reach the lowest threshold
        /// (own + the larger end of the received calcium, which is linear in
        /// the step). The others stay quiet: their below-threshold time grows
        /// by h and their own calcium decays exactly. Also records the
        /// received calcium at both ends and the peak of c_ex. Returns how
        /// many spines must be cut, their indices in ascending order in `toCut`.
        /// Four spines at a time, each lane computing exactly what the scalar
        /// rule computes.
        static func classify(count n: Int, stepEnd t1: Double, stepMs h: Double, lowestTheta: Double, own: UnsafeMutablePointer<Double>,
                             quiet: UnsafeMutablePointer<Double>, stepDecay: UnsafePointer<Double>, upcoming: UnsafePointer<Double>,
                             exchange: UnsafePointer<Double>, previousExchange: UnsafeMutablePointer<Double>, peak: UnsafeMutablePointer<Double>,
                             storeStart: UnsafeMutablePointer<Double>, storeEnd: UnsafePointer<Double>,
                             receivedStart: UnsafeMutablePointer<Double>, receivedEnd: UnsafeMutablePointer<Double>,
                             toCut: UnsafeMutablePointer<Int>) -> Int {
            func load(_ p: UnsafePointer<Double>, _ i: Int) -> Lanes { Lanes.load(p + i) }
            func store(_ v: Lanes, _ p: UnsafeMutablePointer<Double>, _ i: Int) { v.store(to: p + i) }
            var count = 0, i = 0
            while i + Lanes.scalarCount <= n {
                let x0 = load(previousExchange, i), x1 = load(exchange, i)
                store(x1, previousExchange, i)
                let oldPeak = load(peak, i)
                store(oldPeak.replacing(with: x1, where: x1 .> oldPeak), peak, i)
                let e0 = x0 + load(storeStart, i), end = load(storeEnd, i), e1 = x1 + end
                store(end, storeStart, i)
                store(e0, receivedStart, i)
                store(e1, receivedEnd, i)
                let c = load(own, i), q = load(quiet, i)
                let cut = load(upcoming, i) .< t1 .| (c + e0.replacing(with: e1, where: e1 .>= e0) .> lowestTheta)
                store((q + h).replacing(with: q, where: cut), quiet, i)
                store((c * load(stepDecay, i)).replacing(with: c, where: cut), own, i)
                if any(cut) {
                    for lane in 0..<Lanes.scalarCount where cut[lane] {
                        toCut[count] = i + lane
                        count += 1
                    }
                }
                i += Lanes.scalarCount
            }
            while i < n {
                let x0 = previousExchange[i], x1 = exchange[i]
                previousExchange[i] = x1
                if x1 > peak[i] { peak[i] = x1 }
                let e0 = x0 + storeStart[i], e1 = x1 + storeEnd[i]
                storeStart[i] = storeEnd[i]
                receivedStart[i] = e0
                receivedEnd[i] = e1
                if upcoming[i] < t1 || own[i] + max(e0, e1) > lowestTheta {
                    toCut[count] = i
                    count += 1
                } else {
                    quiet[i] += h
                    own[i] *= stepDecay[i]
                }
                i += 1
            }
            return count
        }
    }
}

extension SIMD4<Double> {
    /// Four doubles from `p` (no alignment needed).
    static func load(_ p: UnsafePointer<Double>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }

    /// Stores the four lanes at `p` (no alignment needed).
    func store(to p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
}
