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
        let duration = try root.int("duration_days", in: 1...36_500)
        let stepsPerDay = try root.stepsPerDay("step_days")
        var settings = try ModelSettings.read(root, withActivity: false)
        let population = try ModelSettings.readInitialPopulation(root, model: settings, taskEnsembles: false)
        settings.stationaryDensityPerUm = population.densityPerUm
        try ResourceLimits.checkInitialSizes(population, model: settings, in: root)

        let days = 0...duration
        var recording = RecordingPlan(sizeDistributionDays: [0, duration],
                                      sizeBins: VolumeBins(lowerUm3: 0.005, upperUm3: 5, count: 45),
                                      fluctuationBins: VolumeBins(lowerUm3: 0.02, upperUm3: 1, count: 12),
                                      survivalCohortDays: [0])
        if let section = try root.mapping("recording") {
            if section.contains("size_distribution_days") {
                recording.sizeDistributionDays = try section.wholeDays("size_distribution_days", in: days)
            } else { _ = section.value("size_distribution_days") }
            if let bins = try section.mapping("size_bins") { recording.sizeBins = try readBins(bins) }
            if let bins = try section.mapping("fluctuation_bins") { recording.fluctuationBins = try readBins(bins) }
            if section.contains("survival_cohort_days") {
                recording.survivalCohortDays = try section.wholeDays("survival_cohort_days", in: days, maxCount: 2)
            } else { _ = section.value("survival_cohort_days") }
            recording.turnoverEvents = try section.turnoverEvents("turnover_events")
            try section.finish()
        }
        return PopulationConfig(population: population, settings: settings, durationDays: duration, stepsPerDay: stepsPerDay,
                                recording: recording)
    }

    /// `{min_um3, max_um3, count}`: log-spaced volume bins.
    static func readBins(_ bins: ConfigMapping) throws -> VolumeBins {
        let low = try bins.positiveDouble("min_um3", upTo: 100, unit: "µm³")
        let high = try bins.positiveDouble("max_um3", upTo: 1000, unit: "µm³")
        let count = try bins.int("count", in: 1...1000)
        guard high > low else { throw bins.error("max_um3", bins.value("max_um3"), "value \(high) is not above min_um3 = \(low)") }
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
    func numberOrAuto(_ key: String, in range: ClosedRange<Double>, default defaultValue: Double, unit: String) throws -> Double? {
        guard let node = value(key) else { return defaultValue }
        if node.isTagged(.str), node.scalar?.string == "auto" { return nil }
        return try ConfigMapping.number(node, in: range, unit: unit) { message in
            error(key, node, message.replacingOccurrences(of: "allowed: ", with: "allowed: 'auto' or "))
        }
    }

    /// Whole days within `range` (a number, a list or a range), sorted, distinct.
    func wholeDays(_ key: String, in range: ClosedRange<Int>, maxCount: Int = 100_000) throws -> [Int] {
        let node = value(key)
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
            ("duration_days", .number(Double(durationDays))),
            ("step_days", .number(1 / Double(stepsPerDay))),
        ] + Array(populationSections.dropFirst()) + settings.sections + [
            ("recording", [
                "size_distribution_days": .numbers(recording.sizeDistributionDays),
                "size_bins": recording.sizeBins.tree, "fluctuation_bins": recording.fluctuationBins.tree,
                "survival_cohort_days": .numbers(recording.survivalCohortDays),
                "turnover_events": recording.turnoverEvents == .off ? .flag(false) : .text(recording.turnoverEvents.rawValue),
            ]),
        ])
    }
}

extension VolumeBins {
    /// The bins in experiment-file form.
    var tree: ConfigTree { ["min_um3": .number(lowerUm3), "max_um3": .number(upperUm3), "count": .number(Double(count))] }
}
