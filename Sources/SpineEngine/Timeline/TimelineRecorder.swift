import Foundation

/// Something that turns a timeline run into result files (docs/MODEL.md §8).
///
/// The runner calls a recorder at the session, step, day and branch
/// boundaries of every track, with per-dendrite results in dendrite order
/// (so outputs do not depend on the thread count). Per-spine work happens
/// inside these calls on whole spine tables; nothing is called per spine.
/// A recorder's state is saved in every checkpoint and restored on resume;
/// its streamed files are truncated to the lengths that state records.
protocol TimelineRecorder: AnyObject {
    /// Opens the streamed files: new ones, or (resuming) those of `state`.
    func begin(resuming state: Data?) throws
    /// A track starts: the root after the initial population, or a branch of a fork.
    func trackStarted(_ track: Track, conditions: [String]) throws
    /// Whether the sessions of `day` on `track` must return imaging observations.
    func wantsObservations(_ track: Track, day: Int) -> Bool
    /// The sessions of `day` ended; `outcomes` are those of each dendrite's last session.
    func sessionsEnded(_ track: Track, day: Int, phase: SessionPhase, outcomes: [SessionOutcome]) throws
    /// A home-cage step ended.
    func stepEnded(_ track: Track, reports: [DendriteStepReport]) throws
    /// A whole day ended (`phaseEnded`: the last day of its phase).
    func dayEnded(_ track: Track, conditions: [String], phaseEnded: Bool) throws
    /// A track reached the end of its schedule.
    func trackEnded(_ track: Track, conditions: [String]) throws
    /// Flushes streamed files and returns the state to checkpoint.
    func checkpointState() throws -> Data
    /// Writes the result files; returns their names.
    func finish() throws -> [String]
}

extension TimelineRecorder {
    func trackStarted(_ track: Track, conditions: [String]) throws {}
    func wantsObservations(_ track: Track, day: Int) -> Bool { false }
    func sessionsEnded(_ track: Track, day: Int, phase: SessionPhase, outcomes: [SessionOutcome]) throws {}
    func stepEnded(_ track: Track, reports: [DendriteStepReport]) throws {}
    func dayEnded(_ track: Track, conditions: [String], phaseEnded: Bool) throws {}
    func trackEnded(_ track: Track, conditions: [String]) throws {}
}
