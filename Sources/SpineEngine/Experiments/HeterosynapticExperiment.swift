import Foundation
import GSL
import SpineModel

/// The `heterosynaptic` experiment (docs/MODEL.md §2): a cluster of adjacent
/// spines receives an LTP pairing protocol; calcium leaks through the necks,
/// diffuses along the dendrite and enters unstimulated neighbours ("probes")
/// at chosen distances. Reported: the neighbours' change of efficacy and size
/// versus distance and cluster size, versus the timing of a weak input of
/// their own, and versus D.
///
/// The calcium trace of a protocol is deterministic (ρ does not feed back on
/// calcium), so each condition's calcium is computed once on the dendrite
/// grid and cut into each spine's gating segments; the repetitions (with
/// independent generator streams) then differ only in the efficacy noise.
/// Every condition is run three times on the same dendrite: stimulated; a
/// control with the cluster present but unstimulated (so the neighbours'
/// own inputs, bAPs and neck drain are the same and the difference is the
/// cluster's doing); and the cluster's input alone, whose neck-borne calcium
/// at the neighbours is, by linearity, exactly the cluster's contribution.
public struct HeterosynapticExperiment: ExperimentBody {
    public var plasticity: PlasticityConfig
    public var diffusion: DiffusionParameters
    public var size: LogSizeOU
    public var dendriteLengthUm: Double
    public var spineVolumeUm3: Double
    public var clusterSpacingUm: Double
    public var pairing: PairingProtocol
    public var backpropagationToAllSpines: Bool
    public var neighbourDistancesUm: [Double]
    /// Per spine and condition; half start at ρ = 0, half at ρ = 1.
    public var repetitions: Int
    public var volumeReadoutDays: Double
    public var clusterSizes: [Int]
    public var timingClusterSize: Int
    public var timingDelaysMs: [Double]
    public var timingDistancesUm: [Double]
    public var diffusionClusterSize: Int
    public var diffusionValues: [Double]
    public var diffusionDistancesUm: [Double]
    /// §2b–2c (docs/MODEL.md): store release acts in every condition; with
    /// dendritic spikes on, the timing and D sweeps run once more with
    /// spikes (the neighbours' own input at delay 0 in the D sweep).
    public var processes: HeterosynapticProcesses

    /// Where the cluster's first spine sits (µm from the dendrite's start).
    static let clusterStartUm = 10.0

    // MARK: conditions

    enum Kind: String { case distance, timing, diffusion, timingSpikes = "timing-spikes", diffusionSpikes = "diffusion-spikes" }

    /// Stimulated; cluster present but unstimulated; the cluster's input alone.
    enum Role: String { case stimulated, control, clusterOnly = "cluster-only" }

    struct Condition {
        var kind: Kind
        var role: Role
        var clusterSize: Int
        var distancesUm: [Double]
        var delayMs: Double?
        var diffusion: DiffusionParameters
        var processes: HeterosynapticProcesses

        /// The same dendrite and inputs in another role.
        func with(_ role: Role) -> Condition {
            var copy = self
            copy.role = role
            return copy
        }

        func matches(_ other: Condition) -> Bool {
            kind == other.kind && clusterSize == other.clusterSize && delayMs == other.delayMs
                && diffusion == other.diffusion && distancesUm == other.distancesUm
        }
    }

    var conditions: [Condition] {
        var stimulated: [Condition] = []
        var withoutSpikes = processes, withSpikes = processes
        withoutSpikes.dendriticSpikes.enabled = false
        withSpikes.dendriticSpikes.enabled = true
        for n in clusterSizes {
            stimulated.append(Condition(kind: .distance, role: .stimulated, clusterSize: n, distancesUm: neighbourDistancesUm,
                                        delayMs: nil, diffusion: diffusion, processes: withoutSpikes))
        }
        let spikeSweeps: [(Kind, Kind, HeterosynapticProcesses)] = processes.dendriticSpikes.enabled
            ? [(.timing, .diffusion, withoutSpikes), (.timingSpikes, .diffusionSpikes, withSpikes)]
            : [(.timing, .diffusion, withoutSpikes)]
        for (timing, diffusionKind, carriers) in spikeSweeps {
            for delay in timingDelaysMs {
                stimulated.append(Condition(kind: timing, role: .stimulated, clusterSize: timingClusterSize, distancesUm: timingDistancesUm,
                                            delayMs: delay, diffusion: diffusion, processes: carriers))
            }
            for d in diffusionValues {
                var parameters = diffusion
                parameters.diffusionUm2PerMs = d
                stimulated.append(Condition(kind: diffusionKind, role: .stimulated, clusterSize: diffusionClusterSize,
                                            distancesUm: diffusionDistancesUm, delayMs: diffusionKind == .diffusionSpikes ? 0 : nil,
                                            diffusion: parameters, processes: carriers))
            }
        }
        return stimulated.flatMap { [$0, $0.with(.control), $0.with(.clusterOnly)] }
    }

    /// One spine's result over its repetitions.
    struct SpineOutcome: Sendable, Codable {
        var distanceUm: Double      // 0 for the stimulated spines
        var deltaRhoMean = 0.0
        var deltaRhoSEM = 0.0
        var fractionPotentiated = 0.0
        var fractionDepressed = 0.0
        var deltaVolumeRelativeMean = 0.0
        var timeAboveDepressionMs = 0.0
        var timeAbovePotentiationMs = 0.0
        var peakNeckCalcium = 0.0
    }

    /// Positions and inputs of a condition: cluster spines, then one probe per distance.
    func window(_ condition: Condition) -> (WindowInputs, SpineGeometry, [Double]) {
        let p = plasticity.parameters
        let n = condition.clusterSize
        let cluster = (0..<n).map { HeterosynapticExperiment.clusterStartUm + Double($0) * clusterSpacingUm }
        let lastCluster = cluster.last!
        let positions = cluster + condition.distancesUm.map { lastCluster + $0 }
        let period = 1000 / pairing.frequencyHz
        let lead = 10 + max(0, -pairing.deltaTMs, -(condition.delayMs ?? 0))
        let pre = (0..<pairing.pairs).map { lead + Double($0) * period }
        let spikes = positions.indices.map { i -> [Double] in
            if i < n { return condition.role == .control ? [] : pre }
            if let delay = condition.delayMs, condition.role != .clusterOnly { return pre.map { $0 + delay } }
            return []
        }
        let lastInput = pre.last! + max(0, pairing.deltaTMs, condition.delayMs ?? 0) + p.delayMs
        let inputs = WindowInputs(durationMs: lastInput + 1000, presynapticSpikesMs: spikes,
                                  backpropagatingMs: pre.map { $0 + pairing.deltaTMs },
                                  reachedByBackpropagation: positions.indices.map {
                                      $0 < n ? condition.role != .control || backpropagationToAllSpines
                                             : condition.role != .clusterOnly && backpropagationToAllSpines
                                  })
        let geometry = SpineGeometry(positionsUm: positions, volumesUm3: Array(repeating: spineVolumeUm3, count: positions.count))
        return (inputs, geometry, Array(repeating: 0, count: n) + condition.distancesUm)
    }

    /// Calcium once, then the efficacy repetitions of every spine.
    func simulate(_ condition: Condition, index: Int, seeds: StreamSeeds, generator: GeneratorType) throws -> [SpineOutcome] {
        let p = plasticity.parameters
        let (inputs, geometry, distances) = window(condition)
        let calcium = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: dendriteLengthUm, plasticity: p, diffusion: condition.diffusion,
                                            processes: condition.processes, recordPeakExchange: true)
        let integrator = EfficacyIntegrator(parameters: p)
        let sizeChange = 1 - exp(-volumeReadoutDays / size.relaxationDays)
        return try geometry.positionsUm.indices.map { spine in
            let segments = calcium.segments[spine]
            var outcome = SpineOutcome(distanceUm: distances[spine])
            outcome.peakNeckCalcium = calcium.peakExchange![spine]
            outcome.timeAboveDepressionMs = calcium.timeAboveDepressionMs[spine]
            outcome.timeAbovePotentiationMs = calcium.timeAbovePotentiationMs[spine]
            guard condition.role != .clusterOnly else { return outcome }
            let stream = RandomStream(type: generator, seeds: seeds, purpose: StreamPurpose.heterosynaptic,
                                      index: index * 256 + spine)
            var sum = 0.0, sumSquares = 0.0, volume = 0.0, potentiated = 0, depressed = 0
            try stream.withHandle { random in
                for repetition in 0..<repetitions {
                    let start: Double = repetition < repetitions / 2 ? 0 : 1
                    let end = try integrator.advance(start, through: segments, random: random)
                    let delta = end - start
                    sum += delta
                    sumSquares += delta * delta
                    let finalState: Double = end > p.rhoStar ? 1 : 0
                    if start == 0 && finalState == 1 { potentiated += 1 }
                    if start == 1 && finalState == 0 { depressed += 1 }
                    volume += exp(size.potentiationLogShift * (finalState - start) * sizeChange) - 1
                }
            }
            let r = Double(repetitions)
            outcome.deltaRhoMean = sum / r
            outcome.deltaRhoSEM = ((sumSquares - sum * sum / r) / (r - 1) / r).squareRoot()
            outcome.fractionPotentiated = Double(potentiated) / (r / 2)
            outcome.fractionDepressed = Double(depressed) / (r / 2)
            outcome.deltaVolumeRelativeMean = volume / r
            return outcome
        }
    }

    public func run(_ context: RunContext) throws -> [String] {
        let conditions = self.conditions
        let (outcomes, progress) = try context.mapConditions(conditions.count, label: "heterosynaptic") { index in
            try simulate(conditions[index], index: index, seeds: context.seeds, generator: context.generator)
        }
        progress.finish()
        return try write(conditions: conditions, outcomes: outcomes, into: context.directory)
    }
}
