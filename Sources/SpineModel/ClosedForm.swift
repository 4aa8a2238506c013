import Foundation

/// The closed-form reduction of Graupner & Brunel 2012 for a pairing
/// protocol: an independent oracle for the stochastic simulation.
///
/// During the stimulation (T = N/f) ρ is treated as an Ornstein–Uhlenbeck
/// process with the gating replaced by its time averages α_p, α_d (the
/// fractions of T that calcium spends above θ_p, θ_d) and the cubic
/// neglected: Γ = γα, ρ̄ = Γ_p/(Γ_p+Γ_d), σ_ρ² = (α_p+α_d)σ²/(Γ_p+Γ_d),
/// τ_eff = τ/(Γ_p+Γ_d). From ρ₀, ρ(T) is Gaussian with mean
/// ρ̄ + (ρ₀ − ρ̄)e^{−T/τ_eff} and variance ½σ_ρ²(1 − e^{−2T/τ_eff}), so
///
///     UP   = ½ [1 + erf((ρ̄ + (0 − ρ̄)e^{−T/τ_eff} − ρ*) / √(σ_ρ²(1 − e^{−2T/τ_eff})))]
///     DOWN = ½ [1 − erf((ρ̄ + (1 − ρ̄)e^{−T/τ_eff} − ρ*) / √(σ_ρ²(1 − e^{−2T/τ_eff})))]
///
/// α_p, α_d are exact: the time above each threshold summed over the whole
/// calcium trace (tails after the last pair included), divided by T.
public struct ClosedFormReduction: Sendable, Codable {
    public let timeFractionPotentiation: Double
    public let timeFractionDepression: Double
    public let result: SynapticChange

    public init(parameters: PlasticityParameters, protocol pairing: PairingProtocol) {
        let stimulationMs = pairing.durationMs
        var abovePotentiation = 0.0, aboveDepression = 0.0
        for segment in pairing.gatingSegments(parameters) {
            abovePotentiation += segment.durationMs * segment.gating.potentiation
            aboveDepression += segment.durationMs * segment.gating.depression
        }
        let alphaP = abovePotentiation / stimulationMs
        let alphaD = aboveDepression / stimulationMs
        timeFractionPotentiation = alphaP
        timeFractionDepression = alphaD

        let gammaP = parameters.gammaPotentiation * alphaP
        let gammaD = parameters.gammaDepression * alphaD
        let gammaSum = gammaP + gammaD
        let up: Double, down: Double
        if gammaSum > 0 {
            let rhoBar = gammaP / gammaSum
            let varianceScale = (alphaP + alphaD) * parameters.sigma * parameters.sigma / gammaSum
            let tauEffectiveMs = parameters.tauEfficacyMs / gammaSum
            let decay = exp(-stimulationMs / tauEffectiveMs)
            let spread = (varianceScale * (1 - decay * decay)).squareRoot()
            let meanFromDown = rhoBar * (1 - decay)
            let meanFromUp = rhoBar + (1 - rhoBar) * decay
            up = 0.5 * (1 + erf((meanFromDown - parameters.rhoStar) / spread))
            down = 0.5 * (1 - erf((meanFromUp - parameters.rhoStar) / spread))
        } else {
            // Calcium never crosses a threshold: nothing moves.
            up = 0
            down = 0
        }
        result = SynapticChange(up: up, down: down, beta: parameters.beta, weightRatio: parameters.weightRatio)
    }
}
