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
public struct SizeStepper: Sendable {
    @usableFromInline let model: PopulationModel
    @usableFromInline let samplers: KestenStationarySamplers?
    @usableFromInline let days: Double
    @usableFromInline let decay: Double
    @usableFromInline let sd: Double
    /// V of the bridge crossing probability.
    @usableFromInline let stepVariance: Double
    @usableFromInline let noise: Bool
    @usableFromInline let eliminationLogVolume: Double
    /// e^{−Δt/τ_e}, nil without a separate expression time.
    @usableFromInline let expressionDecay: Double?

    public init(model: PopulationModel, samplers: KestenStationarySamplers?, days: Double) {
        self.model = model
        self.samplers = samplers
        self.days = days
        let size = model.size
        let transition = size.transition(days: days)
        decay = transition.decay
        sd = transition.sd
        stepVariance = TurnoverRules.bridgeVariance(stationarySD: size.effectiveStationarySD, relaxationDays: size.relaxationDays, days: days)
        noise = size.intrinsicNoise && sd > 0
        eliminationLogVolume = model.turnover.eliminationLogVolume
        expressionDecay = size.expressionDecay(days: days)
    }

    /// The new log-volume s₁ and expressed efficacy e₁ of a spine at s₀, e₀
    /// with efficacy ρ, and `.belowMinimumVolume` if it reached v_min.
    @inlinable
    public func step(from s0: Double, efficacy rho: Double, expressed e0: Double,
                     random: RandomHandle) -> (Double, Double, TurnoverCause?) {
        let b = eliminationLogVolume
        let e1 = expressionDecay.map { rho + (e0 - rho) * $0 } ?? rho
        switch model.sizeForm {
        case .ou:
            let size = model.size
            var s1: Double
            if expressionDecay == nil {
                let m = size.target(efficacy: rho)
                s1 = m + (s0 - m) * decay
            } else {
                let m = size.baselineLogVolume, z0 = s0 - size.potentiationLogShift * e0
                s1 = m + (z0 - m) * decay + size.potentiationLogShift * e1
            }
            if noise { s1 += sd * random.gaussian() }
            if s1 <= b { return (s1, e1, .belowMinimumVolume) }
            if noise {
                let p = TurnoverRules.bridgeCrossingProbability(from: s0, to: s1, level: b, bridgeVariance: stepVariance)
                if p > 0 && random.uniform() < p { return (s1, e1, .belowMinimumVolume) }
            }
            return (s1, e1, nil)
        case .kesten:
            let seconds = days * PopulationModel.secondsPerDay
            let process = model.kesten(efficacy: e1)
            let vMin = model.turnover.minimumVolume
            if process.forgetsStart(seconds: seconds), let samplers {
                let v = samplers.sampler(efficacy: e1).quantile(random.uniformPositive())
                return v < vMin ? (v > 0 ? log(v) : b, e1, .belowMinimumVolume) : (log(v), e1, nil)
            }
            let substeps = max(1, Int((seconds / process.substepSeconds).rounded(.up)))
            let h = seconds / Double(substeps)
            var v = exp(s0)
            for _ in 0..<substeps {
                v = process.substep(v, seconds: h, xi: random.gaussian())
                if v < vMin { return (v > 0 ? log(v) : b, e1, .belowMinimumVolume) }
            }
            return (log(v), e1, nil)
        }
    }
}

extension PopulationModel {
    public static let secondsPerDay = 86_400.0
}
