import Foundation

/// The definitions the experiments share (docs/MODEL.md §4, §6), written once:
/// - *enlarged*: v/v_baseline ≥ the enlargement threshold, v_baseline the
///   spine's volume when it was born or when the run started;
/// - *potentiated*: ρ > ρ*;
/// - *eligible* to guide spinogenesis: task-related, enlarged, and co-active
///   in the last session with another task-related spine within the
///   co-activity distance;
/// - *learned* for a task: carries the task's axon, potentiated and enlarged
///   at the end of the task's training.
public struct SpineCriteria: Sendable {
    /// ln of the enlargement threshold.
    @usableFromInline let logEnlargement: Double
    public let rhoStar: Double

    public init(enlargementThreshold: Double, rhoStar: Double) {
        logEnlargement = log(enlargementThreshold)
        self.rhoStar = rhoStar
    }

    @inlinable
    public func isEnlarged(logVolume s: Double, baselineLogVolume base: Double) -> Bool { s - base >= logEnlargement }

    @inlinable
    public func isPotentiated(efficacy rho: Double) -> Bool { rho > rhoStar }

    @inlinable
    public func isLearned(taskRelated: Bool, efficacy rho: Double, logVolume s: Double, baselineLogVolume base: Double) -> Bool {
        taskRelated && isPotentiated(efficacy: rho) && isEnlarged(logVolume: s, baselineLogVolume: base)
    }

    /// The positions of the eligible spines of one dendrite after a session:
    /// spine i is eligible if task-related and enlarged and co-active
    /// (`CoActivity.normalised` ≥ threshold) with another task-related spine
    /// within the co-activity distance.
    public func eligiblePositions(positionsUm x: [Double], taskRelated task: [Bool], enlarged: [Bool],
                                  events: [[Double]], rule: ActivityGuidedSpinogenesis) -> [Double] {
        var sources: [Double] = []
        let n = x.count
        for i in 0..<n where task[i] && enlarged[i] {
            let coactive = (0..<n).contains { j in
                j != i && task[j] && abs(x[j] - x[i]) <= rule.coactivityDistanceUm
                    && CoActivity.normalised(events[i], events[j], windowMs: rule.coactivityWindowMs) >= rule.coactivityThreshold
            }
            if coactive { sources.append(x[i]) }
        }
        return sources
    }
}

extension ActivityGuidedSpinogenesis {
    /// The criteria with this rule's enlargement threshold.
    public func criteria(rhoStar: Double) -> SpineCriteria {
        SpineCriteria(enlargementThreshold: enlargementThreshold, rhoStar: rhoStar)
    }
}

/// Glutamate events and their co-activity (docs/MODEL.md §4–5; Hedrick 2022).
public enum CoActivity {
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

    /// Co-activity of two spines: the number of events of `a` with an event
    /// of `b` within ±window, normalised by the geometric mean √(n_a n_b) of
    /// the two event counts.
    public static func normalised(_ a: [Double], _ b: [Double], windowMs: Double) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var j = 0, coincident = 0
        for t in a {
            while j < b.count && b[j] < t - windowMs { j += 1 }
            if j < b.count && b[j] <= t + windowMs { coincident += 1 }
        }
        return Double(coincident) / (Double(a.count) * Double(b.count)).squareRoot()
    }
}
