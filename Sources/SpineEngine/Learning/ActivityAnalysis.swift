import Foundation
import GSL

/// The analyses of Hedrick et al. 2022 applied to simulated activity.
public enum ActivityAnalysis {
    /// Imaging events of a spine (glutamate release seen by iGluSnFR): its
    /// presynaptic spikes, those closer than `mergeMs` to the previous one
    /// joined into one event (the first spike's time).
    public static func events(_ spikes: [Double], mergeMs: Double) -> [Double] {
        var events: [Double] = []
        var last = -Double.infinity
        for t in spikes {
            if t - last > mergeMs { events.append(t) }
            last = t
        }
        return events
    }

    /// Co-activity of two spines (Hedrick 2022): the number of events of `a`
    /// with an event of `b` within ±window, normalised by the geometric mean
    /// √(n_a n_b) of the two event counts.
    public static func coactivity(_ a: [Double], _ b: [Double], windowMs: Double) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var j = 0, coincident = 0
        for t in a {
            while j < b.count && b[j] < t - windowMs { j += 1 }
            if j < b.count && b[j] <= t + windowMs { coincident += 1 }
        }
        return Double(coincident) / (Double(a.count) * Double(b.count)).squareRoot()
    }

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
