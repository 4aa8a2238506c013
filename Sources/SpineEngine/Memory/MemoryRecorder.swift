import Foundation
import SpineModel

/// What `memory-stability` records after training (MODEL.md §6): retention of
/// the learned spines, the correlation of sizes with the trained pattern,
/// size distributions with their log-normal fit, density, and a raster of
/// spine sizes along the first dendrites.
struct MemoryRecorder {
    let experiment: MemoryStabilityExperiment
    let rhoStar: Double
    let sizeBins = VolumeBins(lowerUm3: 0.005, upperUm3: 5, count: 45)

    /// A dendrite at the end of training: the volume of every alive spine
    /// (the trained size pattern) and which spines are learned.
    struct TrainedPattern: Sendable {
        var volumes: [UInt32: Double]
        var learned: Set<UInt32>
    }

    var retention = CSVTable(header: ["condition", "regime", "intrinsic_noise", "day_after_training", "fraction_learned_alive",
                                      "fraction_learned_potentiated", "size_pattern_correlation"])
    var sizeFit = CSVTable(header: ["condition", "day", "n_spines", "lognormal_mu", "lognormal_sigma", "ks_statistic"])
    var density = CSVTable(header: ["condition", "day", "spine_density_per_um"])
    var histograms = CSVTable(header: ["condition", "day", "volume_lower_um3", "volume_upper_um3", "count"])
    var rasterTable = CSVTable(header: ["condition", "dendrite", "day", "spine_id", "position_um", "volume_um3", "learned"])
    /// Per condition: (day, fraction of learned spines alive).
    var survival: [String: [(day: Int, fraction: Double)]] = [:]
    var learnedCounts: [String: Int] = [:]
    var last: [String: (alive: Double, potentiated: Double, correlation: Double, fit: LogNormalFit, density: Double)] = [:]
    /// The learned spines of each dendrite, for the raster of the home cage.
    var learnedByDendrite: [[UInt32: Bool]] = []

    init(experiment: MemoryStabilityExperiment, rhoStar: Double) {
        self.experiment = experiment
        self.rhoStar = rhoStar
    }

    func trainedPattern(_ dendrite: Dendrite) -> TrainedPattern {
        let table = dendrite.table
        let enlarged = log(experiment.training.guided.enlargementThreshold)
        var pattern = TrainedPattern(volumes: [:], learned: [])
        for i in 0..<table.count {
            pattern.volumes[table.serial[i]] = exp(table.logVolume[i])
            if table.efficacy[i] > rhoStar && table.logVolume[i] - table.baselineLogVolume[i] >= enlarged {
                pattern.learned.insert(table.serial[i])
            }
        }
        return pattern
    }

    /// The measures of one condition `day` days after training.
    mutating func record(_ condition: MemoryStabilityExperiment.Condition, day: Int, dendrites: [Dendrite], learned: [TrainedPattern]) {
        var learnedTotal = 0, alive = 0, potentiated = 0
        var trainedVolumes: [Double] = [], currentVolumes: [Double] = [], logVolumes: [Double] = []
        for (dendrite, pattern) in zip(dendrites, learned) {
            let table = dendrite.table
            var current: [UInt32: (volume: Double, efficacy: Double)] = [:]
            for i in 0..<table.count {
                current[table.serial[i]] = (exp(table.logVolume[i]), table.efficacy[i])
                logVolumes.append(table.logVolume[i])
            }
            learnedTotal += pattern.learned.count
            for serial in pattern.learned {
                guard let spine = current[serial] else { continue }
                alive += 1
                if spine.efficacy > rhoStar { potentiated += 1 }
            }
            for (serial, volume) in pattern.volumes.sorted(by: { $0.key < $1.key }) {
                trainedVolumes.append(volume)
                currentVolumes.append(current[serial]?.volume ?? 0)
            }
        }
        let name = condition.name
        let fractionAlive = learnedTotal > 0 ? Double(alive) / Double(learnedTotal) : .nan
        let fractionPotentiated = learnedTotal > 0 ? Double(potentiated) / Double(learnedTotal) : .nan
        let correlation = Retention.pearson(trainedVolumes, currentVolumes)
        retention.append([.text(name), .text(condition.regime.rawValue), .text(condition.intrinsicNoise ? "on" : "off"), .integer(day),
                          .real(fractionAlive), .real(fractionPotentiated), .real(correlation)])
        let fit = LogNormalFit(logVolumes: &logVolumes)
        sizeFit.append([.text(name), .integer(day), .integer(fit.count), .real(fit.mu), .real(fit.sigma), .real(fit.ksStatistic)])
        let length = Double(dendrites.count) * experiment.training.population.dendriteLengthUm
        density.append([.text(name), .integer(day), .real(Double(fit.count) / length)])
        if experiment.histogramDays.contains(day) {
            var counts = [Int](repeating: 0, count: sizeBins.count)
            for s in logVolumes { if let k = sizeBins.bin(logVolume: s) { counts[k] += 1 } }
            for (k, count) in counts.enumerated() {
                let edges = sizeBins.edges(k)
                histograms.append([.text(name), .integer(day), .real(edges.lower), .real(edges.upper), .integer(count)])
            }
        }
        survival[name, default: []].append((day, fractionAlive))
        learnedCounts[name] = learnedTotal
        last[name] = (fractionAlive, fractionPotentiated, correlation, fit, Double(fit.count) / length)
        raster(condition, day: day, dendrites: dendrites, learned: learned.map(\.learned))
    }

    /// Sizes along the first dendrites (learned: as defined at the end of training; false before it).
    mutating func raster(_ condition: MemoryStabilityExperiment.Condition, day: Int, dendrites: [Dendrite], learned: [Set<UInt32>]? = nil) {
        for dendrite in dendrites.prefix(experiment.rasterDendrites) {
            let table = dendrite.table
            for i in 0..<table.count {
                let isLearned = learned?[dendrite.index].contains(table.serial[i]) ?? false
                rasterTable.append([.text(condition.name), .integer(dendrite.index), .integer(day),
                                    .text(String(dendrite.spineID(serial: table.serial[i]))), .real(table.position[i]),
                                    .real(exp(table.logVolume[i])), .text(isLearned ? "true" : "false")])
            }
        }
    }

    func write(to directory: RunDirectory) throws -> [String] {
        try directory.write("retention.csv", table: retention)
        try directory.write("size_fit.csv", table: sizeFit)
        try directory.write("density.csv", table: density)
        try directory.write("size_histograms.csv", table: histograms)
        try directory.write("raster.csv", table: rasterTable)
        var summary: [String: Double] = [:]
        var reached: [String: Bool] = [:]
        for (name, points) in survival {
            let (days, isReached) = Retention.halfLife(points)
            summary["half_life_days_\(name)"] = days
            reached["half_life_reached_\(name)"] = isReached
            summary["learned_spines_\(name)"] = Double(learnedCounts[name] ?? 0)
            if let end = last[name] {
                summary["final_fraction_learned_alive_\(name)"] = end.alive
                summary["final_fraction_learned_potentiated_\(name)"] = end.potentiated
                summary["final_size_pattern_correlation_\(name)"] = end.correlation
                summary["final_lognormal_mu_\(name)"] = end.fit.mu
                summary["final_lognormal_sigma_\(name)"] = end.fit.sigma
                summary["final_spine_density_per_um_\(name)"] = end.density
            }
        }
        try directory.writeJSON("summary.json", MemorySummary(values: summary, flags: reached, homeCageDays: experiment.homeCageDays))
        return ["retention.csv", "size_fit.csv", "density.csv", "size_histograms.csv", "raster.csv", "summary.json"]
    }
}

/// summary.json: numbers and flags keyed by measure and condition (JSONOutput sorts the keys).
struct MemorySummary: Encodable {
    var values: [String: Double]
    var flags: [String: Bool]
    var homeCageDays: Int

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(homeCageDays, forKey: Key(stringValue: "home_cage_days"))
        for (key, value) in values { try c.encode(value, forKey: Key(stringValue: key)) }
        for (key, value) in flags { try c.encode(value, forKey: Key(stringValue: key)) }
    }
}

/// The retention measures of MODEL.md §6.
public enum Retention {
    /// Pearson's correlation coefficient (NaN for fewer than two points or no spread).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard x.count > 1 else { return .nan }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }

    /// Days until half of the learned spines are gone (linear between
    /// records), or the last recorded day if that never happens.
    public static func halfLife(_ points: [(day: Int, fraction: Double)]) -> (days: Double, reached: Bool) {
        for (a, b) in zip(points, points.dropFirst()) where b.fraction <= 0.5 {
            let t = a.fraction > b.fraction ? (a.fraction - 0.5) / (a.fraction - b.fraction) : 1
            return (Double(a.day) + t * Double(b.day - a.day), true)
        }
        return (Double(points.last?.day ?? 0), false)
    }

}
