import Foundation

/// The store-release messenger of docs/MODEL.md §2c (Oh, Parajuli & Zito
/// 2015: heterosynaptic shrinkage needs mGluR, IP₃ receptors and
/// calcineurin). Every glutamate event releases q_p of an IP₃-like messenger
/// p(x, t) that diffuses and decays along the dendrite (`SealedCableField`);
/// in every spine it releases store calcium
///
///     c_ER = c_max · pⁿ / (pⁿ + Kⁿ),
///
/// added to the spine's calcium. c_max lies between θ_d and θ_p, so an
/// unstimulated spine soaked in it depresses while a stimulated one can
/// still potentiate. K is the calibrated constant (docs/MODEL.md §2c).
public struct StoreReleaseParameters: MessengerParameters, Sendable, Equatable {
    public var enabled: Bool
    /// D_p (µm²/ms): IP₃ in cytoplasm, ≤ 10 µm²/s.
    public var diffusionUm2PerMs: Double
    /// τ_p (ms).
    public var tauMs: Double
    /// q_p, the amount one glutamate event releases (the unit of p·µm).
    public var releasePerEvent: Double
    /// K, half-activation of store release (p units, per µm). Calibrated.
    public var halfActivation: Double
    /// n, the Hill coefficient.
    public var hillCoefficient: Double
    /// c_max in units of θ_d.
    public var maximumCalciumOverThetaD: Double

    public init(enabled: Bool = false, diffusionUm2PerMs: Double = 0.01, tauMs: Double = 1000, releasePerEvent: Double = 1,
                halfActivation: Double = StoreReleaseParameters.calibratedHalfActivation, hillCoefficient: Double = 4,
                maximumCalciumOverThetaD: Double = 1.1) {
        self.enabled = enabled
        self.diffusionUm2PerMs = diffusionUm2PerMs
        self.tauMs = tauMs
        self.releasePerEvent = releasePerEvent
        self.halfActivation = halfActivation
        self.hillCoefficient = hillCoefficient
        self.maximumCalciumOverThetaD = maximumCalciumOverThetaD
    }

    /// K calibrated on the Oh 2015 protocol (docs/MODEL.md §2c; `Results/heterosynaptic-oh2015`).
    public static let calibratedHalfActivation = 0.24

    /// c_ER for a messenger level p, with θ_d the depression threshold.
    @inlinable public func storeCalcium(messenger p: Double, thetaDepression: Double) -> Double {
        guard p > 0 else { return 0 }
        let ratio = p / halfActivation
        let x = hillCoefficient == 4 ? (ratio * ratio) * (ratio * ratio) : pow(ratio, hillCoefficient)
        return maximumCalciumOverThetaD * thetaDepression * x / (1 + x)
    }
}
