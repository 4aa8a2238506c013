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
/// one type.
enum SessionEfficacy {
    /// One dendrite's session: its window, ρ at the start, and the generator
    /// stream ρ's integration draws from.
    struct Dendrite {
        var inputs: WindowInputs
        var geometry: SpineGeometry
        var lengthUm: Double
        var plasticity: PlasticityParameters
        var diffusion: DiffusionParameters
        var processes: HeterosynapticProcesses
        var initial: [Double]
        var random: RandomStream
    }

    /// ρ at the session's end of one dendrite, or of two with their windows
    /// computed together (`CalciumWindow.run(_:together:)`; the same bits as
    /// one at a time).
    static func run(_ dendrites: [Dendrite]) throws -> [[Double]] {
        guard dendrites.count == 2 else {
            return try dendrites.map { dendrite in
                try dendrite.random.withHandle { random in
                    let (request, integrator) = window(dendrite, random: random)
                    return try efficacy(dendrite, window: CalciumWindow.run(request), integrator: integrator, random: random)
                }
            }
        }
        let (first, second) = (dendrites[0], dendrites[1])
        return try first.random.withHandle { firstRandom in
            try second.random.withHandle { secondRandom in
                let (a, aIntegrator) = window(first, random: firstRandom), (b, bIntegrator) = window(second, random: secondRandom)
                let (aWindow, bWindow) = try CalciumWindow.run(a, together: b)
                return [try efficacy(first, window: aWindow, integrator: aIntegrator, random: firstRandom),
                        try efficacy(second, window: bWindow, integrator: bIntegrator, random: secondRandom)]
            }
        }
    }

    private static func window(_ d: Dendrite, random: RandomHandle) -> (CalciumWindow.Request, EfficacyIntegrator) {
        let integrator = EfficacyIntegrator(parameters: d.plasticity)
        let coupling = d.processes.cooperativity.enabled ? EfficacyCoupling(integrator: integrator, initial: d.initial, random: random) : nil
        return (CalciumWindow.Request(d.inputs, geometry: d.geometry, lengthUm: d.lengthUm, plasticity: d.plasticity,
                                      diffusion: d.diffusion, processes: d.processes, efficacy: coupling), integrator)
    }

    private static func efficacy(_ d: Dendrite, window: CalciumWindow.Result, integrator: EfficacyIntegrator,
                                 random: RandomHandle) throws -> [Double] {
        if let final = window.finalEfficacy { return final }
        return try d.initial.indices.map { try integrator.advance(d.initial[$0], through: window.segments[$0], random: random) }
    }
}
