import Foundation
import GSL

/// The Graupner–Brunel efficacy ρ (docs/MODEL.md §1):
///
///     τ dρ/dt = −ρ(1−ρ)(ρ*−ρ) + γ_p(1−ρ)H_p − γ_d ρ H_d + σ√τ √(H_p+H_d) η(t)
///
/// advanced over segments of constant gating (H_p, H_d), as calcium gives
/// them in closed form (`CalciumDynamics.segments`).
///
/// ## Scheme
/// *Calcium below both thresholds* (H_p = H_d = 0): no noise, ρ relaxes by
/// the cubic alone. For ρ* = ½ this ODE is solved exactly: with
/// q = ρ(1−ρ)/(ρ−½)², q(t) = q(0) e^{−t/(2τ)} and
/// ρ(t) = ½ + sign(ρ₀−½) · ½/√(1+q(t)). For any other ρ* a GSL adaptive
/// stepper (rkf45, absolute and relative tolerance 1e-12) integrates the
/// whole interval in one call.
///
/// *Calcium above a threshold*: the drift is linear, −kρ + a with
/// k = (γ_p H_p + γ_d H_d)/τ and a = γ_p H_p/τ, plus the small cubic f(ρ)/τ,
/// and the noise is additive with intensity s = σ√(H_p+H_d)/√τ. Each step of
/// length h ≤ `maximumStepMs` is an exponential Euler–Maruyama step: exact for
/// the linear SDE (the Ornstein–Uhlenbeck transition), with the cubic frozen
/// at the start of the step:
///
///     ρ' = ρ e^{−kh} + (a + f(ρ)/τ)(1−e^{−kh})/k + s √((1−e^{−2kh})/(2k)) ξ
///
/// One Gaussian draw per step, noise only where the equations have it.
///
/// ## Error bound
/// Without the cubic the step is exact for any h. Freezing f over a step
/// makes a local error of at most (h/τ)·L·|Δρ|, where L = max|f'| ≤ ½ on
/// [0, 1] and |Δρ| ≤ M h + s√h·z is the change of ρ within the step
/// (M = max drift ≤ (γ_p+γ_d)/τ). Summed over a time T_above spent above
/// threshold the error is ≤ T_above·L·(M h + s√h z)/τ. For the DP preset
/// (τ = 150 s, M ≈ 3.5e-3/ms, s ≈ 0.010/√ms), h = 1 ms and the 1.2 s a
/// 60-pair protocol spends above θ_d, the bound is 1.4e-5 from the drift
/// plus 4.1e-5·z from the noise (z a standard normal; of mean zero, it
/// mostly cancels): two orders below the sampling error of the readouts.
/// The relaxation below threshold adds nothing (exact) or the stepper's
/// 1e-12 tolerance.
public struct EfficacyIntegrator {
    public let parameters: PlasticityParameters
    /// h, the longest exponential Euler–Maruyama step (ms).
    public let maximumStepMs: Double

    /// 1/τ (1/ms).
    @usableFromInline let inverseTau: Double
    @usableFromInline let rhoStar: Double
    /// Per gating (index = Gating.rawValue): a, k and the noise intensity s.
    @usableFromInline let drive: (Double, Double, Double, Double)
    @usableFromInline let rate: (Double, Double, Double, Double)
    @usableFromInline let noise: (Double, Double, Double, Double)
    /// Per gating: e^{−kh}, (1−e^{−kh})/k and the noise SD of a full step h.
    @usableFromInline let fullStepDecay: (Double, Double, Double, Double)
    @usableFromInline let fullStepGain: (Double, Double, Double, Double)
    @usableFromInline let fullStepNoise: (Double, Double, Double, Double)
    /// The GSL stepper for ρ* ≠ ½ (nil when the exact solution applies).
    @usableFromInline let relaxationSolver: CubicRelaxationSolver?

    /// - Parameter forceODERelaxation: use the GSL stepper even for ρ* = ½
    ///   (for tests that compare it with the exact solution).
    public init(parameters: PlasticityParameters, maximumStepMs: Double = 1.0, forceODERelaxation: Bool = false) {
        precondition(maximumStepMs > 0)
        self.parameters = parameters
        self.maximumStepMs = maximumStepMs
        let tau = parameters.tauEfficacyMs
        inverseTau = 1 / tau
        rhoStar = parameters.rhoStar
        var a = [Double](repeating: 0, count: 4), k = a, s = a, decay = a, gain = a, sd = a
        for gating in Gating.allCases {
            let i = gating.rawValue
            a[i] = parameters.gammaPotentiation * gating.potentiation / tau
            k[i] = (parameters.gammaPotentiation * gating.potentiation + parameters.gammaDepression * gating.depression) / tau
            s[i] = parameters.sigma * (gating.potentiation + gating.depression).squareRoot() / tau.squareRoot()
            (decay[i], gain[i], sd[i]) = EfficacyIntegrator.stepCoefficients(rate: k[i], noise: s[i], stepMs: maximumStepMs)
        }
        drive = (a[0], a[1], a[2], a[3])
        rate = (k[0], k[1], k[2], k[3])
        noise = (s[0], s[1], s[2], s[3])
        fullStepDecay = (decay[0], decay[1], decay[2], decay[3])
        fullStepGain = (gain[0], gain[1], gain[2], gain[3])
        fullStepNoise = (sd[0], sd[1], sd[2], sd[3])
        relaxationSolver = (parameters.rhoStar != 0.5 || forceODERelaxation)
            ? CubicRelaxationSolver(rhoStar: parameters.rhoStar, tauMs: tau) : nil
    }

    /// e^{−kh}, (1−e^{−kh})/k and s√((1−e^{−2kh})/(2k)), with their k → 0 limits.
    @inlinable static func stepCoefficients(rate k: Double, noise s: Double, stepMs h: Double) -> (Double, Double, Double) {
        if k == 0 { return (1, h, s * h.squareRoot()) }
        let decay = exp(-k * h)
        let gain = -expm1(-k * h) / k
        let variance = -expm1(-2 * k * h) / (2 * k)
        return (decay, gain, s * variance.squareRoot())
    }

    /// The cubic term f(ρ) = −ρ(1−ρ)(ρ*−ρ).
    @inlinable func cubic(_ rho: Double) -> Double { -rho * (1 - rho) * (rhoStar - rho) }

    /// Advances ρ over `durationMs` of constant `gating`. Draws Gaussians from
    /// `random` only when the gating is not `.none`.
    @inlinable public func advance(_ rho: Double, durationMs: Double, gating: Gating, random: RandomHandle) throws -> Double {
        if gating == .none { return try relax(rho, durationMs: durationMs) }
        let i = gating.rawValue
        let a = select(drive, i), k = select(rate, i)
        let decay = select(fullStepDecay, i), gain = select(fullStepGain, i), sd = select(fullStepNoise, i)
        var value = rho
        var remaining = durationMs
        let h = maximumStepMs
        while remaining >= h {
            value = value * decay + (a + cubic(value) * inverseTau) * gain + sd * random.gaussian()
            remaining -= h
        }
        if remaining > 1e-12 {
            let (lastDecay, lastGain, lastSD) = EfficacyIntegrator.stepCoefficients(rate: k, noise: select(noise, i), stepMs: remaining)
            value = value * lastDecay + (a + cubic(value) * inverseTau) * lastGain + lastSD * random.gaussian()
        }
        return value
    }

    /// How far beyond [0, 1] ρ may plausibly wander: eight times the
    /// largest stationary spread of its noise above a threshold,
    /// σ/√(2 min(γ_d, γ_p)) (the linear SDE's), and at least 1.
    public var plausibleMargin: Double {
        let p = parameters
        let slowest = [p.gammaDepression, p.gammaPotentiation].filter { $0 > 0 }.min() ?? 1
        return max(1, 8 * p.sigma / (2 * slowest).squareRoot())
    }

    /// Advances ρ through consecutive segments of gating; stops with
    /// `EfficacyBlowUp` if ρ ends more than `plausibleMargin` outside
    /// [0, 1] or is not finite.
    public func advance(_ rho: Double, through segments: [GatingSegment], random: RandomHandle) throws -> Double {
        var value = rho
        for segment in segments {
            value = try advance(value, durationMs: segment.durationMs, gating: segment.gating, random: random)
        }
        let margin = plausibleMargin
        guard value.isFinite, value > -margin, value < 1 + margin else { throw EfficacyBlowUp(rho: value, margin: margin) }
        return value
    }

    /// Deterministic relaxation below both thresholds over `durationMs`.
    @inlinable public func relax(_ rho: Double, durationMs: Double) throws -> Double {
        if let solver = relaxationSolver { return try solver.relax(rho, durationMs: durationMs) }
        let offset = rho - 0.5
        if offset == 0 || durationMs <= 0 { return rho }
        let q = rho * (1 - rho) / (offset * offset) * exp(-0.5 * durationMs * inverseTau)
        let half = 0.5 / (1 + q).squareRoot()
        return offset > 0 ? 0.5 + half : 0.5 - half
    }

    @inlinable func select(_ values: (Double, Double, Double, Double), _ i: Int) -> Double {
        switch i {
        case 0: values.0
        case 1: values.1
        case 2: values.2
        default: values.3
        }
    }
}

/// The cubic relaxation τ dρ/dt = −ρ(1−ρ)(ρ*−ρ) for general ρ*, by a GSL
/// adaptive stepper (rkf45) over the whole interval.
public final class CubicRelaxationSolver {
    /// (ρ*, 1/τ) as the driver's context.
    private let constants: UnsafeMutablePointer<Double>
    private let driver: ODEDriver

    public init(rhoStar: Double, tauMs: Double) {
        constants = .allocate(capacity: 2)
        constants[0] = rhoStar
        constants[1] = 1 / tauMs
        driver = ODEDriver(dimension: 1, function: { _, y, dydt, context in
            let c = context!.assumingMemoryBound(to: Double.self)
            let rho = y![0]
            dydt![0] = -rho * (1 - rho) * (c[0] - rho) * c[1]
            return 0
        }, context: UnsafeMutableRawPointer(constants), stepper: .rkf45,
           initialStep: 1, absoluteTolerance: 1e-12, relativeTolerance: 1e-12)
    }

    deinit { constants.deallocate() }

    public func relax(_ rho: Double, durationMs: Double) throws -> Double {
        if durationMs <= 0 { return rho }
        var y = rho
        driver.reset()
        try driver.evolve(&y, from: 0, to: durationMs)
        return y
    }
}

/// ρ left any plausible range: a numerical blow-up, never a result.
public struct EfficacyBlowUp: Error, CustomStringConvertible {
    public let rho: Double
    public let margin: Double
    public var description: String {
        "numerical blow-up: efficacy ρ = \(rho) left [\(-margin), \(1 + margin)] (it should stay near [0, 1], within 8 spreads of its noise); "
            + "check the integration step and the parameters"
    }
}
