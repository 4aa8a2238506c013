import Foundation
import GSL
import SpineModel

/// A pairing sweep with the `chindemi-2022` preset (docs/MODEL.md §1, "The
/// Chindemi 2022 variant"): at every grid point, `synapsesPerPoint`
/// synapses (half starting DOWN, half UP), each with its own vesicle
/// releases, through `bursts` bursts of pairs and a 40-minute follow-up.
/// There is no closed form for this variant; the CSV gives instead the
/// change expressed in the weight at the end of the follow-up and the cost
/// of the ρ integration.
extension PairingSweep {
    /// The follow-up after the protocol (s): the 40 minutes over which
    /// Chindemi et al. 2022 monitored the EPSP after induction.
    static let chindemiFollowUpSeconds = 2400.0

    /// Reads `bursts` and `burst_interval_s` from the `pairing:` section (only
    /// the `chindemi-2022` preset takes them).
    static func readBursts(_ pairing: ConfigMapping, plasticity: PlasticityConfig, pairs: Int,
                           frequencies: [Double]) throws -> (Int, Double) {
        guard plasticity.chindemi != nil else {
            for key in [Keys.bursts.key, Keys.burstInterval.key] {
                if let node = pairing.peek(key) {
                    throw pairing.error(key, node, "applies only to preset \"\(PlasticityConfig.chindemiPreset)\"; allowed: remove the key")
                }
            }
            return (1, 0)
        }
        let bursts = try pairing.integer(Keys.bursts)
        let interval = try pairing.number(Keys.burstInterval)
        if bursts > 1 {
            let longest = Double(pairs) * 1000 / frequencies.min()!
            guard interval * 1000 > longest else {
                throw pairing.error("burst_interval_s", pairing.peek("burst_interval_s"),
                                    "value \(ConfigMapping.format(interval)) s does not leave room for a burst of \(pairs) pairs (\(ConfigMapping.format(longest)) ms at the lowest frequency); allowed: a longer interval")
            }
        }
        return (bursts, interval)
    }

    struct ChindemiPoint: Sendable, Codable {
        let frequencyHz: Double
        let deltaTMs: Double
        let estimate: ChindemiEstimate
        let stepperCalls: Int
        let evaluations: Int
    }

    func simulateChindemi(_ parameters: ChindemiParameters, seeds: StreamSeeds, generator: GeneratorType,
                          threads: Int, progress: ProgressReporter?) throws -> [ChindemiPoint] {
        let perState = synapsesPerPoint / 2
        let (bursts, interval) = (self.bursts, burstIntervalSeconds * 1000)
        return try Cluster.world.map(count: grid.count, threads: threads) { [grid] index in
            let pairing = grid[index]
            let stream = RandomStream(type: generator, seeds: seeds, purpose: StreamPurpose.pairing, index: index)
            let simulation = ChindemiSimulation(parameters: parameters,
                                                protocol: BurstPairing(pairing: pairing, bursts: bursts, burstIntervalMs: interval))
            let estimate = try stream.withHandle {
                try simulation.estimate(synapsesPerState: perState, followUpSeconds: PairingSweep.chindemiFollowUpSeconds, random: $0)
            }
            progress?.advance()
            return ChindemiPoint(frequencyHz: pairing.frequencyHz, deltaTMs: pairing.deltaTMs, estimate: estimate,
                                 stepperCalls: simulation.stepperCalls, evaluations: simulation.rightHandSideEvaluations)
        }
    }

    func runChindemi(_ context: RunContext, parameters: ChindemiParameters) throws -> [String] {
        let progress = ProgressReporter(label: kind.rawValue, total: Double(grid.count), unit: "points", quiet: context.quiet)
        let points = try simulateChindemi(parameters, seeds: context.seeds, generator: context.generator,
                                          threads: context.threads, progress: progress)
        progress.finish()
        let synapses = Double(synapsesPerPoint)
        let frequencyColumn = kind == .stdpFrequency
        var table = CSVTable(header: (frequencyColumn ? ["frequency_hz"] : []) + [
            "delta_t_ms", "change", "p_up", "p_down", "change_expressed_40min",
            "rk8pd_calls_per_synapse", "rhs_evaluations_per_synapse"])
        for p in points {
            table.append((frequencyColumn ? [.real(p.frequencyHz)] : []) + [
                .real(p.deltaTMs), .real(p.estimate.change.change), .real(p.estimate.change.up),
                .real(p.estimate.change.down), .real(p.estimate.expressedChange),
                .real(Double(p.stepperCalls) / synapses), .real(Double(p.evaluations) / synapses)])
        }
        let name = frequencyColumn ? "frequency.csv" : "stdp.csv"
        try context.directory.write(name, table: table)
        try context.directory.writeJSON("summary.json", ChindemiSummary(points: points, synapsesPerState: synapsesPerPoint / 2,
                                                                        parameters: parameters))
        return [name, "summary.json"]
    }
}

/// `summary.json` of a `chindemi-2022` sweep.
struct ChindemiSummary: Encodable {
    struct Entry: Encodable {
        let frequencyHz: Double
        let deltaTMs: Double
        let change: Double
        let changeExpressed: Double
        enum CodingKeys: String, CodingKey {
            case frequencyHz = "frequency_hz", deltaTMs = "delta_t_ms", change, changeExpressed = "change_expressed_40min"
        }
    }

    let synapsesPerState: Int
    let thetaDepression: Double
    let thetaPotentiation: Double
    let maxStandardErrorChange: Double
    let maxAbsChangeMinusExpressed: Double
    let points: [Entry]
    let rk8pdCallsPerSynapseMax: Double
    let rhsEvaluationsPerSynapseMax: Double
    let rk8pdTolerance: Double

    enum CodingKeys: String, CodingKey {
        case synapsesPerState = "synapses_per_state", thetaDepression = "theta_d", thetaPotentiation = "theta_p"
        case maxStandardErrorChange = "max_standard_error_change"
        case maxAbsChangeMinusExpressed = "max_abs_change_minus_expressed"
        case points, rk8pdCallsPerSynapseMax = "rk8pd_calls_per_synapse_max"
        case rhsEvaluationsPerSynapseMax = "rhs_evaluations_per_synapse_max", rk8pdTolerance = "rk8pd_tolerance"
    }

    init(points: [PairingSweep.ChindemiPoint], synapsesPerState n: Int, parameters: ChindemiParameters) {
        synapsesPerState = n
        thetaDepression = parameters.thetaDepression
        thetaPotentiation = parameters.thetaPotentiation
        self.points = points.map {
            Entry(frequencyHz: $0.frequencyHz, deltaTMs: $0.deltaTMs, change: $0.estimate.change.change,
                  changeExpressed: $0.estimate.expressedChange)
        }
        maxStandardErrorChange = points.map {
            PairingSummary.standardError(of: $0.estimate.change, perState: n, beta: parameters.beta, b: parameters.weightRatio)
        }.max()!
        maxAbsChangeMinusExpressed = points.map { abs($0.estimate.change.change - $0.estimate.expressedChange) }.max()!
        rk8pdCallsPerSynapseMax = points.map { Double($0.stepperCalls) / Double(2 * n) }.max()!
        rhsEvaluationsPerSynapseMax = points.map { Double($0.evaluations) / Double(2 * n) }.max()!
        rk8pdTolerance = 1e-10
    }
}
