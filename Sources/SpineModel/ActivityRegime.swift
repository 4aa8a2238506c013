import Foundation
import GSL

/// Activity in a behavioural session (docs/MODEL.md §5).
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
/// - notask: the same number of event-driven bAPs, at random times of the
///   session (the same mean rates, not locked to the task input);
/// - reactivation (offline replay): `ReactivationActivity` turns a day's
///   bursts of a learned ensemble into a session of this form, bAPs locked.
/// Home cage: sparse background only; SpineSim advances it in exact steps
/// (no threshold crossings are expected).
public struct SessionActivity: Sendable, Equatable {
    /// The regimes of docs/MODEL.md §5, spelled as in experiment files and outputs.
    public enum Regime: String, Sendable, CaseIterable, Codable {
        case learning, notask, reactivation

        /// Whether the event-driven bAPs follow the task input (pre before post).
        public var locksBackpropagation: Bool { self != .notask }
    }

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
            baps.append(regime.locksBackpropagation ? event + bapDelayMs : random.uniform() * durationMs)
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

/// Offline reactivation of a learned ensemble (docs/MODEL.md §5; Fauth & van
/// Rossum 2019): once a day, `eventsPerDay` brief bursts of the ensemble with
/// bAPs, during sleep or quiet rest. The day's bursts are simulated as one
/// window in which they follow each other `spacingSeconds` apart (calcium
/// returns to rest in between); each burst lasts `burstSeconds`, during which
/// ensemble events come at `burstEventHz`, each task axon joining an event
/// with probability `participation` and a bAP following an event
/// `bapDelayMs` later with probability `backpropagationPerEvent`. There is no
/// background activity (home cage). The rest of the day is home cage.
public struct ReactivationActivity: Sendable, Equatable {
    public var eventsPerDay: Int
    public var spacingSeconds: Double
    public var burstSeconds: Double
    public var burstEventHz: Double
    public var participation: Double
    public var backpropagationPerEvent: Double
    public var bapDelayMs: Double

    public init(eventsPerDay: Int = 50, spacingSeconds: Double = 2, burstSeconds: Double = 0.1, burstEventHz: Double = 50,
                participation: Double = 0.5, backpropagationPerEvent: Double = 0.8, bapDelayMs: Double = 5) {
        self.eventsPerDay = eventsPerDay
        self.spacingSeconds = spacingSeconds
        self.burstSeconds = burstSeconds
        self.burstEventHz = burstEventHz
        self.participation = participation
        self.backpropagationPerEvent = backpropagationPerEvent
        self.bapDelayMs = bapDelayMs
    }

    /// The day's window as a session: one burst per "trial" of
    /// `spacingSeconds`, the burst as its "movement", no background; the
    /// spike jitter of the task axons is the session's.
    public func session(jitterMs: Double) -> SessionActivity {
        SessionActivity(trials: eventsPerDay, trialSeconds: spacingSeconds, movementSeconds: burstSeconds,
                        ensembleEventHz: burstEventHz, participation: participation, jitterMs: jitterMs,
                        axonBackgroundHz: 0, backpropagationBackgroundHz: 0,
                        backpropagationPerEvent: backpropagationPerEvent, bapDelayMs: bapDelayMs)
    }
}
