/// Parameters of the Graupner–Brunel calcium → efficacy model (docs/MODEL.md §1).
/// Times in the model's own units, named in each property.
public struct PlasticityParameters: Sendable, Equatable, Codable {
    /// τ_Ca, calcium decay time constant (ms).
    public var tauCalciumMs: Double
    /// C_pre, calcium jump of a presynaptic spike, arriving after `delayMs`.
    public var calciumPre: Double
    /// C_post, calcium jump of a postsynaptic spike (bAP).
    public var calciumPost: Double
    /// θ_d, depression threshold on calcium.
    public var thetaDepression: Double
    /// θ_p, potentiation threshold on calcium.
    public var thetaPotentiation: Double
    /// γ_d, depression rate (dimensionless, in units of 1/τ).
    public var gammaDepression: Double
    /// γ_p, potentiation rate (dimensionless, in units of 1/τ).
    public var gammaPotentiation: Double
    /// σ, noise amplitude.
    public var sigma: Double
    /// τ, time constant of ρ (s).
    public var tauEfficacySeconds: Double
    /// D, delay of the presynaptic calcium jump (ms).
    public var delayMs: Double
    /// ρ*, the unstable fixed point separating DOWN and UP.
    public var rhoStar: Double
    /// β, fraction of synapses initially in the DOWN state (readout).
    public var beta: Double
    /// b, ratio of UP to DOWN synaptic weight (readout).
    public var weightRatio: Double

    public init(tauCalciumMs: Double, calciumPre: Double, calciumPost: Double,
                thetaDepression: Double, thetaPotentiation: Double,
                gammaDepression: Double, gammaPotentiation: Double, sigma: Double,
                tauEfficacySeconds: Double, delayMs: Double, rhoStar: Double = 0.5,
                beta: Double, weightRatio: Double) {
        self.tauCalciumMs = tauCalciumMs
        self.calciumPre = calciumPre
        self.calciumPost = calciumPost
        self.thetaDepression = thetaDepression
        self.thetaPotentiation = thetaPotentiation
        self.gammaDepression = gammaDepression
        self.gammaPotentiation = gammaPotentiation
        self.sigma = sigma
        self.tauEfficacySeconds = tauEfficacySeconds
        self.delayMs = delayMs
        self.rhoStar = rhoStar
        self.beta = beta
        self.weightRatio = weightRatio
    }

    /// Coded under the names experiment files use (docs/MODEL.md §1 symbols).
    enum CodingKeys: String, CodingKey {
        case tauCalciumMs = "tau_ca_ms", calciumPre = "c_pre", calciumPost = "c_post"
        case thetaDepression = "theta_d", thetaPotentiation = "theta_p"
        case gammaDepression = "gamma_d", gammaPotentiation = "gamma_p", sigma
        case tauEfficacySeconds = "tau_rho_s", delayMs = "delay_ms", rhoStar = "rho_star"
        case beta, weightRatio = "b"
    }

    /// τ in ms, the engine's time unit.
    public var tauEfficacyMs: Double { tauEfficacySeconds * 1000 }
}

/// The nine published parameter sets (docs/MODEL.md §1 table; θ_d = 1 and
/// ρ* = 0.5 in all). Names are the ones experiment files use.
public enum PlasticityPreset: String, CaseIterable, Sendable {
    case dp = "DP"
    case dpd = "DPD"
    case dpdPrime = "DPD'"
    case p = "P"
    case d = "D"
    case dPrime = "D'"
    case corticalSlices = "cortical-slices"
    case hippocampalSlices = "hippocampal-slices"
    case hippocampalCultures = "hippocampal-cultures"

    public var parameters: PlasticityParameters {
        switch self {
        case .dp: .gb(tauCa: 20, cPre: 1, cPost: 2, thetaP: 1.3, gammaD: 200, gammaP: 321.808, sigma: 2.8284, tau: 150, delay: 13.7)
        case .dpd: .gb(tauCa: 20, cPre: 0.9, cPost: 0.9, thetaP: 1.3, gammaD: 250, gammaP: 550, sigma: 2.8284, tau: 150, delay: 4.6)
        case .dpdPrime: .gb(tauCa: 20, cPre: 1, cPost: 2, thetaP: 2.5, gammaD: 50, gammaP: 600, sigma: 2.8284, tau: 150, delay: 2.2)
        case .p: .gb(tauCa: 20, cPre: 2, cPost: 2, thetaP: 1.3, gammaD: 160, gammaP: 257.447, sigma: 2.8284, tau: 150, delay: 0)
        case .d: .gb(tauCa: 20, cPre: 0.6, cPost: 0.6, thetaP: 1.3, gammaD: 500, gammaP: 550, sigma: 5.6568, tau: 150, delay: 0)
        case .dPrime: .gb(tauCa: 20, cPre: 1, cPost: 2, thetaP: 3.5, gammaD: 60, gammaP: 600, sigma: 2.8284, tau: 150, delay: 0)
        case .corticalSlices: .gb(tauCa: 22.6936, cPre: 0.5617539, cPost: 1.23964, thetaP: 1.3, gammaD: 331.909, gammaP: 725.085,
                                  sigma: 3.3501, tau: 346.3615, delay: 4.6098, b: 5.40988)
        case .hippocampalSlices: .gb(tauCa: 48.8373, cPre: 1, cPost: 0.275865, thetaP: 1.3, gammaD: 313.0965, gammaP: 1645.59,
                                     sigma: 9.1844, tau: 688.355, delay: 18.8008, beta: 0.7, b: 5.28145)
        case .hippocampalCultures: .gb(tauCa: 11.9536, cPre: 0.58156, cPost: 1.76444, thetaP: 1.3, gammaD: 61.141, gammaP: 113.6545,
                                       sigma: 2.5654, tau: 33.7596, delay: 10, b: 36.0263)
        }
    }

    public static var names: [String] { allCases.map(\.rawValue) }
}

private extension PlasticityParameters {
    static func gb(tauCa: Double, cPre: Double, cPost: Double, thetaP: Double, gammaD: Double, gammaP: Double,
                   sigma: Double, tau: Double, delay: Double, beta: Double = 0.5, b: Double = 5) -> PlasticityParameters {
        PlasticityParameters(tauCalciumMs: tauCa, calciumPre: cPre, calciumPost: cPost, thetaDepression: 1,
                             thetaPotentiation: thetaP, gammaDepression: gammaD, gammaPotentiation: gammaP,
                             sigma: sigma, tauEfficacySeconds: tau, delayMs: delay, rhoStar: 0.5,
                             beta: beta, weightRatio: b)
    }
}
