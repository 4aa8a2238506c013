import Foundation
import GSL
import SpineModel

/// The `learning-vs-notask` result files. Spines are counted as imaging
/// sees them: a new spine is one absent on the first imaging day and present
/// on a later one; task-related spines are the movement-related spines
/// identified from each imaging day's session.
extension LearningExperiment {
    struct NewSpine {
        var dendrite: Int
        var serial: UInt32
        var firstSeenDay: Int
        var positionUm: Double
        var birthDay: Double
        var deathDay: Double?
        var transient: Bool
        var nearestTaskDistanceUm: Double?
        var nearestTaskEnlarged: Bool?
        /// Positions of the movement-related spines on its dendrite the day it was first seen.
        var taskPositions: [Double]
    }

    func newSpines(_ record: LearningRecorder.RegimeRecord) -> [NewSpine] {
        let days = imagingDays
        let firstDay = days.first!, lastDay = days.last!
        let criteria = guided.criteria(rhoStar: settings.plasticity.parameters.rhoStar)
        var result: [NewSpine] = []
        for dendrite in 0..<population.dendriteCount {
            let initial = Set(record.observations[firstDay]![dendrite].map(\.serial))
            let final = Set(record.observations[lastDay]![dendrite].map(\.serial))
            var seen = Set<UInt32>()
            for day in days.dropFirst() {
                let observed = record.observations[day]![dendrite]
                let task = observed.filter(\.movementRelated)
                for o in observed where !initial.contains(o.serial) && !seen.contains(o.serial) {
                    seen.insert(o.serial)
                    let others = task.filter { $0.serial != o.serial }
                    let nearest = others.min { abs($0.positionUm - o.positionUm) < abs($1.positionUm - o.positionUm) }
                    result.append(NewSpine(
                        dendrite: dendrite, serial: o.serial, firstSeenDay: day, positionUm: o.positionUm,
                        birthDay: record.births[dendrite][o.serial]?.day ?? o.birthDay,
                        deathDay: record.deaths[dendrite][o.serial]?.day, transient: !final.contains(o.serial),
                        nearestTaskDistanceUm: nearest.map { abs($0.positionUm - o.positionUm) },
                        nearestTaskEnlarged: nearest.map { criteria.isEnlarged(logVolume: $0.logVolume, baselineLogVolume: $0.baselineLogVolume) },
                        taskPositions: others.map(\.positionUm)))
                }
            }
        }
        return result
    }

    /// Pooled density of task-related spines in distance bins around the
    /// given positions (count over the dendrite length each bin covers).
    func clusteringDensity(_ spines: [NewSpine], positions: [Double], edges: [Double]) -> [Double] {
        let length = population.dendriteLengthUm
        var counts = [Double](repeating: 0, count: edges.count - 1), covered = counts
        for (spine, x) in zip(spines, positions) {
            for k in 0..<(edges.count - 1) {
                let a = edges[k], b = edges[k + 1]
                covered[k] += max(0, min(x + b, length) - min(x + a, length)) + max(0, max(x - a, 0) - max(x - b, 0))
                counts[k] += Double(spine.taskPositions.filter { let d = abs($0 - x); return d >= a && d < b }.count)
            }
        }
        return zip(counts, covered).map { $1 > 0 ? $0 / $1 : 0 }
    }

    /// Observed and shuffled (mean over `clusteringShuffles` uniform
    /// relocations of every new spine along its dendrite) densities.
    func clustering(_ spines: [NewSpine], edges: [Double], random: RandomHandle) -> (observed: [Double], shuffled: [Double]) {
        let observed = clusteringDensity(spines, positions: spines.map(\.positionUm), edges: edges)
        var shuffled = [Double](repeating: 0, count: edges.count - 1)
        for _ in 0..<clusteringShuffles {
            let positions = spines.map { _ in random.uniform() * population.dendriteLengthUm }
            for (k, density) in clusteringDensity(spines, positions: positions, edges: edges).enumerated() {
                shuffled[k] += density / Double(clusteringShuffles)
            }
        }
        return (observed, shuffled)
    }

    func write(_ records: [LearningRecorder.RegimeRecord], model: PopulationModel, newSpineLifetimeDays: Double?,
               context: RunContext) throws -> [String] {
        let directory = context.directory
        let length = Double(population.dendriteCount) * population.dendriteLengthUm
        var densities = CSVTable(header: ["regime", "day", "spine_density_per_um", "task_spine_density_per_um", "new_spine_density_per_um"])
        var newTable = CSVTable(header: ["regime", "spine_id", "dendrite", "birth_day", "death_day", "transient",
                                         "distance_to_nearest_task_spine_um", "nearest_task_spine_enlarged"])
        var clusteringTable = CSVTable(header: ["regime", "distance_bin_um", "task_spine_density_near_new", "shuffled_density"])
        var figures: [String: RegimeFigures] = [:]
        let edges = stride(from: 0.0, through: clusteringMaxUm, by: clusteringBinUm).map { $0 }
        for (regimeIndex, record) in records.enumerated() {
            let name = record.regime
            let firstDay = imagingDays.first!
            var totals: [Int: Double] = [:], task: [Int: Double] = [:]
            for day in imagingDays {
                let observed = record.observations[day]!
                let initial = record.observations[firstDay]!.map { Set($0.map(\.serial)) }
                let total = observed.reduce(0) { $0 + $1.count }
                let related = observed.reduce(0) { $0 + $1.filter(\.movementRelated).count }
                let new = observed.enumerated().reduce(0) { sum, item in sum + item.element.filter { !initial[item.offset].contains($0.serial) }.count }
                totals[day] = Double(total) / length
                task[day] = Double(related) / length
                densities.append([.text(name), .integer(day), .real(Double(total) / length), .real(Double(related) / length),
                                  .real(Double(new) / length)])
            }
            let spines = newSpines(record)
            for s in spines {
                newTable.append([.text(name), .text(String(UInt64(s.dendrite) * 1_000_000_000 + UInt64(s.serial))), .integer(s.dendrite),
                                 .real(s.birthDay), s.deathDay.map { .real($0) } ?? .text(""), .text(s.transient ? "true" : "false"),
                                 s.nearestTaskDistanceUm.map { .real($0) } ?? .text(""),
                                 s.nearestTaskEnlarged.map { .text($0 ? "true" : "false") } ?? .text("")])
            }
            let stream = RandomStream(type: context.generator, seeds: context.seeds,
                                      purpose: StreamPurpose.clustering, index: regimeIndex)
            let (observed, shuffled) = stream.withHandle { clustering(spines, edges: edges, random: $0) }
            for k in 0..<(edges.count - 1) {
                clusteringTable.append([.text(name), .real(edges[k]), .real(observed[k]), .real(shuffled[k])])
            }
            let near = [0.0, enrichmentDistanceUm]
            let (nearObserved, nearShuffled) = stream.withHandle { clustering(spines, edges: near, random: $0) }
            func mean(_ days: [Int], _ values: [Int: Double]) -> Double { days.reduce(0) { $0 + values[$1]! } / Double(days.count) }
            figures[name] = RegimeFigures(
                newSpineDensity: Double(spines.count) / length,
                taskSpineDensityLate: mean(imaging.late, task),
                transientFraction: spines.isEmpty ? .nan : Double(spines.filter(\.transient).count) / Double(spines.count),
                clusteringEnrichment: nearShuffled[0] > 0 ? nearObserved[0] / nearShuffled[0] : .nan,
                totalDensityChange: mean(imaging.late, totals) / mean(imaging.early, totals),
                newSpines: spines.count, eligibleSpineSessions: record.eligibleSpines)
        }
        try directory.write("densities.csv", table: densities)
        try directory.write("new_spines.csv", table: newTable)
        try directory.write("clustering.csv", table: clusteringTable)
        try directory.writeJSON("summary.json", LearningSummary(learning: figures["learning"]!, noTask: figures["notask"]!,
                                                                 baselineRate: model.turnover.spinogenesisRate,
                                                                 newSpineLifetimeDays: newSpineLifetimeDays))
        return ["densities.csv", "new_spines.csv", "clustering.csv", "summary.json"]
    }
}

struct RegimeFigures {
    var newSpineDensity: Double
    var taskSpineDensityLate: Double
    var transientFraction: Double
    var clusteringEnrichment: Double
    var totalDensityChange: Double
    var newSpines: Int
    var eligibleSpineSessions: Int
}

/// `summary.json`: the key figures, with Hedrick 2022's beside them.
struct LearningSummary: Encodable {
    let learning: RegimeFigures
    let noTask: RegimeFigures
    let baselineRate: Double
    let newSpineLifetimeDays: Double?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SummaryKey.self)
        for (name, figures) in [("learning", learning), ("notask", noTask)] {
            try c.encode(figures.newSpineDensity, forKey: SummaryKey("new_spine_density_\(name)"))
            try c.encode(figures.taskSpineDensityLate, forKey: SummaryKey("task_spine_density_\(name)"))
            try c.encode(figures.transientFraction, forKey: "transient_fraction_\(name)", orNullBecause: "no new spine was seen")
            try c.encode(figures.clusteringEnrichment, forKey: "clustering_enrichment_\(name)",
                         orNullBecause: "no task-related spine near the shuffled new spines")
            try c.encode(figures.totalDensityChange, forKey: SummaryKey("total_density_change_\(name)"))
        }
        try c.encode(learning.newSpineDensity / noTask.newSpineDensity, forKey: "new_spine_density_ratio_learning_over_notask",
                     orNullBecause: "no new spine in the notask regime")
        try c.encode(["learning": learning.newSpines, "notask": noTask.newSpines], forKey: SummaryKey("new_spines_counted"))
        try c.encode(["learning": learning.eligibleSpineSessions, "notask": noTask.eligibleSpineSessions],
                     forKey: SummaryKey("eligible_spine_sessions"))
        try c.encode(baselineRate, forKey: SummaryKey("baseline_spinogenesis_per_um_per_day"))
        try c.encodeIfPresent(newSpineLifetimeDays, forKey: SummaryKey("mean_new_spine_lifetime_days"))
        try c.encode(["new_spine_density_learning": 0.039, "new_spine_density_notask": 0.020,
                      "task_spine_density_learning": 0.34, "task_spine_density_notask": 0.21], forKey: SummaryKey("hedrick_2022"))
    }
}
