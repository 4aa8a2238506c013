import Foundation
import GSL

/// Where a synapse sits: its threshold coefficients differ (docs/MODEL.md §1,
/// "The Chindemi 2022 variant").
public enum DendriteType: String, CaseIterable, Sendable, Codable {
    case basal, apical
}

/// Parameters of the Chindemi 2022 plasticity variant (docs/MODEL.md §1,
/// "The Chindemi 2022 variant"): calcium c drives a leaky integrator c⋆,
/// c⋆ drives a noiseless bistable ρ with per-synapse thresholds, and ρ is
/// expressed slowly in the functional weight.
public struct ChindemiParameters: Sendable, Equatable, Codable {
    public var dendriteType: DendriteType
    /// τ_Ca (ms).
    public var tauCalciumMs: Double
    /// C_pre, the calcium jump when all N_RRP vesicles are released (µM above rest).
    public var calciumPre: Double
    /// C_post, the calcium jump of a bAP (µM above rest).
    public var calciumPost: Double
    /// D, delay of the presynaptic calcium jump (ms).
    public var delayMs: Double
    /// τ⋆, time constant of the calcium integrator c⋆ (ms).
    public var tauIntegratorMs: Double
    public var gammaDepression: Double
    public var gammaPotentiation: Double
    /// τ of ρ (s).
    public var tauEfficacySeconds: Double
    /// Threshold coefficients of this dendrite type:
    /// θ_d = a_d,pre·Ĉ_pre + a_d,post·Ĉ_post, θ_p = a_p,pre·Ĉ_pre + a_p,post·Ĉ_post.
    public var thetaDepressionPre: Double
    public var thetaDepressionPost: Double
    public var thetaPotentiationPre: Double
    public var thetaPotentiationPost: Double
    /// η, NMDA-receptor supralinearity: a bAP's jump is C_post + η·c_pre(t⁻).
    public var nmdaBoost: Double
    /// N_RRP, release sites of the readily releasable pool.
    public var releaseSites: Int
    /// U_SE, release probability of an occupied site.
    public var releaseProbability: Double
    /// τ_rec, refilling time of an empty site (ms).
    public var recoveryMs: Double
    /// τ_change, expression time of ρ in the weight (s).
    public var tauChangeSeconds: Double
    /// β and b of the readout (as in the Graupner–Brunel presets).
    public var beta: Double
    public var weightRatio: Double

    /// The published fit (Chindemi et al. 2022) with SpineSim's reduction of
    /// the calcium model; docs/MODEL.md §1 gives the sources value by value.
    public static func chindemi2022(_ dendrite: DendriteType = .basal) -> ChindemiParameters {
        let a: (Double, Double, Double, Double) = switch dendrite {
        case .basal: (1.00181, 1.95356, 1.15939, 2.48279)
        case .apical: (1.12673, 2.45597, 5.23566, 1.78222)
        }
        return ChindemiParameters(dendriteType: dendrite, tauCalciumMs: 12, calciumPre: 1.34, calciumPost: 1.4, delayMs: 0,
                                  tauIntegratorMs: 278.318, gammaDepression: 101.539, gammaPotentiation: 216.184,
                                  tauEfficacySeconds: 70, thetaDepressionPre: a.0, thetaDepressionPost: a.1,
                                  thetaPotentiationPre: a.2, thetaPotentiationPost: a.3, nmdaBoost: 4,
                                  releaseSites: 2, releaseProbability: 0.5, recoveryMs: 671, tauChangeSeconds: 100,
                                  beta: 0.5, weightRatio: 5)
    }

    public init(dendriteType: DendriteType, tauCalciumMs: Double, calciumPre: Double, calciumPost: Double, delayMs: Double,
                tauIntegratorMs: Double, gammaDepression: Double, gammaPotentiation: Double, tauEfficacySeconds: Double,
                thetaDepressionPre: Double, thetaDepressionPost: Double, thetaPotentiationPre: Double,
                thetaPotentiationPost: Double, nmdaBoost: Double, releaseSites: Int, releaseProbability: Double,
                recoveryMs: Double, tauChangeSeconds: Double, beta: Double, weightRatio: Double) {
        self.dendriteType = dendriteType
        self.tauCalciumMs = tauCalciumMs
        self.calciumPre = calciumPre
        self.calciumPost = calciumPost
        self.delayMs = delayMs
        self.tauIntegratorMs = tauIntegratorMs
        self.gammaDepression = gammaDepression
        self.gammaPotentiation = gammaPotentiation
        self.tauEfficacySeconds = tauEfficacySeconds
        self.thetaDepressionPre = thetaDepressionPre
        self.thetaDepressionPost = thetaDepressionPost
        self.thetaPotentiationPre = thetaPotentiationPre
        self.thetaPotentiationPost = thetaPotentiationPost
        self.nmdaBoost = nmdaBoost
        self.releaseSites = releaseSites
        self.releaseProbability = releaseProbability
        self.recoveryMs = recoveryMs
        self.tauChangeSeconds = tauChangeSeconds
        self.beta = beta
        self.weightRatio = weightRatio
    }

    /// Coded under the names experiment files use.
    enum CodingKeys: String, CodingKey {
        case dendriteType = "dendrite_type", tauCalciumMs = "tau_ca_ms", calciumPre = "c_pre", calciumPost = "c_post"
        case delayMs = "delay_ms", tauIntegratorMs = "tau_star_ms", gammaDepression = "gamma_d", gammaPotentiation = "gamma_p"
        case tauEfficacySeconds = "tau_rho_s", thetaDepressionPre = "a_d_pre", thetaDepressionPost = "a_d_post"
        case thetaPotentiationPre = "a_p_pre", thetaPotentiationPost = "a_p_post", nmdaBoost = "nmda_boost"
        case releaseSites = "release_sites", releaseProbability = "release_probability", recoveryMs = "recovery_ms"
        case tauChangeSeconds = "tau_change_s", beta, weightRatio = "b"
    }

    /// κ = τ_Ca τ⋆/(τ⋆ − τ_Ca): c⋆ after a unit jump of c is κ(e^{−t/τ⋆} − e^{−t/τ_Ca}).
    public var kernelScale: Double { tauCalciumMs * tauIntegratorMs / (tauIntegratorMs - tauCalciumMs) }

    /// Peak of c⋆ after a unit jump of c from rest (ms), at
    /// t_peak = κ ln(τ⋆/τ_Ca).
    public var kernelPeak: Double {
        let kappa = kernelScale
        let t = kappa * log(tauIntegratorMs / tauCalciumMs)
        return kappa * (exp(-t / tauIntegratorMs) - exp(-t / tauCalciumMs))
    }

    /// Ĉ_pre and Ĉ_post: peaks of c⋆ after an isolated full presynaptic
    /// release and after an isolated bAP.
    public var integratorPeakPre: Double { calciumPre * kernelPeak }
    public var integratorPeakPost: Double { calciumPost * kernelPeak }

    /// θ_d and θ_p on c⋆ (µM·ms).
    public var thetaDepression: Double { thetaDepressionPre * integratorPeakPre + thetaDepressionPost * integratorPeakPost }
    public var thetaPotentiation: Double { thetaPotentiationPre * integratorPeakPre + thetaPotentiationPost * integratorPeakPost }

    public var tauEfficacyMs: Double { tauEfficacySeconds * 1000 }
}

/// A Markram-style pairing protocol: `bursts` bursts of `pairing.pairs`
/// pre–post pairs at `pairing.frequencyHz`, one burst every `burstIntervalMs`.
public struct BurstPairing: Sendable, Equatable {
    public var pairing: PairingProtocol
    public var bursts: Int
    public var burstIntervalMs: Double

    public init(pairing: PairingProtocol, bursts: Int = 1, burstIntervalMs: Double = 0) {
        precondition(bursts >= 1 && (bursts == 1 || burstIntervalMs > 0))
        self.pairing = pairing
        self.bursts = bursts
        self.burstIntervalMs = burstIntervalMs
    }

    /// Spike events (ms, true = presynaptic calcium arrival), in time order;
    /// a presynaptic arrival and a bAP at the same instant: presynaptic first.
    public func events(delayMs: Double) -> [(timeMs: Double, isPre: Bool)] {
        let period = 1000 / pairing.frequencyHz
        let firstPre = max(0, -pairing.deltaTMs)
        var result: [(timeMs: Double, isPre: Bool)] = []
        for burst in 0..<bursts {
            let start = Double(burst) * burstIntervalMs
            for k in 0..<pairing.pairs {
                let pre = start + firstPre + Double(k) * period
                result.append((pre + delayMs, true))
                result.append((pre + pairing.deltaTMs, false))
            }
        }
        result.sort { $0.timeMs < $1.timeMs || ($0.timeMs == $1.timeMs && $0.isPre && !$1.isPre) }
        return result
    }
}

/// c and c⋆ between two jumps (docs/MODEL.md §1, "The Chindemi 2022 variant"):
/// from c(0) = c₀, c⋆(0) = s₀,
///
///     c(t)  = c₀ e^{−t/τ_Ca}
///     c⋆(t) = (s₀ + κc₀) e^{−t/τ⋆} − κc₀ e^{−t/τ_Ca},   κ = τ_Ca τ⋆/(τ⋆ − τ_Ca)
///
/// a difference of two exponentials: c⋆ rises to at most one maximum and then
/// falls, so it crosses each threshold at most twice on an interval.
public struct IntegratorPiece: Sendable {
    public let slowAmplitude: Double   // P = s₀ + κc₀
    public let fastAmplitude: Double   // Q = κc₀
    public let tauCalciumMs: Double
    public let tauIntegratorMs: Double

    public init(calcium c0: Double, integrator s0: Double, parameters p: ChindemiParameters) {
        let kappa = p.kernelScale
        fastAmplitude = kappa * c0
        slowAmplitude = s0 + kappa * c0
        tauCalciumMs = p.tauCalciumMs
        tauIntegratorMs = p.tauIntegratorMs
    }

    @inlinable public func value(_ t: Double) -> Double {
        slowAmplitude * exp(-t / tauIntegratorMs) - fastAmplitude * exp(-t / tauCalciumMs)
    }

    @inlinable public func slope(_ t: Double) -> Double {
        -slowAmplitude / tauIntegratorMs * exp(-t / tauIntegratorMs) + fastAmplitude / tauCalciumMs * exp(-t / tauCalciumMs)
    }

    /// Time of the maximum of c⋆ on [0, ∞) (0 if it falls from the start).
    public var maximumTime: Double {
        guard fastAmplitude > 0, slowAmplitude > 0 else { return 0 }
        let ratio = fastAmplitude * tauIntegratorMs / (slowAmplitude * tauCalciumMs)
        return ratio > 1 ? log(ratio) / (1 / tauCalciumMs - 1 / tauIntegratorMs) : 0
    }

    /// Times in (0, d) at which c⋆ crosses `level`: rising before the maximum,
    /// falling after it, each by safeguarded Newton/bisection to 1e-12 ms.
    public func crossings(level theta: Double, durationMs d: Double) -> [Double] {
        let f: (Double) -> Double = { self.value($0) - theta }
        let tMax = min(maximumTime, d)
        var result: [Double] = []
        if f(0) < 0 && f(tMax) > 0 { result.append(GatingTrace.root(f, slope, low: 0, high: tMax)) }
        if f(tMax) > 0 && f(d) < 0 { result.append(GatingTrace.root(f, slope, low: tMax, high: d)) }
        return result
    }

    /// How long after the piece's start c⋆ is last above `level` (0 if never).
    public func lastTimeAbove(_ theta: Double) -> Double {
        let tMax = maximumTime
        guard value(tMax) > theta else { return 0 }
        // c⋆ ≤ P e^{−t/τ⋆}: below θ after τ⋆ ln(P/θ).
        let bound = max(tMax, tauIntegratorMs * log(slowAmplitude / theta)) + 1
        return GatingTrace.root({ self.value($0) - theta }, slope, low: tMax, high: bound)
    }
}

/// One synapse's outcome of a protocol.
public struct ChindemiOutcome: Sendable {
    /// ρ when c⋆ has fallen below both thresholds after the last spike.
    public var rho: Double
    /// ρ and the functional weight w at the end of the follow-up.
    public var rhoFollowUp: Double
    public var weightFollowUp: Double
}

/// Deterministic-in-ρ, stochastic-in-release simulation of the Chindemi 2022
/// variant (docs/MODEL.md §1): every synapse draws its own vesicle releases,
/// so its calcium trace, crossing times and ρ are its own. One instance per
/// grid point (it owns the GSL driver); not shared between threads.
public final class ChindemiSimulation {
    public let parameters: ChindemiParameters
    public let protocolSpec: BurstPairing
    public let thetaDepression: Double
    public let thetaPotentiation: Double
    /// Absolute and relative tolerance of rk8pd.
    public let tolerance: Double
    /// Use rk8pd also below both thresholds (tests compare it with the exact relaxation).
    public let forceODERelaxation: Bool
    let events: [(timeMs: Double, isPre: Bool)]
    /// [γ_p H_p, γ_d H_d, 1/τ, right-hand-side evaluations]: the driver's context.
    private let context: UnsafeMutablePointer<Double>
    private let driver: ODEDriver
    /// Number of rk8pd calls (one per gated segment) since creation.
    public private(set) var stepperCalls = 0

    public init(parameters: ChindemiParameters, protocol spec: BurstPairing, tolerance: Double = 1e-10,
                forceODERelaxation: Bool = false) {
        self.parameters = parameters
        protocolSpec = spec
        thetaDepression = parameters.thetaDepression
        thetaPotentiation = parameters.thetaPotentiation
        self.tolerance = tolerance
        self.forceODERelaxation = forceODERelaxation
        events = spec.events(delayMs: parameters.delayMs)
        context = .allocate(capacity: 4)
        context.initialize(repeating: 0, count: 4)
        context[2] = 1 / parameters.tauEfficacyMs
        driver = ODEDriver(dimension: 1, function: { _, y, dydt, raw in
            let c = raw!.assumingMemoryBound(to: Double.self)
            let rho = y![0]
            dydt![0] = (-rho * (1 - rho) * (0.5 - rho) + c[0] * (1 - rho) - c[1] * rho) * c[2]
            c[3] += 1
            return 0
        }, context: UnsafeMutableRawPointer(context), stepper: .rk8pd, initialStep: 0.1,
           absoluteTolerance: tolerance, relativeTolerance: tolerance)
    }

    deinit { context.deallocate() }

    /// Right-hand-side evaluations of rk8pd since creation.
    public var rightHandSideEvaluations: Int { Int(context[3]) }

    /// ρ after `durationMs` of constant gating (docs/MODEL.md §1): the exact
    /// cubic relaxation below both thresholds, rk8pd otherwise.
    public func advance(_ rho: Double, durationMs: Double, gating: Gating) throws -> Double {
        guard durationMs > 0 else { return rho }
        if gating == .none && !forceODERelaxation { return ChindemiSimulation.relaxExactly(rho, durationMs: durationMs, tauMs: parameters.tauEfficacyMs) }
        context[0] = parameters.gammaPotentiation * gating.potentiation
        context[1] = parameters.gammaDepression * gating.depression
        var y = rho
        driver.reset()
        try driver.evolve(&y, from: 0, to: durationMs)
        stepperCalls += 1
        return y
    }

    /// τ dρ/dt = −ρ(1−ρ)(½−ρ), exactly: q = ρ(1−ρ)/(ρ−½)² decays as e^{−t/(2τ)}.
    public static func relaxExactly(_ rho: Double, durationMs: Double, tauMs: Double) -> Double {
        let offset = rho - 0.5
        if offset == 0 || durationMs <= 0 { return rho }
        let q = rho * (1 - rho) / (offset * offset) * exp(-0.5 * durationMs / tauMs)
        let half = 0.5 / (1 + q).squareRoot()
        return offset > 0 ? 0.5 + half : 0.5 - half
    }

    /// The gating segments of c⋆ over one piece of length `durationMs`
    /// starting from c = c₀, c⋆ = s₀, appended to `trace`.
    public func appendPiece(_ trace: inout GatingTrace, calcium c0: Double, integrator s0: Double, durationMs: Double) {
        guard durationMs > 0 else { return }
        let piece = IntegratorPiece(calcium: c0, integrator: s0, parameters: parameters)
        var cuts: [Double] = [0, durationMs]
        cuts += piece.crossings(level: thetaDepression, durationMs: durationMs)
        cuts += piece.crossings(level: thetaPotentiation, durationMs: durationMs)
        cuts.sort()
        for (start, end) in zip(cuts, cuts.dropFirst()) where end > start {
            let value = piece.value(0.5 * (start + end))
            trace.append(end - start, gating: Gating(aboveDepression: value > thetaDepression,
                                                     abovePotentiation: value > thetaPotentiation))
        }
    }

    /// The calcium jumps one synapse receives: each presynaptic arrival
    /// releases k of the occupied sites (each with probability U_SE), giving
    /// C_pre·k/N_RRP; empty sites refill independently with probability
    /// 1 − e^{−Δt/τ_rec} between arrivals; a bAP gives C_post + η·c_pre(t⁻).
    public func jumps(random: RandomHandle) -> [(timeMs: Double, amplitude: Double)] {
        let p = parameters
        var occupied = p.releaseSites
        var lastPre: Double?
        var presynaptic = 0.0, time = events.first?.timeMs ?? 0
        var result: [(timeMs: Double, amplitude: Double)] = []
        result.reserveCapacity(events.count)
        for event in events {
            presynaptic *= exp(-(event.timeMs - time) / p.tauCalciumMs)
            time = event.timeMs
            let amplitude: Double
            if event.isPre {
                if let last = lastPre {
                    let refill = -expm1(-(event.timeMs - last) / p.recoveryMs)
                    for _ in occupied..<p.releaseSites where random.uniform() < refill { occupied += 1 }
                }
                var released = 0
                for _ in 0..<occupied where random.uniform() < p.releaseProbability { released += 1 }
                occupied -= released
                lastPre = event.timeMs
                amplitude = p.calciumPre * Double(released) / Double(p.releaseSites)
                presynaptic += amplitude
            } else {
                amplitude = p.calciumPost + p.nmdaBoost * presynaptic
            }
            result.append((event.timeMs, amplitude))
        }
        return result
    }

    /// Gating segments of c⋆ for a list of jumps (from rest at the first jump
    /// until c⋆ is below both thresholds after the last one).
    public func segments(jumps: [(timeMs: Double, amplitude: Double)]) -> [GatingSegment] {
        var trace = GatingTrace(thetaDepression: thetaDepression, thetaPotentiation: thetaPotentiation)
        guard let first = jumps.first else { return [] }
        var c = 0.0, s = 0.0, time = first.timeMs
        let kappa = parameters.kernelScale
        for jump in jumps {
            let d = jump.timeMs - time
            if d > 0 {
                appendPiece(&trace, calcium: c, integrator: s, durationMs: d)
                let decay = exp(-d / parameters.tauCalciumMs), slow = exp(-d / parameters.tauIntegratorMs)
                s = (s + kappa * c) * slow - kappa * c * decay
                c *= decay
            }
            c += jump.amplitude
            time = jump.timeMs
        }
        let piece = IntegratorPiece(calcium: c, integrator: s, parameters: parameters)
        let tail = max(piece.lastTimeAbove(thetaDepression), piece.lastTimeAbove(thetaPotentiation))
        appendPiece(&trace, calcium: c, integrator: s, durationMs: tail)
        return trace.segments
    }

    /// One synapse through the protocol and a follow-up of `followUpSeconds`
    /// (ρ relaxes, w expresses it with τ_change: `FunctionalWeight`, with the
    /// potentiated/depressed ratio b).
    public func run(from initialRho: Double, followUpSeconds: Double, random: RandomHandle) throws -> ChindemiOutcome {
        let weight = FunctionalWeight(potentiatedOverDepressed: parameters.weightRatio, tauChangeSeconds: parameters.tauChangeSeconds)
        var rho = initialRho
        var w = weight.target(efficacy: initialRho)
        for segment in segments(jumps: jumps(random: random)) {
            rho = try advance(rho, durationMs: segment.durationMs, gating: segment.gating)
            w = weight.relaxed(w, efficacy: rho, remaining: weight.remaining(afterSeconds: segment.durationMs / 1000))
        }
        guard rho.isFinite, rho > -1, rho < 2 else { throw EfficacyBlowUp(rho: rho, margin: 1) }   // noiseless: [0, 1] up to the stepper
        let settled = rho
        // Follow-up in 1 s steps (ρ exact; w exact for ρ frozen at each step's end).
        let steps = Int((followUpSeconds).rounded(.up))
        let h = steps > 0 ? followUpSeconds / Double(steps) : 0
        for _ in 0..<steps {
            rho = ChindemiSimulation.relaxExactly(rho, durationMs: h * 1000, tauMs: parameters.tauEfficacyMs)
            w = weight.relaxed(w, efficacy: rho, remaining: weight.remaining(afterSeconds: h))
        }
        return ChindemiOutcome(rho: settled, rhoFollowUp: rho, weightFollowUp: w)
    }

    /// Readout over `n` synapses starting DOWN and `n` starting UP:
    /// UP, DOWN and the change as for the Graupner–Brunel presets, and the
    /// change of the expressed weight after the follow-up.
    public func estimate(synapsesPerState n: Int, followUpSeconds: Double, random: RandomHandle) throws -> ChindemiEstimate {
        var up = 0, down = 0, weightDown = 0.0, weightUp = 0.0
        for _ in 0..<n {
            let o = try run(from: 0, followUpSeconds: followUpSeconds, random: random)
            if o.rho > 0.5 { up += 1 }
            weightDown += o.weightFollowUp
        }
        for _ in 0..<n {
            let o = try run(from: 1, followUpSeconds: followUpSeconds, random: random)
            if o.rho <= 0.5 { down += 1 }
            weightUp += o.weightFollowUp
        }
        let p = parameters
        let change = SynapticChange(up: Double(up) / Double(n), down: Double(down) / Double(n), beta: p.beta, weightRatio: p.weightRatio)
        let expressed = (p.beta * weightDown / Double(n) + (1 - p.beta) * weightUp / Double(n)) / (p.beta + (1 - p.beta) * p.weightRatio)
        return ChindemiEstimate(change: change, expressedChange: expressed)
    }
}

public struct ChindemiEstimate: Sendable, Codable {
    public let change: SynapticChange
    /// Mean expressed weight after the follow-up over its value before the protocol.
    public let expressedChange: Double
}
