import Foundation
import GSL
import SpineModel

/// The `learning-vs-notask` experiment (docs/MODEL.md §4–5, Hedrick 2022):
/// the same dendrites (a fork of one initial state) live through daily
/// sessions in the learning regime and in the notask regime — a schedule of
/// one fork, each branch one session phase of `days` — with the learning
/// recorder: each dendrite is imaged as a field on three sessions, where
/// movement-related spines are identified from the simulated activity, and
/// new spines, densities, clustering and co-activity are measured as
/// Hedrick's imaging saw them (spines of v ≥ v_det).
/// Hedrick 2022's imaging (docs/MODEL.md §5): visibility, and when each
/// field (dendrite) is imaged.
public struct ImagingSettings: Sendable {
    /// Visible spines: v ≥ v_det.
    public var vDetUm3: Double
    /// IS1 of dendrite d is `firstDays[d mod count]`.
    public var firstDays: [Int]
    /// IS2 = IS1 + interval, IS3 = IS1 + 2·interval.
    public var intervalDays: Int
    /// Length of the segments over which densities are taken (medians).
    public var segmentUm: Double

    /// Fu et al. 2012 imaged after four days of training.
    static let fuDay = 5

    /// The three sessions (days) of dendrite `d`'s field.
    func sessions(dendrite d: Int) -> [Int] {
        let first = firstDays[d % firstDays.count]
        return [first, first + intervalDays, first + 2 * intervalDays]
    }

    /// The last day any field is imaged.
    var lastDay: Int { firstDays.max()! + 2 * intervalDays }
}

public struct LearningExperiment: ExperimentBody {
    public var population: InitialPopulation
    public var settings: ModelSettings
    public var days: Int
    public var imaging: ImagingSettings
    public var eventMergeMs: Double
    public var movementPercentile: Double
    public var movementShuffles: Int
    public var clusteringShuffles: Int
    public var clusteringBinUm: Double
    public var clusteringMaxUm: Double
    public var nearbyUm: Double

    /// The single task of the experiment (its axons are the task ensemble).
    static let task = "A"

    /// Days on which the recorder keeps what imaging sees: every field's
    /// three sessions, and Fu et al. 2012's day (the same for every dendrite).
    var observedDays: [Int] {
        var days = Set((0..<population.dendriteCount).flatMap { imaging.sessions(dendrite: $0) })
        if let fu = fuDay { days.insert(fu) }
        return days.sorted()
    }

    /// Fu et al. 2012's imaging after four training days (day 5), if the experiment lasts that long.
    var fuDay: Int? { days >= ImagingSettings.fuDay ? ImagingSettings.fuDay : nil }

    /// Distance bins of the clustering and co-activity analyses: 0, bin, …, max.
    var distanceEdges: [Double] { stride(from: 0.0, through: clusteringMaxUm + 1e-9, by: clusteringBinUm).map { $0 } }

    var guided: ActivityGuidedSpinogenesis { settings.activity!.guided }

    /// Fork of the initial state into `learning` and `notask`, each `days` of daily sessions.
    var schedule: Schedule {
        let phaseSettings = PhaseSettings(model: settings, overriddenSections: [])
        let branches = SessionActivity.Regime.allCases.filter { $0 != .reactivation }.map { regime in
            Branch(name: regime.rawValue, phases: [.session(SessionPhase(regime: regime, task: LearningExperiment.task, days: days,
                                                                         sessionsPerDay: 1, settings: phaseSettings))])
        }
        return Schedule(phases: [.fork(branches)], tasks: [LearningExperiment.task])
    }

    public func estimate(threads: Int) -> ResourceLimits.Estimate? {
        ResourceLimits.estimate(dendrites: population.dendriteCount, totalLengthUm: population.totalLengthUm, density: population.densityPerUm,
                                states: 2, sessions: true,
                                cellsPerDendrite: population.longestDendriteUm / settings.activity!.diffusion.gridSpacingUm, threads: threads)
    }

    public func work() -> ResourceLimits.Work? {
        ResourceLimits.sessionWork(schedule, dendrites: population.dendriteCount, lengthUm: population.longestDendriteUm,
                                   spinesPerDendrite: population.longestDendriteUm * population.densityPerUm)
    }

    public func run(_ context: RunContext) throws -> [String] {
        let (model, lifetime) = try settings.resolvedModel(ensembles: 1)
        let recorder = LearningRecorder(experiment: self, model: model, newSpineLifetimeDays: lifetime, context: context)
        let plan = TimelinePlan(schedule: schedule, population: population, settings: settings, label: "learning-vs-notask",
                                eventMergeMs: eventMergeMs,
                                movement: MovementAnalysis(shuffles: movementShuffles, percentile: movementPercentile))
        return try TimelineRunner(plan: plan, recorders: [recorder], context: context).run()
    }
}
