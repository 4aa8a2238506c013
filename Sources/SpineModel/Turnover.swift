import Foundation
import GSL

/// Elimination and baseline spinogenesis (docs/MODEL.md §4).
///
/// **Elimination below v_min.** A spine is removed when its volume falls
/// below v_min, i.e. when s = ln v first reaches b = ln v_min. A step of Δt
/// sees the end point; the path between may have dipped below b and come
/// back. The OU is a time-changed Brownian motion,
/// s − m = e^{−t/τ}·W(φ(t)) with φ(t) = sd²(e^{2t/τ} − 1), in which the level
/// b becomes the boundary (b − m)e^{t/τ}. A Brownian bridge crosses a linear
/// boundary with probability exp(−2d₀d₁/Δφ), d the distances to it at both
/// ends; with the boundary linearised over the step this gives
/// exp(−2(s₀−b)(s₁−b)/V) with V = 2sd²·sinh(Δt/τ) (`bridgeVariance`). The
/// only approximation is the boundary's curvature over the step (second
/// order in Δt/τ), so elimination hardly depends on the step length.
///
/// **Size-dependent hazard** (optional; Fauth, Wörgötter & Tetzlaff 2015
/// form): p(w) = p₀ exp(−a²w²) is the probability of elimination within one
/// day at normalised strength w ∈ [0, 1], a² = ln(p₀/p₁). The hazard rate is
/// h(w) = −ln(1 − p(w)) per day; over a step the survival probability is
/// exp(−∫h dt), the integral by the trapezoid rule over the step's end
/// points (exact when w does not change).
public struct TurnoverRules: Sendable, Equatable {
    /// v_min (µm³).
    public var minimumVolume: Double
    /// Whether the hazard applies to every spine.
    public var hazardEnabled: Bool
    /// p₀, elimination probability per day at w = 0.
    public var hazardAtZero: Double
    /// p₁, elimination probability per day at w = 1.
    public var hazardAtOne: Double
    /// The volume (µm³) at which the normalised strength w = v/v_sat reaches 1.
    public var saturationVolume: Double
    /// g₀, baseline spinogenesis (new spines per µm of dendrite per day).
    public var spinogenesisRate: Double
    /// Volume of a newly formed spine (µm³).
    public var newSpineVolume: Double

    public init(minimumVolume: Double = 0.02, hazardEnabled: Bool = false, hazardAtZero: Double = 0.582,
                hazardAtOne: Double = 0.058, saturationVolume: Double = 0.5, spinogenesisRate: Double = 0,
                newSpineVolume: Double = 0.03) {
        self.minimumVolume = minimumVolume
        self.hazardEnabled = hazardEnabled
        self.hazardAtZero = hazardAtZero
        self.hazardAtOne = hazardAtOne
        self.saturationVolume = saturationVolume
        self.spinogenesisRate = spinogenesisRate
        self.newSpineVolume = newSpineVolume
    }

    /// b = ln v_min.
    public var eliminationLogVolume: Double { log(minimumVolume) }

    /// p(w), the probability of elimination within one day at strength w.
    @inlinable public func dailyEliminationProbability(strength w: Double) -> Double {
        let aSquared = log(hazardAtZero / hazardAtOne)
        return hazardAtZero * exp(-aSquared * w * w)
    }

    /// w = min(v/v_sat, 1) for log-volume s.
    @inlinable public func strength(logVolume s: Double) -> Double { min(exp(s) / saturationVolume, 1) }

    /// h(w) = −ln(1 − p(w)), per day.
    @inlinable public func hazardRate(logVolume s: Double) -> Double {
        -log1p(-dailyEliminationProbability(strength: strength(logVolume: s)))
    }

    /// Probability of surviving the hazard over `days`, from log-volume s₀ to s₁.
    @inlinable public func hazardSurvival(from s0: Double, to s1: Double, days: Double) -> Double {
        exp(-0.5 * days * (hazardRate(logVolume: s0) + hazardRate(logVolume: s1)))
    }

    /// V of the crossing probability for an OU step of `days` (see above).
    public static func bridgeVariance(stationarySD sd: Double, relaxationDays tau: Double, days: Double) -> Double {
        2 * sd * sd * sinh(days / tau)
    }

    /// Probability that the path from s₀ to s₁ reached the elimination level
    /// in between, for bridge variance V (1 if an end is at or below it).
    @inlinable public static func bridgeCrossingProbability(from s0: Double, to s1: Double, level b: Double, bridgeVariance v: Double) -> Double {
        if s0 <= b || s1 <= b { return 1 }
        if v <= 0 { return 0 }
        return exp(-2 * (s0 - b) * (s1 - b) / v)
    }
}

/// Lifetimes and equilibrium of spines whose log-size is an OU process
/// killed at b (continuous monitoring, no hazard): the basis of the baseline
/// spinogenesis rate that keeps density stationary. In standard units
/// u = (s − m)/sd the OU has scale function S(u) = ∫₀ᵘ e^{t²/2}dt and speed
/// density τ·e^{−u²/2}; the expected time a spine started at u₀ spends near
/// y before it leaves (b, a) is the Green's function
/// G(u₀, y) = τ (S(u₀∧y) − S(u_b))(S(u_a) − S(u₀∨y))/(S(u_a) − S(u_b)) e^{−y²/2}
/// (a → ∞ without an upper exit), and it leaves through a with probability
/// (S(u₀) − S(u_b))/(S(u_a) − S(u_b)). With a stable state (`SpineStability`)
/// a new spine is volatile (τ_s) until it reaches a = ln v_stab, then stable
/// (τ_st) until it reaches b.
public struct OUTurnoverTheory: Sendable {
    public let size: LogSizeOU
    public let eliminationLogVolume: Double
    /// The OU target of the spines considered (m₀ for new, depressed spines).
    public let target: Double

    public init(size: LogSizeOU, rules: TurnoverRules, efficacy: Double = 0) {
        self.size = size
        eliminationLogVolume = rules.eliminationLogVolume
        target = size.target(efficacy: efficacy)
    }

    private func standard(_ s: Double) -> Double { (s - target) / size.stationarySD }

    /// Mean time (days) for s to first reach b from s₀ in one state
    /// (Siegert's formula): T(s₀) = τ √(2π) ∫_{u_b}^{u₀} e^{u²/2} Φc(u) du.
    public func meanTimeToEliminationDays(fromLogVolume s0: Double, stable: Bool) throws -> Double {
        guard s0 > eliminationLogVolume else { return 0 }
        guard size.intrinsicNoise, size.stationarySD > 0 else { return .infinity }
        let integral = try Quadrature.integrate(from: standard(eliminationLogVolume), to: standard(s0)) { u in
            exp(0.5 * u * u) * CDF.standardNormalUpper(u)
        }
        return size.relaxationDays(stable: stable) * (2 * Double.pi).squareRoot() * integral.value
    }

    /// Probability that a volatile spine at s₀ reaches a = ln v_stab before b
    /// (1 at or above a; 0 without a stable state).
    public func stabilisationProbability(fromLogVolume s0: Double) -> Double {
        guard let a = size.stability?.stabilisationLogVolume else { return 0 }
        if s0 >= a { return 1 }
        if s0 <= eliminationLogVolume { return 0 }
        let sb = ouScale(standard(eliminationLogVolume))
        return (ouScale(standard(s0)) - sb) / (ouScale(standard(a)) - sb)
    }

    /// Mean time (days) a volatile spine at s₀ < a spends volatile before it
    /// reaches a or b: ∫ G(u₀, y) dy over (u_b, u_a).
    public func meanVolatileDays(fromLogVolume s0: Double) throws -> Double {
        guard let a = size.stability?.stabilisationLogVolume else {
            return try meanTimeToEliminationDays(fromLogVolume: s0, stable: false)
        }
        guard s0 > eliminationLogVolume, s0 < a else { return 0 }
        let ub = standard(eliminationLogVolume), ua = standard(a), u0 = standard(s0)
        let sb = ouScale(ub), sa = ouScale(ua), s0u = ouScale(u0)
        let below = try Quadrature.integrate(from: ub, to: u0) { y in (ouScale(y) - sb) * exp(-0.5 * y * y) }.value * (sa - s0u)
        let above = try Quadrature.integrate(from: u0, to: ua) { y in (sa - ouScale(y)) * exp(-0.5 * y * y) }.value * (s0u - sb)
        return size.relaxationDays * (below + above) / (sa - sb)
    }

    /// Mean lifetime (days) of a new spine born at s₀: its volatile time
    /// plus, if it stabilises, the stable spine's time from a to b.
    public func meanLifetimeDays(fromLogVolume s0: Double) throws -> Double {
        guard let a = size.stability?.stabilisationLogVolume else {
            return try meanTimeToEliminationDays(fromLogVolume: s0, stable: false)
        }
        if s0 >= a { return try meanTimeToEliminationDays(fromLogVolume: s0, stable: true) }
        let stabilised = stabilisationProbability(fromLogVolume: s0)
        let stableDays = stabilised > 0 ? try meanTimeToEliminationDays(fromLogVolume: a, stable: true) : 0
        return try meanVolatileDays(fromLogVolume: s0) + stabilised * stableDays
    }

    /// The baseline spinogenesis rate (per µm per day) that keeps `density`
    /// spines per µm in equilibrium: by Little's law, density = rate × mean
    /// lifetime of a new spine.
    public func stationarySpinogenesisRate(density: Double, newSpineVolume: Double) throws -> Double {
        let lifetime = try meanLifetimeDays(fromLogVolume: log(newSpineVolume))
        return lifetime.isFinite && lifetime > 0 ? density / lifetime : 0
    }

    /// The equilibrium of births at s_new and elimination at b, as an
    /// acceptance weight (at most 1) of a log size y drawn from the OU
    /// stationary Gaussian, and the fraction of the spines at y that are
    /// stable. The density at y is the births' Green's function: volatile
    /// G_v(u_new, y), plus stabilised spines entering at a, P·G_st(u_a, y);
    /// divided by the Gaussian, each is a product of scale-function
    /// differences (one state: S(y ∧ s_new) − S(b), weight 1 above s_new).
    public func equilibrium(logVolume y: Double, newSpineLogVolume sNew: Double) -> (weight: Double, stableFraction: Double) {
        guard y > eliminationLogVolume else { return (0, 0) }
        let sb = ouScale(standard(eliminationLogVolume))
        let scale = { (s: Double) in ouScale(self.standard(s)) - sb }
        guard let stability = size.stability, sNew < stability.stabilisationLogVolume else {
            return (y >= sNew ? 1 : scale(y) / scale(sNew), size.stability == nil ? 0 : 1)
        }
        let a = stability.stabilisationLogVolume
        let tauV = size.relaxationDays, tauSt = stability.stableRelaxationDays
        let p = scale(sNew) / scale(a)
        /// τ_v h_v(y) and P τ_st h_st(y), h = the scale-function factors of the Green's functions.
        func parts(_ y: Double) -> (volatile: Double, stable: Double) {
            let volatile = y >= a ? 0 : tauV * scale(min(y, sNew)) * (scale(a) - scale(max(y, sNew))) / scale(a)
            return (volatile, p * tauSt * scale(min(y, a)))
        }
        // Each part is monotone between b, s_new and a and constant above a: the maximum is at s_new or a.
        let peak = [sNew, a].map { let w = parts($0); return w.volatile + w.stable }.max()!
        let w = parts(y)
        let total = w.volatile + w.stable
        return (total / peak, total > 0 ? w.stable / total : 0)
    }
}

/// Why a spine appeared or disappeared (the `cause` column of turnover.csv).
public enum TurnoverCause: UInt8, Sendable, Codable {
    case baselineSpinogenesis, activityGuidedSpinogenesis, belowMinimumVolume, hazard, transient

    public var name: String {
        switch self {
        case .baselineSpinogenesis: "baseline-spinogenesis"
        case .activityGuidedSpinogenesis: "activity-guided-spinogenesis"
        case .belowMinimumVolume: "below-v-min"
        case .hazard: "hazard"
        case .transient: "transient"
        }
    }
}
