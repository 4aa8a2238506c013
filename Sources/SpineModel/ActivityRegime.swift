import Foundation
import GSL

/// Activity in a behavioural session (MODEL.md §5).
///
/// A session is `trials` trials of `trialSeconds`; each trial holds one
/// movement of `movementSeconds` at a random onset. During movements the task
/// ensemble fires ensemble events (Poisson, `ensembleEventHz`); each
/// task-related axon joins an event with probability `participation`, with a
/// Gaussian jitter. Every axon also fires Poisson background spikes. The
/// neuron's bAPs: Poisson background, plus one bAP per ensemble event with
/// probability `backpropagationPerEvent` —
/// - learning: `bapDelayMs` after the event (pre before post: the rewarded
///   movement drives the neuron through its task input);
/// - no-task: the same number of event-driven bAPs, at random times of the
///   session (the same mean rates, not locked to the task input).
/// Home cage: sparse background only; SpineSim advances it in exact steps
/// (no threshold crossings are expected).
public struct SessionActivity: Sendable, Equatable {
    public enum Regime: String, Sendable, CaseIterable { case learning, noTask = "no-task" }

    public var trials: Int
    public var trialSeconds: Double
    public var movementSeconds: Double
    public var ensembleEventHz: Double
    public var participation: Double
    public var jitterMs: Double
    public var axonBackgroundHz: Double
    public var backpropagationBackgroundHz: Double
    public var backpropagationPerEvent: Double
    public var bapDelayMs: Double

    public init(trials: Int = 60, trialSeconds: Double = 6, movementSeconds: Double = 1.5, ensembleEventHz: Double = 10,
                participation: Double = 0.5, jitterMs: Double = 2, axonBackgroundHz: Double = 0.5,
                backpropagationBackgroundHz: Double = 0.5, backpropagationPerEvent: Double = 0.8, bapDelayMs: Double = 5) {
        self.trials = trials
        self.trialSeconds = trialSeconds
        self.movementSeconds = movementSeconds
        self.ensembleEventHz = ensembleEventHz
        self.participation = participation
        self.jitterMs = jitterMs
        self.axonBackgroundHz = axonBackgroundHz
        self.backpropagationBackgroundHz = backpropagationBackgroundHz
        self.backpropagationPerEvent = backpropagationPerEvent
        self.bapDelayMs = bapDelayMs
    }

    public var durationMs: Double { Double(trials) * trialSeconds * 1000 }

    /// One session's movements, ensemble events and bAPs (shared by the
    /// dendrite's spines), times in ms from the session's start.
    public struct Timeline: Sendable {
        public var movements: [(startMs: Double, endMs: Double)]
        public var ensembleEventsMs: [Double]
        public var backpropagatingMs: [Double]
    }

    /// Draws the session's movements, ensemble events and bAPs.
    public func timeline(regime: Regime, random: RandomHandle) -> Timeline {
        let trialMs = trialSeconds * 1000, moveMs = movementSeconds * 1000
        var movements: [(startMs: Double, endMs: Double)] = []
        var events: [Double] = []
        for trial in 0..<trials {
            let start = Double(trial) * trialMs + 500 + random.uniform() * max(0, trialMs - moveMs - 1000)
            movements.append((start, start + moveMs))
            var t = start + random.exponential(mean: 1000 / ensembleEventHz)
            while t < start + moveMs {
                events.append(t)
                t += random.exponential(mean: 1000 / ensembleEventHz)
            }
        }
        var baps = poisson(rateHz: backpropagationBackgroundHz, random: random)
        for event in events where random.uniform() < backpropagationPerEvent {
            baps.append(regime == .learning ? event + bapDelayMs : random.uniform() * durationMs)
        }
        baps.sort()
        return Timeline(movements: movements, ensembleEventsMs: events, backpropagatingMs: baps.filter { $0 < durationMs })
    }

    /// One axon's spikes: background, and its share of the ensemble events if task-related.
    public func axonSpikes(taskRelated: Bool, timeline: Timeline, random: RandomHandle) -> [Double] {
        var spikes = poisson(rateHz: axonBackgroundHz, random: random)
        if taskRelated {
            for event in timeline.ensembleEventsMs where random.uniform() < participation {
                spikes.append(max(0, event + random.gaussian(sigma: jitterMs)))
            }
        }
        spikes.sort()
        return spikes.filter { $0 < durationMs }
    }

    /// A Poisson train over the session.
    func poisson(rateHz: Double, random: RandomHandle) -> [Double] {
        guard rateHz > 0 else { return [] }
        var times: [Double] = []
        var t = random.exponential(mean: 1000 / rateHz)
        while t < durationMs {
            times.append(t)
            t += random.exponential(mean: 1000 / rateHz)
        }
        return times
    }
}

/// Activity-guided spinogenesis (MODEL.md §4, Hedrick 2022 Fig. 7): on top of
/// baseline spinogenesis, new spines appear at rate
/// g(x) = g₁ Σ_j e_j exp(−|x − x_j|/λ) per µm per day, e_j = 1 for a spine
/// that is task-related, co-active in the last session and enlarged
/// (v/v_baseline ≥ `enlargementThreshold`). A new spine starts as a
/// filopodium (v_new, ρ = 0), takes an axon from the local pool (task-related
/// with probability `taskFraction`), and is on probation for
/// `probationDays`: stabilised when ρ crosses ρ*, eliminated (transient)
/// when probation ends otherwise.
public struct ActivityGuidedSpinogenesis: Sendable, Equatable {
    /// g₁, new spines per µm per day at an eligible spine (each eligible
    /// spine adds 2λ·g₁ new spines per day, ∫K dx = 2λ).
    public var g1PerUmPerDay: Double
    /// λ (µm).
    public var lengthUm: Double
    public var enlargementThreshold: Double
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
