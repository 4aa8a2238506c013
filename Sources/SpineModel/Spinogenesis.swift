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
/// ρ = 0) whose axon comes from the local pool — a member of each of the
/// `ensembles` task ensembles with probability `taskFraction` — and, when it
/// comes from activity-guided spinogenesis, on probation for
/// `probationDays` (nil: no probation).
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

    /// Whether a new spine of this origin starts on probation.
    @inlinable
    public func startsOnProbation(activityGuided: Bool) -> Bool { activityGuided && probationDays != nil }
}

/// Activity-guided spinogenesis (docs/MODEL.md §4; Hedrick 2022 Fig. 7): on
/// top of baseline spinogenesis, new spines appear at rate
/// g(x) = g₁ Σ_j e_j exp(−|x − x_j|/λ) per µm per day, e_j = 1 for an
/// eligible spine (`SpineCriteria`: task-related, co-active in the last
/// session, enlarged). A new spine starts as a filopodium and takes its axon
/// from the local pool (`NewSpineRules`); it is on probation for
/// `probationDays` (`NewSpineRules.probation`).
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

    public init(g1PerUmPerDay: Double = 0.005, lengthUm: Double = 5, enlargementThreshold: Double = 1.25,
                taskFraction: Double = 0.3, probationDays: Double = 4, coactivityWindowMs: Double = 50,
                coactivityThreshold: Double = 0.1, coactivityDistanceUm: Double = 10) {
        self.g1PerUmPerDay = g1PerUmPerDay
        self.lengthUm = lengthUm
        self.enlargementThreshold = enlargementThreshold
        self.taskFraction = taskFraction
        self.probationDays = probationDays
        self.coactivityWindowMs = coactivityWindowMs
        self.coactivityThreshold = coactivityThreshold
        self.coactivityDistanceUm = coactivityDistanceUm
    }

    /// The rules of the new spines this process and baseline spinogenesis
    /// make, for a wiring of `ensembles` task ensembles.
    public func newSpineRules(ensembles: Int) -> NewSpineRules {
        NewSpineRules(taskFraction: taskFraction, probationDays: probationDays, ensembles: ensembles)
    }

    /// Draws the positions of the new spines of `days` around the eligible
    /// spines at `sources` on a dendrite of `lengthUm` (kernel mass beyond
    /// the ends is lost: the dendrite ends there).
    public func births(around sources: [Double], lengthUm dendrite: Double, days: Double, random: RandomHandle) -> [Double] {
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
}
