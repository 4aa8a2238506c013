import Foundation
import GSL
import SpineModel

/// The `learning-vs-notask` experiment (docs/MODEL.md §4–5, Hedrick 2022):
/// the same dendrites (a fork of one initial state) live through daily
/// sessions in the learning regime and in the notask regime — a schedule of
/// one fork, each branch one session phase of `days` — with the learning
/// recorder: on imaging days movement-related spines are identified from
/// the simulated activity, and new spines, densities and clustering are
/// measured as imaging sees them.
public struct LearningExperiment: ExperimentBody {
    public var population: InitialPopulation
    public var settings: ModelSettings
    public var days: Int
    public var imaging: (early: [Int], middle: [Int], late: [Int])
    public var eventMergeMs: Double
    public var movementPercentile: Double
    public var movementShuffles: Int
    public var clusteringShuffles: Int
    public var clusteringBinUm: Double
    public var clusteringMaxUm: Double
    public var enrichmentDistanceUm: Double

    /// The single task of the experiment (its axons are the task ensemble).
    static let task = "A"

    var imagingDays: [Int] { Array(Set(imaging.early + imaging.middle + imaging.late)).sorted() }

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
        ResourceLimits.estimate(dendrites: population.dendriteCount, lengthUm: population.dendriteLengthUm, density: population.densityPerUm,
                                states: 2, sessions: true,
                                cellsPerDendrite: population.dendriteLengthUm / settings.activity!.diffusion.gridSpacingUm, threads: threads)
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
