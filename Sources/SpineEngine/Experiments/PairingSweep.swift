import Foundation
import GSL
import SpineModel

/// Pairing protocols over a grid of frequencies and spike timings
/// (experiments `stdp` and `stdp-frequency`): at every grid point, the
/// stochastic simulation of many independent synapses (half starting DOWN,
/// half UP) beside the closed-form reduction of GB 2012.
public struct PairingSweep: ExperimentBody {
    public let kind: ExperimentKind
    public let plasticity: PlasticityConfig
    public let pairs: Int
    public let frequenciesHz: [Double]
    public let deltaTsMs: [Double]
    /// Synapses simulated per grid point; half start at ρ = 0, half at ρ = 1.
    public let synapsesPerPoint: Int
    /// Longest ρ step while calcium is above a threshold (ms).
    public let maximumStepMs: Double
    /// Bursts of `pairs` pairs and their spacing (s); only the `chindemi-2022`
    /// preset takes them (ChindemiSweep.swift).
    public var bursts: Int = 1
    public var burstIntervalSeconds: Double = 0

    /// Generator-stream purpose of the grid points.

    enum CodingKeys: String, CodingKey {
        case plasticity, pairing, synapsesPerPoint = "synapses_per_point", integration
    }
    enum PairingKeys: String, CodingKey {
        case pairs, frequencyHz = "frequency_hz", deltaTMs = "delta_t_ms", bursts, burstIntervalSeconds = "burst_interval_s"
    }
    enum IntegrationKeys: String, CodingKey { case maximumStepMs = "max_step_ms" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plasticity, forKey: .plasticity)
        var pairing = c.nestedContainer(keyedBy: PairingKeys.self, forKey: .pairing)
        try pairing.encode(pairs, forKey: .pairs)
        try pairing.encode(frequenciesHz, forKey: .frequencyHz)
        try pairing.encode(deltaTsMs, forKey: .deltaTMs)
        if plasticity.chindemi != nil {
            try pairing.encode(bursts, forKey: .bursts)
            try pairing.encode(burstIntervalSeconds, forKey: .burstIntervalSeconds)
        }
        try c.encode(synapsesPerPoint, forKey: .synapsesPerPoint)
        var integration = c.nestedContainer(keyedBy: IntegrationKeys.self, forKey: .integration)
        try integration.encode(maximumStepMs, forKey: .maximumStepMs)
    }

    static func read(_ root: ConfigMapping, kind: ExperimentKind) throws -> PairingSweep {
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"), allowChindemi: true)
        guard let pairing = try root.mapping("pairing") else {
            throw root.missing("pairing", allowed: "a mapping with 'pairs', 'frequency_hz' and 'delta_t_ms'")
        }
        let pairs = try pairing.integer(Keys.pairs)
        let frequencies = try pairing.grid(Keys.frequency)!
        if kind == .stdp && frequencies.count != 1 {
            throw pairing.error("frequency_hz", pairing.node,
                                "an STDP curve has one frequency, found \(frequencies.count); allowed: a single number (sweep frequencies with 'experiment: stdp-frequency')")
        }
        let deltaTs = try pairing.grid(Keys.deltaT)!
        let (bursts, burstInterval) = try readBursts(pairing, plasticity: plasticity, pairs: pairs, frequencies: frequencies)
        try pairing.finish()
        let synapses = try root.integer(Keys.synapses)
        guard synapses % 2 == 0 else {
            throw root.error("synapses_per_point", root.value("synapses_per_point"),
                             "value \(synapses) is odd; allowed: an even integer (half the synapses start DOWN, half UP)")
        }
        var maximumStep = Keys.maximumStep.defaultNumber
        if let integration = try root.mapping("integration") {
            maximumStep = try integration.number(Keys.maximumStep)
            try integration.finish()
        }
        // Counted in floating point: each grid point has its own generator stream and
        // result; the synapse-pairs measure the work.
        let points = Double(frequencies.count) * Double(deltaTs.count)
        if points > PairingSweep.maximumPoints {
            throw root.error("pairing", root.peek("pairing"),
                             "frequency_hz × delta_t_ms make \(ConfigMapping.format(points)) grid points; allowed: at most \(ConfigMapping.format(PairingSweep.maximumPoints))")
        }
        let work = points * Double(synapses) * Double(pairs)
        if work > PairingSweep.maximumSynapsePairs {
            throw root.error("synapses_per_point", root.peek("synapses_per_point"),
                             "\(ConfigMapping.format(points)) grid points × \(synapses) synapses × \(pairs) pairs make \(ConfigMapping.format(work)) synapse-pairs to simulate; allowed: at most \(ConfigMapping.format(PairingSweep.maximumSynapsePairs)) (hours of work)")
        }
        if work * Double(bursts) > PairingSweep.maximumSynapsePairs {
            throw root.error("pairing", root.peek("pairing"),
                             "\(bursts) bursts make \(ConfigMapping.format(work * Double(bursts))) synapse-pairs to simulate; allowed: at most \(ConfigMapping.format(PairingSweep.maximumSynapsePairs))")
        }
        return PairingSweep(kind: kind, plasticity: plasticity, pairs: pairs, frequenciesHz: frequencies,
                            deltaTsMs: deltaTs, synapsesPerPoint: synapses, maximumStepMs: maximumStep,
                            bursts: bursts, burstIntervalSeconds: burstInterval)
    }

    /// The keys of the pairing experiments (read above; `ChindemiSweep` reads the bursts).
    enum Keys {
        static let pairs = SettingDeclaration(key: "pairs", type: .integer(1...1_000_000), required: true, summary: "Pre–post pairs per protocol")
        static let frequency = SettingDeclaration.grid("frequency_hz", 0.001...1000, unit: "Hz", required: true,
                                                       "Pairing frequency (experiment stdp: a single number)")
        static let deltaT = SettingDeclaration.grid("delta_t_ms", -10_000...10_000, unit: "ms", required: true, "Spike timing Δt = t_post − t_pre")
        static let bursts = SettingDeclaration(key: "bursts", type: .integer(1...10_000), defaultValue: 1,
                                               summary: "Bursts of `pairs` pairs (preset chindemi-2022 only)")
        static let burstInterval = SettingDeclaration(key: "burst_interval_s", type: .number(.from(0, to: 86_400)), unit: "s", defaultValue: 0,
                                                      summary: "Spacing of the bursts (preset chindemi-2022 only)")
        static let synapses = SettingDeclaration(key: "synapses_per_point", type: .integer(2...100_000_000), defaultValue: 10_000,
                                                 summary: "Synapses simulated per grid point (even: half start DOWN, half UP)")
        static let maximumStep = SettingDeclaration(key: "max_step_ms", type: .number(.above(1e-4, upTo: 100)), unit: "ms", defaultValue: 1,
                                                    summary: "Longest ρ step while calcium is above a threshold")
    }

    static func declarations(kind: ExperimentKind) -> [SettingDeclaration] {
        [
            SettingDeclaration(key: "plasticity", type: PlasticityConfig.type(allowChindemi: true), summary: "Calcium-based plasticity of ρ (§1)"),
            SettingDeclaration(key: "pairing", type: .section(name: "pairing-sweep", [Keys.pairs, Keys.frequency, Keys.deltaT, Keys.bursts, Keys.burstInterval]),
                               required: true, summary: "The pairing protocol and its grid"),
            Keys.synapses,
            SettingDeclaration(key: "integration", type: .section(name: "integration", [Keys.maximumStep]), summary: "Integration of ρ"),
        ]
    }

    /// Limits of a sweep (`ResourceLimits`): grid points, and synapse-pairs to simulate.
    static let maximumPoints = 1e6
    static let maximumSynapsePairs = 1e13

    /// One grid point's result.
    public struct Point: Sendable, Codable {
        public let frequencyHz: Double
        public let deltaTMs: Double
        public let simulated: SynapticChange
        public let analytic: ClosedFormReduction
    }

    /// The grid in output order: frequencies outer, timings inner.
    var grid: [PairingProtocol] {
        frequenciesHz.flatMap { f in deltaTsMs.map { PairingProtocol(pairs: pairs, frequencyHz: f, deltaTMs: $0) } }
    }

    /// Simulates every grid point, each from its own generator stream (over
    /// MPI ranks: each rank its block of points).
    public func simulate(seeds: StreamSeeds, generator: GeneratorType, threads: Int, progress: ProgressReporter?) throws -> [Point] {
        let parameters = plasticity.parameters
        let perState = synapsesPerPoint / 2
        let step = maximumStepMs
        return try Cluster.world.map(count: grid.count, threads: threads) { [grid] index in
            let pairing = grid[index]
            let stream = RandomStream(type: generator, seeds: seeds, purpose: StreamPurpose.pairing, index: index)
            let simulation = PairingSimulation(parameters: parameters, protocol: pairing, maximumStepMs: step)
            let simulated = try stream.withHandle { try simulation.estimate(synapsesPerState: perState, random: $0) }
            progress?.advance()
            return Point(frequencyHz: pairing.frequencyHz, deltaTMs: pairing.deltaTMs, simulated: simulated,
                         analytic: ClosedFormReduction(parameters: parameters, protocol: pairing))
        }
    }

    public func run(_ context: RunContext) throws -> [String] {
        if let chindemi = plasticity.chindemi { return try runChindemi(context, parameters: chindemi) }
        let progress = ProgressReporter(label: kind.rawValue, total: Double(grid.count), unit: "points", quiet: context.quiet)
        let points = try simulate(seeds: context.seeds, generator: context.generator, threads: context.threads, progress: progress)
        progress.finish()
        let summary = PairingSummary(points: points, synapsesPerState: synapsesPerPoint / 2, parameters: plasticity.parameters)
        if kind == .stdp {
            var table = CSVTable(header: ["delta_t_ms", "change", "p_up", "p_down", "change_analytic"])
            for p in points {
                table.append([.real(p.deltaTMs), .real(p.simulated.change), .real(p.simulated.up),
                              .real(p.simulated.down), .real(p.analytic.result.change)])
            }
            try context.directory.write("stdp.csv", table: table)
            try context.directory.writeJSON("summary.json", summary)
            return ["stdp.csv", "summary.json"]
        } else {
            var table = CSVTable(header: ["frequency_hz", "delta_t_ms", "change", "p_up", "p_down", "change_analytic"])
            for p in points {
                table.append([.real(p.frequencyHz), .real(p.deltaTMs), .real(p.simulated.change), .real(p.simulated.up),
                              .real(p.simulated.down), .real(p.analytic.result.change)])
            }
            try context.directory.write("frequency.csv", table: table)
            try context.directory.writeJSON("summary.json", summary)
            return ["frequency.csv", "summary.json"]
        }
    }
}

/// `summary.json` of a pairing sweep: the key figures of the curve.
struct PairingSummary: Encodable {
    struct Extremum: Encodable {
        let frequencyHz: Double
        let deltaTMs: Double
        let change: Double
        enum CodingKeys: String, CodingKey { case frequencyHz = "frequency_hz", deltaTMs = "delta_t_ms", change }
    }

    let synapsesPerState: Int
    /// Largest standard error of a simulated change on this grid (binomial,
    /// from p_up, p_down and the sample size).
    let maxStandardErrorChange: Double
    let maxAbsChangeMinusAnalytic: Double
    let depressionMinimum: Extremum
    let potentiationMaximum: Extremum
    let analyticDepressionMinimum: Extremum
    let analyticPotentiationMaximum: Extremum

    enum CodingKeys: String, CodingKey {
        case synapsesPerState = "synapses_per_state", maxStandardErrorChange = "max_standard_error_change"
        case maxAbsChangeMinusAnalytic = "max_abs_change_minus_analytic"
        case depressionMinimum = "depression_minimum", potentiationMaximum = "potentiation_maximum"
        case analyticDepressionMinimum = "analytic_depression_minimum", analyticPotentiationMaximum = "analytic_potentiation_maximum"
    }

    init(points: [PairingSweep.Point], synapsesPerState n: Int, parameters: PlasticityParameters) {
        synapsesPerState = n
        func extremum(_ p: PairingSweep.Point, _ change: Double) -> Extremum {
            Extremum(frequencyHz: p.frequencyHz, deltaTMs: p.deltaTMs, change: change)
        }
        let simulated = points.map { ($0, $0.simulated.change) }
        let analytic = points.map { ($0, $0.analytic.result.change) }
        let byChange: ((PairingSweep.Point, Double), (PairingSweep.Point, Double)) -> Bool = { $0.1 < $1.1 }
        depressionMinimum = extremum(simulated.min(by: byChange)!.0, simulated.min(by: byChange)!.1)
        potentiationMaximum = extremum(simulated.max(by: byChange)!.0, simulated.max(by: byChange)!.1)
        analyticDepressionMinimum = extremum(analytic.min(by: byChange)!.0, analytic.min(by: byChange)!.1)
        analyticPotentiationMaximum = extremum(analytic.max(by: byChange)!.0, analytic.max(by: byChange)!.1)
        maxAbsChangeMinusAnalytic = points.map { abs($0.simulated.change - $0.analytic.result.change) }.max()!
        maxStandardErrorChange = points.map {
            PairingSummary.standardError(of: $0.simulated, perState: n, beta: parameters.beta, b: parameters.weightRatio)
        }.max()!
    }

    /// Binomial standard error of `change`, which is linear in UP and DOWN.
    static func standardError(of result: SynapticChange, perState n: Int, beta: Double, b: Double) -> Double {
        let norm = beta + (1 - beta) * b
        let dUp = beta * (b - 1) / norm
        let dDown = (1 - beta) * (1 - b) / norm
        let varUp = result.up * (1 - result.up) / Double(n)
        let varDown = result.down * (1 - result.down) / Double(n)
        return (dUp * dUp * varUp + dDown * dDown * varDown).squareRoot()
    }
}
