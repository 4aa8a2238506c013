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
        let weight = try weightSettings.read(root.mapping("functional_weight"), defaults: FunctionalWeight())
        var settings = ModelSettings(plasticity: plasticity, sizePreset: sizePreset, sizeForm: form, size: size, kesten: kesten,
                                     weight: weight, turnover: TurnoverRules(),
                                     spinogenesisRateSetting: 0, stationaryDensityPerUm: 0, activity: nil)
        try readTurnover(root.mapping("turnover"), into: &settings)
        if withActivity {
            settings.activity = ActivitySettings(diffusion: try DiffusionParameters.read(root.mapping("diffusion")),
                                                 processes: try HeterosynapticProcesses.read(root.mapping("heterosynaptic")),
                                                 session: try readSession(root.mapping("session")),
                                                 reactivation: try readReactivation(root.mapping("reactivation")),
                                                 guided: try guidedSettings.read(root.mapping("activity_guided"),
                                                                                 defaults: ActivityGuidedSpinogenesis()))
        }
        return settings
    }

    /// `dendrites` and `initial_population`, checked against the model
    /// (v_min, the size form, the density that 'auto' keeps). `taskEnsembles`:
    /// whether the kind wires task ensembles (a spines file may then carry a
    /// `task` column).
    static func readInitialPopulation(_ root: ConfigMapping, model: ModelSettings, taskEnsembles: Bool) throws -> InitialPopulation {
        let dendrites = try readDendrites(root, model: model, taskEnsembles: taskEnsembles)
        var population = InitialPopulation.defaults(dendriteLengthsUm: dendrites.lengthsUm)
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
            try InitialPopulation.settings.readKeys(section, into: &population)
            if let node = section.value(InitialPopulation.sizesKey.key) { population.sizes = try readInitialSizes(node, in: section, model: model) }
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
        typealias Keys = DendriteKeys
        guard dendrites.contains(Keys.fromCSV.key) else {
            if dendrites.contains(Keys.spinesCSV.key) {
                throw dendrites.error(Keys.spinesCSV.key, dendrites.value(Keys.spinesCSV.key), "spines need their dendrites; allowed: spines_csv with from_csv")
            }
            let count = try dendrites.integer(Keys.count)
            let length = try dendrites.number(Keys.length)
            try dendrites.finish()
            return (Array(repeating: length, count: count), nil, nil)
        }
        for key in [Keys.count.key, Keys.length.key] where dendrites.contains(key) {
            throw dendrites.error(key, dendrites.value(key),
                                  "the dendrites and their lengths come from from_csv; allowed: either from_csv or count and length_um")
        }
        let table = try CSVDataFile.read(Keys.fromCSV.key, of: dendrites, required: ["dendrite", "length_um"], optional: ["radius_um"],
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
        if dendrites.contains(Keys.spinesCSV.key) {
            let spineTable = try CSVDataFile.read(Keys.spinesCSV.key, of: dendrites, required: ["dendrite", "position_um", "volume_um3"],
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

    /// The keys of `dendrites`: `{count, length_um}`, or `{from_csv}` with an
    /// optional `spines_csv` (each with its digest, `<key>_sha256`).
    enum DendriteKeys {
        static let count = SettingDeclaration(key: "count", type: .integer(1...maximumDendrites), required: true, summary: "Number of dendrites")
        static let length = SettingDeclaration(key: "length_um", type: .number(.positive(upTo: 100_000)), unit: "µm", required: true,
                                               summary: "Length of each dendrite")
        static let fromCSV = SettingDeclaration(key: "from_csv", type: .text, required: true,
                                                summary: "CSV file of the dendrites (dendrite, length_um, optionally radius_um), relative to the experiment file")
        static let spinesCSV = SettingDeclaration(key: "spines_csv", type: .text,
                                                  summary: "CSV file of the day-0 spines (dendrite, position_um, volume_um3, optionally rho and task)")

        /// The SHA-256 that a data file given by `file` must have.
        static func digest(of file: SettingDeclaration) -> SettingDeclaration {
            SettingDeclaration(key: "\(file.key)_sha256", type: .text, summary: "SHA-256 the \(file.key) file must have (the resolved configuration records it)")
        }

        static var declaration: SettingDeclaration {
            SettingDeclaration(key: "dendrites", type: .oneOf("mapping: count and length, or CSV files", [
                .section(name: "dendrites", [count, length]),
                .section(name: "dendrites-from-csv", [fromCSV, digest(of: fromCSV), spinesCSV, digest(of: spinesCSV)]),
            ]), required: true, summary: "The dendrites: drawn, or read from CSV files")
        }
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
        try sizeSettings.readKeys(section, into: &size)
        let keys = SizeKeys(preset: size)
        if let hours = try section.number(ifPresent: keys.expressionHours) { size.expressionDays = hours / 24 }
        let stableKeys = [keys.stableRelaxationDays, keys.stabilisationVolume]
        if let given = stableKeys.first(where: { section.contains($0.key) }) {
            guard form == .ou else {
                throw section.error(given.key, section.value(given.key), "the stable state belongs to the OU form; allowed: form 'ou'")
            }
            // Without a stable state in the preset, both keys are required.
            size.stability = SpineStability(stableRelaxationDays: try section.number(keys.stableRelaxationDays),
                                            stabilisationVolume: try section.number(keys.stabilisationVolume))
        } else {
            stableKeys.forEach { _ = section.value($0.key) }
        }
        if form != .ou { size.stability = nil }
        if let k = try section.mapping("kesten") {
            try kestenSettings.read(k, into: &kesten)
            guard kesten.sigmaEpsilonSquared < 2 * abs(kesten.muEpsilon) else {
                throw k.error("sigma_epsilon_sq_per_s", k.value("sigma_epsilon_sq_per_s"),
                              "value \(kesten.sigmaEpsilonSquared) gives the Kesten process no stationary variance; allowed: below 2|mu_epsilon_per_s| = \(2 * abs(kesten.muEpsilon))")
            }
        }
        try section.finish()
        return (form, size, kesten, preset)
    }

    /// The OU parameters of `size_dynamics`, over the preset's values.
    static var sizeSettings: SettingSection<LogSizeOU> {
        SettingSection("size-ou", [
            .flag("intrinsic_noise", \.intrinsicNoise, "The intrinsic (activity-independent) size noise"),
            .number("baseline_log_volume", \.baselineLogVolume, .from(-10, to: 3), unit: "(ln µm³)", "m₀: mean ln v of a depressed spine"),
            .number("potentiation_log_shift", \.potentiationLogShift, .from(-5, to: 5), "Shift of mean ln v of a potentiated spine"),
            .number("relaxation_days", \.relaxationDays, .positive(upTo: 3650), unit: "days", "τ_s: relaxation time of ln v"),
            .number("stationary_sd", \.stationarySD, .positive(upTo: 5), "SD of ln v around its target"),
        ])
    }

    /// `size_dynamics`, declared with the default preset's values.
    static var sizeDynamicsType: SettingType {
        let preset = StructuralPreset.adultCortex.size
        return .section(name: "size_dynamics", [
            .init(key: "preset", type: .choice(sizePresets), defaultValue: .text(StructuralPreset.adultCortex.rawValue),
                  summary: "Structural preset whose parameters the other keys override (none: the bare OU)"),
            .init(key: "form", type: .choice(PopulationModel.SizeForm.allCases.map(\.rawValue)), defaultValue: "ou",
                  summary: "OU on log size, or the Kesten process"),
        ] + sizeSettings.declarations(defaults: preset) + SizeKeys(preset: preset).all + [
            .init(key: "kesten", type: kestenSettings.type(defaults: KestenProcess()), summary: "The Kesten process (form kesten)"),
        ])
    }

    /// The keys of `size_dynamics` that are optional in the model (their
    /// defaults are the preset's; nil: the preset has none).
    struct SizeKeys {
        let expressionHours, stableRelaxationDays, stabilisationVolume: SettingDeclaration
        var all: [SettingDeclaration] { [expressionHours, stableRelaxationDays, stabilisationVolume] }

        init(preset size: LogSizeOU) {
            expressionHours = SettingDeclaration(key: "expression_hours", type: .number(.positive(upTo: 24 * 3650)), unit: "hours",
                                                 defaultValue: size.expressionDays.map { .number($0 * 24) },
                                                 summary: "τ_e: structural expression time of a change of ρ (none: through τ_s)")
            stableRelaxationDays = SettingDeclaration(key: "stable_relaxation_days", type: .number(.positive(upTo: 36_500)), unit: "days",
                                                      defaultValue: size.stability.map { .number($0.stableRelaxationDays) },
                                                      summary: "τ_st: relaxation time of a stable spine (OU form)")
            stabilisationVolume = SettingDeclaration(key: "stabilisation_volume_um3", type: .number(.positive(upTo: 100)), unit: "µm³",
                                                     defaultValue: size.stability.map { .number($0.stabilisationVolume) },
                                                     summary: "Volume above which a volatile spine becomes stable (OU form)")
        }

        /// The keys the model has, with its values.
        func pairs(_ size: LogSizeOU) -> [(String, ConfigTree)] {
            (size.expressionDays.map { [(expressionHours.key, ConfigTree.number($0 * 24))] } ?? [])
                + (size.stability.map { [(stableRelaxationDays.key, .number($0.stableRelaxationDays)),
                                         (stabilisationVolume.key, .number($0.stabilisationVolume))] } ?? [])
        }
    }

    /// The model sections at their defaults (for declarations).
    static var defaults: ModelSettings {
        ModelSettings(plasticity: PlasticityConfig(preset: .dp), sizePreset: StructuralPreset.adultCortex.rawValue, sizeForm: .ou,
                      size: StructuralPreset.adultCortex.size, kesten: KestenProcess(), weight: FunctionalWeight(), turnover: TurnoverRules(),
                      spinogenesisRateSetting: 0, stationaryDensityPerUm: 0, activity: nil)
    }

    static var weightSettings: SettingSection<FunctionalWeight> {
        SettingSection("functional_weight", [
            .number("potentiated_over_depressed", \.potentiatedOverDepressed, .positive(upTo: 100),
                    "Functional weight of a potentiated spine over a depressed one (§4)"),
            .number("tau_change_s", \.tauChangeSeconds, .positive(upTo: 1e6), unit: "s", "Time constant with which ρ is expressed in the weight"),
        ])
    }

    /// `turnover` (docs/MODEL.md §4): elimination and baseline spinogenesis.
    static var turnoverSettings: SettingSection<ModelSettings> {
        SettingSection("turnover", [
            .number("v_min_um3", \.turnover.minimumVolume, .positive(upTo: 10), unit: "µm³", "v_min: spines below it are eliminated"),
            .section("hazard", \.turnover, SettingSection("turnover-hazard", [
                .flag("enabled", \.hazardEnabled, "A size-dependent elimination hazard"),
                .number("p0_per_day", \.hazardAtZero, .positive(upTo: 0.999_999), unit: "per day", "Elimination probability per day of the smallest spines"),
                .number("p1_per_day", \.hazardAtOne, .positive(upTo: 0.999_999), unit: "per day", "Elimination probability per day at the saturation volume (at most p0_per_day)"),
                .number("saturation_volume_um3", \.saturationVolume, .positive(upTo: 100), unit: "µm³", "Volume above which the hazard stays at p1_per_day"),
            ]), "Size-dependent elimination hazard"),
            .section("spinogenesis", \.self, SettingSection("turnover-spinogenesis", [
                .numberOrAuto("rate_per_um_per_day", \.spinogenesisRateSetting, .from(0, to: 100), unit: "per µm per day",
                              "Baseline spinogenesis; auto: the rate that keeps the initial density stationary (OU form, hazard off)"),
                .number("new_volume_um3", \.turnover.newSpineVolume, .positive(upTo: 10), unit: "µm³", "Volume of a new spine (above v_min)"),
            ]), "Baseline spinogenesis"),
        ])
    }

    /// Reads `turnover` into `settings` and checks it against the size form.
    static func readTurnover(_ section: ConfigMapping?, into settings: inout ModelSettings) throws {
        guard let section else { return }
        try turnoverSettings.read(section, into: &settings)
        // p1 is at most p0: an explicit p1 above it is out of range, a default one is lowered to it.
        if section.peek(path: "hazard") != nil, settings.turnover.hazardAtOne > settings.turnover.hazardAtZero {
            if let node = section.peek(path: "hazard.p1_per_day") {
                let path = section.keyPath("hazard.p1_per_day")
                throw ConfigError(location: section.source.location(of: node, keyPath: path), keyPath: path,
                                  message: "value \(ConfigMapping.describe(node)) is out of range; allowed: \(NumberRange.positive(upTo: settings.turnover.hazardAtZero).allowed(unit: ""))")
            }
            settings.turnover.hazardAtOne = settings.turnover.hazardAtZero
        }
        guard let node = section.peek(path: "spinogenesis") else { return }
        func error(_ key: String, _ message: String) -> ConfigError {
            let path = section.keyPath("spinogenesis.\(key)")
            return ConfigError(location: section.source.location(of: section.peek(path: "spinogenesis.\(key)") ?? node, keyPath: path),
                               keyPath: path, message: message)
        }
        let rules = settings.turnover
        guard rules.newSpineVolume > rules.minimumVolume else {
            throw error("new_volume_um3", "value \(rules.newSpineVolume) is not above turnover.v_min_um3 = \(rules.minimumVolume); allowed: a new spine larger than v_min")
        }
        if settings.spinogenesisRateSetting == nil && (settings.sizeForm != .ou || rules.hazardEnabled) {
            throw error("rate_per_um_per_day", "'auto' needs the OU form with the hazard off (its lifetime formula); allowed here: a number")
        }
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

    static var kestenSettings: SettingSection<KestenProcess> {
        SettingSection("kesten", [
            .number("mu_epsilon_per_s", \.muEpsilon, .from(-100, to: -1e-12), unit: "1/s", "μ_ε: mean multiplicative rate (negative)"),
            .number("mu_eta_um3_per_s", \.muEta, .positive(upTo: 100), unit: "µm³/s", "μ_η: mean additive rate"),
            .number("sigma_epsilon_sq_per_s", \.sigmaEpsilonSquared, .from(0, to: 100), unit: "1/s", "σ_ε²: variance rate of the multiplicative noise (below 2|μ_ε|)"),
            .number("sigma_eta_sq_um6_per_s", \.sigmaEtaSquared, .positive(upTo: 100), unit: "µm⁶/s", "σ_η²: variance rate of the additive noise"),
            .number("substep_s", \.substepSeconds, .from(0.001, to: 3600), unit: "s", "Integration substep of the Kesten process"),
        ])
    }

    static var sessionSettings: SettingSection<SessionActivity> {
        SettingSection("session", [
            .integer("trials", \.trials, 1...100_000, "Trials per session (§5)"),
            .number("trial_s", \.trialSeconds, .positive(upTo: 3600), unit: "s", "Length of a trial"),
            .number("movement_s", \.movementSeconds, .positive(upTo: 3600), unit: "s", "Movement period of a trial (movement_s + 1 ≤ trial_s)"),
            .number("ensemble_event_hz", \.ensembleEventHz, .positive(upTo: 1000), unit: "Hz", "Rate of ensemble events during movement"),
            .number("participation", \.participation, .from(0, to: 1), "Probability that a task axon joins an ensemble event"),
            .number("jitter_ms", \.jitterMs, .from(0, to: 1000), unit: "ms", "SD of the Gaussian jitter of a participating spike"),
            .number("axon_background_hz", \.axonBackgroundHz, .from(0, to: 1000), unit: "Hz", "Poisson background rate of every axon"),
            .number("bap_background_hz", \.backpropagationBackgroundHz, .from(0, to: 1000), unit: "Hz", "Poisson background rate of bAPs"),
            .number("bap_per_event", \.backpropagationPerEvent, .from(0, to: 1), "Probability of a bAP per ensemble event"),
            .number("bap_delay_ms", \.bapDelayMs, .from(-1000, to: 1000), unit: "ms", "Delay of that bAP after the event (learning regime)"),
        ])
    }

    static func readSession(_ section: ConfigMapping?) throws -> SessionActivity {
        let s = try sessionSettings.read(section, defaults: SessionActivity())
        guard let section, s.movementSeconds + 1 > s.trialSeconds else { return s }
        throw section.error("movement_s", section.peek("movement_s"),
                            "value \(ConfigMapping.format(s.movementSeconds)) leaves no room in a trial of \(ConfigMapping.format(s.trialSeconds)) s; allowed: movement_s + 1 ≤ trial_s")
    }

    static var reactivationSettings: SettingSection<ReactivationActivity> {
        SettingSection("reactivation", [
            .integer("events_per_day", \.eventsPerDay, 1...100_000, "Offline reactivation bursts per day (§5)"),
            .number("spacing_s", \.spacingSeconds, .positive(upTo: 3600), unit: "s", "Spacing of the bursts (burst_s + 1 ≤ spacing_s)"),
            .number("burst_s", \.burstSeconds, .positive(upTo: 60), unit: "s", "Length of a burst"),
            .number("burst_event_hz", \.burstEventHz, .positive(upTo: 1000), unit: "Hz", "Rate of ensemble events within a burst"),
            .number("participation", \.participation, .from(0, to: 1), "Probability that a task axon joins an event"),
            .number("bap_per_event", \.backpropagationPerEvent, .from(0, to: 1), "Probability of a bAP per event"),
            .number("bap_delay_ms", \.bapDelayMs, .from(-1000, to: 1000), unit: "ms", "Delay of that bAP after the event"),
        ])
    }

    static func readReactivation(_ section: ConfigMapping?) throws -> ReactivationActivity {
        let r = try reactivationSettings.read(section, defaults: ReactivationActivity())
        guard let section, r.burstSeconds + 1 > r.spacingSeconds else { return r }
        throw section.error("spacing_s", section.peek("spacing_s"),
                            "value \(ConfigMapping.format(r.spacingSeconds)) leaves calcium no time to return to rest after a burst of \(ConfigMapping.format(r.burstSeconds)) s; allowed: burst_s + 1 ≤ spacing_s")
    }

    static var guidedSettings: SettingSection<ActivityGuidedSpinogenesis> {
        SettingSection("activity_guided", [
            .number("g1_per_um_per_day", \.g1PerUmPerDay, .from(0, to: 100), unit: "per µm per day", "g₁: rate of activity-guided spinogenesis (§4)"),
            .number("length_um", \.lengthUm, .positive(upTo: 1000), unit: "µm", "Length of dendrite around an eligible spine where new spines may form"),
            .number("enlargement_threshold", \.enlargementThreshold, .positive(upTo: 100), unit: "v/v_baseline", "An enlarged spine: v/v_baseline at least this"),
            .number("task_fraction", \.taskFraction, .from(0, to: 1), "f_task: fraction of the dendrite that carries task axons"),
            .number("probation_days", \.probationDays, .positive(upTo: 365), unit: "days", "Probation of a new spine"),
            .number("coactivity_window_ms", \.coactivityWindowMs, .positive(upTo: 10_000), unit: "ms", "Events within ± this are coincident"),
            .number("coactivity_threshold", \.coactivityThreshold, .from(0, to: 1), "Co-activity that makes a spine eligible"),
            .number("coactivity_distance_um", \.coactivityDistanceUm, .positive(upTo: 10_000), unit: "µm", "Distance within which co-activity is counted"),
            .choice("rule", \.rule, "The rule of activity-guided spinogenesis"),
            .integer("cooperative_count", \.cooperativeCount, 1...10_000, unit: "spines", "k: eligible spines the cooperative rule needs"),
            .number("cooperative_radius_um", \.cooperativeRadiusUm, .positive(upTo: 10_000), unit: "µm", "r_e: radius of the cooperative rule"),
            .number("task_correlation_length_um", \.taskCorrelationLengthUm, .from(0, to: 1000), unit: "µm",
                    "ℓ: correlation length of the task inputs along the dendrite (0: independent placement)"),
        ])
    }
}

// MARK: the resolved configuration in experiment-file form

extension InitialPopulation {
    /// `dendrites` and `initial_population` (absent when the spines come from a file).
    var sections: [(String, ConfigTree)] {
        [("dendrites", dendritesTree)] + (spines == nil ? [("initial_population", tree)] : [])
    }

    var dendritesTree: ConfigTree {
        typealias Keys = ModelSettings.DendriteKeys
        guard let files else {
            return [Keys.count.key: .number(Double(dendriteCount)), Keys.length.key: .number(dendriteLengthsUm.first ?? 0)]
        }
        var pairs: [(String, ConfigTree)] = [(Keys.fromCSV.key, .text(files.dendritesPath)),
                                             (Keys.digest(of: Keys.fromCSV).key, .text(files.dendritesSHA256))]
        if let path = files.spinesPath, let digest = files.spinesSHA256 {
            pairs += [(Keys.spinesCSV.key, .text(path)), (Keys.digest(of: Keys.spinesCSV).key, .text(digest))]
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
        return .map(InitialPopulation.settings.pairs(self) + [(InitialPopulation.sizesKey.key, sizesTree)])
    }

    /// The population `readInitialPopulation` starts from.
    static func defaults(dendriteLengthsUm: [Double]) -> InitialPopulation {
        InitialPopulation(dendriteLengthsUm: dendriteLengthsUm, densityPerUm: 1.5, fractionPotentiated: 2.0 / 7.0, sizes: .stationary)
    }

    /// `initial_population` (docs/MODEL.md §4): the drawn day-0 spines.
    static var settings: SettingSection<InitialPopulation> {
        SettingSection("initial_population", [
            .number("density_per_um", \.densityPerUm, .from(0, to: 100), unit: "spines/µm", "Mean density of day-0 spines"),
            .number("fraction_potentiated", \.fractionPotentiated, .from(0, to: 1), "Fraction of day-0 spines that start potentiated (ρ = 1, else 0)"),
        ])
    }

    static let sizesKey = SettingDeclaration(
        key: "sizes", type: .custom("`stationary`, `equilibrium`, {lognormal: {mu, sigma}}, {uniform_um3: {min, max}} or {fixed_um3: v}", schema: [
            "anyOf": [
                ["enum": ["stationary", "equilibrium"]],
                ["type": "object", "properties": ["lognormal": ["type": "object", "properties": [
                    "mu": ["type": "number", "minimum": -10, "maximum": 3], "sigma": ["type": "number", "exclusiveMinimum": 0, "maximum": 5]],
                    "required": ["mu", "sigma"], "additionalProperties": false]], "required": ["lognormal"], "additionalProperties": false],
                ["type": "object", "properties": ["uniform_um3": ["type": "object", "properties": [
                    "min": ["type": "number", "exclusiveMinimum": 0, "maximum": 100], "max": ["type": "number", "exclusiveMinimum": 0, "maximum": 100]],
                    "required": ["min", "max"], "additionalProperties": false]], "required": ["uniform_um3"], "additionalProperties": false],
                ["type": "object", "properties": ["fixed_um3": ["type": "number", "exclusiveMinimum": 0, "maximum": 100]],
                 "required": ["fixed_um3"], "additionalProperties": false],
            ],
        ]), defaultValue: "stationary", summary: "How day-0 sizes are drawn (all above v_min; equilibrium: OU form with intrinsic noise)")

    /// The declaration of `initial_population`.
    static var declaration: SettingDeclaration {
        SettingDeclaration(key: "initial_population", type: .section(name: "initial_population",
                                                                       settings.declarations(defaults: defaults(dendriteLengthsUm: [])) + [sizesKey]),
                           summary: "The day-0 spines (not with dendrites.spines_csv)")
    }
}

extension ModelSettings {
    /// The model sections, in experiment-file form.
    var sections: [(String, ConfigTree)] {
        var pairs: [(String, ConfigTree)] = [
            ("plasticity", plasticity.tree),
            ("size_dynamics", .map([
                ("preset", .text(sizePreset)), ("form", .text(sizeForm.rawValue)),
            ] + ModelSettings.sizeSettings.pairs(size) + SizeKeys(preset: size).pairs(size) + [
                ("kesten", ModelSettings.kestenSettings.tree(kesten)),
            ])),
            ("functional_weight", ModelSettings.weightSettings.tree(weight)),
            ("turnover", ModelSettings.turnoverSettings.tree(self)),
        ]
        if let activity {
            pairs += [
                ("diffusion", activity.diffusion.tree),
                ("heterosynaptic", activity.processes.tree),
                ("session", ModelSettings.sessionSettings.tree(activity.session)),
                ("reactivation", ModelSettings.reactivationSettings.tree(activity.reactivation)),
                ("activity_guided", ModelSettings.guidedSettings.tree(activity.guided)),
            ]
        }
        return pairs
    }
}
