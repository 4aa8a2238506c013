import SpineModel

/// Reading and writing the `learning-vs-notask` experiment's configuration.
extension LearningExperiment {
    static func read(_ root: ConfigMapping) throws -> LearningExperiment {
        let days = try root.int("days", in: 1...3650, default: 16)
        var settings = try ModelSettings.read(root, withActivity: true)
        let population = try ModelSettings.readInitialPopulation(root, model: settings)
        settings.stationaryDensityPerUm = population.densityPerUm
        try ResourceLimits.checkInitialSizes(population, model: settings, in: root)
        let activity = settings.activity!
        try ResourceLimits.checkGrid(activity.diffusion, lengthUm: population.dendriteLengthUm, windowMs: activity.session.durationMs, in: root)
        try ResourceLimits.checkTaskWiring(activity.guided, lengthUm: population.dendriteLengthUm, in: root)
        // Defaults follow `days`: the first three days, the middle one, the last four
        // ([1, 2, 3], [8], [13, 14, 15, 16] for 16 days).
        var imaging: (early: [Int], middle: [Int], late: [Int]) = (Array(1...min(3, days)), [max(1, days / 2)],
                                                                   Array(max(1, days - 3)...days))
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
        var experiment = LearningExperiment(population: population, settings: settings, days: days, imaging: imaging,
                                            eventMergeMs: 50, movementPercentile: 97.5, movementShuffles: 1000, clusteringShuffles: 1000,
                                            clusteringBinUm: 5, clusteringMaxUm: 30, enrichmentDistanceUm: 10)
        if let section = try root.mapping("analysis") {
            experiment.eventMergeMs = try section.double("event_merge_ms", in: 0...10_000, default: experiment.eventMergeMs, unit: "ms")
            experiment.movementPercentile = try section.double("movement_percentile", in: 50...99.99, default: experiment.movementPercentile)
            experiment.movementShuffles = try section.int("movement_shuffles", in: 100...1_000_000, default: experiment.movementShuffles)
            experiment.clusteringShuffles = try section.int("clustering_shuffles", in: 1000...1_000_000, default: experiment.clusteringShuffles)
            experiment.clusteringBinUm = try section.positiveDouble("clustering_bin_um", upTo: 1000, default: experiment.clusteringBinUm, unit: "µm")
            experiment.clusteringMaxUm = try section.positiveDouble("clustering_max_um", upTo: 10_000, default: experiment.clusteringMaxUm, unit: "µm")
            experiment.enrichmentDistanceUm = try section.positiveDouble("enrichment_distance_um", upTo: 10_000,
                                                                         default: experiment.enrichmentDistanceUm, unit: "µm")
            try section.finish()
        }
        return experiment
    }

    public func encode(to encoder: Encoder) throws {
        let tree = ConfigTree.map([
            ("dendrites", population.dendritesTree),
            ("initial_population", population.tree),
        ] + settings.sections + [
            ("days", .number(Double(days))),
            ("imaging_days", ["early": .numbers(imaging.early), "middle": .numbers(imaging.middle), "late": .numbers(imaging.late)]),
            ("analysis", ["event_merge_ms": .number(eventMergeMs), "movement_percentile": .number(movementPercentile),
                          "movement_shuffles": .number(Double(movementShuffles)), "clustering_shuffles": .number(Double(clusteringShuffles)),
                          "clustering_bin_um": .number(clusteringBinUm), "clustering_max_um": .number(clusteringMaxUm),
                          "enrichment_distance_um": .number(enrichmentDistanceUm)]),
        ])
        try tree.encode(to: encoder)
    }
}
