import SpineModel

/// Reading and writing the `learning-vs-notask` experiment's configuration.
extension LearningExperiment {
    static func read(_ root: ConfigMapping) throws -> LearningExperiment {
        let days = try root.int("days", in: 1...3650, default: 16)
        var settings = try ModelSettings.read(root, withActivity: true)
        let population = try ModelSettings.readInitialPopulation(root, model: settings, taskEnsembles: true)
        settings.stationaryDensityPerUm = population.densityPerUm
        try ResourceLimits.checkInitialSizes(population, model: settings, in: root)
        let activity = settings.activity!
        try ResourceLimits.checkGrid(activity.diffusion, lengthUm: population.longestDendriteUm, windowMs: activity.session.durationMs, in: root)
        try ResourceLimits.checkTaskWiring(activity.guided, lengthUm: population.longestDendriteUm, in: root)
        var imaging = ImagingSettings(vDetUm3: 0.1, firstDays: [1, 2, 3], intervalDays: 5, segmentUm: 40)
        if let section = try root.mapping("imaging") {
            imaging.vDetUm3 = try section.positiveDouble("v_det_um3", upTo: 1000, default: imaging.vDetUm3, unit: "µm³")
            if section.contains("first_days") { imaging.firstDays = try section.wholeDays("first_days", in: 1...days) } else { _ = section.value("first_days") }
            imaging.intervalDays = try section.int("interval_days", in: 1...days, default: imaging.intervalDays)
            imaging.segmentUm = try section.positiveDouble("segment_um", upTo: 100_000, default: imaging.segmentUm, unit: "µm")
            try section.finish()
        }
        guard !imaging.firstDays.isEmpty else {
            throw root.error("imaging", root.peek("imaging"), "imaging.first_days is empty; allowed: one or more days from 1 to \(days)")
        }
        guard imaging.lastDay <= days else {
            throw root.error("days", root.value("days"), "value \(days) is too short for the imaging: the last field is imaged on day "
                             + "\(imaging.firstDays.max()!) + 2 × \(imaging.intervalDays) = \(imaging.lastDay); allowed: days ≥ "
                             + "max(imaging.first_days) + 2 · imaging.interval_days = \(imaging.lastDay)")
        }
        var experiment = LearningExperiment(population: population, settings: settings, days: days, imaging: imaging,
                                            eventMergeMs: 50, movementPercentile: 97.5, movementShuffles: 1000, clusteringShuffles: 1000,
                                            clusteringBinUm: 5, clusteringMaxUm: 30, nearbyUm: 10)
        if let section = try root.mapping("analysis") {
            experiment.eventMergeMs = try section.double("event_merge_ms", in: 0...10_000, default: experiment.eventMergeMs, unit: "ms")
            experiment.movementPercentile = try section.double("movement_percentile", in: 50...99.99, default: experiment.movementPercentile)
            experiment.movementShuffles = try section.int("movement_shuffles", in: 100...1_000_000, default: experiment.movementShuffles)
            experiment.clusteringShuffles = try section.int("clustering_shuffles", in: 1000...1_000_000, default: experiment.clusteringShuffles)
            experiment.clusteringBinUm = try section.positiveDouble("clustering_bin_um", upTo: 1000, default: experiment.clusteringBinUm, unit: "µm")
            experiment.clusteringMaxUm = try section.positiveDouble("clustering_max_um", upTo: 10_000, default: experiment.clusteringMaxUm, unit: "µm")
            experiment.nearbyUm = try section.positiveDouble("nearby_um", upTo: 10_000, default: experiment.nearbyUm, unit: "µm")
            try section.finish()
        }
        return experiment
    }

    public func encode(to encoder: Encoder) throws {
        let tree = ConfigTree.map([
        ] + population.sections + settings.sections + [
            ("days", .number(Double(days))),
            ("imaging", ["v_det_um3": .number(imaging.vDetUm3), "first_days": .numbers(imaging.firstDays),
                         "interval_days": .number(Double(imaging.intervalDays)), "segment_um": .number(imaging.segmentUm)]),
            ("analysis", ["event_merge_ms": .number(eventMergeMs), "movement_percentile": .number(movementPercentile),
                          "movement_shuffles": .number(Double(movementShuffles)), "clustering_shuffles": .number(Double(clusteringShuffles)),
                          "clustering_bin_um": .number(clusteringBinUm), "clustering_max_um": .number(clusteringMaxUm),
                          "nearby_um": .number(nearbyUm)]),
        ])
        try tree.encode(to: encoder)
    }
}
