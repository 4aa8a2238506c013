import Foundation
import GSL
import SpineModel

/// `spinesim bench diffusion`: dendrites with spines under Poisson input for
/// minutes of simulated time, with dendritic calcium diffusion, through the
/// whole activity path (spine calcium, shaft grid, gating segments, ρ).
public enum DiffusionBenchmark {
    public struct Result: Sendable {
        public let dendrites: Int
        public let spines: Int
        public let simulatedSeconds: Double
        public let wallSeconds: Double
        /// Mean fraction of time a spine's calcium spends above θ_d.
        public let fractionAboveDepression: Double
        /// Largest calcium any spine received through its neck.
        public let peakExchange: Double
        /// Local dendritic spikes fired (docs/MODEL.md §2b).
        public let dendriticSpikes: Int
    }

    /// Every carrier of docs/MODEL.md §2b–2d on, with its defaults.
    public static var allProcesses: HeterosynapticProcesses {
        var processes = HeterosynapticProcesses()
        processes.dendriticSpikes.enabled = true
        processes.storeRelease.enabled = true
        processes.cooperativity.enabled = true
        return processes
    }

    public static func run(dendrites: Int, lengthUm: Double = 100, densityPerUm: Double = 1.5, rateHz: Double = 2,
                           seconds: Double, diffusion: DiffusionParameters = DiffusionParameters(),
                           processes: HeterosynapticProcesses = HeterosynapticProcesses(),
                           threads: Int, seed: UInt64) throws -> Result {
        let p = PlasticityPreset.dp.parameters
        let seeds = StreamSeeds(runSeed: seed)
        let durationMs = seconds * 1000
        let start = DenseKernel.now()
        let perDendrite = try parallelMap(count: dendrites, threads: threads) { index -> (Int, Double, Double, Int) in
            try RandomStream(seeds: seeds, purpose: StreamPurpose.dendrite, index: index).withHandle { random in
                let count = random.poisson(mean: densityPerUm * lengthUm)
                let positions = (0..<count).map { _ in random.uniform() * lengthUm }
                let volumes = (0..<count).map { _ in exp(-2.8 + 0.87 * random.gaussian()) }
                let spikes = (0..<count).map { _ -> [Double] in
                    var times: [Double] = [], t = random.exponential(mean: 1000 / rateHz)
                    while t < durationMs {
                        times.append(t)
                        t += random.exponential(mean: 1000 / rateHz)
                    }
                    return times
                }
                let integrator = EfficacyIntegrator(parameters: p)
                let initial = (0..<count).map { _ in random.uniform() < 2.0 / 7.0 ? 1.0 : 0.0 }
                // With the cooperativity messenger ρ is integrated inside the window.
                let coupling = processes.cooperativity.enabled ? EfficacyCoupling(integrator: integrator, initial: initial, random: random) : nil
                let window = try CalciumWindow.run(WindowInputs(durationMs: durationMs, presynapticSpikesMs: spikes, backpropagatingMs: []),
                                                   geometry: SpineGeometry(positionsUm: positions, volumesUm3: volumes),
                                                   lengthUm: lengthUm, plasticity: p, diffusion: diffusion, processes: processes,
                                                   efficacy: coupling, recordPeakExchange: true)
                if coupling == nil {
                    for (i, segments) in window.segments.enumerated() { _ = try integrator.advance(initial[i], through: segments, random: random) }
                }
                let above = window.timeAboveDepressionMs.reduce(0, +)
                return (count, above / durationMs, window.peakExchange!.max() ?? 0, window.dendriticSpikes)
            }
        }
        let wall = DenseKernel.now() - start
        let spines = perDendrite.reduce(0) { $0 + $1.0 }
        return Result(dendrites: dendrites, spines: spines, simulatedSeconds: seconds, wallSeconds: wall,
                      fractionAboveDepression: perDendrite.reduce(0) { $0 + $1.1 } / Double(max(spines, 1)),
                      peakExchange: perDendrite.map(\.2).max() ?? 0, dendriticSpikes: perDendrite.reduce(0) { $0 + $1.3 })
    }
}
