import Foundation

/// The slow expression of efficacy into the functional synaptic weight
/// (Chindemi 2022 eq. 38–41, docs/MODEL.md §3):
///
///     dw/dt = (w̄(ρ) − w)/τ_change,   w̄(ρ) = 1 + ρ·(r − 1)
///
/// w in units of the depressed weight, r the potentiated/depressed ratio.
/// Over a step in which ρ is constant the update is exact; when ρ relaxes
/// during the step (minutes) the target uses ρ at the step's end.
public struct FunctionalWeight: Sendable, Equatable {
    /// r, weight of a potentiated synapse over a depressed one.
    public var potentiatedOverDepressed: Double
    /// τ_change (s).
    public var tauChangeSeconds: Double

    public init(potentiatedOverDepressed: Double = 2, tauChangeSeconds: Double = 100) {
        self.potentiatedOverDepressed = potentiatedOverDepressed
        self.tauChangeSeconds = tauChangeSeconds
    }

    /// w̄(ρ).
    @inlinable public func target(efficacy rho: Double) -> Double { 1 + rho * (potentiatedOverDepressed - 1) }

    /// e^{−t/τ_change}: the part of the distance to w̄ left after `seconds`.
    @inlinable public func remaining(afterSeconds seconds: Double) -> Double { exp(-seconds / tauChangeSeconds) }

    /// w relaxed toward w̄(ρ), `remaining` = e^{−t/τ_change} of the interval.
    @inlinable public func relaxed(_ w: Double, efficacy rho: Double, remaining: Double) -> Double {
        let target = target(efficacy: rho)
        return target + (w - target) * remaining
    }
}
