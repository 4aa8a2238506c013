import Foundation
import GSL
import SpineModel

/// One record of a task's memory (docs/MODEL.md §6). NaN: not defined
/// (written as an empty cell).
struct RetentionPoint: Codable, Sendable {
    var dayAfterTraining: Int
    /// Learned spines still alive.
    var fractionLearnedAlive: Double
    /// Learned spines alive and still potentiated.
    var fractionLearnedPotentiated: Double
    /// Pearson's r between the volumes at the end of training and now (0 for a dead spine).
    var sizePatternCorrelation: Double
    /// The recall signal d′ of the task's axons.
    var recallDPrime: Double
    /// Spines alive at the end of training still alive (the average spine).
    var fractionAllAlive: Double
}

extension TrainedPattern {
    var learnedCount: Int { dendrites.reduce(0) { $0 + $1.learned.count } }
}

/// The memory readouts of docs/MODEL.md §6.
public enum Retention {
    /// A task's readouts on `dendrites` at `day`, against its trained
    /// pattern; a learned spine is still potentiated by the criteria's rule
    /// (`SpineCriteria.isPotentiated`, ρ > ρ*).
    ///
    /// The recall signal: S, the summed functional weight of the alive
    /// spines that carry the task's axons (n of them), against random sets
    /// of n of the N alive spines: d′ = (S − n·w̄)/√(n σ_w² (N − n)/(N − 1)),
    /// the exact mean and variance of the sum of n weights drawn without
    /// replacement (w̄, σ_w² the mean and population variance of all N).
    static func measure(_ pattern: TrainedPattern, on dendrites: [Dendrite], ensemble: Int, criteria: SpineCriteria, day: Int) -> RetentionPoint {
        let bit = UInt8(1) << UInt8(ensemble)
        var learned = 0, alive = 0, potentiated = 0, trainedAlive = 0, trainedTotal = 0
        var trainedVolumes: [Double] = [], currentVolumes: [Double] = []
        var weights: [Double] = []
        var taskWeight = 0.0, taskSpines = 0
        for (dendrite, trained) in zip(dendrites, pattern.dendrites) {
            let table = dendrite.table
            var current: [UInt32: Int] = [:]
            current.reserveCapacity(table.count)
            for i in 0..<table.count {
                current[table.serial[i]] = i
                weights.append(table.weight[i])
                if table.ensembles[i] & bit != 0 {
                    taskWeight += table.weight[i]
                    taskSpines += 1
                }
            }
            learned += trained.learned.count
            for serial in trained.learned {
                guard let i = current[serial] else { continue }
                alive += 1
                if criteria.isPotentiated(efficacy: table.efficacy[i]) { potentiated += 1 }
            }
            trainedTotal += trained.serials.count
            for (serial, volume) in zip(trained.serials, trained.volumesUm3) {
                trainedVolumes.append(volume)
                if let i = current[serial] {
                    trainedAlive += 1
                    currentVolumes.append(exp(table.logVolume[i]))
                } else {
                    currentVolumes.append(0)
                }
            }
        }
        func fraction(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : .nan }
        return RetentionPoint(dayAfterTraining: day - pattern.endDay, fractionLearnedAlive: fraction(alive, learned),
                              fractionLearnedPotentiated: fraction(potentiated, learned),
                              sizePatternCorrelation: Statistics.correlation(trainedVolumes, currentVolumes),
                              recallDPrime: recallDPrime(taskWeight: taskWeight, taskSpines: taskSpines, weights: weights),
                              fractionAllAlive: fraction(trainedAlive, trainedTotal))
    }

    /// d′ of a set of n spines with summed weight S among all `weights` (NaN when not defined).
    public static func recallDPrime(taskWeight s: Double, taskSpines n: Int, weights: [Double]) -> Double {
        let total = weights.count
        guard n > 0, n < total else { return .nan }
        let variance = Statistics.populationVariance(weights)
        let sd = (Double(n) * variance * Double(total - n) / Double(total - 1)).squareRoot()
        return sd > 0 ? (s - Double(n) * Statistics.mean(weights)) / sd : .nan
    }

    /// Days until half of the learned spines are gone (linear between
    /// records); nil when that did not happen within the records.
    public static func halfLife(_ points: [(day: Int, fraction: Double)]) -> Double? {
        for (a, b) in zip(points, points.dropFirst()) where b.fraction <= 0.5 {
            let t = a.fraction > b.fraction ? (a.fraction - 0.5) / (a.fraction - b.fraction) : 1
            return Double(a.day) + t * Double(b.day - a.day)
        }
        return nil
    }
}

/// `summary.json` of a memory experiment: per condition, the last record
/// and, per task, the learned spines and the last retention record. A value
/// that is not defined is null, with the reason under `<key>_reason`.
struct MemorySummary: Encodable {
    let state: MemoryRecorder.State
    let order: [String]

    func encode(to encoder: Encoder) throws {
        var root = encoder.container(keyedBy: SummaryKey.self)
        var conditions = root.nestedContainer(keyedBy: SummaryKey.self, forKey: SummaryKey("conditions"))
        for condition in order {
            var c = conditions.nestedContainer(keyedBy: SummaryKey.self, forKey: SummaryKey(condition))
            if let last = state.last[condition] {
                try c.encode(last.day, forKey: SummaryKey("final_day"))
                try c.encode(last.densityPerUm, forKey: SummaryKey("final_spine_density_per_um"))
                try c.encode(last.fit.count, forKey: SummaryKey("final_spines"))
                try c.encode(last.fit.mu, forKey: "final_lognormal_mu", orNullBecause: "fewer than two spines")
                try c.encode(last.fit.sigma, forKey: "final_lognormal_sigma", orNullBecause: "fewer than two spines")
            }
            var tasks = c.nestedContainer(keyedBy: SummaryKey.self, forKey: SummaryKey("tasks"))
            for (task, series) in (state.series[condition] ?? [:]).sorted(by: { $0.key < $1.key }) {
                var t = tasks.nestedContainer(keyedBy: SummaryKey.self, forKey: SummaryKey(task))
                try t.encode(series.learned, forKey: SummaryKey("learned_spines"))
                try t.encode(series.trainingEndDay, forKey: SummaryKey("training_end_day"))
                guard let last = series.points.last else { continue }
                try t.encode(last.dayAfterTraining, forKey: SummaryKey("final_day_after_training"))
                let noLearned = "no learned spines at the end of training"
                try t.encode(last.fractionLearnedAlive, forKey: "final_fraction_learned_alive", orNullBecause: noLearned)
                try t.encode(last.fractionLearnedPotentiated, forKey: "final_fraction_learned_potentiated", orNullBecause: noLearned)
                try t.encode(last.sizePatternCorrelation, forKey: "final_size_pattern_correlation",
                             orNullBecause: "the trained or the current sizes have no spread")
                try t.encode(last.recallDPrime, forKey: "final_recall_dprime",
                             orNullBecause: "no alive spine carries the task's axons, or all do, or all weights are equal")
                try t.encode(last.fractionAllAlive, forKey: "final_fraction_all_alive", orNullBecause: "no spine at the end of training")
                let points = series.points.map { (day: $0.dayAfterTraining, fraction: $0.fractionLearnedAlive) }
                let halfLife = series.learned > 0 ? Retention.halfLife(points) : nil
                try t.encode(halfLife ?? .nan, forKey: "half_life_days",
                             orNullBecause: series.learned > 0
                                 ? "more than half of the learned spines were alive at the last record, \(last.dayAfterTraining) days after training"
                                 : noLearned)
            }
        }
    }
}
