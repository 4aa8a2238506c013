import Foundation
import GSL
import SpineModel

/// What a run of a schedule needs besides the schedule (docs/MODEL.md §8).
struct TimelinePlan: Sendable {
    var schedule: Schedule
    var population: InitialPopulation
    /// The global model sections (the initial population is drawn under them).
    var settings: ModelSettings
    /// Progress label (the experiment kind).
    var label: String
    /// Bins of the one-day fluctuation record of home-cage steps.
    var fluctuationBins = VolumeBins(lowerUm3: 0.02, upperUm3: 1, count: 12)
    /// Glutamate events closer than this merge into one (co-activity and imaging).
    var eventMergeMs = 50.0
    /// How imaging identifies movement-related spines, when a recorder asks.
    var movement = MovementAnalysis(shuffles: 1000, percentile: 97.5)
    /// Start from this final state of another run instead of a new population.
    var initialState: URL?
}

/// The one timeline engine (docs/MODEL.md §8): it owns the dendrites of
/// every branch, their generator streams and the model, and advances them
/// through the phases of a schedule — sessions (then the rest of the day in
/// the home cage), home-cage days in exact steps, and forks, whose branches
/// run one after the other, each on its own copy of the state. Recorders
/// plug in at session, step, day and branch boundaries. Progress with an
/// ETA, checkpoints every `--checkpoint-every` days, SIGINT/SIGTERM
/// (checkpoint, then exit 130) and `spinesim resume` live here, once, for
/// every schedule. Work inside a day is parallel over dendrites; each
/// dendrite draws only from its own streams, so results do not depend on
/// the thread count.
///
/// Over MPI ranks (`Cluster.world`) each rank advances a contiguous block of
/// the dendrites; their per-dendrite results of every session and step, and
/// at the end of each day their spine tables, are gathered to rank 0, which
/// holds the whole population, calls the recorders and writes checkpoints
/// and final states. Rank 0 sees exactly the per-dendrite data, in global
/// order, of a run in one process: the same bits for any rank count.
final class TimelineRunner {
    let plan: TimelinePlan
    /// The recorders on rank 0; none on the others.
    let recorders: [any TimelineRecorder]
    /// Every recorder, on every rank: asked which sessions must return
    /// imaging observations, and counted against a checkpoint's.
    private let observers: [any TimelineRecorder]
    let context: RunContext
    private let world = Cluster.world
    private var dynamics: [String: PhaseDynamics] = [:]
    private var daysDone = 0
    private var workDone = 0.0
    private var progress: ProgressReporter!
    private let totalDays: Int
    private let totalWork: Double

    /// A track and where it is in its phase list.
    private struct Job {
        var track: Track
        var phaseIndex = 0
        var dayInPhase = 0
    }

    init(plan: TimelinePlan, recorders: [any TimelineRecorder], context: RunContext) {
        self.plan = plan
        self.recorders = Cluster.world.isRoot ? recorders : []
        self.observers = recorders
        self.context = context
        totalDays = plan.schedule.totalDays
        totalWork = plan.schedule.sum { Double($0.days) * TimelineRunner.workPerDay($0) }
    }

    /// Work of one day of a phase, in home-cage days: a session costs about
    /// 8 home-cage days of 40 dendrites per simulated minute.
    private static func workPerDay(_ phase: Phase) -> Double {
        guard case let .session(session) = phase else { return 1 }
        return 1 + 8 * Double(session.sessionsPerDay) * session.activity.durationMs / 60_000
    }

    /// Runs the schedule (or, with `context.resume`, continues it from the
    /// newest checkpoint) and returns the names of the files the recorders wrote.
    func run() throws -> [String] {
        Interrupts.install()
        var job: Job
        var pending: [Job]
        let restored = context.resume ? try restoreLatest() : nil
        if let restored {
            (job, pending) = restored
        } else {
            if context.resume && !context.quiet {
                FileHandle.standardError.write(Data("no checkpoint yet: starting again from day 0 (same seed, same results)\n".utf8))
            }
            for recorder in recorders { try recorder.begin(resuming: nil) }
            job = Job(track: try initialTrack())
            pending = []
            try started(job.track)
        }
        progress = ProgressReporter(label: plan.label, total: totalWork, unit: totalWork == Double(totalDays) ? "days" : "work units",
                                    quiet: context.quiet)
        progress.advance(by: workDone)
        while true {
            let phases = plan.schedule.phases(at: job.track.path)
            if job.phaseIndex < phases.count {
                if case let .fork(branches) = phases[job.phaseIndex] {
                    // The first branch continues this state; the others wait on
                    // copies (whole on rank 0: they go into checkpoints).
                    try gatherDendrites(of: job.track, generators: true)
                    for branch in branches.dropFirst().reversed() {
                        pending.append(Job(track: try job.track.copy(branch: branch.name)))
                    }
                    job = Job(track: job.track)
                    job.track.path.append(branches[0].name)
                    try started(job.track)
                } else {
                    try run(phases[job.phaseIndex], of: &job, pending: pending)
                }
                continue
            }
            let conditions = self.conditions(job.track)
            for recorder in recorders { try recorder.trackEnded(job.track, conditions: conditions) }
            try gatherDendrites(of: job.track, generators: true)
            if world.isRoot { try saveFinalState(job.track) }
            guard let next = pending.popLast() else { break }
            job = next
            try started(job.track)
        }
        progress.finish()
        var files: [String] = []
        for recorder in recorders { files += try recorder.finish() }
        return files + plan.schedule.conditions.map { "final_state/\($0).state" }
    }

    private func started(_ track: Track) throws {
        let conditions = self.conditions(track)
        for recorder in recorders { try recorder.trackStarted(track, conditions: conditions) }
    }

    /// The leaf conditions a track's state leads to.
    func conditions(_ track: Track) -> [String] {
        Schedule.leaves(plan.schedule.phases(at: track.path), path: track.path).map(Schedule.conditionName)
    }

    /// The rest of one session or home-cage phase.
    private func run(_ phase: Phase, of job: inout Job, pending: [Job]) throws {
        let key = (job.track.path + [String(job.phaseIndex)]).joined(separator: "/")
        if dynamics[key] == nil {
            let settings: ModelSettings
            switch phase {
            case let .session(session): settings = session.settings.model
            case let .homeCage(homeCage): settings = homeCage.settings.model
            case .fork: preconditionFailure("forks are handled by the caller")
            }
            dynamics[key] = try PhaseDynamics(settings, ensembles: plan.schedule.tasks.count, fluctuationBins: plan.fluctuationBins,
                                              eventMergeMs: plan.eventMergeMs)
        }
        let rules = dynamics[key]!
        let work = TimelineRunner.workPerDay(phase)
        switch phase {
        case let .session(session):
            while job.dayInPhase < session.days {
                try sessionDay(session, rules: rules, track: job.track)
                try endDay(&job, pending: pending, days: session.days, trains: session.trains ? session : nil, rules: rules, work: work)
            }
        case let .homeCage(homeCage):
            while job.dayInPhase < homeCage.days {
                try homeCageDay(homeCage, rules: rules, track: job.track)
                try endDay(&job, pending: pending, days: homeCage.days, trains: nil, rules: rules, work: work)
            }
        case .fork: break
        }
        job.phaseIndex += 1
        job.dayInPhase = 0
    }

    /// Sessions on every dendrite, then the rest of the day in the home cage
    /// with the activity-guided births the last session calls for.
    private func sessionDay(_ phase: SessionPhase, rules: PhaseDynamics, track: Track) throws {
        let day = track.day + 1
        let movement = observers.contains { $0.wantsObservations(track, day: day) } ? plan.movement : nil
        let ensemble = plan.schedule.ensemble(of: phase.task)
        let activity = phase.activity
        let (outcomes, allOutcomes) = try eachDendritePair(of: track) { dendrites in
            var outcomes: [SessionOutcome] = []
            for session in 0..<phase.sessionsPerDay {
                outcomes = try rules.sessions(phase, activity: activity, ensemble: ensemble, dendrites: dendrites,
                                              movement: session == phase.sessionsPerDay - 1 ? movement : nil)
            }
            return outcomes
        }
        if let allOutcomes {
            for recorder in recorders { try recorder.sessionsEnded(track, day: day, phase: phase, outcomes: allOutcomes) }
        }
        let guided = rules.activity!.guided
        let (_, reports) = try eachDendrite(of: track) { dendrite, index in
            try rules.kernel.advance(dendrite, from: Double(day - 1), days: 1, wholeDay: true,
                                     guided: HomeCageKernel.GuidedBirths(rule: guided, sources: outcomes[index].sources))
        }
        if let reports {
            for recorder in recorders { try recorder.stepEnded(track, reports: reports) }
        }
    }

    /// `body(dendrite, index in the block)` on each dendrite of this rank's
    /// block (in parallel); returns the block's results and, on rank 0,
    /// every dendrite's in global order.
    private func eachDendrite<Result: WireValue & Sendable>(of track: Track, _ body: @Sendable (Dendrite, Int) throws -> Result)
        throws -> (block: [Result], all: [Result]?) {
        try overBlock(of: track) { dendrites, count in try parallelMap(count: count, threads: context.threads) { try body(dendrites[$0], $0) } }
    }

    /// `body` on the dendrites of this rank's block two at a time (block
    /// indices 0 and 1, 2 and 3, …; in parallel); returns the results as
    /// `eachDendrite` does.
    private func eachDendritePair<Result: WireValue & Sendable>(of track: Track, _ body: @Sendable ([Dendrite]) throws -> [Result])
        throws -> (block: [Result], all: [Result]?) {
        try overBlock(of: track) { dendrites, count in
            try parallelPairs(count: count, threads: context.threads) { try body($0.map { dendrites[$0] }) }
        }
    }

    /// `work(dendrites, count)` on this rank's block of `track`'s dendrites;
    /// its results, and on rank 0 every dendrite's in global order.
    private func overBlock<Result: WireValue & Sendable>(of track: Track, _ work: (Partitioned<Dendrite>, Int) throws -> [Result])
        throws -> (block: [Result], all: [Result]?) {
        let block = Array(track.dendrites[world.block(of: track.dendrites.count)])
        let results = try work(Partitioned(block), block.count)
        return (results, try world.gathered(results))
    }

    /// One home-cage day in `stepsPerDay` exact steps.
    private func homeCageDay(_ phase: HomeCagePhase, rules: PhaseDynamics, track: Track) throws {
        let k = phase.stepsPerDay
        for step in 0..<k {
            let t0 = Double(track.day * k + step) / Double(k)
            let (_, reports) = try eachDendrite(of: track) { dendrite, _ in
                try rules.kernel.advance(dendrite, from: t0, days: 1 / Double(k), wholeDay: step == k - 1)
            }
            if let reports {
                for recorder in recorders { try recorder.stepEnded(track, reports: reports) }
            }
        }
    }

    /// Closes a whole day: the trained state of a task at the end of its
    /// training, the recorders' day, then a checkpoint when one is due or
    /// requested (SIGINT/SIGTERM: then stop).
    private func endDay(_ job: inout Job, pending: [Job], days: Int, trains phase: SessionPhase?, rules: PhaseDynamics,
                        work: Double) throws {
        let track = job.track
        track.day += 1
        job.dayInPhase += 1
        let phaseEnded = job.dayInPhase == days
        let due = context.checkpointEveryDays.map { (daysDone + 1) % $0 == 0 } ?? false
        let stop = world.interruptRequested
        let checkpointing = daysDone + 1 < totalDays && (due || stop)
        try gatherDendrites(of: track, generators: checkpointing)
        if phaseEnded, world.isRoot, let phase, let criteria = rules.criteria {
            track.trained[phase.task] = TrainedPattern.capture(track.dendrites, ensemble: plan.schedule.ensemble(of: phase.task),
                                                               criteria: criteria, day: track.day)
        }
        for recorder in recorders { try recorder.dayEnded(track, conditions: conditions(track), phaseEnded: phaseEnded) }
        daysDone += 1
        workDone += work
        progress.advance(by: work)
        if checkpointing {
            var next = job
            if phaseEnded { (next.phaseIndex, next.dayInPhase) = (job.phaseIndex + 1, 0) }
            if world.isRoot { try checkpoint(next, pending: pending) }
            if stop { throw RunInterrupted(day: track.day, directory: context.directory.url.path) }
        }
    }

    /// Brings rank 0's copy of every dendrite of `track` up to date: the
    /// other ranks send their blocks' spine tables and serials, and (for a
    /// checkpoint or final state) generator states.
    private func gatherDendrites(of track: Track, generators: Bool) throws {
        guard world.size > 1 else { return }
        let count = track.dendrites.count
        let block = track.dendrites[world.block(of: count)]
        var wire = WireWriter()
        wire.put(try Wire.encode(block.map {
            TimelineCheckpoint.DendriteState(index: $0.index, lengthUm: $0.lengthUm, spines: $0.table.count, nextSerial: $0.nextSerial,
                                             generators: generators ? $0.streams.map { $0.savedState() } : [])
        }))
        for dendrite in block { wire.bytes += dendrite.table.encoded() }
        for (rank, part) in world.gather(wire.bytes).enumerated() where rank != 0 {
            var reader = WireReader(bytes: part)
            let states = try Wire.decode([TimelineCheckpoint.DendriteState].self, from: try reader.takeArray(UInt8.self))
            var cursor = reader.cursor
            for (position, state) in zip(world.block(of: count, rank: rank), states) {
                let dendrite = track.dendrites[position]
                let size = state.spines * SpineTable.bytesPerSlot
                let table = try SpineTable.decoded(Data(part[cursor..<(cursor + size)]), count: state.spines)
                cursor += size
                keepCohorts(of: dendrite.table, in: table)
                dendrite.table.deallocate()
                dendrite.table = table
                dendrite.nextSerial = state.nextSerial
                for (stream, saved) in zip(dendrite.streams, state.generators) { try stream.restore(saved) }
            }
        }
    }

    /// Survival cohorts are marked by a recorder, on rank 0 only
    /// (`PopulationRecorder`): a table coming back from its rank takes them
    /// over from rank 0's copy, spine by spine (serials are unique on a
    /// dendrite; spines born since belong to no cohort).
    private func keepCohorts(of old: SpineTable, in new: SpineTable) {
        var cohorts: [UInt32: UInt8] = [:]
        for i in 0..<old.count where old.cohorts[i] != 0 { cohorts[old.serial[i]] = old.cohorts[i] }
        guard !cohorts.isEmpty else { return }
        for i in 0..<new.count { new.cohorts[i] = cohorts[new.serial[i]] ?? 0 }
    }

    // MARK: state

    private func initialTrack() throws -> Track {
        let ensembles = plan.schedule.tasks.count
        let wiring = plan.settings.activity?.guided.wiring ?? TaskWiring(correlationLengthUm: 0, taskFraction: 0)
        guard let url = plan.initialState else {
            let model = try plan.settings.resolvedModel(ensembles: ensembles).model
            return try InitialState.track(plan.population, model: model, ensembles: ensembles, wiring: wiring, context: context)
        }
        let (state, tables) = try TimelineCheckpoint.read(url)
        guard state.tracks.count == 1, let track = try TimelineCheckpoint.tracks(state, tables: tables, reseeded: context).first else {
            throw RunError("\(url.path) holds \(state.tracks.count) states; a final state holds one")
        }
        track.path = []
        try InitialState.wire(track, ensembles: state.tasks.count..<ensembles, wiring: wiring, context: context)
        return track
    }

    private func checkpoint(_ job: Job, pending: [Job]) throws {
        let jobs = [job] + pending.reversed()
        let state = TimelineCheckpoint(
            identity: context.identity, daysDone: daysDone, workDone: workDone,
            tracks: jobs.map { TimelineCheckpoint.state(of: $0.track, phaseIndex: $0.phaseIndex, dayInPhase: $0.dayInPhase) },
            recorders: try recorders.map { try $0.checkpointState() }, tasks: plan.schedule.tasks)
        try state.write(tables: jobs.map(\.track), into: context.directory)
    }

    /// The newest sound checkpoint's jobs (the running one, and the pending
    /// ones in the order `pending.popLast()` takes them); nil if there is
    /// none. A damaged checkpoint is reported and the previous one used; a
    /// checkpoint of another run is refused.
    private func restoreLatest() throws -> (Job, [Job])? {
        guard world.size > 1 else { return try newestCheckpoint().map { try restore($0.0, tables: $0.1, from: $0.2) } }
        // Rank 0 picks the checkpoint; every rank restores the whole state from its bytes.
        let chosen = world.isRoot ? try newestCheckpoint() : nil
        let bytes = world.broadcast(try chosen.map { [UInt8](try Data(contentsOf: $0.2)) } ?? [])
        guard !bytes.isEmpty else { return nil }
        if let chosen { return try restore(chosen.0, tables: chosen.1, from: chosen.2) }
        let (state, tables) = try TimelineCheckpoint.read(Data(bytes), name: "the checkpoint rank 0 sent")
        return try restore(state, tables: tables, from: context.directory.checkpoints)
    }

    /// The newest sound checkpoint of this run, read; nil if there is none.
    private func newestCheckpoint() throws -> (TimelineCheckpoint, [[SpineTable]], URL)? {
        for url in TimelineCheckpoint.files(in: context.directory).reversed() {
            let state: TimelineCheckpoint, tables: [[SpineTable]]
            do {
                (state, tables) = try TimelineCheckpoint.read(url)
            } catch {
                FileHandle.standardError.write(Data("warning: \(error); trying the previous checkpoint\n".utf8))
                continue
            }
            guard let identity = state.identity, identity == context.identity else {
                tables.joined().forEach { $0.deallocate() }
                let other = state.identity.map { "run \($0.runID) (seed \($0.seed), configuration \($0.configurationDigest))" } ?? "no run"
                throw RunError("\(url.lastPathComponent) belongs to \(other), not to the run in \(context.directory.url.path) (run \(context.identity.runID), seed \(context.identity.seed), configuration \(context.identity.configurationDigest)); refusing to resume from it")
            }
            // The checksum detects damage, not a forged header: its meaning is checked against the plan.
            if let problem = mismatch(state) {
                tables.joined().forEach { $0.deallocate() }
                FileHandle.standardError.write(Data("warning: \(url.path) does not fit this run (\(problem)); refusing it, trying the previous checkpoint\n".utf8))
                continue
            }
            return (state, tables, url)
        }
        if !TimelineCheckpoint.files(in: context.directory).isEmpty {
            throw RunError("every checkpoint in \(context.directory.checkpoints.path) is damaged; the run cannot be resumed: run it again")
        }
        return nil
    }

    /// What makes a checkpoint's header impossible for this run's plan (nil
    /// if nothing): its place in the schedule (a path of its branches, a
    /// phase and a day within it, timeline days consistent over its tracks),
    /// its progress, its dendrites (indices in range and unique, the
    /// configured lengths), its trained patterns and its task wiring.
    private func mismatch(_ state: TimelineCheckpoint) -> String? {
        let schedule = plan.schedule, lengths = plan.population.dendriteLengthsUm
        guard state.tasks == schedule.tasks else { return "tasks \(state.tasks), expected \(schedule.tasks)" }
        guard state.recorders.count == observers.count else { return "\(state.recorders.count) recorder states, expected \(observers.count)" }
        let leaves = Schedule.leaves(schedule.phases, path: []).count
        guard (1...leaves).contains(state.tracks.count) else { return "\(state.tracks.count) tracks, expected 1 to \(leaves)" }
        guard (0...totalDays).contains(state.daysDone) else { return "days done \(state.daysDone), expected 0 to \(totalDays)" }
        guard state.workDone.isFinite, state.workDone >= 0, state.workDone <= totalWork * (1 + 1e-9) else {
            return "work done \(state.workDone), expected 0 to \(totalWork)"
        }
        var startDay: Int?
        for (t, track) in state.tracks.enumerated() {
            let which = "track \(t)"
            // The path: a branch of the fork that ends each phase list on the way.
            var list = schedule.phases, elapsed = 0
            for name in track.path {
                guard case let .fork(branches) = list.last, let branch = branches.first(where: { $0.name == name }) else {
                    return "\(which): path \(track.path) is not a branch of the schedule"
                }
                elapsed += list.reduce(0) { $0 + $1.days }
                list = branch.phases
            }
            guard (0...list.count).contains(track.phaseIndex) else {
                return "\(which): phase \(track.phaseIndex), expected 0 to \(list.count)"
            }
            let phaseDays = track.phaseIndex < list.count ? list[track.phaseIndex].days : 0
            guard track.dayInPhase == 0 || (0..<phaseDays).contains(track.dayInPhase) else {
                return "\(which): day \(track.dayInPhase) of a phase of \(phaseDays) days"
            }
            elapsed += list.prefix(track.phaseIndex).reduce(0) { $0 + $1.days } + track.dayInPhase
            let (start, overflow) = track.day.subtractingReportingOverflow(elapsed)
            guard !overflow, start >= 0, start == (startDay ?? start) else {
                return "\(which): timeline day \(track.day) does not follow from its place in the schedule"
            }
            startDay = start
            // The dendrites: each configured dendrite once, at its length.
            guard track.dendrites.count == lengths.count else {
                return "\(which): \(track.dendrites.count) dendrites, expected \(lengths.count)"
            }
            var seen = Set<Int>()
            for dendrite in track.dendrites {
                guard lengths.indices.contains(dendrite.index), seen.insert(dendrite.index).inserted else {
                    return "\(which): dendrite index \(dendrite.index) is out of range or repeated"
                }
                guard dendrite.lengthUm == lengths[dendrite.index] else {
                    return "\(which): dendrite \(dendrite.index) is \(dendrite.lengthUm) µm long, configured \(lengths[dendrite.index]) µm"
                }
            }
            for (task, pattern) in track.trained {
                guard schedule.tasks.contains(task), pattern.dendrites.count == lengths.count,
                      pattern.dendrites.allSatisfy({ $0.serials.count == $0.volumesUm3.count }) else {
                    return "\(which): the trained pattern of task '\(task)' does not fit the dendrites and tasks"
                }
            }
            if let wiring = track.wiring {
                guard wiring.count == schedule.tasks.count else { return "\(which): \(wiring.count) task wirings, expected \(schedule.tasks.count)" }
                let longest = plan.population.longestDendriteUm
                for record in wiring {
                    let l = record.correlationLengthUm
                    let nodes = l > 0 ? (longest + 2 * TaskField.windowPerLength * l) / (TaskField.spacingPerLength * l) : 0
                    guard l.isFinite, l >= 0, (0...1).contains(record.taskFraction), nodes <= ResourceLimits.maximumNodesPerTaskField else {
                        return "\(which): a task wiring (correlation length \(l) µm, fraction \(record.taskFraction)) is out of range"
                    }
                }
            }
        }
        return nil
    }

    private func restore(_ state: TimelineCheckpoint, tables: [[SpineTable]], from url: URL) throws -> (Job, [Job]) {
        if let problem = mismatch(state) {   // a checkpoint rank 0 sent was checked there; this is the same check
            tables.joined().forEach { $0.deallocate() }
            throw RunError("\(url.lastPathComponent) does not fit this run (\(problem))")
        }
        let tracks = try TimelineCheckpoint.tracks(state, tables: tables, reseeded: nil)
        for (recorder, data) in zip(recorders, state.recorders) {
            do {
                try recorder.begin(resuming: data)
            } catch {
                throw RunError("\(url.path): a recorder's state cannot be read (\(ExperimentRunner.reason(error))); the run cannot be resumed from it")
            }
        }
        daysDone = state.daysDone
        workDone = state.workDone
        let jobs = zip(tracks, state.tracks).map { Job(track: $0, phaseIndex: $1.phaseIndex, dayInPhase: $1.dayInPhase) }
        if !context.quiet {
            FileHandle.standardError.write(Data("resuming at day \(jobs[0].track.day) of \(Schedule.conditionName(jobs[0].track.path)) from \(url.lastPathComponent)\n".utf8))
        }
        return (jobs[0], jobs.dropFirst().reversed())
    }

    /// `final_state/CONDITION.state`, a result: the state a later run can
    /// start from (`initial_state`); it holds no run progress and no branch
    /// path.
    private func saveFinalState(_ track: Track) throws {
        let name = "final_state/\(Schedule.conditionName(track.path)).state"
        var saved = TimelineCheckpoint.state(of: track, phaseIndex: 0, dayInPhase: 0)
        saved.path = []
        let state = TimelineCheckpoint(identity: nil, daysDone: 0, workDone: 0, tracks: [saved], recorders: [], tasks: plan.schedule.tasks)
        try FileManager.default.createDirectory(at: context.directory.staged("final_state"), withIntermediateDirectories: true)
        try AtomicFile.write(try state.encoded(tables: [track]), to: context.directory.staged(name))
    }
}
