import Foundation
import GSL
import SpineModel

/// The `heterosynaptic-shrinkage` experiment (docs/MODEL.md §2c; the
/// protocol of Oh, Parajuli & Zito 2015): n spines 0.7 µm apart receive
/// glutamate-uncaging-like pulses without postsynaptic spikes; unstimulated
/// neighbours sit at chosen distances beyond the stimulated group. Each
/// condition (n, store release on or off) is one calcium window on the
/// dendrite, computed once; the repetitions then differ only in the
/// efficacy noise. Stimulated spines start depressed (ρ = 0), neighbours
/// half depressed and half potentiated. After the protocol ρ relaxes and the
/// expressed efficacy e follows it (de/dt = (ρ − e)/τ_e, docs/MODEL.md §3),
/// so the mean log-volume moves by Δm·(e(T) − e(0)); the relative volume
/// change e^{Δm Δe} − 1 is read at T = 40 min (Oh's readout) and once
/// expression is complete.
public struct ShrinkageExperiment: ExperimentBody {
    public var plasticity: PlasticityConfig
    public var diffusion: DiffusionParameters
    public var processes: HeterosynapticProcesses
    public var dendriteLengthUm: Double
    public var spineVolumeUm3: Double
    public var spacingUm: Double
    public var pulses: Int
    public var frequencyHz: Double
    /// The uncaging calcium jump in units of C_pre.
    public var calciumOverPre: Double
    public var stimulatedCounts: [Int]
    public var neighbourDistancesUm: [Double]
    public var repetitions: Int
    public var correlationRepetitions: Int
    public var readoutMinutes: Double
    public var expressedReadoutHours: Double
    public var expressionHours: Double
    public var potentiationLogShift: Double

    /// Where the first stimulated spine sits (µm from the dendrite's start).
    static let firstSpineUm = 15.0
    /// The distance bins of Oh 2015's analysis (µm, from the nearest stimulated spine).
    static let bins: [(label: String, upper: Double)] = [("0-2", 2), ("2-3.4", 3.4), ("3.4-4", 4), ("4-10", 10)]
    static let correlationRadiusUm = 4.0

    struct Condition: Sendable {
        var stimulated: Int
        var storeRelease: Bool
    }

    /// Per spine: ρ at the protocol's end for each repetition, and the readouts.
    /// What a condition leaves (one value, to travel between MPI ranks).
    struct ConditionOutcome: Codable {
        var window: CalciumWindow.Result
        var spines: [SpineResult]
    }

    struct SpineResult: Sendable, Codable {
        var distanceUm: Double            // 0 for stimulated spines
        var startRho: [Double]
        var endRho: [Double]
        var volumeChange: [Double]        // at the readout
        var expressedVolumeChange: [Double]
    }

    /// Positions and inputs of a condition: stimulated spines, then the neighbours.
    func window(stimulated n: Int) -> (WindowInputs, SpineGeometry, [Double]) {
        let first = ShrinkageExperiment.firstSpineUm
        let group = (0..<n).map { first + Double($0) * spacingUm }
        let positions = group + neighbourDistancesUm.map { group.last! + $0 }
        let period = 1000 / frequencyHz
        let train = (0..<pulses).map { 10 + Double($0) * period }
        let spikes = positions.indices.map { $0 < n ? train : [] }
        var inputs = WindowInputs(durationMs: train.last! + 2000, presynapticSpikesMs: spikes, backpropagatingMs: [])
        inputs.presynapticScale = Array(repeating: calciumOverPre, count: positions.count)
        let geometry = SpineGeometry(positionsUm: positions, volumesUm3: Array(repeating: spineVolumeUm3, count: positions.count))
        return (inputs, geometry, Array(repeating: 0, count: n) + neighbourDistancesUm)
    }

    func calcium(_ condition: Condition) throws -> (CalciumWindow.Result, [Double]) {
        let (inputs, geometry, distances) = window(stimulated: condition.stimulated)
        var processes = self.processes
        processes.storeRelease.enabled = condition.storeRelease
        return (try CalciumWindow.run(inputs, geometry: geometry, lengthUm: dendriteLengthUm, plasticity: plasticity.parameters,
                                      diffusion: diffusion, processes: processes, recordPeakExchange: true, recordPeakMessenger: true), distances)
    }

    /// The expressed efficacy after the protocol: ρ relaxes (no calcium
    /// above threshold), e follows it exactly for ρ constant over 1-minute
    /// pieces (ρ at the piece's middle). Returns e at each readout time.
    func expressed(startRho: Double, endRho: Double, integrator: EfficacyIntegrator, readoutsMinutes: [Double]) throws -> [Double] {
        let tauE = expressionHours * 60
        var e = startRho, rho = endRho, clock = 0.0
        var values: [Double] = []
        for readout in readoutsMinutes {
            while clock < readout {
                let piece = min(1, readout - clock)
                let middle = try integrator.relax(rho, durationMs: piece * 30_000)
                rho = try integrator.relax(middle, durationMs: piece * 30_000)
                e = middle + (e - middle) * exp(-piece / tauE)
                clock += piece
            }
            values.append(e)
        }
        return values
    }

    func simulate(_ condition: Condition, index: Int, seeds: StreamSeeds, generator: GeneratorType) throws -> (CalciumWindow.Result, [SpineResult]) {
        let (window, distances) = try calcium(condition)
        let p = plasticity.parameters
        let integrator = EfficacyIntegrator(parameters: p)
        let readouts = [readoutMinutes, expressedReadoutHours * 60]
        let results = try distances.indices.map { spine -> SpineResult in
            var result = SpineResult(distanceUm: distances[spine], startRho: [], endRho: [], volumeChange: [], expressedVolumeChange: [])
            let stream = RandomStream(type: generator, seeds: seeds, purpose: StreamPurpose.heterosynaptic, index: index * 256 + spine)
            try stream.withHandle { random in
                for repetition in 0..<repetitions {
                    let start: Double = distances[spine] == 0 || repetition < repetitions / 2 ? 0 : 1
                    let end = try integrator.advance(start, through: window.segments[spine], random: random)
                    let e = try expressed(startRho: start, endRho: end, integrator: integrator, readoutsMinutes: readouts)
                    result.startRho.append(start)
                    result.endRho.append(end)
                    result.volumeChange.append(exp(potentiationLogShift * (e[0] - start)) - 1)
                    result.expressedVolumeChange.append(exp(potentiationLogShift * (e[1] - start)) - 1)
                }
            }
            return result
        }
        return (window, results)
    }

    /// Repetitions with n drawn from 1–7 (store release on): potentiated
    /// stimulated spines and the mean volume change of neighbours within 4 µm.
    func correlationSample(windows: [Int: CalciumWindow.Result], seeds: StreamSeeds, generator: GeneratorType,
                           threads: Int) throws -> [(potentiated: Double, neighbourChange: Double)] {
        let p = plasticity.parameters
        return try Cluster.world.map(count: correlationRepetitions, threads: threads) { repetition in
            let integrator = EfficacyIntegrator(parameters: p)
            let stream = RandomStream(type: generator, seeds: seeds, purpose: StreamPurpose.heterosynaptic, index: 60_000 + repetition)
            return try stream.withHandle { random in
                let n = 1 + Int(random.uniform() * 7)
                let window = windows[n]!
                var potentiated = 0.0, change = 0.0, neighbours = 0.0
                for spine in 0..<(n + neighbourDistancesUm.count) {
                    let isNeighbour = spine >= n
                    guard !isNeighbour || neighbourDistancesUm[spine - n] < ShrinkageExperiment.correlationRadiusUm else { continue }
                    let start: Double = isNeighbour && random.uniform() < 0.5 ? 1 : 0
                    let end = try integrator.advance(start, through: window.segments[spine], random: random)
                    if !isNeighbour {
                        if end > p.rhoStar { potentiated += 1 }
                        continue
                    }
                    let e = try expressed(startRho: start, endRho: end, integrator: integrator, readoutsMinutes: [readoutMinutes])
                    change += exp(potentiationLogShift * (e[0] - start)) - 1
                    neighbours += 1
                }
                return [potentiated, change / neighbours]
            }
        }.map { ($0[0], $0[1]) }
    }

    public func work() -> ResourceLimits.Work? {
        let durationMs = 10 + Double(pulses - 1) * 1000 / frequencyHz + 2000
        let missing = correlationRepetitions >= 3 ? (1...7).filter { !stimulatedCounts.contains($0) } : []
        var windows = (stimulatedCounts + missing).flatMap { n in
            [true, false].map { storeRelease in
                var processes = self.processes
                processes.storeRelease.enabled = storeRelease
                return ResourceLimits.Window(durationMs: durationMs, spines: Double(n + neighbourDistancesUm.count), diffusion: diffusion,
                                             stepped: processes.anyEnabled, count: 1, events: Double(pulses),
                                             repetitions: stimulatedCounts.contains(n) ? Double(repetitions) : 0)
            }
        }
        // The correlation sample: one draw of at most 7 + neighbours spines per repetition.
        windows.append(ResourceLimits.Window(durationMs: 0, spines: Double(7 + neighbourDistancesUm.count), diffusion: diffusion, stepped: false,
                                             count: 1, events: Double(pulses), repetitions: Double(correlationRepetitions)))
        return ResourceLimits.work(of: windows, lengthUm: dendriteLengthUm,
                                   keys: .init(window: "stimulation.frequency_hz", windows: "stimulated_counts", repetitions: "repetitions"))
    }

    public func run(_ context: RunContext) throws -> [String] {
        let conditions = stimulatedCounts.flatMap { n in [true, false].map { Condition(stimulated: n, storeRelease: $0) } }
        // The correlation needs the messenger-on window of every n from 1 to
        // 7; those of the conditions are reused, the others computed here.
        let missing = correlationRepetitions >= 3 ? (1...7).filter { !stimulatedCounts.contains($0) } : []
        let (simulated, progress) = try context.mapConditions(conditions.count, label: "heterosynaptic-shrinkage", extra: missing.count) { index in
            let (window, spines) = try simulate(conditions[index], index: index, seeds: context.seeds, generator: context.generator)
            return ConditionOutcome(window: window, spines: spines)
        }
        let outcomes = simulated.map { ($0.window, $0.spines) }
        var sample: [(potentiated: Double, neighbourChange: Double)] = []
        if correlationRepetitions >= 3 {
            var windows: [Int: CalciumWindow.Result] = [:]
            for (condition, outcome) in zip(conditions, outcomes) where condition.storeRelease { windows[condition.stimulated] = outcome.0 }
            for n in missing {
                windows[n] = try calcium(Condition(stimulated: n, storeRelease: true)).0
                progress.advance()
            }
            sample = try correlationSample(windows: windows, seeds: context.seeds, generator: context.generator, threads: context.threads)
        }
        progress.finish()
        return try write(conditions: conditions, outcomes: outcomes, correlation: sample, into: context.directory)
    }
}
