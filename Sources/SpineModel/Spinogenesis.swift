import Foundation
import GSL

/// Baseline spinogenesis (docs/MODEL.md §4): new spines appear as a Poisson
/// process in time and uniformly along the dendrite at g₀ per µm per day.
extension TurnoverRules {
    /// The number of baseline births on `lengthUm` of dendrite over `days`.
    @inlinable
    public func baselineBirths(lengthUm: Double, days: Double, random: RandomHandle) -> Int {
        let expected = spinogenesisRate * lengthUm * days
        return expected > 0 ? random.poisson(mean: expected) : 0
    }
}

/// What a newly formed spine is (docs/MODEL.md §4): a filopodium (v_new,
/// ρ = 0) whose axon comes from the local pool — a member of task ensemble k
/// iff ensemble k's field is above its threshold at the spine's position
/// (clustered wiring, `TaskField`), or with probability `taskFraction`
/// (independent placement) — and, when it comes from activity-guided
/// spinogenesis, on probation for `probationDays` (nil: no probation).
public struct NewSpineRules: Sendable, Equatable {
    public var taskFraction: Double
    public var probationDays: Double?
    /// How many task ensembles the wiring holds (bit k of a spine's
    /// ensemble mask: its axon belongs to ensemble k).
    public var ensembles: Int

    public init(taskFraction: Double = 0, probationDays: Double? = nil, ensembles: Int = 0) {
        self.taskFraction = taskFraction
        self.probationDays = probationDays
        self.ensembles = ensembles
    }

    /// The ensemble mask of a new spine's axon, drawn from the local pool:
    /// one uniform per ensemble, in ensemble order (none when f = 0).
    @inlinable
    public func drawEnsembles(random: RandomHandle) -> UInt8 {
        var mask: UInt8 = 0
        for k in 0..<ensembles where taskFraction > 0 && random.uniform() < taskFraction { mask |= 1 << UInt8(k) }
        return mask
    }

    /// The ensemble mask of a new spine at x (µm) from the local pool:
    /// ensemble k from its field `fields[k]` where the wiring is clustered,
    /// otherwise one uniform draw (in ensemble order, as `drawEnsembles`).
    @inlinable
    public func drawEnsembles(atUm x: Double, fields: [TaskField?], random: RandomHandle) -> UInt8 {
        var mask: UInt8 = 0
        for k in 0..<ensembles {
            if k < fields.count, let field = fields[k] {
                if field.isTaskRelated(atUm: x) { mask |= 1 << UInt8(k) }
            } else if taskFraction > 0 && random.uniform() < taskFraction {
                mask |= 1 << UInt8(k)
            }
        }
        return mask
    }

    /// Whether a new spine of this origin starts on probation.
    @inlinable
    public func startsOnProbation(activityGuided: Bool) -> Bool { activityGuided && probationDays != nil }
}

/// Activity-guided spinogenesis (docs/MODEL.md §4; Hedrick 2022 Fig. 7): on
/// top of baseline spinogenesis, after a session new spines appear at rate
/// g(x) per µm per day around the eligible spines (`SpineCriteria`:
/// task-related, co-active in the last session, enlarged):
/// - `cooperative` (default): g(x) = g₁ H(N_e(x) ≥ k), N_e(x) the number of
///   eligible spines within r_e of x;
/// - `linear`: g(x) = g₁ Σ_j e_j exp(−|x − x_j|/λ).
/// A new spine starts as a filopodium and takes its axon from the local pool
/// (`NewSpineRules`); it is on probation for `probationDays`. The task
/// inputs are placed by `wiring` (`TaskWiring`).
public struct ActivityGuidedSpinogenesis: Sendable, Equatable {
    /// g₁, new spines per µm per day at an eligible spine (each eligible
    /// spine adds 2λ·g₁ new spines per day, ∫K dx = 2λ).
    public var g1PerUmPerDay: Double
    /// λ (µm).
    public var lengthUm: Double
    /// v/v_baseline at or above which a spine is enlarged.
    public var enlargementThreshold: Double
    /// f, the fraction of axons that belong to a task ensemble.
    public var taskFraction: Double
    public var probationDays: Double
    /// Co-activity: events within ± this window count as coincident (ms).
    public var coactivityWindowMs: Double
    /// Normalised co-activity (coincidences / √(n_i n_j)) above which two spines are co-active.
    public var coactivityThreshold: Double
    /// Co-active partners count within this distance (µm).
    public var coactivityDistanceUm: Double
    /// The birth rate's dependence on the eligible spines.
    public var rule: Rule
    /// k: the cooperative rule needs at least k eligible spines within r_e.
    public var cooperativeCount: Int
    /// r_e (µm).
    public var cooperativeRadiusUm: Double
    /// ℓ (µm) of the task inputs' clusters; 0: independent placement.
    public var taskCorrelationLengthUm: Double

    /// How g(x) depends on the eligible spines (docs/MODEL.md §4).
    public enum Rule: String, Sendable, CaseIterable {
        /// g(x) = g₁ H(N_e(x) ≥ k).
        case cooperative
        /// g(x) = g₁ Σ_j e_j exp(−|x − x_j|/λ).
        case linear
    }

    public init(g1PerUmPerDay: Double = 0.005, lengthUm: Double = 5, enlargementThreshold: Double = 1.25,
                taskFraction: Double = 0.3, probationDays: Double = 4, coactivityWindowMs: Double = 50,
                coactivityThreshold: Double = 0.1, coactivityDistanceUm: Double = 10, rule: Rule = .cooperative,
                cooperativeCount: Int = 3, cooperativeRadiusUm: Double = 5, taskCorrelationLengthUm: Double = 4) {
        self.g1PerUmPerDay = g1PerUmPerDay
        self.lengthUm = lengthUm
        self.enlargementThreshold = enlargementThreshold
        self.taskFraction = taskFraction
        self.probationDays = probationDays
        self.coactivityWindowMs = coactivityWindowMs
        self.coactivityThreshold = coactivityThreshold
        self.coactivityDistanceUm = coactivityDistanceUm
        self.rule = rule
        self.cooperativeCount = cooperativeCount
        self.cooperativeRadiusUm = cooperativeRadiusUm
        self.taskCorrelationLengthUm = taskCorrelationLengthUm
    }

    /// The placement of the task inputs (ℓ, f_task).
    public var wiring: TaskWiring { TaskWiring(correlationLengthUm: taskCorrelationLengthUm, taskFraction: taskFraction) }

    /// The rules of the new spines this process and baseline spinogenesis
    /// make, for a wiring of `ensembles` task ensembles.
    public func newSpineRules(ensembles: Int) -> NewSpineRules {
        NewSpineRules(taskFraction: taskFraction, probationDays: probationDays, ensembles: ensembles)
    }

    /// Draws the positions of the new spines of `days` around the eligible
    /// spines at `sources` on a dendrite of `lengthUm`, by `rule`.
    public func births(around sources: [Double], lengthUm dendrite: Double, days: Double, random: RandomHandle) -> [Double] {
        switch rule {
        case .linear: return linearBirths(around: sources, lengthUm: dendrite, days: days, random: random)
        case .cooperative: return cooperativeBirths(around: sources, lengthUm: dendrite, days: days, random: random)
        }
    }

    /// The linear kernel: each eligible spine adds a Poisson number (mean
    /// 2λ g₁ days) of births at Laplace offsets of scale λ (kernel mass
    /// beyond the ends is lost: the dendrite ends there).
    public func linearBirths(around sources: [Double], lengthUm dendrite: Double, days: Double, random: RandomHandle) -> [Double] {
        var positions: [Double] = []
        for x in sources {
            let count = random.poisson(mean: 2 * lengthUm * g1PerUmPerDay * days)
            for _ in 0..<count {
                let offset = random.exponential(mean: lengthUm) * (random.uniform() < 0.5 ? -1 : 1)
                let position = x + offset
                if position >= 0 && position <= dendrite { positions.append(position) }
            }
        }
        return positions
    }

    /// The cooperative set {x ∈ [0, L] : N_e(x) ≥ k}, N_e(x) the number of
    /// eligible spines at `sources` within r_e of x: disjoint closed
    /// intervals in increasing order (a sweep over the sorted ends x_j ∓ r_e;
    /// intervals of zero length are dropped).
    public func cooperativeSet(around sources: [Double], lengthUm dendrite: Double) -> [ClosedRange<Double>] {
        let k = cooperativeCount, r = cooperativeRadiusUm
        guard sources.count >= k else { return [] }
        let sorted = sources.sorted()
        var intervals: [ClosedRange<Double>] = []
        var opening = 0, closing = 0, covering = 0
        var start = 0.0
        while closing < sorted.count {
            // Closed discs: at a tie an interval opens before another closes.
            if opening < sorted.count && sorted[opening] - r <= sorted[closing] + r {
                covering += 1
                if covering == k { start = sorted[opening] - r }
                opening += 1
            } else {
                if covering == k {
                    let lower = max(start, 0), upper = min(sorted[closing] + r, dendrite)
                    if lower < upper { intervals.append(lower...upper) }
                }
                covering -= 1
                closing += 1
            }
        }
        return intervals
    }

    /// The cooperative rule: a Poisson number (mean g₁ |S| days, |S| the
    /// measure of the cooperative set S) of births uniform over S.
    public func cooperativeBirths(around sources: [Double], lengthUm dendrite: Double, days: Double, random: RandomHandle) -> [Double] {
        let set = cooperativeSet(around: sources, lengthUm: dendrite)
        let measure = set.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) }
        let expected = g1PerUmPerDay * measure * days
        guard expected > 0 else { return [] }
        let count = random.poisson(mean: expected)
        var positions: [Double] = []
        positions.reserveCapacity(count)
        for _ in 0..<count {
            var u = random.uniform() * measure
            for (index, interval) in set.enumerated() {
                let width = interval.upperBound - interval.lowerBound
                if u < width || index == set.count - 1 {
                    positions.append(min(interval.lowerBound + u, interval.upperBound))
                    break
                }
                u -= width
            }
        }
        return positions
    }
}
