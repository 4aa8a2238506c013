import Foundation
import GSL

/// Spine head volume v (µm³) and its log s = ln v: intrinsic and extrinsic
/// dynamics (docs/MODEL.md §3).
///
/// **OU on log size** (default):
///
///     ds = −(s − m(ρ))/τ_s dt + σ_s dW,   m(ρ) = m₀ + Δm·ρ
///
/// with σ_s = sd·√(2/τ_s), so that `stationarySD` is the spread of s around
/// m(ρ) at stationarity. Its transition over any Δt is exact:
/// s(t+Δt) ~ N(m + (s − m)e^{−Δt/τ_s}, sd²(1 − e^{−2Δt/τ_s})), so a day can be
/// one step. With intrinsic noise off, s relaxes deterministically to m(ρ).
///
/// **Structural expression time** (optional, `expressionDays`): the form
/// above makes the structural expression of LTP as slow as the intrinsic
/// relaxation τ_s (days), whereas sLTP is expressed within minutes to hours
/// (Matsuzaki 2004). With τ_e set, s = z + Δm·e: z is the intrinsic OU
/// around m₀ (τ_s, σ_s) and e, the expressed efficacy, follows ρ as
/// de/dt = (ρ − e)/τ_e. For τ_e = τ_s this is exactly the form above (for ρ
/// constant over a step), so it generalises docs/MODEL.md §3 and does not change it.
public struct LogSizeOU: Sendable, Equatable {
    /// m₀, target log-volume of a depressed spine (ln µm³).
    public var baselineLogVolume: Double
    /// Δm, shift of the target of a potentiated spine (ln units).
    public var potentiationLogShift: Double
    /// τ_s (days).
    public var relaxationDays: Double
    /// Stationary standard deviation of s around m(ρ) (ln units).
    public var stationarySD: Double
    /// Whether the intrinsic (activity-independent) noise is on.
    public var intrinsicNoise: Bool
    /// τ_e (days), the structural expression time of ρ; nil: expression
    /// through the OU relaxation itself (docs/MODEL.md §3 as written).
    public var expressionDays: Double?
    /// The stable state (nil: every spine is volatile and relaxes with τ_s).
    public var stability: SpineStability?

    public init(baselineLogVolume: Double = -3.0, potentiationLogShift: Double = 0.7, relaxationDays: Double = 7,
                stationarySD: Double = 0.87, intrinsicNoise: Bool = true, expressionDays: Double? = nil,
                stability: SpineStability? = nil) {
        self.baselineLogVolume = baselineLogVolume
        self.potentiationLogShift = potentiationLogShift
        self.relaxationDays = relaxationDays
        self.stationarySD = stationarySD
        self.intrinsicNoise = intrinsicNoise
        self.expressionDays = expressionDays
        self.stability = stability
    }

    /// τ of a spine's state: τ_st when stable, τ_s otherwise.
    public func relaxationDays(stable: Bool) -> Double {
        stable ? stability?.stableRelaxationDays ?? relaxationDays : relaxationDays
    }

    /// m(ρ), the target log-volume.
    @inlinable public func target(efficacy rho: Double) -> Double { baselineLogVolume + potentiationLogShift * rho }

    /// σ_s (per √day) of a volatile spine.
    public var noiseIntensity: Double { intrinsicNoise ? stationarySD * (2 / relaxationDays).squareRoot() : 0 }

    /// The spread of s around m(ρ) at stationarity (0 without noise).
    public var effectiveStationarySD: Double { intrinsicNoise ? stationarySD : 0 }

    /// e^{−Δt/τ_e} for a step of `days`: de/dt = (ρ − e)/τ_e with ρ constant
    /// gives exactly e' = ρ + (e − ρ)·e^{−Δt/τ_e}. nil without a separate
    /// expression time (e then is ρ).
    public func expressionDecay(days: Double) -> Double? { expressionDays.map { exp(-days / $0) } }

    /// The exact transition over `days`: s' = m + (s − m)·decay + sd·ξ
    /// (of a stable spine when `stable`).
    public func transition(days: Double, stable: Bool = false) -> (decay: Double, sd: Double) {
        let tau = relaxationDays(stable: stable)
        let decay = exp(-days / tau)
        return (decay, effectiveStationarySD * (-expm1(-2 * days / tau)).squareRoot())
    }
}

/// **Kesten** multiplicative process on the volume itself:
///
///     dv = (μ_ε v + μ_η) dt + √(σ_ε² v² + σ_η²) dW
///
/// (rates per second, volumes in µm³). Its stationary density is
/// p(v) ∝ (σ_ε²v² + σ_η²)^{μ_ε/σ_ε² − 1} · exp(2μ_η/(σ_εσ_η) · arctan(σ_ε v/σ_η)).
///
/// No exact transition exists: steps are Euler–Maruyama substeps of at most
/// `substepSeconds`; a step longer than 40 relaxation times (1/|μ_ε|), after
/// which the memory of the start is below e^{−40}, draws from the stationary
/// law instead (exactly).
public struct KestenProcess: Sendable, Equatable {
    /// μ_ε (1/s), negative.
    public var muEpsilon: Double
    /// μ_η (µm³/s).
    public var muEta: Double
    /// σ_ε² (1/s).
    public var sigmaEpsilonSquared: Double
    /// σ_η² (µm⁶/s).
    public var sigmaEtaSquared: Double
    /// Longest Euler–Maruyama substep (s).
    public var substepSeconds: Double

    public init(muEpsilon: Double = -0.032, muEta: Double = 0.003, sigmaEpsilonSquared: Double = 0.0006,
                sigmaEtaSquared: Double = 2.8e-5, substepSeconds: Double = 0.5) {
        self.muEpsilon = muEpsilon
        self.muEta = muEta
        self.sigmaEpsilonSquared = sigmaEpsilonSquared
        self.sigmaEtaSquared = sigmaEtaSquared
        self.substepSeconds = substepSeconds
    }

    /// 1/|μ_ε| (s).
    public var relaxationSeconds: Double { 1 / abs(muEpsilon) }

    /// Stationary mean −μ_η/μ_ε (µm³).
    public var stationaryMean: Double { -muEta / muEpsilon }

    /// Whether a step of `seconds` forgets its start (≥ 40 relaxation times).
    public func forgetsStart(seconds: Double) -> Bool { seconds >= 40 * relaxationSeconds }

    /// Unnormalised log stationary density.
    public func logStationaryDensity(_ v: Double) -> Double {
        let c = sigmaEpsilonSquared, d = sigmaEtaSquared
        return (muEpsilon / c - 1) * log(c * v * v + d) + 2 * muEta / (c * d).squareRoot() * atan(v * (c / d).squareRoot())
    }

    /// One Euler–Maruyama substep of `seconds` with standard normal `xi`.
    @inlinable public func substep(_ v: Double, seconds h: Double, xi: Double) -> Double {
        v + (muEpsilon * v + muEta) * h + (sigmaEpsilonSquared * v * v + sigmaEtaSquared).squareRoot() * h.squareRoot() * xi
    }
}

/// Inverse-CDF sampler of the Kesten stationary law: the CDF tabulated by GSL
/// quadrature on a fine grid between the points where the density has
/// fallen below e^{−40} of its peak (the law can have a power-law tail),
/// inverted by linear interpolation between grid points.
public struct KestenStationarySampler: Sendable {
    public let grid: [Double]
    public let cumulative: [Double]

    public init(_ process: KestenProcess, points: Int = 20_001) throws {
        // Stationary variance of the linear-drift diffusion: (σ_ε²E[v²] + σ_η²)/(2|μ_ε|) with
        // E[v²] = m² + Var → Var = (σ_ε²m² + σ_η²)/(2|μ_ε| − σ_ε²).
        let m = process.stationaryMean
        let variance = (process.sigmaEpsilonSquared * m * m + process.sigmaEtaSquared)
            / (2 * abs(process.muEpsilon) - process.sigmaEpsilonSquared)
        let sd = variance.squareRoot()
        let logPeak = process.logStationaryDensity(m)
        var lower = m - sd, upper = m + sd
        while process.logStationaryDensity(lower) - logPeak > -40 && lower > m - 1e4 * sd { lower -= sd }
        while process.logStationaryDensity(upper) - logPeak > -40 && upper < m + 1e4 * sd { upper += sd }
        let density: (Double) -> Double = { exp(process.logStationaryDensity($0) - logPeak) }
        var grid: [Double] = [], cumulative: [Double] = [0]
        let h = (upper - lower) / Double(points - 1)
        for i in 0..<points { grid.append(lower + Double(i) * h) }
        for i in 1..<points {
            cumulative.append(cumulative[i - 1] + (try Quadrature.integrate(from: grid[i - 1], to: grid[i], density)).value)
        }
        let total = cumulative[points - 1]
        self.grid = grid
        self.cumulative = cumulative.map { $0 / total }
    }

    /// The stationary CDF at v.
    public func cdf(_ v: Double) -> Double {
        if v <= grid[0] { return 0 }
        if v >= grid[grid.count - 1] { return 1 }
        let h = grid[1] - grid[0]
        let i = min(Int((v - grid[0]) / h), grid.count - 2)
        let t = (v - grid[i]) / h
        return cumulative[i] + t * (cumulative[i + 1] - cumulative[i])
    }

    /// The v with CDF u (u uniform on (0, 1) gives a stationary draw).
    public func quantile(_ u: Double) -> Double {
        var low = 0, high = cumulative.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if cumulative[mid] < u { low = mid } else { high = mid }
        }
        let span = cumulative[high] - cumulative[low]
        let t = span > 0 ? (u - cumulative[low]) / span : 0
        return grid[low] + t * (grid[high] - grid[low])
    }
}
