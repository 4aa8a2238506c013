import Foundation
import GSL
import SpineModel

/// The `cooperativity` experiment (docs/MODEL.md §2d; the protocol of
/// Harvey & Svoboda 2007): an LTP spine receives a suprathreshold
/// uncaging-like protocol; after a delay, a test spine at a chosen distance
/// receives a subthreshold one. When the LTP spine's ρ crosses ρ* it releases
/// the cooperativity messenger, which lowers the test spine's θ_p. Each trial
/// simulates both spines through the whole window, ρ integrated inside it
/// (the messenger makes ρ act back on calcium); the control trial leaves the
/// LTP spine unstimulated. Reported: the fraction of trials whose test spine
/// ends potentiated (ρ > ρ* after a relaxation tail), with and without the
/// prior LTP.
public struct CooperativityExperiment: ExperimentBody {
    public var plasticity: PlasticityConfig
    public var diffusion: DiffusionParameters
    public var processes: HeterosynapticProcesses
    public var dendriteLengthUm: Double
    public var spineVolumeUm3: Double
    public var ltp: Stimulus
    public var test: Stimulus
    public var distancesUm: [Double]
    public var delaysMinutes: [Double]
    public var trials: Int
    public var tailSeconds: Double

    /// A train of uncaging-like pulses (calcium jumps of `calciumOverPre`·C_pre, no bAPs).
    public struct Stimulus: Sendable {
        public var pulses: Int
        public var frequencyHz: Double
        public var calciumOverPre: Double

        var durationMs: Double { Double(pulses - 1) * 1000 / frequencyHz }
        func times(from start: Double) -> [Double] { (0..<pulses).map { start + Double($0) * 1000 / frequencyHz } }
    }

    struct Point: Sendable {
        var distanceUm: Double
        var delayMinutes: Double
        var control: Bool
    }

    var points: [Point] {
        distancesUm.flatMap { d in delaysMinutes.flatMap { t in [false, true].map { Point(distanceUm: d, delayMinutes: t, control: $0) } } }
    }

    /// Fraction of trials whose test spine ends potentiated.
    func fractionPotentiated(_ point: Point, index: Int, seeds: StreamSeeds, generator: GeneratorType) throws -> Double {
        let p = plasticity.parameters
        let ltpStart = 10.0, testStart = ltpStart + ltp.durationMs + point.delayMinutes * 60_000
        let duration = testStart + test.durationMs + tailSeconds * 1000
        let ltpSpine = 0.5 * dendriteLengthUm
        let positions = [ltpSpine, ltpSpine + point.distanceUm]
        var inputs = WindowInputs(durationMs: duration,
                                  presynapticSpikesMs: [point.control ? [] : ltp.times(from: ltpStart), test.times(from: testStart)],
                                  backpropagatingMs: [])
        inputs.presynapticScale = [ltp.calciumOverPre, test.calciumOverPre]
        let geometry = SpineGeometry(positionsUm: positions, volumesUm3: [spineVolumeUm3, spineVolumeUm3])
        let integrator = EfficacyIntegrator(parameters: p)
        let stream = RandomStream(type: generator, seeds: seeds, purpose: StreamPurpose.heterosynaptic, index: index)
        var potentiated = 0
        try stream.withHandle { random in
            for _ in 0..<trials {
                let result = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: dendriteLengthUm, plasticity: p,
                                                   diffusion: diffusion, processes: processes,
                                                   efficacy: EfficacyCoupling(integrator: integrator, initial: [0, 0], random: random))
                if result.finalEfficacy![1] > p.rhoStar { potentiated += 1 }
            }
        }
        return Double(potentiated) / Double(trials)
    }

    public func run(_ context: RunContext) throws -> [String] {
        let points = self.points
        let (fractions, progress) = try context.mapConditions(points.count, label: "cooperativity") { index in
            try fractionPotentiated(points[index], index: index, seeds: context.seeds, generator: context.generator)
        }
        progress.finish()
        var table = CSVTable(header: ["distance_um", "delay_min", "fraction_potentiated", "fraction_potentiated_control"])
        var rows: [CooperativitySummary.Row] = []
        for index in stride(from: 0, to: points.count, by: 2) {
            let point = points[index]
            table.append([.real(point.distanceUm), .real(point.delayMinutes), .real(fractions[index]), .real(fractions[index + 1])])
            rows.append(.init(distance_um: point.distanceUm, delay_min: point.delayMinutes, fraction_potentiated: fractions[index],
                              fraction_potentiated_control: fractions[index + 1]))
        }
        try context.directory.write("cooperativity.csv", table: table)
        let control = Statistics.mean(stride(from: 1, to: points.count, by: 2).map { fractions[$0] })
        try context.directory.writeJSON("summary.json", CooperativitySummary(
            cooperativity_half_effect: processes.cooperativity.halfEffect, trials: trials,
            control_fraction_potentiated_mean: control,
            control_standard_error: (control * (1 - control) / Double(trials * points.count / 2)).squareRoot(),
            trial_standard_error_at_half: (0.25 / Double(trials)).squareRoot(), rows: rows))
        return ["cooperativity.csv", "summary.json"]
    }
}

struct CooperativitySummary: Encodable {
    struct Row: Encodable {
        let distance_um: Double
        let delay_min: Double
        let fraction_potentiated: Double
        let fraction_potentiated_control: Double
    }
    let cooperativity_half_effect: Double
    let trials: Int
    let control_fraction_potentiated_mean: Double
    let control_standard_error: Double
    let trial_standard_error_at_half: Double
    let rows: [Row]
}

extension CooperativityExperiment {
    static func read(_ root: ConfigMapping) throws -> CooperativityExperiment {
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"))
        let diffusion = try DiffusionParameters.read(root.mapping("diffusion"))
        var processes = try HeterosynapticProcesses.read(root.mapping("heterosynaptic"))
        processes.cooperativity.enabled = true
        let (length, volume) = try root.singleDendrite(defaultLengthUm: 100.0)
        let ltp = try Stimulus.settings(ltp: true).read(root.mapping("ltp"), defaults: Keys.ltp)
        let test = try Stimulus.settings(ltp: false).read(root.mapping("test"), defaults: Keys.test)
        let distances = try root.grid(Keys.distances, maxCount: 100) ?? Keys.defaultDistances
        let delays = try root.grid(Keys.delays, maxCount: 100) ?? Keys.defaultDelays
        let trials = try root.integer(Keys.trials)
        let tail = try root.number(Keys.tail)
        guard 0.5 * length + distances.max()! < length else {
            throw root.error("distances_um", root.value("distances_um"),
                             "the test spine would sit beyond the dendrite's end; allowed: distances below half of dendrite.length_um (\(ConfigMapping.format(0.5 * length)) µm)")
        }
        let experiment = CooperativityExperiment(plasticity: plasticity, diffusion: diffusion, processes: processes, dendriteLengthUm: length,
                                                 spineVolumeUm3: volume, ltp: ltp, test: test, distancesUm: distances, delaysMinutes: delays,
                                                 trials: trials, tailSeconds: tail)
        // The cooperativity messenger always runs: every window is stepped (docs/MODEL.md §2d).
        try ResourceLimits.checkGrid(diffusion, lengthUm: length, windowMs: experiment.longestWindowMs, stepped: true,
                                     windowKey: experiment.windowKey, in: root)
        return experiment
    }

    /// The length of the longest trial window (`fractionPotentiated`), in floating point.
    var longestWindowMs: Double {
        10 + ltp.durationMs + (delaysMinutes.max() ?? 0) * 60_000 + test.durationMs + tailSeconds * 1000
    }

    /// The setting that makes the trial window longest.
    var windowKey: String {
        [("ltp.frequency_hz", ltp.durationMs), ("delays_min", (delaysMinutes.max() ?? 0) * 60_000),
         ("test.frequency_hz", test.durationMs), ("tail_s", tailSeconds * 1000)].max { $0.1 < $1.1 }!.0
    }

    public func work() -> ResourceLimits.Work? {
        let windows = points.map { point in
            ResourceLimits.Window(durationMs: 10 + ltp.durationMs + point.delayMinutes * 60_000 + test.durationMs + tailSeconds * 1000,
                                  spines: 2, diffusion: diffusion, stepped: true, count: Double(trials),
                                  events: Double(max(ltp.pulses, test.pulses)))
        }
        return ResourceLimits.work(of: windows, lengthUm: dendriteLengthUm, keys: .init(window: windowKey, windows: "trials", repetitions: nil))
    }

    public func encode(to encoder: Encoder) throws {
        let config: ConfigTree = [
            "plasticity": plasticity.tree,
            "diffusion": diffusion.tree,
            "heterosynaptic": processes.tree,
            "dendrite": ConfigMapping.singleDendriteTree(lengthUm: dendriteLengthUm, spineVolumeUm3: spineVolumeUm3),
            "ltp": Stimulus.settings(ltp: true).tree(ltp), "test": Stimulus.settings(ltp: false).tree(test),
            "distances_um": .list(distancesUm.map { .number($0) }),
            "delays_min": .list(delaysMinutes.map { .number($0) }),
            "trials": .number(Double(trials)),
            "tail_s": .number(tailSeconds),
        ]
        try config.encode(to: encoder)
    }
}

extension CooperativityExperiment {
    /// Keys of the `cooperativity` kind.
    enum Keys {
        static let ltp = Stimulus(pulses: 30, frequencyHz: 0.5, calciumOverPre: 2)
        static let test = Stimulus(pulses: 30, frequencyHz: 0.5, calciumOverPre: 1.3)
        static let defaultDistances = [1.5, 3, 5, 10, 15, 20]
        static let defaultDelays = [0.5, 2, 5, 10, 20, 30]
        static let distances = SettingDeclaration.grid("distances_um", 0.1...10_000, unit: "µm", default: .list(defaultDistances.map { .number($0) }),
                                                       "Distances of the test spine from the LTP spine (below half the dendrite)")
        static let delays = SettingDeclaration.grid("delays_min", 0...1440, unit: "min", default: .list(defaultDelays.map { .number($0) }),
                                                    "Delays of the test stimulus after the LTP stimulus")
        static let trials = SettingDeclaration(key: "trials", type: .integer(1...1_000_000), defaultValue: 200, summary: "Trials per condition")
        static let tail = SettingDeclaration(key: "tail_s", type: .number(.positive(upTo: 86_400)), unit: "s", defaultValue: 300,
                                             summary: "Time simulated after the test stimulus")
    }

    static var declarations: [SettingDeclaration] {
        [
            ExperimentKind.plasticitySection, ExperimentKind.diffusionSection,
            ExperimentKind.heterosynapticSection("; cooperativity is always on in this kind"),
            ConfigMapping.singleDendriteDeclaration(lengthUm: 100),
            .init(key: "ltp", type: Stimulus.settings(ltp: true).type(defaults: Keys.ltp), summary: "The stimulus of the LTP spine"),
            .init(key: "test", type: Stimulus.settings(ltp: false).type(defaults: Keys.test), summary: "The weaker stimulus of the test spine"),
            Keys.distances, Keys.delays, Keys.trials, Keys.tail,
        ]
    }
}

extension CooperativityExperiment.Stimulus {
    static func settings(ltp: Bool) -> SettingSection<Self> {
        SettingSection(ltp ? "ltp" : "test", [
            .integer("pulses", \.pulses, 1...100_000, "Presynaptic pulses"),
            .number("frequency_hz", \.frequencyHz, .from(0.001, to: 1000), unit: "Hz", "Pulse frequency"),
            .number("calcium_over_pre", \.calciumOverPre, .positive(upTo: 1000), unit: "C_pre", "Calcium of a pulse, in units of C_pre"),
        ])
    }
}
