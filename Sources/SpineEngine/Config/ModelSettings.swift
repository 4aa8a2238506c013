import Foundation
import SpineModel
import Yams

/// How the day-0 spines' sizes are drawn.
public enum InitialSizes: Sendable, Equatable {
    /// s ~ N(m(ρ), sd) of the OU, above v_min.
    case stationary
    /// The equilibrium of baseline spinogenesis and elimination (OU form):
    /// depressed spines from the Green's function of the killed OU with births
    /// at the new-spine size; potentiated ones as `stationary`.
    case equilibrium
    /// ln v ~ N(mu, sigma), above v_min.
    case lognormal(mu: Double, sigma: Double)
    /// v uniform in [min, max] µm³.
    case uniform(minUm3: Double, maxUm3: Double)
    /// Every spine at one volume.
    case fixed(um3: Double)
}

/// The dendrites and their day-0 spines (`dendrites`, `initial_population`;
/// docs/MODEL.md §4 "Initial population"): drawn, or read from CSV files.
public struct InitialPopulation: Sendable {
    /// The length of each dendrite (µm), by dendrite index.
    public var dendriteLengthsUm: [Double]
    /// Drawn spines: the mean density (spines/µm); spines from a file: their
    /// number over the total length (the density that 'auto' keeps).
    public var densityPerUm: Double
    public var fractionPotentiated: Double
    public var sizes: InitialSizes
    /// The files of `dendrites.from_csv` and `dendrites.spines_csv` (nil: `count` and `length_um`).
    public var files: DendriteFiles? = nil
    /// The day-0 spines of each dendrite from `dendrites.spines_csv`, in file
    /// order (nil: drawn from `initial_population`).
    public var spines: [[InitialSpine]]? = nil

    public var dendriteCount: Int { dendriteLengthsUm.count }
    /// The sum of the dendrites' lengths (µm): densities are spines over it.
    public var totalLengthUm: Double { dendriteLengthsUm.reduce(0, +) }
    /// The longest dendrite (µm): what the diffusion grid and the task fields are checked on.
    public var longestDendriteUm: Double { dendriteLengthsUm.max() ?? 0 }

    /// `count` dendrites of `lengthUm` each.
    public init(dendriteCount count: Int, dendriteLengthUm lengthUm: Double, densityPerUm: Double, fractionPotentiated: Double,
                sizes: InitialSizes) {
        self.init(dendriteLengthsUm: Array(repeating: lengthUm, count: count), densityPerUm: densityPerUm,
                  fractionPotentiated: fractionPotentiated, sizes: sizes)
    }

    public init(dendriteLengthsUm: [Double], densityPerUm: Double, fractionPotentiated: Double, sizes: InitialSizes) {
        self.dendriteLengthsUm = dendriteLengthsUm
        self.densityPerUm = densityPerUm
        self.fractionPotentiated = fractionPotentiated
        self.sizes = sizes
    }
}

/// One day-0 spine of `dendrites.spines_csv` (docs/MODEL.md §4).
public struct InitialSpine: Sendable, Equatable {
    public var positionUm: Double
    public var volumeUm3: Double
    /// ρ, in [0, 1].
    public var efficacy: Double
    /// Whether its axon belongs to the first task ensemble (the file's `task` column).
    public var task: Bool
}

/// The CSV files the dendrites (and their spines) were read from, with the
/// SHA-256 of their contents (recorded in the resolved configuration).
public struct DendriteFiles: Sendable, Equatable {
    public var dendritesPath: String
    public var dendritesSHA256: String
    public var spinesPath: String?
    public var spinesSHA256: String?
    /// Whether the spines file has a `task` column: its flags replace the
    /// wiring of the first task ensemble for the day-0 spines.
    public var spinesCarryTask: Bool
}

/// The model sections of an experiment file (docs/MODEL.md §1–5): what a
/// phase of a timeline runs. Sessions, reactivation, dendritic diffusion and
/// activity-guided spinogenesis are read only by the kinds with activity.
public struct ModelSettings: Sendable {
    public var plasticity: PlasticityConfig
    /// `size_dynamics.preset` (docs/MODEL.md §3).
    public var sizePreset: String
    public var sizeForm: PopulationModel.SizeForm
    public var size: LogSizeOU
    public var kesten: KestenProcess
    public var weight: FunctionalWeight
    public var turnover: TurnoverRules
    /// nil: "auto" (the rate that keeps the initial density stationary).
    public var spinogenesisRateSetting: Double?
    /// The density that the 'auto' spinogenesis rate keeps (spines/µm).
    public var stationaryDensityPerUm: Double
    /// Present in kinds with activity.
    public var activity: ActivitySettings?

    /// The sections of kinds with activity (docs/MODEL.md §2, §4–5).
    public struct ActivitySettings: Sendable {
        public var diffusion: DiffusionParameters
        /// §2b–2d, acting in every session.
        public var processes: HeterosynapticProcesses
        public var session: SessionActivity
        public var reactivation: ReactivationActivity
        public var guided: ActivityGuidedSpinogenesis
    }

    /// The model with the spinogenesis rate resolved ('auto' by Little's law:
    /// the rate that keeps `stationaryDensityPerUm` under these size dynamics;
    /// 0 without intrinsic noise, where nothing is eliminated) and the rules
    /// of new spines for a wiring of `ensembles` task ensembles.
    public func resolvedModel(ensembles: Int = 0) throws -> (model: PopulationModel, meanNewSpineLifetimeDays: Double?) {
        var rules = turnover
        var lifetime: Double?
        if let rate = spinogenesisRateSetting {
            rules.spinogenesisRate = rate
        } else {
            let theory = OUTurnoverTheory(size: size, rules: turnover)
            lifetime = try theory.meanLifetimeDays(fromLogVolume: log(turnover.newSpineVolume))
            rules.spinogenesisRate = try theory.stationarySpinogenesisRate(density: stationaryDensityPerUm,
                                                                           newSpineVolume: turnover.newSpineVolume)
        }
        var model = PopulationModel(plasticity: plasticity.parameters, sizeForm: sizeForm, size: size, kesten: kesten,
                                    weight: weight, turnover: rules)
        if let activity { model.newSpines = activity.guided.newSpineRules(ensembles: ensembles) }
        return (model, lifetime)
    }

    /// The sections that a phase of a schedule may override (docs/MODEL.md §8).
    static let populationSections = ["plasticity", "size_dynamics", "functional_weight", "turnover"]
    static let activitySections = ["diffusion", "heterosynaptic", "session", "reactivation", "activity_guided"]

    /// Reads the model sections of `root` (`withActivity`: also the activity
    /// sections); the density that 'auto' keeps is set by the caller
    /// (`readInitialPopulation`).
    static func read(_ root: ConfigMapping, withActivity: Bool) throws -> ModelSettings {
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"))
        let (form, size, kesten, sizePreset) = try readSizeDynamics(root.mapping("size_dynamics"))
        let weight = try readWeight(root.mapping("functional_weight"))
        let (rules, rateSetting) = try readTurnover(root.mapping("turnover"), form: form)
        var settings = ModelSettings(plasticity: plasticity, sizePreset: sizePreset, sizeForm: form, size: size, kesten: kesten,
                                     weight: weight, turnover: rules,
                                     spinogenesisRateSetting: rateSetting, stationaryDensityPerUm: 0, activity: nil)
        if withActivity {
            settings.activity = ActivitySettings(diffusion: try DiffusionParameters.read(root.mapping("diffusion")),
                                                 processes: try HeterosynapticProcesses.read(root.mapping("heterosynaptic")),
                                                 session: try readSession(root.mapping("session")),
                                                 reactivation: try readReactivation(root.mapping("reactivation")),
                                                 guided: try readGuided(root.mapping("activity_guided")))
        }
        return settings
    }

    /// `dendrites` and `initial_population`, checked against the model
    /// (v_min, the size form, the density that 'auto' keeps). `taskEnsembles`:
    /// whether the kind wires task ensembles (a spines file may then carry a
    /// `task` column).
    static func readInitialPopulation(_ root: ConfigMapping, model: ModelSettings, taskEnsembles: Bool) throws -> InitialPopulation {
        let dendrites = try readDendrites(root, model: model, taskEnsembles: taskEnsembles)
        var population = InitialPopulation(dendriteLengthsUm: dendrites.lengthsUm, densityPerUm: 1.5,
                                           fractionPotentiated: 2.0 / 7.0, sizes: .stationary)
        population.files = dendrites.files
        if let spines = dendrites.spines {
            if root.contains("initial_population") {
                throw root.error("initial_population", root.value("initial_population"),
                                 "the day-0 spines come from dendrites.spines_csv; allowed: no initial_population with spines_csv (the 'auto' spinogenesis rate keeps the file's mean density)")
            }
            population.spines = spines
            population.densityPerUm = Double(spines.reduce(0) { $0 + $1.count }) / population.totalLengthUm
            population.fractionPotentiated = 0
        } else if let section = try root.mapping("initial_population") {
            population.densityPerUm = try section.double("density_per_um", in: 0...100, default: population.densityPerUm, unit: "spines/µm")
            population.fractionPotentiated = try section.double("fraction_potentiated", in: 0...1, default: population.fractionPotentiated)
            if let node = section.value("sizes") { population.sizes = try readInitialSizes(node, in: section, model: model) }
            try section.finish()
        }
        if model.spinogenesisRateSetting == nil && population.densityPerUm == 0 {
            throw root.error(population.spines == nil ? "initial_population" : "dendrites.spines_csv", nil,
                             "the 'auto' spinogenesis rate keeps the initial density; allowed: density_per_um > 0 (at least one day-0 spine)")
        }
        return population
    }

    /// The most dendrites a run may have (`dendrites.count`, rows of `dendrites.from_csv`).
    static let maximumDendrites = 1_000_000
    /// The most day-0 spines a `dendrites.spines_csv` may list.
    static let maximumFileSpines = 10_000_000

    /// `dendrites` (required): `{count, length_um}`, or `{from_csv}` with an
    /// optional `spines_csv` (docs/MODEL.md §4 "Initial population").
    static func readDendrites(_ root: ConfigMapping, model: ModelSettings,
                              taskEnsembles: Bool) throws -> (lengthsUm: [Double], files: DendriteFiles?, spines: [[InitialSpine]]?) {
        let allowed = "a mapping with 'count' and 'length_um', or with 'from_csv' (and optionally 'spines_csv')"
        guard let dendrites = try root.mapping("dendrites") else {
            throw root.missing("dendrites", allowed: allowed)
        }
        guard dendrites.contains("from_csv") else {
            if dendrites.contains("spines_csv") {
                throw dendrites.error("spines_csv", dendrites.value("spines_csv"), "spines need their dendrites; allowed: spines_csv with from_csv")
            }
            let count = try dendrites.int("count", in: 1...maximumDendrites)
            let length = try dendrites.positiveDouble("length_um", upTo: 100_000, unit: "µm")
            try dendrites.finish()
            return (Array(repeating: length, count: count), nil, nil)
        }
        for key in ["count", "length_um"] where dendrites.contains(key) {
            throw dendrites.error(key, dendrites.value(key),
                                  "the dendrites and their lengths come from from_csv; allowed: either from_csv or count and length_um")
        }
        let table = try CSVDataFile.read("from_csv", of: dendrites, required: ["dendrite", "length_um"], optional: ["radius_um"],
                                         maximumRows: maximumDendrites)
        let radius = model.activity?.diffusion.dendriteRadiusUm
        var lengths: [Double] = []
        lengths.reserveCapacity(table.rows.count)
        for row in table.rows {
            let id = try table.integer(row, "dendrite", in: lengths.count...lengths.count,
                                       allowed: "\(lengths.count) (dendrite ids 0, 1, 2, … in order, one row each)")
            lengths.append(try table.number(row, "length_um", allowed: "a number greater than 0 and at most 100000 µm") { $0 > 0 && $0 <= 100_000 })
            if table.has("radius_um") {
                // One radius for every dendrite (docs/MODEL.md §2a): the column may only restate it.
                if let radius {
                    _ = try table.number(row, "radius_um",
                                         allowed: "\(ConfigMapping.format(radius)) µm, the model's one dendrite radius (diffusion.dendrite_radius_um), which dendrite \(id) shares with every other") {
                        abs($0 - radius) <= 1e-9 * radius
                    }
                } else {
                    _ = try table.number(row, "radius_um", allowed: "a number greater than 0 and at most 10 µm (this kind simulates no calcium: the radius has no effect)") {
                        $0 > 0 && $0 <= 10
                    }
                }
            }
        }
        var files = DendriteFiles(dendritesPath: table.path, dendritesSHA256: table.sha256, spinesPath: nil, spinesSHA256: nil,
                                  spinesCarryTask: false)
        var spines: [[InitialSpine]]?
        if dendrites.contains("spines_csv") {
            let spineTable = try CSVDataFile.read("spines_csv", of: dendrites, required: ["dendrite", "position_um", "volume_um3"],
                                                  optional: taskEnsembles ? ["rho", "task"] : ["rho"], maximumRows: maximumFileSpines)
            let minimumVolume = model.turnover.minimumVolume
            var perDendrite = Array(repeating: [InitialSpine](), count: lengths.count)
            for row in spineTable.rows {
                let d = try spineTable.integer(row, "dendrite", in: 0...(lengths.count - 1),
                                               allowed: "a dendrite of \(table.path): an integer from 0 to \(lengths.count - 1)")
                let x = try spineTable.number(row, "position_um", allowed: "a position on dendrite \(d), from 0 to its length \(ConfigMapping.format(lengths[d])) µm") {
                    $0 >= 0 && $0 <= lengths[d]
                }
                let v = try spineTable.number(row, "volume_um3", allowed: "a volume above v_min = \(ConfigMapping.format(minimumVolume)) (turnover.v_min_um3) and at most 100 µm³") {
                    $0 > minimumVolume && $0 <= 100
                }
                let rho = try spineTable.has("rho") ? spineTable.number(row, "rho", allowed: "a number from 0 to 1") { (0...1).contains($0) } : 0
                let task = try spineTable.has("task") ? spineTable.integer(row, "task", in: 0...1, allowed: "0 or 1 (whether the spine's axon belongs to the first task ensemble)") : 0
                perDendrite[d].append(InitialSpine(positionUm: x, volumeUm3: v, efficacy: rho, task: task == 1))
            }
            spines = perDendrite
            files.spinesPath = spineTable.path
            files.spinesSHA256 = spineTable.sha256
            files.spinesCarryTask = spineTable.has("task")
        }
        try dendrites.finish()
        return (lengths, files, spines)
    }

    /// The names of `size_dynamics.preset`: the structural presets and
    /// `none` (the bare OU of docs/MODEL.md §3: τ_s 7 days, one state, no τ_e).
    static let sizePresets = StructuralPreset.allCases.map(\.rawValue) + ["none"]

    /// `size_dynamics` (docs/MODEL.md §3): a preset (default `adult-cortex`)
    /// whose every parameter the other keys override.
    static func readSizeDynamics(_ section: ConfigMapping?) throws -> (PopulationModel.SizeForm, LogSizeOU, KestenProcess, String) {
        var size = StructuralPreset.adultCortex.size
        var kesten = KestenProcess()
        var form = PopulationModel.SizeForm.ou
        guard let section else { return (form, size, kesten, StructuralPreset.adultCortex.rawValue) }
        let preset = try section.choice("preset", from: sizePresets, default: StructuralPreset.adultCortex.rawValue)
        size = StructuralPreset(rawValue: preset)?.size ?? LogSizeOU()
        form = PopulationModel.SizeForm(rawValue: try section.choice("form", from: PopulationModel.SizeForm.allCases.map(\.rawValue), default: "ou"))!
        size.intrinsicNoise = try section.bool("intrinsic_noise", default: true)
        size.baselineLogVolume = try section.double("baseline_log_volume", in: -10...3, default: size.baselineLogVolume, unit: "(ln µm³)")
        size.potentiationLogShift = try section.double("potentiation_log_shift", in: -5...5, default: size.potentiationLogShift)
        size.relaxationDays = try section.positiveDouble("relaxation_days", upTo: 3650, default: size.relaxationDays, unit: "days")
        size.stationarySD = try section.positiveDouble("stationary_sd", upTo: 5, default: size.stationarySD)
        if section.contains("expression_hours") {
            size.expressionDays = try section.positiveDouble("expression_hours", upTo: 24 * 3650, default: 1, unit: "hours") / 24
        } else { _ = section.value("expression_hours") }
        let stableKeys = ["stable_relaxation_days", "stabilisation_volume_um3"]
        if stableKeys.contains(where: section.contains) {
            guard form == .ou else {
                let key = stableKeys.first(where: section.contains)!
                throw section.error(key, section.value(key), "the stable state belongs to the OU form; allowed: form 'ou'")
            }
            // Without a stable state in the preset, both keys are required.
            let tau = try section.positiveDouble("stable_relaxation_days", upTo: 36_500, default: size.stability?.stableRelaxationDays,
                                                 unit: "days")
            let volume = try section.positiveDouble("stabilisation_volume_um3", upTo: 100, default: size.stability?.stabilisationVolume,
                                                    unit: "µm³")
            size.stability = SpineStability(stableRelaxationDays: tau, stabilisationVolume: volume)
        } else {
            stableKeys.forEach { _ = section.value($0) }
        }
        if form != .ou { size.stability = nil }
        if let k = try section.mapping("kesten") {
            kesten.muEpsilon = try k.double("mu_epsilon_per_s", in: -100...(-1e-12), default: kesten.muEpsilon, unit: "1/s")
            kesten.muEta = try k.positiveDouble("mu_eta_um3_per_s", upTo: 100, default: kesten.muEta, unit: "µm³/s")
            kesten.sigmaEpsilonSquared = try k.double("sigma_epsilon_sq_per_s", in: 0...100, default: kesten.sigmaEpsilonSquared, unit: "1/s")
            kesten.sigmaEtaSquared = try k.positiveDouble("sigma_eta_sq_um6_per_s", upTo: 100, default: kesten.sigmaEtaSquared, unit: "µm⁶/s")
            kesten.substepSeconds = try k.positiveDouble("substep_s", upTo: 3600, default: kesten.substepSeconds, unit: "s")
            guard kesten.sigmaEpsilonSquared < 2 * abs(kesten.muEpsilon) else {
                throw k.error("sigma_epsilon_sq_per_s", k.value("sigma_epsilon_sq_per_s"),
                              "value \(kesten.sigmaEpsilonSquared) gives the Kesten process no stationary variance; allowed: below 2|mu_epsilon_per_s| = \(2 * abs(kesten.muEpsilon))")
            }
            try k.finish()
        }
        try section.finish()
        return (form, size, kesten, preset)
    }

    static func readWeight(_ section: ConfigMapping?) throws -> FunctionalWeight {
        var weight = FunctionalWeight()
        guard let section else { return weight }
        weight.potentiatedOverDepressed = try section.positiveDouble("potentiated_over_depressed", upTo: 100, default: weight.potentiatedOverDepressed)
        weight.tauChangeSeconds = try section.positiveDouble("tau_change_s", upTo: 1e6, default: weight.tauChangeSeconds, unit: "s")
        try section.finish()
        return weight
    }

    /// The turnover rules and the spinogenesis rate setting (nil: 'auto').
    static func readTurnover(_ section: ConfigMapping?, form: PopulationModel.SizeForm) throws -> (TurnoverRules, Double?) {
        var rules = TurnoverRules()
        var rateSetting: Double? = 0
        guard let section else { return (rules, rateSetting) }
        rules.minimumVolume = try section.positiveDouble("v_min_um3", upTo: 10, default: rules.minimumVolume, unit: "µm³")
        if let hazard = try section.mapping("hazard") {
            rules.hazardEnabled = try hazard.bool("enabled", default: false)
            rules.hazardAtZero = try hazard.positiveDouble("p0_per_day", upTo: 0.999_999, default: rules.hazardAtZero)
            rules.hazardAtOne = try hazard.positiveDouble("p1_per_day", upTo: rules.hazardAtZero, default: min(rules.hazardAtOne, rules.hazardAtZero))
            rules.saturationVolume = try hazard.positiveDouble("saturation_volume_um3", upTo: 100, default: rules.saturationVolume, unit: "µm³")
            try hazard.finish()
        }
        if let spinogenesis = try section.mapping("spinogenesis") {
            rateSetting = try spinogenesis.numberOrAuto("rate_per_um_per_day", in: 0...100, default: 0, unit: "per µm per day")
            rules.newSpineVolume = try spinogenesis.positiveDouble("new_volume_um3", upTo: 10, default: rules.newSpineVolume, unit: "µm³")
            guard rules.newSpineVolume > rules.minimumVolume else {
                throw spinogenesis.error("new_volume_um3", spinogenesis.value("new_volume_um3"),
                                         "value \(rules.newSpineVolume) is not above turnover.v_min_um3 = \(rules.minimumVolume); allowed: a new spine larger than v_min")
            }
            if rateSetting == nil && (form != .ou || rules.hazardEnabled) {
                throw spinogenesis.error("rate_per_um_per_day", spinogenesis.value("rate_per_um_per_day"),
                                         "'auto' needs the OU form with the hazard off (its lifetime formula); allowed here: a number")
            }
            try spinogenesis.finish()
        }
        try section.finish()
        return (rules, rateSetting)
    }

    private static func readInitialSizes(_ node: Node, in section: ConfigMapping, model: ModelSettings) throws -> InitialSizes {
        let allowed = "'stationary', 'equilibrium', {lognormal: {mu: , sigma: }}, {uniform_um3: {min: , max: }} or {fixed_um3: v}"
        let minimumVolume = model.turnover.minimumVolume
        if let word = node.scalar?.string, node.isTagged(.str) {
            switch word {
            case "stationary": return .stationary
            case "equilibrium":
                guard model.sizeForm == .ou, model.size.intrinsicNoise else {
                    throw section.error("sizes", node, "'equilibrium' needs the OU form with intrinsic noise; allowed: \(allowed)")
                }
                return .equilibrium
            default: throw section.error("sizes", node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: \(allowed)")
            }
        }
        let spec = try ConfigMapping(node, path: section.keyPath("sizes"), source: section.source)
        let result: InitialSizes
        if let lognormal = try spec.mapping("lognormal") {
            result = .lognormal(mu: try lognormal.double("mu", in: -10...3, unit: "(ln µm³)"),
                                sigma: try lognormal.positiveDouble("sigma", upTo: 5))
            try lognormal.finish()
        } else if let uniform = try spec.mapping("uniform_um3") {
            let low = try uniform.positiveDouble("min", upTo: 100, unit: "µm³")
            let high = try uniform.positiveDouble("max", upTo: 100, unit: "µm³")
            guard low >= minimumVolume, high > low else {
                throw spec.error("uniform_um3", uniform.node, "needs v_min (\(minimumVolume)) ≤ min < max; found min \(low), max \(high)")
            }
            try uniform.finish()
            result = .uniform(minUm3: low, maxUm3: high)
        } else if spec.contains("fixed_um3") {
            let v = try spec.positiveDouble("fixed_um3", upTo: 100, unit: "µm³")
            guard v > minimumVolume else { throw spec.error("fixed_um3", spec.value("fixed_um3"), "value \(v) is not above v_min = \(minimumVolume)") }
            result = .fixed(um3: v)
        } else {
            throw section.error("sizes", node, "expected one of \(allowed)")
        }
        try spec.finish()
        return result
    }

    static func readSession(_ section: ConfigMapping?) throws -> SessionActivity {
        var s = SessionActivity()
        guard let section else { return s }
        s.trials = try section.int("trials", in: 1...100_000, default: s.trials)
        s.trialSeconds = try section.positiveDouble("trial_s", upTo: 3600, default: s.trialSeconds, unit: "s")
        s.movementSeconds = try section.positiveDouble("movement_s", upTo: 3600, default: s.movementSeconds, unit: "s")
        s.ensembleEventHz = try section.positiveDouble("ensemble_event_hz", upTo: 1000, default: s.ensembleEventHz, unit: "Hz")
        s.participation = try section.double("participation", in: 0...1, default: s.participation)
        s.jitterMs = try section.double("jitter_ms", in: 0...1000, default: s.jitterMs, unit: "ms")
        s.axonBackgroundHz = try section.double("axon_background_hz", in: 0...1000, default: s.axonBackgroundHz, unit: "Hz")
        s.backpropagationBackgroundHz = try section.double("bap_background_hz", in: 0...1000, default: s.backpropagationBackgroundHz, unit: "Hz")
        s.backpropagationPerEvent = try section.double("bap_per_event", in: 0...1, default: s.backpropagationPerEvent)
        s.bapDelayMs = try section.double("bap_delay_ms", in: -1000...1000, default: s.bapDelayMs, unit: "ms")
        guard s.movementSeconds + 1 <= s.trialSeconds else {
            throw section.error("movement_s", section.value("movement_s"),
                                "value \(ConfigMapping.format(s.movementSeconds)) leaves no room in a trial of \(ConfigMapping.format(s.trialSeconds)) s; allowed: movement_s + 1 ≤ trial_s")
        }
        try section.finish()
        return s
    }

    static func readReactivation(_ section: ConfigMapping?) throws -> ReactivationActivity {
        var r = ReactivationActivity()
        guard let section else { return r }
        r.eventsPerDay = try section.int("events_per_day", in: 1...100_000, default: r.eventsPerDay)
        r.spacingSeconds = try section.positiveDouble("spacing_s", upTo: 3600, default: r.spacingSeconds, unit: "s")
        r.burstSeconds = try section.positiveDouble("burst_s", upTo: 60, default: r.burstSeconds, unit: "s")
        r.burstEventHz = try section.positiveDouble("burst_event_hz", upTo: 1000, default: r.burstEventHz, unit: "Hz")
        r.participation = try section.double("participation", in: 0...1, default: r.participation)
        r.backpropagationPerEvent = try section.double("bap_per_event", in: 0...1, default: r.backpropagationPerEvent)
        r.bapDelayMs = try section.double("bap_delay_ms", in: -1000...1000, default: r.bapDelayMs, unit: "ms")
        guard r.burstSeconds + 1 <= r.spacingSeconds else {
            throw section.error("spacing_s", section.value("spacing_s"),
                                "value \(ConfigMapping.format(r.spacingSeconds)) leaves calcium no time to return to rest after a burst of \(ConfigMapping.format(r.burstSeconds)) s; allowed: burst_s + 1 ≤ spacing_s")
        }
        try section.finish()
        return r
    }

    static func readGuided(_ section: ConfigMapping?) throws -> ActivityGuidedSpinogenesis {
        var g = ActivityGuidedSpinogenesis()
        guard let section else { return g }
        g.g1PerUmPerDay = try section.double("g1_per_um_per_day", in: 0...100, default: g.g1PerUmPerDay, unit: "per µm per day")
        g.lengthUm = try section.positiveDouble("length_um", upTo: 1000, default: g.lengthUm, unit: "µm")
        g.enlargementThreshold = try section.positiveDouble("enlargement_threshold", upTo: 100, default: g.enlargementThreshold)
        g.taskFraction = try section.double("task_fraction", in: 0...1, default: g.taskFraction)
        g.probationDays = try section.positiveDouble("probation_days", upTo: 365, default: g.probationDays, unit: "days")
        g.coactivityWindowMs = try section.positiveDouble("coactivity_window_ms", upTo: 10_000, default: g.coactivityWindowMs, unit: "ms")
        g.coactivityThreshold = try section.double("coactivity_threshold", in: 0...1, default: g.coactivityThreshold)
        g.coactivityDistanceUm = try section.positiveDouble("coactivity_distance_um", upTo: 10_000, default: g.coactivityDistanceUm, unit: "µm")
        g.rule = ActivityGuidedSpinogenesis.Rule(rawValue: try section.choice("rule", from: ActivityGuidedSpinogenesis.Rule.allCases.map(\.rawValue),
                                                                              default: g.rule.rawValue))!
        g.cooperativeCount = try section.int("cooperative_count", in: 1...10_000, default: g.cooperativeCount)
        g.cooperativeRadiusUm = try section.positiveDouble("cooperative_radius_um", upTo: 10_000, default: g.cooperativeRadiusUm, unit: "µm")
        g.taskCorrelationLengthUm = try section.double("task_correlation_length_um", in: 0...1000, default: g.taskCorrelationLengthUm, unit: "µm")
        try section.finish()
        return g
    }
}

// MARK: the resolved configuration in experiment-file form

extension InitialPopulation {
    /// `dendrites` and `initial_population` (absent when the spines come from a file).
    var sections: [(String, ConfigTree)] {
        [("dendrites", dendritesTree)] + (spines == nil ? [("initial_population", tree)] : [])
    }

    var dendritesTree: ConfigTree {
        guard let files else { return ["count": .number(Double(dendriteCount)), "length_um": .number(dendriteLengthsUm.first ?? 0)] }
        var pairs: [(String, ConfigTree)] = [("from_csv", .text(files.dendritesPath)), ("from_csv_sha256", .text(files.dendritesSHA256))]
        if let path = files.spinesPath, let digest = files.spinesSHA256 {
            pairs += [("spines_csv", .text(path)), ("spines_csv_sha256", .text(digest))]
        }
        return .map(pairs)
    }

    var tree: ConfigTree {
        let sizesTree: ConfigTree
        switch sizes {
        case .stationary: sizesTree = "stationary"
        case .equilibrium: sizesTree = "equilibrium"
        case let .lognormal(mu, sigma): sizesTree = ["lognormal": ["mu": .number(mu), "sigma": .number(sigma)]]
        case let .uniform(low, high): sizesTree = ["uniform_um3": ["min": .number(low), "max": .number(high)]]
        case let .fixed(v): sizesTree = ["fixed_um3": .number(v)]
        }
        return ["density_per_um": .number(densityPerUm), "fraction_potentiated": .number(fractionPotentiated), "sizes": sizesTree]
    }
}

extension ModelSettings {
    /// The model sections, in experiment-file form.
    var sections: [(String, ConfigTree)] {
        var pairs: [(String, ConfigTree)] = [
            ("plasticity", .map([("preset", .text(plasticity.preset))] + ModelSettings.parameterPairs(plasticity.parameters))),
            ("size_dynamics", .map([
                ("preset", .text(sizePreset)), ("form", .text(sizeForm.rawValue)), ("intrinsic_noise", .flag(size.intrinsicNoise)),
                ("baseline_log_volume", .number(size.baselineLogVolume)), ("potentiation_log_shift", .number(size.potentiationLogShift)),
                ("relaxation_days", .number(size.relaxationDays)), ("stationary_sd", .number(size.stationarySD)),
            ] + (size.expressionDays.map { [("expression_hours", ConfigTree.number($0 * 24))] as [(String, ConfigTree)] } ?? [])
              + (size.stability.map { [("stable_relaxation_days", ConfigTree.number($0.stableRelaxationDays)),
                                       ("stabilisation_volume_um3", ConfigTree.number($0.stabilisationVolume))] } ?? []) + [
                ("kesten", ["mu_epsilon_per_s": .number(kesten.muEpsilon), "mu_eta_um3_per_s": .number(kesten.muEta),
                            "sigma_epsilon_sq_per_s": .number(kesten.sigmaEpsilonSquared),
                            "sigma_eta_sq_um6_per_s": .number(kesten.sigmaEtaSquared), "substep_s": .number(kesten.substepSeconds)]),
            ])),
            ("functional_weight", ["potentiated_over_depressed": .number(weight.potentiatedOverDepressed),
                                   "tau_change_s": .number(weight.tauChangeSeconds)]),
            ("turnover", [
                "v_min_um3": .number(turnover.minimumVolume),
                "hazard": ["enabled": .flag(turnover.hazardEnabled), "p0_per_day": .number(turnover.hazardAtZero),
                           "p1_per_day": .number(turnover.hazardAtOne), "saturation_volume_um3": .number(turnover.saturationVolume)],
                "spinogenesis": ["rate_per_um_per_day": spinogenesisRateSetting.map { .number($0) } ?? "auto",
                                 "new_volume_um3": .number(turnover.newSpineVolume)],
            ]),
        ]
        if let activity {
            let s = activity.session, r = activity.reactivation, g = activity.guided
            pairs += [
                ("diffusion", activity.diffusion.tree),
                ("heterosynaptic", activity.processes.tree),
                ("session", ["trials": .number(Double(s.trials)), "trial_s": .number(s.trialSeconds), "movement_s": .number(s.movementSeconds),
                             "ensemble_event_hz": .number(s.ensembleEventHz), "participation": .number(s.participation),
                             "jitter_ms": .number(s.jitterMs), "axon_background_hz": .number(s.axonBackgroundHz),
                             "bap_background_hz": .number(s.backpropagationBackgroundHz), "bap_per_event": .number(s.backpropagationPerEvent),
                             "bap_delay_ms": .number(s.bapDelayMs)]),
                ("reactivation", ["events_per_day": .number(Double(r.eventsPerDay)), "spacing_s": .number(r.spacingSeconds),
                                  "burst_s": .number(r.burstSeconds), "burst_event_hz": .number(r.burstEventHz),
                                  "participation": .number(r.participation), "bap_per_event": .number(r.backpropagationPerEvent),
                                  "bap_delay_ms": .number(r.bapDelayMs)]),
                ("activity_guided", ["g1_per_um_per_day": .number(g.g1PerUmPerDay), "length_um": .number(g.lengthUm),
                                     "enlargement_threshold": .number(g.enlargementThreshold), "task_fraction": .number(g.taskFraction),
                                     "probation_days": .number(g.probationDays), "coactivity_window_ms": .number(g.coactivityWindowMs),
                                     "coactivity_threshold": .number(g.coactivityThreshold), "coactivity_distance_um": .number(g.coactivityDistanceUm),
                                     "rule": .text(g.rule.rawValue), "cooperative_count": .number(Double(g.cooperativeCount)),
                                     "cooperative_radius_um": .number(g.cooperativeRadiusUm),
                                     "task_correlation_length_um": .number(g.taskCorrelationLengthUm)]),
            ]
        }
        return pairs
    }

    /// The plasticity parameters under their experiment-file names.
    static func parameterPairs(_ p: PlasticityParameters) -> [(String, ConfigTree)] {
        [("tau_ca_ms", .number(p.tauCalciumMs)), ("c_pre", .number(p.calciumPre)), ("c_post", .number(p.calciumPost)),
         ("theta_d", .number(p.thetaDepression)), ("theta_p", .number(p.thetaPotentiation)),
         ("gamma_d", .number(p.gammaDepression)), ("gamma_p", .number(p.gammaPotentiation)), ("sigma", .number(p.sigma)),
         ("tau_rho_s", .number(p.tauEfficacySeconds)), ("delay_ms", .number(p.delayMs)), ("rho_star", .number(p.rhoStar)),
         ("beta", .number(p.beta)), ("b", .number(p.weightRatio))]
    }
}
