import Foundation
import GSL
import SpineModel

/// A spine as seen by imaging after a session (docs/MODEL.md §5).
struct SpineObservation: Sendable, Codable {
    var serial: UInt32
    var positionUm: Double
    var logVolume: Double
    var baselineLogVolume: Double
    var taskRelated: Bool
    var movementRelated: Bool
    var birthDay: Double
    var origin: UInt8
}

/// What a session leaves on one dendrite.
struct SessionOutcome: Sendable {
    /// Positions of the spines eligible to guide spinogenesis.
    var sources: [Double]
    /// The spines as imaging sees them (only when a recorder asked).
    var observations: [SpineObservation]?
    /// Each spine's glutamate events of the session, in the order of
    /// `observations` (only with them; not kept by the recorders).
    var events: [[Double]]?
}

/// How imaging identifies movement-related spines (Hedrick 2022; docs/MODEL.md §5).
struct MovementAnalysis: Sendable {
    var shuffles: Int
    var percentile: Double
}

/// The rules a phase runs, resolved once per phase (docs/MODEL.md §1–5).
struct PhaseDynamics: Sendable {
    let model: PopulationModel
    let kernel: HomeCageKernel
    /// The activity sections (kinds with sessions).
    let activity: ModelSettings.ActivitySettings?
    let criteria: SpineCriteria?
    /// Glutamate events closer than this merge into one (co-activity, imaging).
    let eventMergeMs: Double

    init(_ settings: ModelSettings, ensembles: Int, fluctuationBins: VolumeBins, eventMergeMs: Double) throws {
        model = try settings.resolvedModel(ensembles: ensembles).model
        kernel = try HomeCageKernel(model: model, fluctuationBins: fluctuationBins)
        activity = settings.activity
        criteria = settings.activity.map { [model] in $0.guided.criteria(rhoStar: model.plasticity.rhoStar) }
        self.eventMergeMs = eventMergeMs
    }

    /// One session of `phase` on each of one or two dendrites (docs/MODEL.md
    /// §1–2, §4–5): the activity of its regime and task, spine calcium with
    /// dendritic diffusion, ρ through the session, probation spines
    /// stabilised, and the eligible spines; imaging if `movement` is given.
    /// Two dendrites have their calcium computed together
    /// (`SessionEfficacy.run`), which is faster and gives each
    /// the same outcome as alone.
    func sessions(_ phase: SessionPhase, activity session: SessionActivity, ensemble: Int, dendrites: [Dendrite],
                  movement: MovementAnalysis?) throws -> [SessionOutcome] {
        let prepared = dendrites.map { prepare(phase, activity: session, ensemble: ensemble, dendrite: $0) }
        let efficacy = try SessionEfficacy.run(prepared.map(\.session))
        return try zip(dendrites, zip(prepared, efficacy)).map { dendrite, result in
            try outcome(of: result.0, efficacy: result.1, activity: session, dendrite: dendrite, movement: movement)
        }
    }

    /// A dendrite's session before its calcium: its task-related spines, the
    /// session's timeline and spike trains, and what `SessionEfficacy` needs.
    struct PreparedSession {
        var task: [Bool]
        var timeline: SessionActivity.Timeline
        var spikes: [[Double]]
        var session: SessionEfficacy.Dendrite
    }

    private func prepare(_ phase: SessionPhase, activity session: SessionActivity, ensemble: Int, dendrite: Dendrite) -> PreparedSession {
        let activity = activity!
        let table = dendrite.table
        let n = table.count
        let bit = UInt8(1) << UInt8(ensemble)
        let task = (0..<n).map { table.ensembles[$0] & bit != 0 }
        let (timeline, spikes) = dendrite.activity.withHandle { random in
            let timeline = session.timeline(regime: phase.regime, random: random)
            return (timeline, task.map { session.axonSpikes(taskRelated: $0, timeline: timeline, random: random) })
        }
        let geometry = SpineGeometry(positionsUm: (0..<n).map { table.position[$0] }, volumesUm3: (0..<n).map { exp(table.logVolume[$0]) })
        let inputs = WindowInputs(durationMs: session.durationMs, presynapticSpikesMs: spikes, backpropagatingMs: timeline.backpropagatingMs)
        return PreparedSession(task: task, timeline: timeline, spikes: spikes,
                               session: SessionEfficacy.Dendrite(inputs: inputs, geometry: geometry, lengthUm: dendrite.lengthUm,
                                                                 plasticity: model.plasticity, diffusion: activity.diffusion,
                                                                 processes: activity.processes,
                                                                 initial: (0..<n).map { table.efficacy[$0] }, random: dendrite.random))
    }

    /// A dendrite's session after its calcium: ρ stored, probation spines
    /// stabilised, the eligible spines, and imaging.
    private func outcome(of prepared: PreparedSession, efficacy: [Double], activity session: SessionActivity, dendrite: Dendrite,
                         movement: MovementAnalysis?) throws -> SessionOutcome {
        let activity = activity!, criteria = criteria!
        let table = dendrite.table
        let n = table.count
        let (task, timeline, spikes) = (prepared.task, prepared.timeline, prepared.spikes)
        let rules = model.newSpines, rhoStar = model.plasticity.rhoStar
        for i in 0..<n {
            table.efficacy[i] = efficacy[i]
            if table.flags[i] & SpineFlag.probation != 0 && rules.stabilises(efficacy: table.efficacy[i], rhoStar: rhoStar) {
                table.flags[i] &= ~SpineFlag.probation
            }
        }
        let events = spikes.map { CoActivity.events($0, mergeMs: eventMergeMs) }
        let positions = (0..<n).map { table.position[$0] }
        let enlarged = (0..<n).map { criteria.isEnlarged(logVolume: table.logVolume[$0], baselineLogVolume: table.baselineLogVolume[$0]) }
        let sources = criteria.eligiblePositions(positionsUm: positions, taskRelated: task, enlarged: enlarged, events: events,
                                                 rule: activity.guided)
        guard let movement else { return SessionOutcome(sources: sources, observations: nil, events: nil) }
        let related = dendrite.analysis.withHandle { random in
            ActivityAnalysis.movementRelated(events: events, movements: timeline.movements, durationMs: session.durationMs,
                                             shuffles: movement.shuffles, percentile: movement.percentile, random: random)
        }
        let observations = (0..<n).map { i in
            SpineObservation(serial: table.serial[i], positionUm: table.position[i], logVolume: table.logVolume[i],
                             baselineLogVolume: table.baselineLogVolume[i], taskRelated: task[i], movementRelated: related[i],
                             birthDay: table.birthDay[i], origin: table.origin[i])
        }
        return SessionOutcome(sources: sources, observations: observations, events: events)
    }
}
