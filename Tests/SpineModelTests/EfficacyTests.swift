import Foundation
import GSL
import SpineModel
import Testing

@Suite("Efficacy ρ")
struct EfficacyTests {
    let dp = PlasticityPreset.dp.parameters

    @Test("the exact cubic relaxation equals the GSL stepper, inside and outside [0, 1]")
    func relaxationExactMatchesStepper() throws {
        let exact = EfficacyIntegrator(parameters: dp)
        let stepper = EfficacyIntegrator(parameters: dp, forceODERelaxation: true)
        for rho in [-0.05, 0, 0.01, 0.3, 0.4999, 0.5, 0.5001, 0.8, 1, 1.05] {
            for duration in [1.0, 1e3, 1e5, 1e6] {
                let a = try exact.relax(rho, durationMs: duration)
                let b = try stepper.relax(rho, durationMs: duration)
                #expect(abs(a - b) < 1e-9, "ρ₀ = \(rho), \(duration) ms: \(a) vs \(b)")
            }
        }
        // The fixed points stay put; the unstable one separates the basins.
        #expect(try exact.relax(0.5, durationMs: 1e9) == 0.5)
        #expect(try exact.relax(0.49, durationMs: 1e8) < 1e-6)
        #expect(try exact.relax(0.51, durationMs: 1e8) > 1 - 1e-6)
    }

    @Test("ρ* ≠ ½ relaxes by the GSL stepper toward 0 or 1 on the right side of ρ*")
    func generalRhoStar() throws {
        var p = dp
        p.rhoStar = 0.3
        let integrator = EfficacyIntegrator(parameters: p)
        #expect(try integrator.relax(0.29, durationMs: 1e8) < 1e-6)
        #expect(try integrator.relax(0.31, durationMs: 1e8) > 1 - 1e-6)
    }

    /// Without noise the scheme's only error is freezing the cubic over a
    /// step; Efficacy.swift bounds it by T_above·L·M·h/τ. Checked against
    /// GSL rk8pd on the full drift, segment by segment.
    @Test("without noise a protocol matches GSL rk8pd within the documented bound",
          arguments: [-25.0, 5.0, 40.0])
    func deterministicMatchesODE(deltaTMs: Double) throws {
        var p = dp
        p.sigma = 0
        let pairing = PairingProtocol(pairs: 60, frequencyHz: 1, deltaTMs: deltaTMs)
        let segments = pairing.gatingSegments(p)
        let tau = p.tauEfficacyMs
        let reference: (Double) throws -> Double = { start in
            var rho = start
            for segment in segments {
                let hp = segment.gating.potentiation, hd = segment.gating.depression
                let solver = ODESolver(dimension: 1, stepper: .rk8pd, initialStep: 1e-3,
                                       absoluteTolerance: 1e-14, relativeTolerance: 1e-14) { _, y, dydt in
                    let r = y[0]
                    dydt[0] = (-r * (1 - r) * (p.rhoStar - r) + p.gammaPotentiation * (1 - r) * hp - p.gammaDepression * r * hd) / tau
                }
                rho = try solver.solve([rho], from: 0, to: segment.durationMs)[0]
            }
            return rho
        }
        let timeAbove = segments.filter { $0.gating != .none }.reduce(0) { $0 + $1.durationMs }
        let lipschitz = 0.5                                            // max |f'| on [0, 1] for ρ* = ½
        let maxDrift = (p.gammaPotentiation + p.gammaDepression) / tau // per ms
        for step in [1.0, 0.1] {
            let bound = timeAbove * lipschitz * maxDrift * step / tau
            let simulation = PairingSimulation(parameters: p, protocol: pairing, maximumStepMs: step)
            for start in [0.0, 0.3, 1.0] {
                let simulated = try RandomStream(seed: 1).withHandle { try simulation.finalEfficacy(from: start, random: $0) }
                let exact = try reference(start)
                #expect(abs(simulated - exact) <= bound, "h = \(step), ρ₀ = \(start): error \(abs(simulated - exact)), bound \(bound)")
            }
        }
    }

    @Test("a numerical blow-up stops with a message instead of a result")
    func blowUpIsAnError() {
        var p = dp
        p.sigma = 500
        p.tauEfficacySeconds = 0.01       // the frozen cubic over a 1 ms step is then unstable
        let simulation = PairingSimulation(parameters: p, protocol: PairingProtocol(pairs: 5, frequencyHz: 1, deltaTMs: 5))
        #expect(throws: EfficacyBlowUp.self) {
            try RandomStream(seed: 3).withHandle { try simulation.finalEfficacy(from: 0, random: $0) }
        }
    }

    @Test("all nine presets are selectable by their published names")
    func presets() {
        #expect(PlasticityPreset.names == ["DP", "DPD", "DPD'", "P", "D", "D'", "cortical-slices",
                                           "hippocampal-slices", "hippocampal-cultures"])
        for preset in PlasticityPreset.allCases {
            let p = preset.parameters
            #expect(p.thetaDepression == 1 && p.rhoStar == 0.5)
        }
        #expect(PlasticityPreset(rawValue: "hippocampal-slices")?.parameters.beta == 0.7)
        #expect(PlasticityPreset(rawValue: "DP")?.parameters.gammaPotentiation == 321.808)
    }

    @Test("the change of synaptic strength follows its definition")
    func synapticChange() {
        // Nothing moves: no change.
        #expect(SynapticChange(up: 0, down: 0, beta: 0.5, weightRatio: 5).change == 1)
        // Every DOWN synapse goes UP, none comes down: mean weight (0.5·5 + 0.5·5)/(0.5 + 0.5·5).
        #expect(abs(SynapticChange(up: 1, down: 0, beta: 0.5, weightRatio: 5).change - 5.0 / 3.0) < 1e-15)
        // Every UP synapse goes DOWN: (0.5·1 + 0.5·1)/3.
        #expect(abs(SynapticChange(up: 0, down: 1, beta: 0.5, weightRatio: 5).change - 1.0 / 3.0) < 1e-15)
    }
}
