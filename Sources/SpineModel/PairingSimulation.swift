import GSL

/// Stochastic simulation of a pairing protocol over many independent
/// synapses. Every synapse sees the same calcium trace (the protocol is
/// deterministic), so the trace's gating segments are computed once and each
/// synapse only integrates ρ through them with its own noise.
public struct PairingSimulation {
    public let integrator: EfficacyIntegrator
    public let segments: [GatingSegment]

    public init(parameters: PlasticityParameters, protocol pairing: PairingProtocol, maximumStepMs: Double = 1.0) {
        integrator = EfficacyIntegrator(parameters: parameters, maximumStepMs: maximumStepMs)
        segments = pairing.gatingSegments(parameters)
    }

    /// ρ of one synapse at the end of the protocol, starting from `initialRho`.
    public func finalEfficacy(from initialRho: Double, random: RandomHandle) throws -> Double {
        try integrator.advance(initialRho, through: segments, random: random)
    }

    /// How many of `synapses` synapses starting at `initialRho` end above ρ*.
    public func countEndingUp(synapses: Int, from initialRho: Double, random: RandomHandle) throws -> Int {
        let rhoStar = integrator.parameters.rhoStar
        var count = 0
        for _ in 0..<synapses where try finalEfficacy(from: initialRho, random: random) > rhoStar {
            count += 1
        }
        return count
    }

    /// UP, DOWN and the change of synaptic strength estimated from
    /// `synapsesPerState` synapses starting DOWN (ρ₀ = 0) and as many UP (ρ₀ = 1).
    public func estimate(synapsesPerState n: Int, random: RandomHandle) throws -> SynapticChange {
        let up = Double(try countEndingUp(synapses: n, from: 0, random: random)) / Double(n)
        let down = Double(n - (try countEndingUp(synapses: n, from: 1, random: random))) / Double(n)
        let p = integrator.parameters
        return SynapticChange(up: up, down: down, beta: p.beta, weightRatio: p.weightRatio)
    }
}
