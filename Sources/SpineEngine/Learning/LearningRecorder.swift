import Foundation
import SpineModel

/// Records what `learning-vs-notask` measures (docs/MODEL.md §5): per regime,
/// the spines of each field on its imaging sessions (and every dendrite on
/// Fu et al. 2012's day), the co-activity of its visible movement-related
/// spines by distance (summed at once: events are not kept), every birth and
/// death, and the number of eligible spines per session; `finish` writes
/// the result files.
final class LearningRecorder: TimelineRecorder {
    let experiment: LearningExperiment
    let model: PopulationModel
    let newSpineLifetimeDays: Double?
    let context: RunContext
    /// Per regime (condition name), in the order the regimes ran.
    var records: [RegimeRecord] = []

    /// A birth or death of one spine.
    struct Event: Codable {
        var day: Double
        var cause: TurnoverCause
    }

    /// Everything one regime produced.
    struct RegimeRecord: Codable {
        var regime: String
        /// [observed day: [dendrite: observations]] (empty for a dendrite not imaged that day)
        var observations: [Int: [[SpineObservation]]] = [:]
        /// Co-activity of pairs of visible MRS on a dendrite at its sessions, summed per distance bin, and the pairs.
        var coactivitySums: [Double]
        var coactivityPairs: [Int]
        /// Births and deaths by dendrite and serial.
        var births: [[UInt32: Event]]
        var deaths: [[UInt32: Event]]
        var eligibleSpines = 0
    }

    init(experiment: LearningExperiment, model: PopulationModel, newSpineLifetimeDays: Double?, context: RunContext) {
        self.experiment = experiment
        self.model = model
        self.newSpineLifetimeDays = newSpineLifetimeDays
        self.context = context
    }

    func begin(resuming state: Data?) throws {
        if let state { records = try JSONDecoder().decode([RegimeRecord].self, from: state) }
    }

    /// A regime's branch starts (the root, before the fork, records nothing).
    func trackStarted(_ track: Track, conditions: [String]) throws {
        guard conditions.count == 1 else { return }
        let empty = Array(repeating: [UInt32: Event](), count: track.dendrites.count)
        let bins = experiment.distanceEdges.count - 1
        records.append(RegimeRecord(regime: conditions[0], coactivitySums: Array(repeating: 0, count: bins),
                                    coactivityPairs: Array(repeating: 0, count: bins), births: empty, deaths: empty))
    }

    func wantsObservations(_ track: Track, day: Int) -> Bool { experiment.observedDays.contains(day) }

    func sessionsEnded(_ track: Track, day: Int, phase: SessionPhase, outcomes: [SessionOutcome]) throws {
        let last = records.count - 1
        if wantsObservations(track, day: day) {
            let imaging = experiment.imaging, threshold = log(imaging.vDetUm3)
            var kept: [[SpineObservation]] = []
            var sums = records[last].coactivitySums, pairs = records[last].coactivityPairs
            for (d, outcome) in outcomes.enumerated() {
                let imaged = imaging.sessions(dendrite: d).contains(day)
                kept.append(imaged || day == experiment.fuDay ? outcome.observations ?? [] : [])
                guard imaged, let observations = outcome.observations, let events = outcome.events else { continue }
                let mrs = observations.indices.filter { observations[$0].movementRelated && observations[$0].logVolume >= threshold }
                HedrickImaging.addCoactivity(positions: mrs.map { observations[$0].positionUm }, events: mrs.map { events[$0] },
                                             windowMs: experiment.guided.coactivityWindowMs, edges: experiment.distanceEdges,
                                             sums: &sums, pairs: &pairs)
            }
            records[last].observations[day] = kept
            (records[last].coactivitySums, records[last].coactivityPairs) = (sums, pairs)
        }
        records[last].eligibleSpines += outcomes.reduce(0) { $0 + $1.sources.count }
    }

    func stepEnded(_ track: Track, reports: [DendriteStepReport]) throws {
        for (index, report) in reports.enumerated() {
            for event in report.events {
                if event.isBirth {
                    records[records.count - 1].births[index][event.serial] = Event(day: event.day, cause: event.cause)
                } else {
                    records[records.count - 1].deaths[index][event.serial] = Event(day: event.day, cause: event.cause)
                }
            }
        }
    }

    func checkpointState() throws -> Data { try JSONEncoder().encode(records) }

    func finish() throws -> [String] {
        try experiment.write(records, model: model, newSpineLifetimeDays: newSpineLifetimeDays, context: context)
    }
}
