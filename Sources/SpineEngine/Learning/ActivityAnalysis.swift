import Foundation
import GSL

/// The analyses of Hedrick et al. 2022 applied to simulated activity
/// (docs/MODEL.md §5; glutamate events and co-activity: `CoActivity`).
public enum ActivityAnalysis {
    /// Movement-related spines (Hedrick 2022, Extended Data Fig. 3a): a
    /// spine's movement score is the number of its events inside movements;
    /// the movements are shuffled in time `shuffles` times — every movement,
    /// kept whole, moved to a random time of the session — and a spine whose
    /// score is above the `percentile` of its shuffled scores is
    /// movement-related. The same shuffles serve all of a dendrite's spines;
    /// scores are counted on `binMs` bins through cumulative event counts.
    public static func movementRelated(events: [[Double]], movements: [(startMs: Double, endMs: Double)], durationMs: Double,
                                       shuffles: Int, percentile: Double, random: RandomHandle, binMs: Double = 10) -> [Bool] {
        let bins = Int((durationMs / binMs).rounded(.up))
        let windows = movements.map { (Int($0.startMs / binMs), Int($0.endMs / binMs)) }
        let shuffled = (0..<shuffles).map { _ in
            windows.map { w -> (Int, Int) in
                let length = w.1 - w.0
                let start = Int(random.uniform() * Double(max(bins - length, 1)))
                return (start, start + length)
            }
        }
        var cumulative = [Int](repeating: 0, count: bins + 1)
        return events.map { spine in
            for k in cumulative.indices { cumulative[k] = 0 }
            for t in spine { cumulative[min(Int(t / binMs), bins - 1) + 1] += 1 }
            for k in 1...bins { cumulative[k] += cumulative[k - 1] }
            func score(_ placed: [(Int, Int)]) -> Int { placed.reduce(0) { $0 + cumulative[min($1.1, bins)] - cumulative[$1.0] } }
            let real = score(windows)
            let null = shuffled.map(score).sorted()
            let rank = min(null.count - 1, Int((percentile / 100 * Double(null.count)).rounded(.down)))
            return real > null[rank]
        }
    }
}
