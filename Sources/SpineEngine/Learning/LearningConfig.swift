import SpineModel

/// Reading and writing the `learning-vs-notask` experiment's configuration.
extension LearningExperiment {
    static func read(_ root: ConfigMapping) throws -> LearningExperiment {
        let days = try root.integer(Keys.days)
        var settings = try ModelSettings.read(root, withActivity: true)
        let population = try ModelSettings.readInitialPopulation(root, model: settings, taskEnsembles: true)
        settings.stationaryDensityPerUm = population.densityPerUm
        try ResourceLimits.checkInitialSizes(population, model: settings, in: root)
        let activity = settings.activity!
        try ResourceLimits.checkGrid(activity.diffusion, lengthUm: population.longestDendriteUm, windowMs: activity.session.durationMs, in: root)
        try ResourceLimits.checkTaskWiring(activity.guided, lengthUm: population.longestDendriteUm, in: root)
        var imaging = Keys.imagingDefaults
        if let section = try root.mapping("imaging") {
            imaging.vDetUm3 = try section.number(Keys.vDet)
            imaging.firstDays = try section.wholeDays("first_days", in: 1...days) ?? imaging.firstDays
            imaging.intervalDays = try section.int("interval_days", in: 1...days, default: imaging.intervalDays)
            imaging.segmentUm = try section.number(Keys.segment)
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
                                            eventMergeMs: 0, movementPercentile: 0, movementShuffles: 0, clusteringShuffles: 0,
                                            clusteringBinUm: 0, clusteringMaxUm: 0, nearbyUm: 0)
        experiment = try Keys.analysis.read(root.mapping("analysis"), defaults: experiment.withDefaultAnalysis)
        return experiment
    }

    public func encode(to encoder: Encoder) throws {
        let tree = ConfigTree.map([
        ] + population.sections + settings.sections + [
            (Keys.days.key, .number(Double(days))),
            ("imaging", [Keys.vDet.key: .number(imaging.vDetUm3), "first_days": .numbers(imaging.firstDays),
                         "interval_days": .number(Double(imaging.intervalDays)), Keys.segment.key: .number(imaging.segmentUm)]),
            ("analysis", Keys.analysis.tree(self)),
        ])
        try tree.encode(to: encoder)
    }
}

extension LearningExperiment {
    /// The keys of the `learning-vs-notask` kind besides the model sections.
    enum Keys {
        static let days = SettingDeclaration(key: "days", type: .integer(1...3650), unit: "days", defaultValue: 16,
                                             summary: "Days of daily sessions (learning and notask conditions)")
        static let imagingDefaults = ImagingSettings(vDetUm3: 0.1, firstDays: [1, 2, 3], intervalDays: 5, segmentUm: 40)
        static let vDet = SettingDeclaration(key: "v_det_um3", type: .number(.positive(upTo: 1000)), unit: "µm³",
                                             defaultValue: .number(imagingDefaults.vDetUm3), summary: "v_det: spines at least this large are visible")
        static let segment = SettingDeclaration(key: "segment_um", type: .number(.positive(upTo: 100_000)), unit: "µm",
                                                defaultValue: .number(imagingDefaults.segmentUm), summary: "Length of the segments densities are taken over")

        static var analysis: SettingSection<LearningExperiment> {
            SettingSection("analysis", [
                .number("event_merge_ms", \.eventMergeMs, .from(0, to: 10_000), unit: "ms", "Calcium events closer than this are merged"),
                .number("movement_percentile", \.movementPercentile, .from(50, to: 99.99), "Percentile of the shuffles a movement-related spine exceeds"),
                .integer("movement_shuffles", \.movementShuffles, 100...1_000_000, "Movement shuffles per spine"),
                .integer("clustering_shuffles", \.clusteringShuffles, 1000...1_000_000, "Position shuffles of the clustering analysis"),
                .number("clustering_bin_um", \.clusteringBinUm, .positive(upTo: 1000), unit: "µm", "Distance bin of the clustering analysis"),
                .number("clustering_max_um", \.clusteringMaxUm, .positive(upTo: 10_000), unit: "µm", "Largest distance of the clustering analysis"),
                .number("nearby_um", \.nearbyUm, .positive(upTo: 10_000), unit: "µm", "Spines within this distance are nearby"),
            ])
        }
    }

    /// This experiment with the analysis settings at their defaults.
    var withDefaultAnalysis: LearningExperiment {
        var experiment = self
        (experiment.eventMergeMs, experiment.movementPercentile, experiment.movementShuffles, experiment.clusteringShuffles) = (50, 97.5, 1000, 1000)
        (experiment.clusteringBinUm, experiment.clusteringMaxUm, experiment.nearbyUm) = (5, 30, 10)
        return experiment
    }

    static var declarations: [SettingDeclaration] {
        let defaults = LearningExperiment(population: InitialPopulation(dendriteLengthsUm: [], densityPerUm: 0, fractionPotentiated: 0, sizes: .stationary),
                                          settings: ModelSettings.defaults, days: 16, imaging: Keys.imagingDefaults,
                                          eventMergeMs: 0, movementPercentile: 0, movementShuffles: 0, clusteringShuffles: 0,
                                          clusteringBinUm: 0, clusteringMaxUm: 0, nearbyUm: 0).withDefaultAnalysis
        return [
            Keys.days,
            SettingDeclaration(key: "imaging", type: .section(name: "imaging", [
                Keys.vDet,
                .wholeGrid("first_days", 1...3650, unit: "days", default: .numbers(Keys.imagingDefaults.firstDays),
                           "First imaging session of each field (dendrite d: entry d mod count; up to days)"),
                .init(key: "interval_days", type: .integer(1...3650), unit: "days", defaultValue: .number(Double(Keys.imagingDefaults.intervalDays)),
                      summary: "Days between the three imaging sessions of a field (up to days)"),
                Keys.segment,
            ]), summary: "Imaging as Hedrick et al. 2022 did it"),
            SettingDeclaration(key: "analysis", type: Keys.analysis.type(defaults: defaults), summary: "The analyses of the imaged spines"),
        ]
    }
}
