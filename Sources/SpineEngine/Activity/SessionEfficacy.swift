import GSL
import SpineModel

/// ρ of a dendrite's spines through one session (docs/MODEL.md §1–2): the
/// spines' calcium through the session's window (`CalciumWindow`), then ρ
/// through each spine's gating segments (`EfficacyIntegrator`); with the
/// cooperativity messenger (§2d), through which ρ acts back on calcium, ρ is
/// integrated inside the window instead. Sizes do not change in a session:
/// they follow ρ afterwards, through the size dynamics of §3.
///
/// The sessions of `spinesim run` and the W2 benchmark both go through this
/// one function.
enum SessionEfficacy {
    static func run(_ inputs: WindowInputs, geometry: SpineGeometry, lengthUm: Double, plasticity: PlasticityParameters,
                    diffusion: DiffusionParameters, processes: HeterosynapticProcesses, initial: [Double],
                    random: RandomHandle) throws -> [Double] {
        let integrator = EfficacyIntegrator(parameters: plasticity)
        let coupling = processes.cooperativity.enabled
            ? EfficacyCoupling(integrator: integrator, initial: initial, random: random) : nil
        let window = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: lengthUm, plasticity: plasticity,
                                           diffusion: diffusion, processes: processes, efficacy: coupling)
        if let final = window.finalEfficacy { return final }
        return try initial.indices.map { try integrator.advance(initial[$0], through: window.segments[$0], random: random) }
    }
}
