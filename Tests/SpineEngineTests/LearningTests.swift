import Foundation
import GSL
import SpineEngine
import SpineModel
import Testing

@Suite("Activity regimes, activity-guided spinogenesis and Hedrick's analyses")
struct LearningTests {
    @Test("events merge spikes closer than the merge window; co-activity is normalised by the geometric mean")
    func eventsAndCoactivity() {
        #expect(CoActivity.events([0, 10, 40, 100, 130, 400], mergeMs: 50) == [0, 100, 400])
        #expect(CoActivity.normalised([0, 100, 200], [0, 100, 200], windowMs: 10) == 1)
        #expect(CoActivity.normalised([0, 100], [500, 900], windowMs: 50) == 0)
        // One of a's two events has a partner within ±50 ms; b has two events: 1/√(2·2).
        #expect(abs(CoActivity.normalised([0, 100], [10, 500], windowMs: 50) - 0.5) < 1e-15)
    }

    @Test("movement-related spines: events locked to movements pass the shuffle test, uniform events do not")
    func movementRelatedIdentification() {
        let duration = 360_000.0
        var movements: [(startMs: Double, endMs: Double)] = []
        var locked: [Double] = []
        for trial in 0..<60 {
            let start = Double(trial) * 6000 + 2000
            movements.append((start, start + 1500))
            locked += stride(from: start + 100, to: start + 1500, by: 300).map { $0 }
        }
        let uniform = stride(from: 50.0, to: duration, by: 1700).map { $0 }
        let related = RandomStream(seed: 3).withHandle { random in
            ActivityAnalysis.movementRelated(events: [locked, uniform], movements: movements, durationMs: duration,
                                             shuffles: 1000, percentile: 97.5, random: random)
        }
        #expect(related == [true, false])
    }

    /// Learning locks event-driven bAPs `bapDelayMs` after ensemble events; no-task
    /// scatters them. Over many sessions the bAP counts agree within 4 SE (Poisson).
    @Test("learning locks bAPs to the task input, no-task keeps their number but not their timing")
    func regimes() {
        let activity = SessionActivity()
        var lockedLearning = 0, lockedNoTask = 0, countLearning = 0, countNoTask = 0
        for seed in 1...20 {
            for (regime, stream) in [(SessionActivity.Regime.learning, RandomStream(seed: UInt64(seed))),
                                     (.notask, RandomStream(seed: UInt64(1000 + seed)))] {
                let timeline = stream.withHandle { activity.timeline(regime: regime, random: $0) }
                let events = Set(timeline.ensembleEventsMs.map { ($0 + activity.bapDelayMs) })
                let locked = timeline.backpropagatingMs.filter { events.contains($0) }.count
                if regime == .learning {
                    lockedLearning += locked; countLearning += timeline.backpropagatingMs.count
                } else {
                    lockedNoTask += locked; countNoTask += timeline.backpropagatingMs.count
                }
            }
        }
        #expect(Double(lockedLearning) > 0.6 * Double(countLearning))
        #expect(lockedNoTask == 0)
        #expect(abs(Double(countLearning - countNoTask)) < 4 * Double(countLearning + countNoTask).squareRoot())
    }

    /// A day's replay as a session: one burst per slot, no background, every
    /// event-driven bAP `bapDelayMs` after an ensemble event, every event inside a burst.
    @Test("reactivation replays bursts of the ensemble with locked bAPs and no background")
    func reactivationWindow() {
        let replay = ReactivationActivity(eventsPerDay: 40, spacingSeconds: 2, burstSeconds: 0.1, burstEventHz: 50)
        let session = replay.session(jitterMs: 2)
        #expect(session.durationMs == 80_000 && session.axonBackgroundHz == 0 && session.backpropagationBackgroundHz == 0)
        let timeline = RandomStream(seed: 4).withHandle { session.timeline(regime: .reactivation, random: $0) }
        #expect(timeline.movements.count == 40)
        #expect(timeline.ensembleEventsMs.allSatisfy { t in timeline.movements.contains { $0.startMs <= t && t < $0.endMs } })
        let events = Set(timeline.ensembleEventsMs.map { $0 + replay.bapDelayMs })
        #expect(!timeline.backpropagatingMs.isEmpty && timeline.backpropagatingMs.allSatisfy { events.contains($0) })
        let spikes = RandomStream(seed: 5).withHandle { session.axonSpikes(taskRelated: false, timeline: timeline, random: $0) }
        #expect(spikes.isEmpty)   // a non-ensemble axon is silent during replay
    }

    /// Births per eligible spine and day: Poisson with mean 2λg₁ (kernel
    /// mass beyond the ends lost); offsets Laplace with mean |offset| λ. 4 SE.
    @Test("activity-guided births of the linear rule follow the kernel around eligible spines")
    func guidedBirths() {
        let rule = ActivityGuidedSpinogenesis(g1PerUmPerDay: 0.1, lengthUm: 5, rule: .linear)
        let sources = Array(repeating: 500.0, count: 4000)
        let positions = RandomStream(seed: 8).withHandle { rule.births(around: sources, lengthUm: 1000, days: 1, random: $0) }
        let expected = 2 * 5 * 0.1 * 4000.0
        #expect(abs(Double(positions.count) - expected) < 4 * expected.squareRoot())
        let meanOffset = positions.reduce(0) { $0 + abs($1 - 500) } / Double(positions.count)
        #expect(abs(meanOffset - 5) < 4 * 5 / Double(positions.count).squareRoot())
    }

    @Test("a new spine on probation is stabilised by potentiation and eliminated as transient otherwise")
    func probation() throws {
        var model = populationModel(size: LogSizeOU(baselineLogVolume: log(0.1), intrinsicNoise: false),
                                    turnover: TurnoverRules(minimumVolume: 1e-6))
        model.newSpines = NewSpineRules(probationDays: 4)
        let kernel = try HomeCageKernel(model: model, fluctuationBins: noFluctuationBins)
        let dendrite = Dendrite(index: 0, lengthUm: 10, expectedSpines: 2, random: RandomStream(seed: 1))
        dendrite.table.append(position: 1, logVolume: log(0.1), efficacy: 0, weight: 1, birthDay: 0, serial: 0,
                              origin: .activityGuided, flags: SpineFlag.probation)
        dendrite.table.append(position: 2, logVolume: log(0.1), efficacy: 1, weight: 2, birthDay: 0, serial: 1,
                              origin: .activityGuided, flags: SpineFlag.probation)
        var causes: [TurnoverCause] = []
        for day in 0..<6 { causes += try kernel.advance(dendrite, from: Double(day), days: 1, wholeDay: true).events.map(\.cause) }
        #expect(causes == [.transient])
        #expect(dendrite.table.count == 1 && dendrite.table.serial[0] == 1 && dendrite.table.flags[0] & SpineFlag.probation == 0)
    }

    /// A dendrite whose ensemble 0 is wired by a field (ℓ = 4 µm, f = 0.3)
    /// and ensemble 1 independently: every spine the kernel gives birth to
    /// (baseline and activity-guided, inside the cooperative set of three
    /// eligible spines) carries ensemble 0 exactly where the field is above
    /// its threshold, so new spines inside a task cluster are task-related
    /// and those outside are not.
    @Test("new spines take their axon from the task field at their position")
    func newSpinesFollowTheField() throws {
        var model = populationModel(size: LogSizeOU(baselineLogVolume: log(0.1), intrinsicNoise: false),
                                    turnover: TurnoverRules(minimumVolume: 1e-6, spinogenesisRate: 2))
        model.newSpines = NewSpineRules(taskFraction: 0.3, probationDays: 4, ensembles: 2)
        let kernel = try HomeCageKernel(model: model, fluctuationBins: noFluctuationBins)
        let dendrite = Dendrite(index: 0, lengthUm: 200, expectedSpines: 500, random: RandomStream(seed: 4))
        let field = RandomStream(seed: 17).withHandle { TaskWiring(correlationLengthUm: 4, taskFraction: 0.3).field(lengthUm: 200, random: $0) }
        dendrite.taskFields = [field, nil]
        // A task cluster: the eligible spines sit where the field is highest.
        let peak = stride(from: 10.0, through: 190, by: 0.25).max { field.value(atUm: $0) < field.value(atUm: $1) }!
        let guided = HomeCageKernel.GuidedBirths(rule: ActivityGuidedSpinogenesis(g1PerUmPerDay: 50), sources: [peak - 0.5, peak, peak + 0.5])
        let report = try kernel.advance(dendrite, from: 0, days: 1, wholeDay: true, guided: guided)
        let births = report.events.filter(\.isBirth)
        #expect(births.count > 200 && births.contains { $0.cause == .activityGuidedSpinogenesis })
        let n = dendrite.table.count
        #expect(n > 200)
        for i in 0..<n {
            #expect((dendrite.table.ensembles[i] & 1 != 0) == field.isTaskRelated(atUm: dendrite.table.position[i]))
        }
        let inCluster = (0..<n).filter { abs(dendrite.table.position[$0] - peak) < 0.25 && dendrite.table.origin[$0] == SpineOrigin.activityGuided.rawValue }
        #expect(!inCluster.isEmpty && inCluster.allSatisfy { dendrite.table.ensembles[$0] & 1 != 0 })
        let independent = Double((0..<n).filter { dendrite.table.ensembles[$0] & 2 != 0 }.count) / Double(n)
        #expect(abs(independent - 0.3) < 4 * (0.21 / Double(n)).squareRoot())
    }
}
