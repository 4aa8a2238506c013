import SpineModel

/// Reading and writing the `memory-stability` experiment's configuration:
/// the training sections of `learning-vs-notask` (dendrites, plasticity,
/// diffusion, sizes, turnover, initial population, session,
/// activity-guided spinogenesis) and the schedule after training.
extension MemoryStabilityExperiment {
    static func read(_ root: ConfigMapping) throws -> MemoryStabilityExperiment {
        let trainingDays = try root.int("training_days", in: 1...3650, default: 14)
        let homeCageDays = try root.int("home_cage_days", in: 1...36500, default: 90)
        let every = try root.int("record_every_days", in: 1...homeCageDays, default: 2)
        let histogramDays = root.contains("histogram_days")
            ? try root.wholeDays("histogram_days", in: 0...homeCageDays)
            : [0, homeCageDays / 3, 2 * homeCageDays / 3, homeCageDays]
        if let day = histogramDays.first(where: { $0 % every != 0 && $0 != homeCageDays }) {
            throw root.error("histogram_days", root.value("histogram_days"),
                             "day \(day) is not a recording day; allowed: multiples of record_every_days (\(every)) or home_cage_days")
        }
        let training = try LearningExperiment.readTraining(root, days: trainingDays)
        let raster = try root.int("raster_dendrites", in: 0...training.population.dendriteCount, default: min(3, training.population.dendriteCount))
        return MemoryStabilityExperiment(training: training, homeCageDays: homeCageDays, recordEveryDays: every,
                                         histogramDays: Array(Set(histogramDays)).sorted(), rasterDendrites: raster)
    }

    public func encode(to encoder: Encoder) throws {
        try ConfigTree.map(training.trainingSections + [
            ("training_days", .number(Double(trainingDays))),
            ("home_cage_days", .number(Double(homeCageDays))),
            ("record_every_days", .number(Double(recordEveryDays))),
            ("histogram_days", .numbers(histogramDays)),
            ("raster_dendrites", .number(Double(rasterDendrites))),
        ]).encode(to: encoder)
    }
}
