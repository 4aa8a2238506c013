import Foundation
import GSL
import SpineModel

/// The `population` experiment: dendrites living through home-cage time.
///
/// The scheduler advances all dendrites in exact steps of 1/k day (k =
/// steps per day), in parallel over dendrites, each with its own generator
/// stream; reports are merged in dendrite order. Activity windows (sessions)
/// are the seam for the activity issue: they will interrupt this loop and
/// hand the dendrites to the fast engine between two home-cage steps.
public struct PopulationExperiment: ExperimentBody {
    public let config: PopulationConfig

    public func encode(to encoder: Encoder) throws { try config.tree.encode(to: encoder) }

    public func run(_ context: RunContext) throws -> [String] {
        let (model, lifetime) = try config.resolvedModel()
        let kernel = try HomeCageKernel(model: model, fluctuationBins: config.recording.fluctuationBins)
        let dendrites = makeDendrites(context)
        let totalSteps = config.durationDays * config.stepsPerDay
        let recorder: PopulationRecorder
        var stepsDone: Int
        let hasCheckpoint = !(try PopulationCheckpoint.checkpointFiles(in: context.directory)).isEmpty
        if context.resume && !hasCheckpoint && !context.quiet {
            FileHandle.standardError.write(Data("no checkpoint yet: starting again from day 0 (same seed, same results)\n".utf8))
        }
        if context.resume && hasCheckpoint {
            let checkpoint = try PopulationCheckpoint.restoreLatest(in: context.directory, into: dendrites)
            recorder = try PopulationRecorder(plan: config.recording, directory: context.directory, threads: context.threads,
                                              resume: checkpoint.records)
            stepsDone = checkpoint.stepsDone
            if !context.quiet {
                FileHandle.standardError.write(Data("resuming at day \(CSVTable.format(Double(stepsDone) / Double(config.stepsPerDay)))\n".utf8))
            }
        } else {
            try populate(dendrites, model: model, threads: context.threads)
            recorder = try PopulationRecorder(plan: config.recording, directory: context.directory, threads: context.threads)
            recorder.recordDay(0, dendrites: dendrites)
            stepsDone = 0
        }

        Interrupts.install()
        let progress = ProgressReporter(label: "population", total: Double(config.durationDays), unit: "days", quiet: context.quiet)
        progress.advance(by: Double(stepsDone) / Double(config.stepsPerDay))
        let stepDays = 1 / Double(config.stepsPerDay)
        while stepsDone < totalSteps {
            let t0 = Double(stepsDone) / Double(config.stepsPerDay)
            let wholeDay = (stepsDone + 1) % config.stepsPerDay == 0
            let reports = try parallelMap(count: dendrites.count, threads: context.threads) { index in
                try kernel.advance(dendrites[index], from: t0, days: stepDays, wholeDay: wholeDay)
            }
            for (report, dendrite) in zip(reports, dendrites) { recorder.absorb(report, of: dendrite) }
            stepsDone += 1
            if wholeDay {
                let day = stepsDone / config.stepsPerDay
                recorder.recordDay(day, dendrites: dendrites)
                try recorder.writeRows()
                let checkpointDue = context.checkpointEveryDays.map { day % $0 == 0 && stepsDone < totalSteps } ?? false
                if checkpointDue || Interrupts.requested {
                    try PopulationCheckpoint.write(stepsDone: stepsDone, stepsPerDay: config.stepsPerDay, dendrites: dendrites,
                                                   records: try recorder.checkpointRecords(), into: context.directory)
                }
                if Interrupts.requested && stepsDone < totalSteps {
                    throw RunInterrupted(day: day, directory: context.directory.url.path)
                }
            }
            progress.advance(by: stepDays)
        }
        progress.finish()

        var files = try recorder.finish(into: context.directory)
        try context.directory.writeJSON("summary.json", PopulationSummary(config: config, model: model,
                                                                            meanNewSpineLifetimeDays: lifetime,
                                                                            records: recorder.records, dendrites: dendrites))
        files.append("summary.json")
        return files
    }

    /// One dendrite per index, each with its own generator stream.
    func makeDendrites(_ context: RunContext) -> [Dendrite] {
        let expected = Int(config.initialDensityPerUm * config.dendriteLengthUm)
        return (0..<config.dendriteCount).map { index in
            Dendrite(index: index, lengthUm: config.dendriteLengthUm, expectedSpines: expected,
                     random: RandomStream(type: context.generator, seeds: context.seeds, purpose: Dendrite.streamPurpose, index: index))
        }
    }

    /// The day-0 spines: a Poisson number at uniform positions, potentiated
    /// with probability `fraction_potentiated`, sizes as configured.
    func populate(_ dendrites: [Dendrite], model: PopulationModel, threads: Int) throws {
        let sampler = try InitialSizeSampler(config: config, model: model)
        _ = try parallelMap(count: dendrites.count, threads: threads) { index in
            let dendrite = dendrites[index]
            try dendrite.random.withHandle { random in
                let count = random.poisson(mean: config.initialDensityPerUm * dendrite.lengthUm)
                for _ in 0..<count {
                    let x = random.uniform() * dendrite.lengthUm
                    let rho: Double = random.uniform() < config.initialFractionPotentiated ? 1 : 0
                    let s = try sampler.draw(efficacy: rho, random: random)
                    dendrite.table.append(position: x, logVolume: s, efficacy: rho, weight: model.weight.target(efficacy: rho),
                                          birthDay: 0, serial: dendrite.takeSerial(), origin: .initial)
                    dendrite.table.previousDayLogVolume[dendrite.table.count - 1] = s   // alive at day 0
                }
            }
        }
    }
}

/// Draws initial log-volumes (always above v_min).
struct InitialSizeSampler: Sendable {
    let config: PopulationConfig
    let model: PopulationModel
    let kesten: (depressed: KestenStationarySampler, potentiated: KestenStationarySampler)?

    init(config: PopulationConfig, model: PopulationModel) throws {
        self.config = config
        self.model = model
        kesten = model.sizeForm == .kesten
            ? (try KestenStationarySampler(HomeCageKernel.kesten(model, efficacy: 0)),
               try KestenStationarySampler(HomeCageKernel.kesten(model, efficacy: 1)))
            : nil
    }

    func draw(efficacy rho: Double, random: RandomHandle) throws -> Double {
        let b = model.turnover.eliminationLogVolume
        let size = model.size
        /// A Gaussian draw of ln v above b.
        func gaussianAbove(mean: Double, sd: Double) -> Double {
            if sd == 0 { return mean }
            while true {
                let s = mean + sd * random.gaussian()
                if s > b { return s }
            }
        }
        switch config.initialSizes {
        case .stationary:
            if let kesten {
                while true {
                    let v = (rho < 0.5 ? kesten.depressed : kesten.potentiated).quantile(random.uniformPositive())
                    if v > model.turnover.minimumVolume { return log(v) }
                }
            }
            return gaussianAbove(mean: size.target(efficacy: rho), sd: size.effectiveStationarySD)
        case .equilibrium:
            if rho != 0 { return gaussianAbove(mean: size.target(efficacy: rho), sd: size.effectiveStationarySD) }
            let theory = OUTurnoverTheory(size: size, rules: model.turnover)
            let newLogVolume = log(model.turnover.newSpineVolume)
            while true {
                let s = gaussianAbove(mean: size.target(efficacy: 0), sd: size.effectiveStationarySD)
                if s >= newLogVolume { return s }
                if random.uniform() < (try theory.equilibriumWeight(logVolume: s, newSpineLogVolume: newLogVolume)) { return s }
            }
        case let .lognormal(mu, sigma):
            return gaussianAbove(mean: mu, sd: sigma)
        case let .uniform(low, high):
            return log(low + random.uniform() * (high - low))
        case let .fixed(v):
            return log(v)
        }
    }
}

/// `summary.json` of a population run.
struct PopulationSummary: Encodable {
    let config: PopulationConfig
    let model: PopulationModel
    let meanNewSpineLifetimeDays: Double?
    let records: PopulationRecords
    let dendrites: [Dendrite]

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

    struct Fit: Encodable {
        let day: Int, n_spines: Int, lognormal_mu: Double, lognormal_sigma: Double, ks_statistic: Double
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        let length = Double(config.dendriteCount) * config.dendriteLengthUm
        let initial = records.daily.first?.previousSpines ?? dendrites.reduce(0) { $0 + $1.table.count }
        let final = dendrites.reduce(0) { $0 + $1.table.count }
        try c.encode(config.dendriteCount, forKey: .dendrites)
        try c.encode(config.dendriteLengthUm, forKey: .dendriteLengthUm)
        try c.encode(config.durationDays, forKey: .days)
        try c.encode(initial, forKey: .spinesInitial)
        try c.encode(final, forKey: .spinesFinal)
        try c.encode(Double(initial) / length, forKey: .densityInitial)
        try c.encode(Double(final) / length, forKey: .densityFinal)
        try c.encode(model.turnover.spinogenesisRate, forKey: .spinogenesisRate)
        try c.encodeIfPresent(meanNewSpineLifetimeDays, forKey: .lifetime)
        func fit(_ row: PopulationRecords.SizeFitRow?) -> Fit? {
            row.map { Fit(day: $0.day, n_spines: $0.fit.count, lognormal_mu: $0.fit.mu, lognormal_sigma: $0.fit.sigma, ks_statistic: $0.fit.ksStatistic) }
        }
        try c.encodeIfPresent(fit(records.sizeFits.first), forKey: .firstFit)
        try c.encodeIfPresent(fit(records.sizeFits.last), forKey: .lastFit)
        let days = Double(max(records.daily.count, 1))
        func mean(_ value: (PopulationRecords.DailyRow) -> Double) -> Double {
            records.daily.reduce(0) { $0 + value($1) } / days
        }
        try c.encode(mean { Double($0.lost) / Double(max($0.previousSpines, 1)) }, forKey: .lostFraction)
        try c.encode(mean { Double($0.gained) / Double(max($0.previousSpines, 1)) }, forKey: .gainedFraction)
        try c.encode(mean { Double($0.deaths) / Double(max($0.previousSpines, 1)) }, forKey: .deathsPerSpine)
        try c.encode(mean { Double($0.births) / Double(max($0.previousSpines, 1)) }, forKey: .birthsPerSpine)

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
        if points.count >= 2 {
            let mx = points.reduce(0) { $0 + $1.0 } / Double(points.count)
            let my = points.reduce(0) { $0 + $1.1 } / Double(points.count)
            let sxy = points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
            try c.encode(sxy / sxx, forKey: .fluctuationExponent)
        }
        if samples > 0 { try c.encode(relative / Double(samples), forKey: .relativeChange) }

        var survival: [String: [String: Double]] = [:]
        for cohort in records.survival {
            var entry: [String: Double] = ["initial_count": Double(cohort.initialCount)]
            for mark in [7, 14, 30, 60, 90] where mark < cohort.fractions.count { entry["day_\(mark)"] = cohort.fractions[mark] }
            entry["final"] = cohort.fractions.last
            survival[cohort.name] = entry
        }
        try c.encode(survival, forKey: .survival)
    }
}
