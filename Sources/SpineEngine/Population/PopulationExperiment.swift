import Foundation
import GSL
import SpineModel

/// The `population` experiment: dendrites living through home-cage time —
/// a schedule of one home-cage phase (`duration_days` in steps of
/// `step_days`) on the timeline engine, with the population recorder.
public struct PopulationExperiment: ExperimentBody {
    public let config: PopulationConfig

    public func encode(to encoder: Encoder) throws { try config.tree.encode(to: encoder) }

    public func estimate(threads: Int) -> ResourceLimits.Estimate? {
        let p = config.population
        return ResourceLimits.estimate(dendrites: p.dendriteCount, totalLengthUm: p.totalLengthUm, density: p.densityPerUm, states: 1,
                                       sessions: false, cellsPerDendrite: 0, threads: threads)
    }

    public func run(_ context: RunContext) throws -> [String] {
        let (model, lifetime) = try config.settings.resolvedModel()
        let recorder = PopulationRecorder(config: config, model: model, meanNewSpineLifetimeDays: lifetime,
                                          directory: context.directory, threads: context.threads)
        let plan = TimelinePlan(schedule: config.schedule, population: config.population, settings: config.settings,
                                label: "population", fluctuationBins: config.recording.fluctuationBins)
        return try TimelineRunner(plan: plan, recorders: [recorder], context: context).run()
    }
}

/// `summary.json` of a population run.
struct PopulationSummary: Encodable {
    let config: PopulationConfig
    let model: PopulationModel
    let meanNewSpineLifetimeDays: Double?
    let records: PopulationRecords
    let finalSpines: Int

    enum Keys: String, CodingKey {
        case dendrites, dendriteLengthUm = "dendrite_length_um", days
        case spinesInitial = "spines_initial", spinesFinal = "spines_final"
        case densityInitial = "density_initial_per_um", densityFinal = "density_final_per_um"
        case spinogenesisRate = "spinogenesis_rate_per_um_per_day", lifetime = "mean_new_spine_lifetime_days"
        case firstFit = "size_fit_first", lastFit = "size_fit_last"
        case lostFraction = "mean_daily_lost_fraction", gainedFraction = "mean_daily_gained_fraction"
        case deathsPerSpine = "mean_daily_deaths_per_spine", birthsPerSpine = "mean_daily_births_per_spine"
        case fluctuationExponent = "fluctuation_scaling_exponent", relativeChange = "mean_relative_change_per_day"
        case survival
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        let length = config.population.totalLengthUm
        let initial = records.daily.first?.previousSpines ?? finalSpines
        let final = finalSpines
        try c.encode(config.population.dendriteCount, forKey: .dendrites)
        try c.encode(length / Double(config.population.dendriteCount), forKey: .dendriteLengthUm)   // the mean length
        try c.encode(config.durationDays, forKey: .days)
        try c.encode(initial, forKey: .spinesInitial)
        try c.encode(final, forKey: .spinesFinal)
        try c.encode(Double(initial) / length, forKey: .densityInitial)
        try c.encode(Double(final) / length, forKey: .densityFinal)
        try c.encode(model.turnover.spinogenesisRate, forKey: .spinogenesisRate)
        try c.encodeIfPresent(meanNewSpineLifetimeDays, forKey: .lifetime)
        for (row, key) in [(records.sizeFits.first, Keys.firstFit), (records.sizeFits.last, Keys.lastFit)] {
            guard let row else { continue }
            var fit = c.nestedContainer(keyedBy: SummaryKey.self, forKey: key)
            try fit.encode(row.day, forKey: SummaryKey("day"))
            try fit.encode(row.fit.count, forKey: SummaryKey("n_spines"))
            for (name, value) in [("lognormal_mu", row.fit.mu), ("lognormal_sigma", row.fit.sigma), ("ks_statistic", row.fit.ksStatistic)] {
                try fit.encode(value, forKey: name, orNullBecause: "fewer than two spines on day \(row.day)")
            }
        }
        // Daily fractions are defined on days that began with spines (0/0 is
        // an empty cell in turnover_daily.csv): the means are over those days,
        // null with a reason when there is none.
        let defined = records.daily.filter { $0.previousSpines > 0 }
        var means = encoder.container(keyedBy: SummaryKey.self)
        for (key, count) in [(Keys.lostFraction, \PopulationRecords.DailyRow.lost), (.gainedFraction, \.gained),
                             (.deathsPerSpine, \.deaths), (.birthsPerSpine, \.births)] {
            let mean = defined.isEmpty ? Double.nan
                : defined.reduce(0) { $0 + Double($1[keyPath: count]) / Double($1.previousSpines) } / Double(defined.count)
            try means.encode(mean, forKey: key.rawValue, orNullBecause: "no day began with a spine")
        }

        // Fluctuation amplitude ∝ volume^exponent: least squares on logs over bins with ≥ 100 samples.
        let f = records.fluctuations
        var points: [(Double, Double)] = []
        var relative = 0.0, samples = 0
        for k in 0..<f.count.count where f.count[k] > 0 {
            relative += f.sumRelativeChange[k]
            samples += f.count[k]
            guard f.count[k] >= 100 else { continue }
            let (lower, upper) = config.recording.fluctuationBins.edges(k)
            points.append((log((lower * upper).squareRoot()), log(f.sumAbsoluteChange[k] / Double(f.count[k]))))
        }
        if let fit = Statistics.linearFit(points.map(\.0), points.map(\.1)) {
            try c.encode(fit.slope, forKey: .fluctuationExponent)
        }
        if samples > 0 { try c.encode(relative / Double(samples), forKey: .relativeChange) }

        try encodeTurnoverTargets(to: encoder)
        var survival = c.nestedContainer(keyedBy: SummaryKey.self, forKey: .survival)
        for cohort in records.survival {
            var entry = survival.nestedContainer(keyedBy: SummaryKey.self, forKey: SummaryKey(cohort.name))
            try entry.encode(Double(cohort.initialCount), forKey: SummaryKey("initial_count"))
            let marks = [7, 14, 30, 60, 90].filter { $0 < cohort.fractions.count }.map { ("day_\($0)", cohort.fractions[$0]) }
            for (name, fraction) in marks + (cohort.fractions.last.map { [("final", $0)] } ?? []) {
                try entry.encode(fraction, forKey: name, orNullBecause: "the cohort was empty when it started")
            }
        }
    }

    /// The adult-cortex targets' quantities (docs/MODEL.md §7 T1–T4):
    /// formed and eliminated fractions per 14 and 4 days (means over the
    /// run), the day-0 cohort's survival at fixed days, and the mean spine
    /// lifetime of that cohort, ∫S(t)dt by the trapezoid rule over the run;
    /// when spines of the cohort are still alive at the end, the tail is
    /// S(T)/k with k the decay rate of an exponential fitted (GSL linear fit
    /// of ln S) to the last half of the curve.
    func encodeTurnoverTargets(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SummaryKey.self)
        for window in TurnoverWindow.all(records.daily) {
            let means = window.means
            let reason = "the run is shorter than \(window.windowDays) days"
            try c.encode(means?.formed ?? .nan, forKey: "formed_fraction_per_\(window.windowDays)_days", orNullBecause: reason)
            try c.encode(means?.eliminated ?? .nan, forKey: "eliminated_fraction_per_\(window.windowDays)_days", orNullBecause: reason)
        }
        guard let cohort = records.survival.first(where: { $0.startDay == 0 && $0.name == "day0" }), cohort.initialCount > 0 else { return }
        let curve = cohort.fractions
        for day in [7, 14, 30, 60, 90, 180, 365, 540] where day < curve.count {
            try c.encode(curve[day], forKey: SummaryKey("cohort_survival_\(day)_days"))
        }
        var lifetime = zip(curve, curve.dropFirst()).reduce(0) { $0 + 0.5 * ($1.0 + $1.1) }
        var extrapolated = false
        if let last = curve.last, last > 0 {
            let tail = Array(curve.indices.suffix(max(2, curve.count / 2))).filter { curve[$0] > 0 }
            if let fit = Statistics.linearFit(tail.map(Double.init), tail.map { log(curve[$0]) }), fit.slope < 0 {
                lifetime += last / -fit.slope
                extrapolated = true
            } else {
                lifetime = .nan
            }
        }
        try c.encode(lifetime, forKey: "mean_spine_lifetime_days",
                     orNullBecause: "the day-0 cohort does not decay over the run's last half: its lifetime cannot be extrapolated")
        try c.encode(extrapolated, forKey: SummaryKey("mean_spine_lifetime_extrapolated"))
    }
}
