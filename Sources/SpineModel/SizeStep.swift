import Foundation
import GSL

/// Stationary samplers of the Kesten form for a depressed (e = 0) and a
/// potentiated (e = 1) spine (docs/MODEL.md §3), built once per model.
public struct KestenStationarySamplers: Sendable {
    public let depressed: KestenStationarySampler
    public let potentiated: KestenStationarySampler

    /// nil for the OU form (no table needed).
    public static func of(_ model: PopulationModel) throws -> KestenStationarySamplers? {
        guard model.sizeForm == .kesten else { return nil }
        return KestenStationarySamplers(depressed: try KestenStationarySampler(model.kesten(efficacy: 0)),
                                        potentiated: try KestenStationarySampler(model.kesten(efficacy: 1)))
    }

    /// The sampler of a spine expressing efficacy e (the nearer state).
    public func sampler(efficacy e: Double) -> KestenStationarySampler { e < 0.5 ? depressed : potentiated }
}

/// One size step of a fixed length for any spine (docs/MODEL.md §3–4): the
/// exact OU transition of s = ln v with the bridge-corrected v_min test, or
/// Kesten substeps (a stationary draw once the step forgets its start) with
/// v_min tested after every substep.
///
/// With a structural expression time τ_e the OU part moves z = s − Δm·e and
/// e relaxes to ρ exactly; the crossing of s = b is then z's crossing of the
/// moving level b − Δm·e, whose end distances are again s₀ − b and s₁ − b
/// (the boundary linearised over the step, as for the plain OU).
///
/// With a stable state (`SpineStability`) a volatile spine steps with τ_s
/// and a stable one with τ_st; a volatile spine that survives the step
/// becomes stable if it ends at or above a = ln v_stab, or else with the
/// bridge probability exp(−2(a − s₀)(a − s₁)/V) that its path reached a.
public struct SizeStepper: Sendable {
    /// The exact OU transition of one state over the step.
    @usableFromInline struct Transition: Sendable {
        @usableFromInline let decay: Double
        @usableFromInline let sd: Double
        /// V of the bridge crossing probability.
        @usableFromInline let bridgeVariance: Double

        init(size: LogSizeOU, days: Double, stable: Bool) {
            (decay, sd) = size.transition(days: days, stable: stable)
            bridgeVariance = TurnoverRules.bridgeVariance(stationarySD: size.effectiveStationarySD,
                                                          relaxationDays: size.relaxationDays(stable: stable), days: days)
        }
    }

    @usableFromInline let model: PopulationModel
    @usableFromInline let samplers: KestenStationarySamplers?
    @usableFromInline let days: Double
    @usableFromInline let volatile: Transition
    @usableFromInline let stable: Transition
    @usableFromInline let noise: Bool
    @usableFromInline let eliminationLogVolume: Double
    /// a = ln v_stab, nil without a stable state.
    @usableFromInline let stabilisationLogVolume: Double?
    /// e^{−Δt/τ_e}, nil without a separate expression time.
    @usableFromInline let expressionDecay: Double?

    public init(model: PopulationModel, samplers: KestenStationarySamplers?, days: Double) {
        self.model = model
        self.samplers = samplers
        self.days = days
        let size = model.size
        volatile = Transition(size: size, days: days, stable: false)
        stable = Transition(size: size, days: days, stable: true)
        noise = size.intrinsicNoise && volatile.sd > 0
        eliminationLogVolume = model.turnover.eliminationLogVolume
        stabilisationLogVolume = model.sizeForm == .ou ? size.stability?.stabilisationLogVolume : nil
        expressionDecay = size.expressionDecay(days: days)
    }

    /// The new log-volume s₁ and expressed efficacy e₁ of a spine at s₀, e₀
    /// with efficacy ρ, `.belowMinimumVolume` if it reached v_min, and
    /// whether it is stable after the step (`isStable` before it).
    @inlinable
    public func step(from s0: Double, efficacy rho: Double, expressed e0: Double, isStable: Bool = false,
                     random: RandomHandle) -> (Double, Double, TurnoverCause?, Bool) {
        let b = eliminationLogVolume
        let e1 = expressionDecay.map { rho + (e0 - rho) * $0 } ?? rho
        switch model.sizeForm {
        case .ou:
            let size = model.size
            let transition = isStable ? stable : volatile
            var s1: Double
            if expressionDecay == nil {
                let m = size.target(efficacy: rho)
                s1 = m + (s0 - m) * transition.decay
            } else {
                let m = size.baselineLogVolume, z0 = s0 - size.potentiationLogShift * e0
                s1 = m + (z0 - m) * transition.decay + size.potentiationLogShift * e1
            }
            if noise { s1 += transition.sd * random.gaussian() }
            if s1 <= b { return (s1, e1, .belowMinimumVolume, isStable) }
            if noise {
                let p = TurnoverRules.bridgeCrossingProbability(from: s0, to: s1, level: b, bridgeVariance: transition.bridgeVariance)
                if p > 0 && random.uniform() < p { return (s1, e1, .belowMinimumVolume, isStable) }
            }
            guard !isStable, let a = stabilisationLogVolume else { return (s1, e1, nil, isStable) }
            if s1 >= a || s0 >= a { return (s1, e1, nil, true) }
            guard noise else { return (s1, e1, nil, false) }
            let p = exp(-2 * (a - s0) * (a - s1) / transition.bridgeVariance)
            return (s1, e1, nil, random.uniform() < p)
        case .kesten:
            let seconds = days * PopulationModel.secondsPerDay
            let process = model.kesten(efficacy: e1)
            let vMin = model.turnover.minimumVolume
            if process.forgetsStart(seconds: seconds), let samplers {
                let v = samplers.sampler(efficacy: e1).quantile(random.uniformPositive())
                return v < vMin ? (v > 0 ? log(v) : b, e1, .belowMinimumVolume, isStable) : (log(v), e1, nil, isStable)
            }
            let substeps = max(1, Int((seconds / process.substepSeconds).rounded(.up)))
            let h = seconds / Double(substeps)
            var v = exp(s0)
            for _ in 0..<substeps {
                v = process.substep(v, seconds: h, xi: random.gaussian())
                if v < vMin { return (v > 0 ? log(v) : b, e1, .belowMinimumVolume, isStable) }
            }
            return (log(v), e1, nil, isStable)
        }
    }
}

extension PopulationModel {
    public static let secondsPerDay = 86_400.0
}
