import Foundation
import SpineModel

/// Records what `learning-vs-notask` measures (docs/MODEL.md §5): per regime,
/// the spines as imaged on the imaging days, every birth and death, and the
/// number of eligible spines per session; `finish` writes the result files.
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
        /// [imaging day: [dendrite: observations]]
        var observations: [Int: [[SpineObservation]]] = [:]
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
        records.append(RegimeRecord(regime: conditions[0], births: empty, deaths: empty))
    }

    func wantsObservations(_ track: Track, day: Int) -> Bool { experiment.imagingDays.contains(day) }

    func sessionsEnded(_ track: Track, day: Int, phase: SessionPhase, outcomes: [SessionOutcome]) throws {
        if wantsObservations(track, day: day) { records[records.count - 1].observations[day] = outcomes.map { $0.observations ?? [] } }
        records[records.count - 1].eligibleSpines += outcomes.reduce(0) { $0 + $1.sources.count }
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
