import Foundation

/// The cooperativity messenger of docs/MODEL.md §2d (Harvey & Svoboda 2007;
/// Ras, Harvey et al. 2008): when a spine's ρ crosses ½ upward it releases
/// q_r of r(x, t), which diffuses and decays along the dendrite
/// (`SealedCableField`) and lowers the potentiation threshold of every spine,
///
///     θ_p,i = θ_p · (1 − δ_θ · r_i / (r_i + K_r)).
///
/// K_r is the calibrated constant (docs/MODEL.md §2d).
public struct CooperativityParameters: MessengerParameters, Sendable, Equatable {
    public var enabled: Bool
    /// D_r (µm²/ms).
    public var diffusionUm2PerMs: Double
    /// τ_r (ms).
    public var tauMs: Double
    /// q_r, the amount one upward crossing releases (the unit of r·µm).
    public var releasePerCrossing: Double
    /// K_r (r units, per µm). Calibrated.
    public var halfEffect: Double
    /// δ_θ, the largest relative lowering of θ_p.
    public var maximumLowering: Double
    /// How often ρ's crossings are collected and θ_p is updated (ms).
    public var updateIntervalMs: Double

    public init(enabled: Bool = false, diffusionUm2PerMs: Double = 3e-4, tauMs: Double = 300_000, releasePerCrossing: Double = 1,
                halfEffect: Double = CooperativityParameters.calibratedHalfEffect, maximumLowering: Double = 0.3,
                updateIntervalMs: Double = 100) {
        self.enabled = enabled
        self.diffusionUm2PerMs = diffusionUm2PerMs
        self.tauMs = tauMs
        self.releasePerCrossing = releasePerCrossing
        self.halfEffect = halfEffect
        self.maximumLowering = maximumLowering
        self.updateIntervalMs = updateIntervalMs
    }

    /// K_r calibrated on the Harvey & Svoboda protocol (docs/MODEL.md §2d; `Results/cooperativity`).
    public static let calibratedHalfEffect = 0.005

    /// θ_p / θ_p,0 at messenger level r.
    @inlinable public func thresholdFactor(messenger r: Double) -> Double {
        r > 0 ? 1 - maximumLowering * r / (r + halfEffect) : 1
    }
}
