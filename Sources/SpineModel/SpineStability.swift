import Foundation
import GSL

/// Volatile and stable spines (docs/MODEL.md §3): thick spines persist for
/// months while thin ones come and go over days (Holtmaat et al. 2005), and
/// a spine's size marks its stability (Kasai et al. 2003). Every new spine is
/// *volatile*: its log size is the OU of `LogSizeOU` with relaxation τ_s.
/// A volatile spine whose volume reaches v_stab becomes *stable* for the
/// rest of its life: the same OU (same target and stationary spread, so
/// sizes stay log-normal with multiplicative fluctuations) with the slower
/// relaxation τ_st. Both states are eliminated at v_min (`TurnoverRules`).
/// The reaching of v_stab within a step is found as the v_min crossing is,
/// by the Brownian-bridge probability of the step (`SizeStepper`).
public struct SpineStability: Sendable, Equatable {
    /// τ_st (days), the relaxation time of a stable spine's log size.
    public var stableRelaxationDays: Double
    /// v_stab (µm³), the volume at which a volatile spine becomes stable.
    public var stabilisationVolume: Double

    public init(stableRelaxationDays: Double, stabilisationVolume: Double) {
        self.stableRelaxationDays = stableRelaxationDays
        self.stabilisationVolume = stabilisationVolume
    }

    /// a = ln v_stab.
    public var stabilisationLogVolume: Double { log(stabilisationVolume) }
}

/// The structural presets of docs/MODEL.md §3 (`size_dynamics.preset`): the
/// size dynamics and elimination rule calibrated to a brain region.
public enum StructuralPreset: String, Sendable, CaseIterable {
    /// Adult neocortex (docs/MODEL.md §7 T1–T3): volatile spines relax in
    /// τ_s = 10 days; a spine that grows to a thick spine's 0.25 µm³ becomes
    /// stable, τ_st = 400 days. The three constants are calibrated together
    /// to T1 (formed and eliminated per 2 weeks) and T2 (survival over a
    /// month, half-life above 13 months); docs/MODEL.md §3 reports the fit.
    case adultCortex = "adult-cortex"
    /// Hippocampal CA1 (T4): every spine volatile, τ_s = 4 days (mean
    /// lifetime 1–2 weeks, about 40 % turnover in 4 days).
    case ca1

    /// The preset's OU log-size dynamics (structural expression τ_e = 2 h).
    public var size: LogSizeOU {
        switch self {
        case .adultCortex:
            LogSizeOU(relaxationDays: 10, expressionDays: 2.0 / 24,
                      stability: SpineStability(stableRelaxationDays: 400, stabilisationVolume: 0.25))
        case .ca1:
            LogSizeOU(relaxationDays: 4, expressionDays: 2.0 / 24)
        }
    }
}

/// The scale function of the OU in standard units u = (s − m)/sd:
/// S(u) = ∫₀ᵘ e^{t²/2} dt = √2·e^{u²/2}·D(u/√2), D Dawson's integral.
@inlinable func ouScale(_ u: Double) -> Double {
    2.0.squareRoot() * exp(0.5 * u * u) * SpecialFunction.dawson(u / 2.0.squareRoot())
}
