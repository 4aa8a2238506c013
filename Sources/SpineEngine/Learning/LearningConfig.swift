import SpineModel

/// Reading and writing the `learning-vs-notask` experiment's configuration.
extension LearningExperiment {
    static func read(_ root: ConfigMapping) throws -> LearningExperiment {
        let days = try root.int("days", in: 1...3650, default: 16)
        var experiment = try readTraining(root, days: days)
        var imaging: (early: [Int], middle: [Int], late: [Int]) = ([1, 2, 3], [8], [13, 14, 15, 16])
        if let section = try root.mapping("imaging_days") {
            for key in ["early", "middle", "late"] where section.contains(key) {
                let list = try section.wholeDays(key, in: 1...days)
                switch key {
                case "early": imaging.early = list
                case "middle": imaging.middle = list
                default: imaging.late = list
                }
            }
            _ = section.value("early"); _ = section.value("middle"); _ = section.value("late")
            try section.finish()
        }
        guard (imaging.early + imaging.middle + imaging.late).allSatisfy({ $0 <= days }), !imaging.early.isEmpty, !imaging.late.isEmpty else {
            throw root.error("imaging_days", root.value("imaging_days"), "every imaging day must lie in 1…\(days), with early and late days given")
        }
        var merge = experiment.eventMergeMs, percentile = experiment.movementPercentile, shuffles = experiment.movementShuffles
        var clusteringShuffles = experiment.clusteringShuffles, bin = experiment.clusteringBinUm
        var maxDistance = experiment.clusteringMaxUm, enrichment = experiment.enrichmentDistanceUm
        if let section = try root.mapping("analysis") {
            merge = try section.double("event_merge_ms", in: 0...10_000, default: merge, unit: "ms")
            percentile = try section.double("movement_percentile", in: 50...99.99, default: percentile)
            shuffles = try section.int("movement_shuffles", in: 100...1_000_000, default: shuffles)
            clusteringShuffles = try section.int("clustering_shuffles", in: 1000...1_000_000, default: clusteringShuffles)
            bin = try section.positiveDouble("clustering_bin_um", upTo: 1000, default: bin, unit: "µm")
            maxDistance = try section.positiveDouble("clustering_max_um", upTo: 10_000, default: maxDistance, unit: "µm")
            enrichment = try section.positiveDouble("enrichment_distance_um", upTo: 10_000, default: enrichment, unit: "µm")
            try section.finish()
        }
        experiment.imaging = imaging
        experiment.eventMergeMs = merge
        experiment.movementPercentile = percentile
        experiment.movementShuffles = shuffles
        experiment.clusteringShuffles = clusteringShuffles
        experiment.clusteringBinUm = bin
        experiment.clusteringMaxUm = maxDistance
        experiment.enrichmentDistanceUm = enrichment
        return experiment
    }

    /// The sections shared with every experiment that trains dendrites in
    /// daily sessions: dendrites, plasticity, diffusion, sizes, turnover,
    /// initial population, session and activity-guided spinogenesis (with
    /// the learning experiment's analysis defaults and no imaging days).
    static func readTraining(_ root: ConfigMapping, days: Int) throws -> LearningExperiment {
        let (count, length) = try PopulationConfig.readDendrites(root)
        let plasticity = try PlasticityConfig.read(root.mapping("plasticity"))
        let diffusion = try DiffusionParameters.read(root.mapping("diffusion"))
        let (form, size, kesten) = try PopulationConfig.readSizeDynamics(root.mapping("size_dynamics"))
        let weight = try PopulationConfig.readWeight(root.mapping("functional_weight"))
        let (rules, rateSetting) = try PopulationConfig.readTurnover(root.mapping("turnover"), form: form, size: size)
        let (density, fraction, sizes) = try PopulationConfig.readInitialPopulation(root.mapping("initial_population"),
                                                                                    rules: rules, form: form, size: size)
        let population = PopulationConfig(
            dendriteCount: count, dendriteLengthUm: length, durationDays: days, stepsPerDay: 1, plasticity: plasticity,
            initialDensityPerUm: density, initialFractionPotentiated: fraction, initialSizes: sizes, sizeForm: form, size: size,
            kesten: kesten, weight: weight, turnover: rules, spinogenesisRateSetting: rateSetting,
            recording: RecordingPlan(sizeDistributionDays: [], sizeBins: VolumeBins(lowerUm3: 0.005, upperUm3: 5, count: 45),
                                     fluctuationBins: VolumeBins(lowerUm3: 0.02, upperUm3: 1, count: 12), survivalCohortDays: []))

        var s = SessionActivity()
        if let section = try root.mapping("session") {
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
        }
        var g = ActivityGuidedSpinogenesis()
        if let section = try root.mapping("activity_guided") {
            g.g1PerUmPerDay = try section.double("g1_per_um_per_day", in: 0...100, default: g.g1PerUmPerDay, unit: "per µm per day")
            g.lengthUm = try section.positiveDouble("length_um", upTo: 1000, default: g.lengthUm, unit: "µm")
            g.enlargementThreshold = try section.positiveDouble("enlargement_threshold", upTo: 100, default: g.enlargementThreshold)
            g.taskFraction = try section.double("task_fraction", in: 0...1, default: g.taskFraction)
            g.probationDays = try section.positiveDouble("probation_days", upTo: 365, default: g.probationDays, unit: "days")
            g.coactivityWindowMs = try section.positiveDouble("coactivity_window_ms", upTo: 10_000, default: g.coactivityWindowMs, unit: "ms")
            g.coactivityThreshold = try section.double("coactivity_threshold", in: 0...1, default: g.coactivityThreshold)
            g.coactivityDistanceUm = try section.positiveDouble("coactivity_distance_um", upTo: 10_000, default: g.coactivityDistanceUm, unit: "µm")
            try section.finish()
        }
        return LearningExperiment(population: population, diffusion: diffusion, session: s, guided: g, imaging: ([], [], []),
                                  eventMergeMs: 50, movementPercentile: 97.5, movementShuffles: 1000, clusteringShuffles: 1000,
                                  clusteringBinUm: 5, clusteringMaxUm: 30, enrichmentDistanceUm: 10)
    }

    /// The training sections of the resolved configuration (see `readTraining`).
    var trainingSections: [(String, ConfigTree)] {
        guard case let .map(populationSections) = population.tree else { return [] }
        let shared = Set(["dendrites", "plasticity", "initial_population", "size_dynamics", "functional_weight", "turnover"])
        let s = session, g = guided
        return populationSections.filter { shared.contains($0.0) } + [
            ("diffusion", diffusion.tree),
            ("session", ["trials": .number(Double(s.trials)), "trial_s": .number(s.trialSeconds), "movement_s": .number(s.movementSeconds),
                         "ensemble_event_hz": .number(s.ensembleEventHz), "participation": .number(s.participation),
                         "jitter_ms": .number(s.jitterMs), "axon_background_hz": .number(s.axonBackgroundHz),
                         "bap_background_hz": .number(s.backpropagationBackgroundHz), "bap_per_event": .number(s.backpropagationPerEvent),
                         "bap_delay_ms": .number(s.bapDelayMs)]),
            ("activity_guided", ["g1_per_um_per_day": .number(g.g1PerUmPerDay), "length_um": .number(g.lengthUm),
                                 "enlargement_threshold": .number(g.enlargementThreshold), "task_fraction": .number(g.taskFraction),
                                 "probation_days": .number(g.probationDays), "coactivity_window_ms": .number(g.coactivityWindowMs),
                                 "coactivity_threshold": .number(g.coactivityThreshold), "coactivity_distance_um": .number(g.coactivityDistanceUm)]),
        ]
    }

    public func encode(to encoder: Encoder) throws {
        let tree = ConfigTree.map(trainingSections + [
            ("days", .number(Double(population.durationDays))),
            ("imaging_days", ["early": .numbers(imaging.early), "middle": .numbers(imaging.middle), "late": .numbers(imaging.late)]),
            ("analysis", ["event_merge_ms": .number(eventMergeMs), "movement_percentile": .number(movementPercentile),
                          "movement_shuffles": .number(Double(movementShuffles)), "clustering_shuffles": .number(Double(clusteringShuffles)),
                          "clustering_bin_um": .number(clusteringBinUm), "clustering_max_um": .number(clusteringMaxUm),
                          "enrichment_distance_um": .number(enrichmentDistanceUm)]),
        ])
        try tree.encode(to: encoder)
    }
}
