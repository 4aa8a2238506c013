import Foundation
import GSL
import SpineModel

/// The `learning-vs-notask` experiment (MODEL.md §4–5, Hedrick 2022): the same
/// dendrites (same seeds) live through daily sessions in the learning regime
/// and in the no-task regime. Each day: a session (calcium with dendritic
/// diffusion, ρ, glutamate events), then a day of home cage (sizes, turnover,
/// baseline and activity-guided spinogenesis, probation). On imaging days
/// movement-related spines are identified from the simulated activity.
public struct LearningExperiment: ExperimentBody {
    /// Dendrites, spines, sizes and turnover (its durationDays are the days of the experiment).
    public var population: PopulationConfig
    public var diffusion: DiffusionParameters
    public var session: SessionActivity
    public var guided: ActivityGuidedSpinogenesis
    public var imaging: (early: [Int], middle: [Int], late: [Int])
    public var eventMergeMs: Double
    public var movementPercentile: Double
    public var movementShuffles: Int
    public var clusteringShuffles: Int
    public var clusteringBinUm: Double
    public var clusteringMaxUm: Double
    public var enrichmentDistanceUm: Double

    static let activityPurpose: UInt8 = 5, axonPurpose: UInt8 = 6, analysisPurpose: UInt8 = 7, clusteringPurpose: UInt8 = 8

    var imagingDays: [Int] { Array(Set(imaging.early + imaging.middle + imaging.late)).sorted() }

    /// A spine as seen on an imaging day.
    struct Observation: Sendable {
        var serial: UInt32
        var positionUm: Double
        var logVolume: Double
        var baselineLogVolume: Double
        var taskRelated: Bool
        var movementRelated: Bool
        var birthDay: Double
        var origin: SpineOrigin
    }

    /// Everything one regime produced.
    struct RegimeRecord: Sendable {
        var regime: SessionActivity.Regime
        /// [imaging day: [dendrite: observations]]
        var observations: [Int: [[Observation]]] = [:]
        /// Births and deaths by dendrite and serial.
        var births: [[UInt32: (day: Double, cause: TurnoverCause)]] = []
        var deaths: [[UInt32: (day: Double, cause: TurnoverCause)]] = []
        var eligibleSpines = 0
    }

    /// The population's model (baseline spinogenesis as configured, 'auto'
    /// by Little's law) with the rules of new spines of this experiment.
    func resolvedModel() throws -> (PopulationModel, Double?) {
        var (model, lifetime) = try population.resolvedModel()
        model.newSpines = NewSpineRules(taskFraction: guided.taskFraction, probationDays: guided.probationDays)
        return (model, lifetime)
    }

    public func run(_ context: RunContext) throws -> [String] {
        let (model, lifetime) = try resolvedModel()
        let kernel = try HomeCageKernel(model: model, fluctuationBins: population.recording.fluctuationBins)
        let days = population.durationDays
        let progress = ProgressReporter(label: "learning-vs-notask", total: Double(2 * days), unit: "regime-days", quiet: context.quiet)
        var records: [RegimeRecord] = []
        for regime in SessionActivity.Regime.allCases {
            records.append(try simulate(regime, model: model, kernel: kernel, context: context, progress: progress))
        }
        progress.finish()
        return try write(records, model: model, newSpineLifetimeDays: lifetime, context: context)
    }

    /// One regime on the experiment's dendrites (the same seeds for both regimes).
    func simulate(_ regime: SessionActivity.Regime, model: PopulationModel, kernel: HomeCageKernel,
                  context: RunContext, progress: ProgressReporter) throws -> RegimeRecord {
        let training = try Training(regime, experiment: self, model: model, context: context)
        var record = RegimeRecord(regime: regime)
        record.births = Array(repeating: [:], count: training.dendrites.count)
        record.deaths = Array(repeating: [:], count: training.dendrites.count)
        let imagingDays = Set(self.imagingDays)
        for day in 1...population.durationDays {
            let (sessions, reports) = try training.day(day, kernel: kernel, imaging: imagingDays.contains(day), threads: context.threads)
            if imagingDays.contains(day) { record.observations[day] = sessions.map { $0.observations ?? [] } }
            record.eligibleSpines += sessions.reduce(0) { $0 + $1.sources.count }
            for (index, report) in reports.enumerated() {
                for event in report.events {
                    if event.isBirth {
                        record.births[index][event.serial] = (event.day, event.cause)
                    } else {
                        record.deaths[index][event.serial] = (event.day, event.cause)
                    }
                }
            }
            progress.advance()
        }
        return record
    }

    /// Dendrites living through daily training in one regime: populated, with
    /// task-related axons assigned, and their activity and analysis streams.
    struct Training: Sendable {
        let regime: SessionActivity.Regime
        let experiment: LearningExperiment
        let model: PopulationModel
        let dendrites: [Dendrite]
        let activity: Partitioned<RandomStream>
        let analysis: Partitioned<RandomStream>

        init(_ regime: SessionActivity.Regime, experiment: LearningExperiment, model: PopulationModel, context: RunContext) throws {
            self.regime = regime
            self.experiment = experiment
            self.model = model
            let body = PopulationExperiment(config: experiment.population)
            dendrites = body.makeDendrites(context)
            try body.populate(dendrites, model: model, threads: context.threads)
            let streams = { [dendrites] (purpose: UInt8) in
                dendrites.map { RandomStream(type: context.generator, seeds: context.seeds, purpose: purpose, index: $0.index) }
            }
            activity = Partitioned(streams(LearningExperiment.activityPurpose))
            analysis = Partitioned(streams(LearningExperiment.analysisPurpose))
            for (dendrite, axons) in zip(dendrites, streams(LearningExperiment.axonPurpose)) {
                axons.withHandle { random in
                    for i in 0..<dendrite.table.count where random.uniform() < experiment.guided.taskFraction {
                        dendrite.table.flags[i] |= SpineFlag.taskRelated
                    }
                }
            }
        }

        /// Training day `day` (from 1): the session on every dendrite, then a
        /// day of home cage with the activity-guided births it calls for.
        func day(_ day: Int, kernel: HomeCageKernel, imaging: Bool, threads: Int) throws -> ([SessionResult], [DendriteStepReport]) {
            let sessions = try parallelMap(count: dendrites.count, threads: threads) { [self] index in
                try experiment.runSession(regime, day: day, dendrite: dendrites[index], model: model, activity: activity[index],
                                          analysis: analysis[index], imaging: imaging)
            }
            let reports = try parallelMap(count: dendrites.count, threads: threads) { [self] index in
                try kernel.advance(dendrites[index], from: Double(day - 1), days: 1, wholeDay: true,
                                   guided: HomeCageKernel.GuidedBirths(rule: experiment.guided, sources: sessions[index].sources))
            }
            return (sessions, reports)
        }
    }

    struct SessionResult: Sendable {
        /// Positions of the spines eligible to guide spinogenesis.
        var sources: [Double]
        var observations: [Observation]?
    }

    /// A session on one dendrite: activity, calcium, ρ, and what it leaves
    /// for spinogenesis and imaging.
    func runSession(_ regime: SessionActivity.Regime, day: Int, dendrite: Dendrite, model: PopulationModel,
                    activity: RandomStream, analysis: RandomStream, imaging: Bool) throws -> SessionResult {
        let table = dendrite.table
        let n = table.count
        let task = (0..<n).map { table.flags[$0] & SpineFlag.taskRelated != 0 }
        let (timeline, spikes) = activity.withHandle { random in
            let timeline = session.timeline(regime: regime, random: random)
            return (timeline, task.map { session.axonSpikes(taskRelated: $0, timeline: timeline, random: random) })
        }
        let geometry = SpineGeometry(positionsUm: (0..<n).map { table.position[$0] }, volumesUm3: (0..<n).map { exp(table.logVolume[$0]) })
        let window = try CalciumWindow.run(WindowInputs(durationMs: session.durationMs, presynapticSpikesMs: spikes,
                                                        backpropagatingMs: timeline.backpropagatingMs),
                                           geometry: geometry, lengthUm: dendrite.lengthUm, plasticity: model.plasticity, diffusion: diffusion)
        let integrator = EfficacyIntegrator(parameters: model.plasticity)
        try dendrite.random.withHandle { random in
            for i in 0..<n {
                table.efficacy[i] = try integrator.advance(table.efficacy[i], through: window.segments[i], random: random)
                if table.flags[i] & SpineFlag.probation != 0 && table.efficacy[i] > model.plasticity.rhoStar {
                    table.flags[i] &= ~SpineFlag.probation
                }
            }
        }
        let events = spikes.map { ActivityAnalysis.events($0, mergeMs: eventMergeMs) }
        let enlarged = log(guided.enlargementThreshold)
        var sources: [Double] = []
        for i in 0..<n where task[i] && table.logVolume[i] - table.baselineLogVolume[i] >= enlarged {
            let coactive = (0..<n).contains { j in
                j != i && task[j] && abs(table.position[j] - table.position[i]) <= guided.coactivityDistanceUm
                    && ActivityAnalysis.coactivity(events[i], events[j], windowMs: guided.coactivityWindowMs) >= guided.coactivityThreshold
            }
            if coactive { sources.append(table.position[i]) }
        }
        guard imaging else { return SessionResult(sources: sources, observations: nil) }
        let related = analysis.withHandle { random in
            ActivityAnalysis.movementRelated(events: events, movements: timeline.movements, durationMs: session.durationMs,
                                             shuffles: movementShuffles, percentile: movementPercentile, random: random)
        }
        let observations = (0..<n).map { i in
            Observation(serial: table.serial[i], positionUm: table.position[i], logVolume: table.logVolume[i],
                        baselineLogVolume: table.baselineLogVolume[i], taskRelated: task[i], movementRelated: related[i],
                        birthDay: table.birthDay[i], origin: SpineOrigin(rawValue: table.origin[i])!)
        }
        return SessionResult(sources: sources, observations: observations)
    }
}
