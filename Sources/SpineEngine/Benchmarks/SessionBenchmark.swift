import Foundation
import GSL
import SpineModel

/// `spinesim bench session` (W2 of the Brian2 comparison, benchmarks/brian2):
/// one learning session on dendrites with spines, through the function the
/// sessions of `spinesim run` use (`SessionEfficacy`):
/// - spine calcium with neck exchange to the dendrite's calcium diffusion
///   (docs/MODEL.md §1–2, `CalciumWindow`: each spine's own calcium exact, the shaft
///   on the Crank–Nicolson grid or summed from its kernels, threshold crossings exact);
/// - the efficacy ρ (docs/MODEL.md §1, `EfficacyIntegrator`).
/// Sizes do not change during a session (they follow ρ afterwards, §3), so
/// the spines' volumes only shape the neck exchange.
///
/// Inputs (spines, spike trains, bAPs) come from one generator stream per
/// dendrite, the dynamics' noise from another, both derived from the run
/// seed: the same seed gives the same bits for any thread count. The inputs
/// can be exported so that another simulator (Brian2) runs the same session.
public enum SessionBenchmark {

    /// What one benchmark session simulates.
    public struct Setup: Sendable {
        public var dendrites: Int
        public var lengthUm: Double
        /// Spines per µm (the count per dendrite is round(density·length)).
        public var densityPerUm: Double
        /// Probability that a spine starts potentiated (ρ = 1, else 0).
        public var fractionPotentiated: Double
        /// Probability that a spine's axon is task-related.
        public var taskFraction: Double
        public var session: SessionActivity
        public var plasticity: PlasticityParameters
        public var diffusion: DiffusionParameters
        /// The processes of docs/MODEL.md §2b–2d (all off by default, as in W2).
        public var processes: HeterosynapticProcesses
        /// The law of the initial log sizes: the OU's stationary law around m(ρ₀).
        public var size: LogSizeOU

        /// The W2 defaults: DPD (the learning experiment's preset), the learning
        /// regime of Experiments/learning-vs-notask.yaml with `minutes`·10 trials
        /// of 6 s, diffusion and sizes at their docs/MODEL.md defaults.
        public init(dendrites: Int = 20, minutes: Double = 30) {
            self.dendrites = dendrites
            lengthUm = 100
            densityPerUm = 1.5
            fractionPotentiated = 0.2857
            taskFraction = 0.3
            session = SessionActivity(trials: max(1, Int((minutes * 60 / 6).rounded())), trialSeconds: 6)
            plasticity = PlasticityPreset.dpd.parameters
            diffusion = DiffusionParameters()
            processes = HeterosynapticProcesses()
            size = LogSizeOU()
        }

        public var spinesPerDendrite: Int { Int((densityPerUm * lengthUm).rounded()) }
    }

    /// One dendrite's spines and activity (times in ms from the session's start).
    public struct DendriteInputs: Sendable {
        public var positionsUm: [Double]
        public var volumesUm3: [Double]
        public var initialEfficacy: [Double]
        public var taskRelated: [Bool]
        public var presynapticSpikesMs: [[Double]]
        public var backpropagatingMs: [Double]
    }

    /// One spine at the end of the session.
    public struct SpineOutcome: Sendable, Equatable {
        public var initialEfficacy: Double
        public var efficacy: Double
        public var deltaEfficacy: Double { efficacy - initialEfficacy }
    }

    public struct Result: Sendable {
        public var inputs: [DendriteInputs]
        public var outcomes: [[SpineOutcome]]
        /// Wall time of the simulation (inputs drawn and the session run; no files).
        public var wallSeconds: Double
        public var simulatedSeconds: Double
        public var spines: Int { outcomes.reduce(0) { $0 + $1.count } }
    }

    /// Draws dendrite `index`'s spines (uniform positions, ρ₀ ∈ {0, 1}, log
    /// sizes from the OU's stationary law around m(ρ₀)) and its session's activity.
    public static func inputs(_ setup: Setup, dendrite index: Int, seeds: StreamSeeds) -> DendriteInputs {
        RandomStream(seeds: seeds, purpose: StreamPurpose.benchmarkInputs, index: index).withHandle { random in
            let n = setup.spinesPerDendrite
            let positions = (0..<n).map { _ in random.uniform() * setup.lengthUm }.sorted()
            let rho = (0..<n).map { _ in random.uniform() < setup.fractionPotentiated ? 1.0 : 0.0 }
            let volumes = rho.map { exp(setup.size.target(efficacy: $0) + setup.size.effectiveStationarySD * random.gaussian()) }
            let task = (0..<n).map { _ in random.uniform() < setup.taskFraction }
            let timeline = setup.session.timeline(regime: .learning, random: random)
            let spikes = task.map { setup.session.axonSpikes(taskRelated: $0, timeline: timeline, random: random) }
            return DendriteInputs(positionsUm: positions, volumesUm3: volumes, initialEfficacy: rho, taskRelated: task,
                                  presynapticSpikesMs: spikes, backpropagatingMs: timeline.backpropagatingMs)
        }
    }

    /// The session on one dendrite, or on two together, as `spinesim run`
    /// runs it (`SessionEfficacy`).
    static func simulate(_ dendrites: [(inputs: DendriteInputs, random: RandomStream)], setup: Setup) throws -> [[SpineOutcome]] {
        let sessions = dendrites.map { inputs, random in
            SessionEfficacy.Dendrite(inputs: WindowInputs(durationMs: setup.session.durationMs, presynapticSpikesMs: inputs.presynapticSpikesMs,
                                                          backpropagatingMs: inputs.backpropagatingMs),
                                     geometry: SpineGeometry(positionsUm: inputs.positionsUm, volumesUm3: inputs.volumesUm3),
                                     lengthUm: setup.lengthUm, plasticity: setup.plasticity, diffusion: setup.diffusion,
                                     processes: setup.processes, initial: inputs.initialEfficacy, random: random)
        }
        let efficacy = try SessionEfficacy.run(sessions)
        return zip(dendrites, efficacy).map { dendrite, rho in
            zip(dendrite.inputs.initialEfficacy, rho).map { SpineOutcome(initialEfficacy: $0, efficacy: $1) }
        }
    }

    /// The grid one dendrite's session steps through: steps and cells, as
    /// `CalciumWindow` and `DendriticCalcium` set them.
    public static func grid(_ setup: Setup) throws -> (steps: Int, cells: Int) {
        (try ResourceLimits.windowSteps(durationMs: setup.session.durationMs, timeStepMs: setup.diffusion.timeStepMs),
         DendriticCalcium.cellCount(lengthUm: setup.lengthUm, gridSpacingUm: setup.diffusion.gridSpacingUm))
    }

    /// Draws every dendrite's inputs and runs the session on `threads` workers.
    public static func run(_ setup: Setup, threads: Int, seed: UInt64) throws -> Result {
        let seeds = StreamSeeds(runSeed: seed)
        let start = DenseKernel.now()
        let perDendrite = try parallelPairs(count: setup.dendrites, threads: threads) { indices -> [(DendriteInputs, [SpineOutcome])] in
            let dendrites = indices.map { (inputs(setup, dendrite: $0, seeds: seeds),
                                           RandomStream(seeds: seeds, purpose: StreamPurpose.benchmarkDynamics, index: $0)) }
            return Array(zip(dendrites.map(\.0), try simulate(dendrites, setup: setup)))
        }
        return Result(inputs: perDendrite.map(\.0), outcomes: perDendrite.map(\.1),
                      wallSeconds: DenseKernel.now() - start, simulatedSeconds: setup.session.durationMs / 1000)
    }

    /// Writes the session's inputs and SpineSim's outcome into `directory`:
    /// - `session.json`: every parameter the other simulator needs;
    /// - `spines.csv`: `spine,dendrite,position_um,volume_um3,rho0,task_related`;
    /// - `presynaptic_spine.u32` / `presynaptic_ms.f64`: every presynaptic spike
    ///   (global spine index, time), little-endian, in spine then time order;
    /// - `backpropagating_dendrite.u32` / `backpropagating_ms.f64`: every bAP;
    /// - `spinesim.csv`: `spine,dendrite,rho0,rho,delta_rho`.
    public static func export(_ result: Result, setup: Setup, seed: UInt64, threads: Int, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let p = setup.plasticity, d = setup.diffusion
        let parameters: [String: Any] = [
            "seed": seed, "threads": threads, "dendrites": setup.dendrites, "length_um": setup.lengthUm,
            "spines_per_dendrite": setup.spinesPerDendrite, "duration_ms": setup.session.durationMs,
            "wall_s": result.wallSeconds,
            "plasticity": ["tau_ca_ms": p.tauCalciumMs, "c_pre": p.calciumPre, "c_post": p.calciumPost,
                           "theta_d": p.thetaDepression, "theta_p": p.thetaPotentiation, "gamma_d": p.gammaDepression,
                           "gamma_p": p.gammaPotentiation, "sigma": p.sigma, "tau_rho_s": p.tauEfficacySeconds,
                           "delay_ms": p.delayMs, "rho_star": p.rhoStar],
            "diffusion": ["diffusion_um2_per_ms": d.diffusionUm2PerMs, "dendrite_radius_um": d.dendriteRadiusUm,
                          "tau_dendrite_ms": d.tauDendriteMs, "tau_neck_ms": d.tauNeckMs,
                          "grid_spacing_um": d.gridSpacingUm, "time_step_ms": d.timeStepMs],
        ]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: parameters, options: [.prettyPrinted, .sortedKeys]),
                             to: directory.appendingPathComponent("session.json"))
        var spines = "spine,dendrite,position_um,volume_um3,rho0,task_related\n"
        var outcome = "spine,dendrite,rho0,rho,delta_rho\n"
        var preSpine: [UInt32] = [], preTime: [Double] = [], bapDendrite: [UInt32] = [], bapTime: [Double] = []
        var global = 0
        for (dendrite, inputs) in result.inputs.enumerated() {
            for i in 0..<inputs.positionsUm.count {
                spines += "\(global),\(dendrite),\(inputs.positionsUm[i]),\(inputs.volumesUm3[i]),\(inputs.initialEfficacy[i]),\(inputs.taskRelated[i] ? 1 : 0)\n"
                let o = result.outcomes[dendrite][i]
                outcome += "\(global),\(dendrite),\(o.initialEfficacy),\(o.efficacy),\(o.deltaEfficacy)\n"
                for t in inputs.presynapticSpikesMs[i] {
                    preSpine.append(UInt32(global))
                    preTime.append(t)
                }
                global += 1
            }
            for t in inputs.backpropagatingMs {
                bapDendrite.append(UInt32(dendrite))
                bapTime.append(t)
            }
        }
        try AtomicFile.write(Data(spines.utf8), to: directory.appendingPathComponent("spines.csv"))
        try AtomicFile.write(Data(outcome.utf8), to: directory.appendingPathComponent("spinesim.csv"))
        try AtomicFile.write(littleEndian(preSpine), to: directory.appendingPathComponent("presynaptic_spine.u32"))
        try AtomicFile.write(littleEndian(preTime.map(\.bitPattern)), to: directory.appendingPathComponent("presynaptic_ms.f64"))
        try AtomicFile.write(littleEndian(bapDendrite), to: directory.appendingPathComponent("backpropagating_dendrite.u32"))
        try AtomicFile.write(littleEndian(bapTime.map(\.bitPattern)), to: directory.appendingPathComponent("backpropagating_ms.f64"))
    }

    /// Reads the inputs written by `export` back (positions and volumes are
    /// written in Swift's shortest round-trip form, spike times as raw bits,
    /// so they come back exactly).
    public static func importInputs(from directory: URL) throws -> [DendriteInputs] {
        func fail(_ what: String) -> ConfigError {
            ConfigError(location: directory.path, keyPath: "", message: "session export: \(what)")
        }
        let text = try String(contentsOf: directory.appendingPathComponent("spines.csv"), encoding: .utf8)
        var dendrites: [DendriteInputs] = []
        var spineDendrite: [Int] = [], spineSlot: [Int] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count == 6, let d = Int(f[1]), let x = Double(f[2]), let v = Double(f[3]), let rho = Double(f[4]) else {
                throw fail("malformed line in spines.csv: \(line)")
            }
            while dendrites.count <= d {
                dendrites.append(DendriteInputs(positionsUm: [], volumesUm3: [], initialEfficacy: [], taskRelated: [],
                                                presynapticSpikesMs: [], backpropagatingMs: []))
            }
            spineDendrite.append(d)
            spineSlot.append(dendrites[d].positionsUm.count)
            dendrites[d].positionsUm.append(x)
            dendrites[d].volumesUm3.append(v)
            dendrites[d].initialEfficacy.append(rho)
            dendrites[d].taskRelated.append(f[5] == "1")
            dendrites[d].presynapticSpikesMs.append([])
        }
        func words<T: FixedWidthInteger>(_ name: String, as: T.Type) throws -> [T] {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            guard data.count % MemoryLayout<T>.size == 0 else { throw fail("\(name) is not a whole number of values") }
            return data.withUnsafeBytes { raw in
                (0..<(data.count / MemoryLayout<T>.size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
        }
        let preSpine = try words("presynaptic_spine.u32", as: UInt32.self)
        let preTime = try words("presynaptic_ms.f64", as: UInt64.self)
        let bapDendrite = try words("backpropagating_dendrite.u32", as: UInt32.self)
        let bapTime = try words("backpropagating_ms.f64", as: UInt64.self)
        guard preSpine.count == preTime.count, bapDendrite.count == bapTime.count else { throw fail("index and time files differ in length") }
        for (spine, bits) in zip(preSpine, preTime) {
            guard Int(spine) < spineDendrite.count else { throw fail("spike of unknown spine \(spine)") }
            dendrites[spineDendrite[Int(spine)]].presynapticSpikesMs[spineSlot[Int(spine)]].append(Double(bitPattern: bits))
        }
        for (dendrite, bits) in zip(bapDendrite, bapTime) {
            guard Int(dendrite) < dendrites.count else { throw fail("bAP of unknown dendrite \(dendrite)") }
            dendrites[Int(dendrite)].backpropagatingMs.append(Double(bitPattern: bits))
        }
        return dendrites
    }

    /// Runs the session on given inputs (e.g. imported) with the dynamics'
    /// streams of `seed`: the same outcome as `run` with that seed.
    public static func rerun(_ inputs: [DendriteInputs], setup: Setup, threads: Int, seed: UInt64) throws -> [[SpineOutcome]] {
        let seeds = StreamSeeds(runSeed: seed)
        let shared = Partitioned(inputs)
        return try parallelPairs(count: inputs.count, threads: threads) { indices in
            try simulate(indices.map { (shared[$0], RandomStream(seeds: seeds, purpose: StreamPurpose.benchmarkDynamics, index: $0)) }, setup: setup)
        }
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> Data {
        values.map(\.littleEndian).withUnsafeBytes { Data($0) }
    }
}
