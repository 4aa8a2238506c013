import Foundation
import SpineModel

/// The `population` experiment: dendrites in the home cage (no activity),
/// intrinsic and extrinsic size dynamics, turnover (docs/MODEL.md §3–4).
/// Its schedule is one home-cage phase of `duration_days`.
public struct PopulationConfig: Sendable {
    public var population: InitialPopulation
    public var settings: ModelSettings
    public var durationDays: Int
    /// Steps per day (the step is 1/stepsPerDay days).
    public var stepsPerDay: Int
    public var recording: RecordingPlan

    /// The schedule: `duration_days` of home cage in steps of `step_days`.
    var schedule: Schedule {
        Schedule(phases: [.homeCage(HomeCagePhase(days: durationDays, stepsPerDay: stepsPerDay,
                                                  settings: PhaseSettings(model: settings, overriddenSections: [])))],
                 tasks: [])
    }

    static func read(_ root: ConfigMapping) throws -> PopulationConfig {
        let duration = try root.integer(ExperimentKind.durationDays)
        let stepsPerDay = try root.stepsPerDay()
        var settings = try ModelSettings.read(root, withActivity: false)
        let population = try ModelSettings.readInitialPopulation(root, model: settings, taskEnsembles: false)
        settings.stationaryDensityPerUm = population.densityPerUm
        try ResourceLimits.checkInitialSizes(population, model: settings, in: root)

        let days = 0...duration
        var recording = RecordingPlan(sizeDistributionDays: [0, duration], sizeBins: Keys.defaultSizeBins,
                                      fluctuationBins: Keys.defaultFluctuationBins, survivalCohortDays: [0])
        if let section = try root.mapping("recording") {
            recording.sizeDistributionDays = try section.wholeDays(Keys.sizeDistributionDays.key, in: days) ?? recording.sizeDistributionDays
            if let bins = try section.mapping(Keys.sizeBins.key) { recording.sizeBins = try readBins(bins) }
            if let bins = try section.mapping(Keys.fluctuationBins.key) { recording.fluctuationBins = try readBins(bins) }
            recording.survivalCohortDays = try section.wholeDays(Keys.survivalCohortDays.key, in: days, maxCount: 2) ?? recording.survivalCohortDays
            recording.turnoverEvents = try section.turnoverEvents(Keys.turnoverEvents.key)
            try section.finish()
        }
        return PopulationConfig(population: population, settings: settings, durationDays: duration, stepsPerDay: stepsPerDay,
                                recording: recording)
    }

    /// The keys of `recording` (ranges of days up to `duration_days`).
    enum Keys {
        static let defaultSizeBins = VolumeBins(lowerUm3: 0.005, upperUm3: 5, count: 45)
        static let defaultFluctuationBins = VolumeBins(lowerUm3: 0.02, upperUm3: 1, count: 12)
        static let sizeDistributionDays = SettingDeclaration.wholeGrid("size_distribution_days", 0...36_500, unit: "days",
                                                                       "Days of the size distributions (default: 0 and the last day)")
        static let sizeBins = SettingDeclaration.volumeBins("size_bins", default: defaultSizeBins, "Bins of the size distributions")
        static let fluctuationBins = SettingDeclaration.volumeBins("fluctuation_bins", default: defaultFluctuationBins,
                                                                   "Bins of the one-day fluctuations by size")
        static let survivalCohortDays = SettingDeclaration.wholeGrid("survival_cohort_days", 0...36_500, unit: "days", default: [0],
                                                                     "Days whose spines are followed as survival cohorts (at most 2)")
        static let turnoverEvents = SettingDeclaration(key: "turnover_events", type: .custom("`false`, `csv` or `gzip`", schema: [
            "enum": [false, true, "csv", "gzip"]]), defaultValue: false, summary: "The per-event log: off, turnover.csv, or turnover.csv.gz (true means csv)")
        static let binLower = SettingDeclaration(key: "min_um3", type: .number(.positive(upTo: 100)), unit: "µm³", required: true,
                                                 summary: "Lower edge of the first bin")
        static let binUpper = SettingDeclaration(key: "max_um3", type: .number(.positive(upTo: 1000)), unit: "µm³", required: true,
                                                 summary: "Upper edge of the last bin")
        static let binCount = SettingDeclaration(key: "count", type: .integer(1...1000), required: true, summary: "Number of log-spaced bins")
    }

    static var recordingDeclaration: SettingDeclaration {
        SettingDeclaration(key: "recording", type: .section(name: "recording-population", [
            Keys.sizeDistributionDays, Keys.sizeBins, Keys.fluctuationBins, Keys.survivalCohortDays, Keys.turnoverEvents,
        ]), summary: "What the run records")
    }

    /// `{min_um3, max_um3, count}`: log-spaced volume bins.
    static func readBins(_ bins: ConfigMapping) throws -> VolumeBins {
        let low = try bins.number(Keys.binLower)
        let high = try bins.number(Keys.binUpper)
        let count = try bins.integer(Keys.binCount)
        guard high > low else { throw bins.error(Keys.binUpper.key, bins.value(Keys.binUpper.key), "value \(high) is not above min_um3 = \(low)") }
        try bins.finish()
        return VolumeBins(lowerUm3: low, upperUm3: high, count: count)
    }
}

extension ConfigMapping {
    /// `recording.turnover_events`: false (the default), csv or gzip; true,
    /// its meaning before gzip existed, is csv.
    func turnoverEvents(_ key: String) throws -> TurnoverEvents {
        guard let node = value(key) else { return .off }
        if node.isTagged(.bool), let b = node.bool { return b ? .csv : .off }
        if node.isTagged(.str), let word = node.scalar?.string, let events = TurnoverEvents(rawValue: word), events != .off {
            return events
        }
        throw error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: false, \"csv\" or \"gzip\" (true means \"csv\")")
    }

    /// true or false.
    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let node = value(key) else { return defaultValue }
        guard node.isTagged(.bool), let b = node.bool else {
            throw error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: true or false")
        }
        return b
    }

    /// A number in `range`, or the word `auto` (returned as nil).
    func numberOrAuto(_ key: String, in range: NumberRange, default defaultValue: Double, unit: String) throws -> Double? {
        guard let node = value(key) else { return defaultValue }
        if node.isTagged(.str), node.scalar?.string == "auto" { return nil }
        return try ConfigMapping.number(node, in: range, unit: unit) { message in
            error(key, node, message.replacingOccurrences(of: "allowed: ", with: "allowed: 'auto' or "))
        }
    }

    /// Whole days within `range` (a number, a list or a range), sorted,
    /// distinct; nil when the key is absent.
    func wholeDays(_ key: String, in range: ClosedRange<Int>, maxCount: Int = 100_000) throws -> [Int]? {
        guard let node = value(key) else { return nil }
        let values = try grid(key, in: Double(range.lowerBound)...Double(range.upperBound), unit: "days", maxCount: maxCount)
        guard values.allSatisfy({ $0 == $0.rounded() }) else {
            throw error(key, node, "\(values.first { $0 != $0.rounded() }!) is not a whole day; allowed: whole days from \(range.lowerBound) to \(range.upperBound)")
        }
        return Array(Set(values.map { Int($0) })).sorted()
    }
}

extension PopulationConfig {
    /// The resolved configuration in experiment-file form.
    var tree: ConfigTree {
        let populationSections = population.sections
        return .map(Array(populationSections.prefix(1)) + [
            (ExperimentKind.durationDays.key, .number(Double(durationDays))),
            (ExperimentKind.stepDays.key, .number(1 / Double(stepsPerDay))),
        ] + Array(populationSections.dropFirst()) + settings.sections + [
            ("recording", [
                Keys.sizeDistributionDays.key: .numbers(recording.sizeDistributionDays),
                Keys.sizeBins.key: recording.sizeBins.tree, Keys.fluctuationBins.key: recording.fluctuationBins.tree,
                Keys.survivalCohortDays.key: .numbers(recording.survivalCohortDays),
                Keys.turnoverEvents.key: recording.turnoverEvents == .off ? .flag(false) : .text(recording.turnoverEvents.rawValue),
            ]),
        ])
    }
}

extension VolumeBins {
    /// The bins in experiment-file form.
    var tree: ConfigTree {
        typealias Keys = PopulationConfig.Keys
        return [Keys.binLower.key: .number(lowerUm3), Keys.binUpper.key: .number(upperUm3), Keys.binCount.key: .number(Double(count))]
    }
}
