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
/// spinogenesis rate that keeps density stationary.
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

    /// Mean time (days) for s to first reach b from s₀ (Siegert's formula):
    /// T(s₀) = τ_s √(2π) ∫_{u_b}^{u₀} e^{u²/2} Φc(u) du, u = (s − m)/sd.
    public func meanLifetimeDays(fromLogVolume s0: Double) throws -> Double {
        guard s0 > eliminationLogVolume else { return 0 }
        guard size.intrinsicNoise, size.stationarySD > 0 else { return .infinity }
        let sd = size.stationarySD
        let ub = (eliminationLogVolume - target) / sd, u0 = (s0 - target) / sd
        let integral = try Quadrature.integrate(from: ub, to: u0) { u in exp(0.5 * u * u) * CDF.standardNormalUpper(u) }
        return size.relaxationDays * (2 * Double.pi).squareRoot() * integral.value
    }

    /// The baseline spinogenesis rate (per µm per day) that keeps `density`
    /// spines per µm in equilibrium: by Little's law, density = rate × mean
    /// lifetime of a new spine.
    public func stationarySpinogenesisRate(density: Double, newSpineVolume: Double) throws -> Double {
        let lifetime = try meanLifetimeDays(fromLogVolume: log(newSpineVolume))
        return lifetime.isFinite && lifetime > 0 ? density / lifetime : 0
    }

    /// Acceptance weight of a log-size y (above b) under the equilibrium of
    /// births at s_new and killing at b, relative to the OU stationary
    /// Gaussian: the Green's function is ∝ (S(min(y, s_new)) − S(b))·e^{−φ(y)}
    /// with scale function S, so the weight is 1 above s_new and
    /// ∫_{u_b}^{u_y} e^{u²/2}du / ∫_{u_b}^{u_new} e^{u²/2}du below it.
    public func equilibriumWeight(logVolume y: Double, newSpineLogVolume sNew: Double) throws -> Double {
        if y >= sNew { return 1 }
        if y <= eliminationLogVolume { return 0 }
        let sd = size.stationarySD
        let ub = (eliminationLogVolume - target) / sd
        let scale: (Double) throws -> Double = { upper in
            try Quadrature.integrate(from: ub, to: upper) { u in exp(0.5 * u * u) }.value
        }
        return try scale((y - target) / sd) / scale((sNew - target) / sd)
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
