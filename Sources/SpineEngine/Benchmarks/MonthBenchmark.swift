import Foundation
import GSL
import SpineModel

/// `spinesim bench month`: a month of learning through the production
/// timeline (`spinesim run`'s code path): every day one session of the
/// learning regime (60 trials of 6 s, the settings of
/// Experiments/memory-stability.yaml), then the home cage (sizes, turnover,
/// spinogenesis, probation) until the next, on dendrites of 100 µm at
/// 1.5 spines/µm, into a temporary directory.
///
/// Besides wall time and memory it counts the events the sessions processed
/// (`WindowEvents`: calcium jumps and gating segments through which ρ was
/// advanced) and measures the cheapest exact per-event update — an isolated
/// spine, its calcium in closed form and ρ through the resulting segments
/// (`floorCostPerJump`) — so that the measured time can be set against
/// events × that cost (the floor).
public enum MonthBenchmark {
    /// Which processes of docs/MODEL.md §2 the sessions run.
    public enum Processes: String, CaseIterable, Sendable {
        /// §2a–2d: neck exchange with dendritic diffusion, local dendritic
        /// spikes, the store-release and the cooperativity messengers.
        case all
        /// §2a only (the shipped experiments' setting).
        case diffusion
        /// None: isolated spines, calcium in closed form.
        case none
    }

    public struct Result: Sendable {
        public let spines: Int
        public let dendrites: Int
        public let days: Int
        public let threads: Int
        public let wallSeconds: Double
        /// Growth of the peak resident set size during the run, per initial spine.
        public let bytesPerSpine: Double
        public let events: WindowEvents.Counts
        /// Seconds per calcium jump of the cheapest exact update (one thread).
        public let floorCostPerJump: Double
        /// Measured wall time over (jumps × floor cost ÷ threads).
        public var floorRatio: Double { wallSeconds / (Double(events.jumps) * floorCostPerJump / Double(threads)) }
    }

    /// The experiment file of the benchmark.
    static func document(dendrites: Int, days: Int, processes: Processes, seed: UInt64) -> String {
        let heterosynaptic = processes == .all
            ? "heterosynaptic: {dendritic_spikes: {enabled: true}, store_release: {enabled: true}, cooperativity: {enabled: true}}"
            : ""
        return """
            experiment: memory
            seed: \(seed)
            dendrites: {count: \(dendrites), length_um: 100}
            plasticity: {preset: DPD}
            diffusion: {enabled: \(processes != .none)}
            \(heterosynaptic)
            initial_population: {density_per_um: 1.5, fraction_potentiated: 0.2857, sizes: equilibrium}
            turnover: {v_min_um3: 0.02, spinogenesis: {rate_per_um_per_day: auto, new_volume_um3: 0.03}}
            session: {trials: 60, trial_s: 6, movement_s: 1.5, ensemble_event_hz: 10, participation: 0.5, bap_per_event: 0.8, bap_delay_ms: 5}
            activity_guided: {g1_per_um_per_day: 0.025, length_um: 5, enlargement_threshold: 1.25, task_fraction: 0.3, probation_days: 4}
            schedule:
              - session: {regime: learning, task: A, days: \(days)}
            recording: {every_days: \(days)}
            """
    }

    public static func run(spines: Int, days: Int, processes: Processes, threads: Int, seed: UInt64) throws -> Result {
        let dendrites = max(1, Int((Double(spines) / 150).rounded()))
        let experiment = try Experiment.parse(document(dendrites: dendrites, days: days, processes: processes, seed: seed),
                                              fileName: "bench-month")
        let body = experiment.body as! MemoryExperiment
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spinesim-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let context = RunContext(directory: try RunDirectory(path: folder.path, force: false), seeds: StreamSeeds(runSeed: seed),
                                 generator: experiment.generator, threads: threads, quiet: true)
        let floor = try floorCostPerJump(seed: seed)
        WindowEvents.shared.reset()
        let residentBefore = PopulationBenchmark.peakResidentBytes()
        let start = DenseKernel.now()
        _ = try body.run(context)
        let wall = DenseKernel.now() - start
        let count = 150 * dendrites
        return Result(spines: count, dendrites: dendrites, days: days, threads: threads, wallSeconds: wall,
                      bytesPerSpine: Double(PopulationBenchmark.peakResidentBytes() - residentBefore) / Double(count),
                      events: WindowEvents.shared.counts, floorCostPerJump: floor)
    }

    /// The cost of the cheapest exact per-event update, per jump: one spine
    /// under Poisson jumps at 3 Hz (C_post each) for 10 simulated minutes,
    /// DPD, its calcium in closed form (`CalciumDynamics.segments`) and ρ
    /// advanced through the segments (`EfficacyIntegrator`), best of 3.
    static func floorCostPerJump(seed: UInt64) throws -> Double {
        let p = PlasticityPreset.dpd.parameters
        let calcium = CalciumDynamics(p), integrator = EfficacyIntegrator(parameters: p)
        let durationMs = 600_000.0, rateHz = 3.0
        return try RandomStream(seeds: StreamSeeds(runSeed: seed), purpose: StreamPurpose.benchmarkInputs, index: 0).withHandle { random in
            var jumps: [(timeMs: Double, amplitude: Double)] = []
            var t = random.exponential(mean: 1000 / rateHz)
            while t < durationMs {
                jumps.append((t, p.calciumPost))
                t += random.exponential(mean: 1000 / rateHz)
            }
            var best = Double.infinity, rho = 0.0
            for _ in 0..<3 {
                let start = DenseKernel.now()
                let segments = calcium.segments(jumps: jumps, from: 0, to: durationMs)
                rho = try integrator.advance(rho, through: segments, random: random)
                best = min(best, DenseKernel.now() - start)
            }
            precondition(rho.isFinite)
            return best / Double(max(jumps.count, 1))
        }
    }
}
