import Foundation

/// Everything the day-scale dynamics of a spine population need, as plain
/// values (no class look-ups in the kernels): efficacy relaxation (§1), the
/// size dynamics and functional weight (§3), turnover and spinogenesis (§4)
/// of docs/MODEL.md.
public struct PopulationModel: Sendable {
    /// The intrinsic size dynamics (docs/MODEL.md §3).
    public enum SizeForm: String, Sendable, CaseIterable { case ou, kesten }

    public var plasticity: PlasticityParameters
    public var sizeForm: SizeForm
    public var size: LogSizeOU
    public var kesten: KestenProcess
    public var weight: FunctionalWeight
    public var turnover: TurnoverRules
    public var newSpines: NewSpineRules

    public init(plasticity: PlasticityParameters, sizeForm: SizeForm, size: LogSizeOU, kesten: KestenProcess,
                weight: FunctionalWeight, turnover: TurnoverRules, newSpines: NewSpineRules = NewSpineRules()) {
        self.plasticity = plasticity
        self.sizeForm = sizeForm
        self.size = size
        self.kesten = kesten
        self.weight = weight
        self.turnover = turnover
        self.newSpines = newSpines
    }

    /// The Kesten process of a spine whose structure expresses efficacy e:
    /// the extrinsic coupling scales μ_η, hence the stationary mean, by
    /// e^{Δm·e} (docs/MODEL.md §3).
    public func kesten(efficacy e: Double) -> KestenProcess {
        var process = kesten
        process.muEta *= exp(size.potentiationLogShift * e)
        return process
    }
}
