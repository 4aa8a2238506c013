import Foundation
import GSL
import SpineModel
import Yams

/// The `memory` experiment (docs/MODEL.md §6, §8): a schedule of training,
/// reactivation and home-cage phases with forks, on the timeline engine,
/// with the memory recorder — per task and condition, the retention of the
/// learned spines, the correlation of sizes with the trained pattern, the
/// recall signal and the survival of all spines; size distributions,
/// density, and a raster of sizes along the first dendrites.
/// `memory-stability.yaml`, `memory-interference.yaml` and
/// `memory-reactivation.yaml` are experiments of this kind.
public struct MemoryExperiment: ExperimentBody {
    public var population: InitialPopulation
    public var settings: ModelSettings
    public var schedule: Schedule
    public var recording: MemoryRecording
    /// Start from a final state of another run (`initial_state`).
    public var initialState: InitialStateSource?
    /// The timeline day the run starts on (that state's day, or 0).
    public var startDay: Int

    /// `initial_state: {run: DIR, condition: NAME}`, or `initial_state: DIR`
    /// for a run with one final state.
    public struct InitialStateSource: Sendable {
        public var run: String
        public var condition: String
        var url: URL { URL(fileURLWithPath: run).appendingPathComponent("final_state/\(condition).state") }
    }

    public func estimate(threads: Int) -> ResourceLimits.Estimate? {
        let finest = schedule.sum { phase in
            guard case let .session(session) = phase else { return 0 }
            return population.longestDendriteUm / session.settings.model.activity!.diffusion.gridSpacingUm
        }
        return ResourceLimits.estimate(dendrites: population.dendriteCount, totalLengthUm: population.totalLengthUm,
                                       density: population.densityPerUm, states: schedule.conditions.count, sessions: true,
                                       cellsPerDendrite: finest, threads: threads)
    }

    public func work() -> ResourceLimits.Work? {
        ResourceLimits.sessionWork(schedule, dendrites: population.dendriteCount, lengthUm: population.longestDendriteUm,
                                   spinesPerDendrite: population.longestDendriteUm * population.densityPerUm)
    }

    public func run(_ context: RunContext) throws -> [String] {
        let (model, _) = try settings.resolvedModel(ensembles: schedule.tasks.count)
        let criteria = settings.activity!.guided.criteria(rhoStar: model.plasticity.rhoStar)
        let recorder = MemoryRecorder(experiment: self, criteria: criteria, context: context)
        let plan = TimelinePlan(schedule: schedule, population: population, settings: settings, label: "memory",
                                initialState: initialState?.url)
        return try TimelineRunner(plan: plan, recorders: [recorder], context: context).run()
    }
}

/// What the memory recorder records, and when (docs/MODEL.md §6).
public struct MemoryRecording: Sendable {
    /// Record every this many days of the timeline, and at the end of every phase.
    public var everyDays: Int
    /// Timeline days at which the size histograms are written.
    public var histogramDays: [Int]
    /// How many dendrites (the first ones) the raster records.
    public var rasterDendrites: Int
    public var sizeBins: VolumeBins
}

extension MemoryExperiment {
    static func read(_ root: ConfigMapping) throws -> MemoryExperiment {
        var settings = try ModelSettings.read(root, withActivity: true)
        var initialState: InitialStateSource?
        var priorTasks: [String] = []
        var population: InitialPopulation
        var startDay = 0
        if let stateNode = root.value("initial_state") {
            let source = try readInitialState(stateNode, in: root)
            let runKey = stateNode.scalar != nil ? "initial_state" : "initial_state.run"
            let (state, tables) = try TimelineCheckpoint.read(source.url)
            defer { tables.joined().forEach { $0.deallocate() } }
            guard let track = state.tracks.first else { throw root.error(runKey, root.peek(path: runKey), "the final state is empty") }
            for key in ["dendrites", "initial_population"] where root.contains(key) {
                throw root.error(key, root.value(key), "the dendrites and their spines come from initial_state; allowed: no '\(key)' with initial_state")
            }
            let spines = track.dendrites.reduce(0) { $0 + $1.spines }
            population = InitialPopulation(dendriteLengthsUm: track.dendrites.map(\.lengthUm),
                                           densityPerUm: Double(spines) / max(track.dendrites.reduce(0) { $0 + $1.lengthUm }, 1e-300),
                                           fractionPotentiated: 0, sizes: .stationary)
            priorTasks = state.tasks
            startDay = track.day
            initialState = source
        } else {
            population = try ModelSettings.readInitialPopulation(root, model: settings, taskEnsembles: true)
            try ResourceLimits.checkInitialSizes(population, model: settings, in: root)
        }
        settings.stationaryDensityPerUm = population.densityPerUm
        let activity = settings.activity!
        try ResourceLimits.checkGrid(activity.diffusion, lengthUm: population.longestDendriteUm,
                                     windowMs: max(activity.session.durationMs, activity.reactivation.session(jitterMs: 0).durationMs), in: root)
        try ResourceLimits.checkTaskWiring(activity.guided, lengthUm: population.longestDendriteUm, in: root)
        var reader = ScheduleReader(root: root, global: settings, population: population, withActivity: true, tasks: priorTasks,
                                    trained: Set(priorTasks))
        let schedule = try reader.read("schedule")
        guard schedule.hasTraining || !priorTasks.isEmpty else {
            throw root.error("schedule", root.peek("schedule"), "no phase trains a task, so there is nothing to remember; allowed: a schedule with a learning or notask session phase")
        }
        let recording = try readRecording(root.mapping("recording"), schedule: schedule, population: population, startDay: startDay)
        return MemoryExperiment(population: population, settings: settings, schedule: schedule, recording: recording,
                                initialState: initialState, startDay: startDay)
    }

    /// `initial_state: DIR`, short for `{run: DIR}`, or `{run: DIR, condition: NAME}`;
    /// the condition may be left out when the run has a single final state.
    static func readInitialState(_ node: Node, in root: ConfigMapping) throws -> InitialStateSource {
        let allowed = "the directory of a finished run (text), or {run: DIR, condition: NAME}"
        let section: ConfigMapping?
        let runNode: Node
        if case .scalar = node {
            guard node.isTagged(.str) else {
                throw root.error("initial_state", node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: \(allowed)")
            }
            section = nil
            runNode = node
        } else {
            guard case .mapping = node else {
                throw root.error("initial_state", node, "expected \(allowed), found \(ConfigMapping.describe(node))")
            }
            let mapping = try ConfigMapping(node, path: root.keyPath("initial_state"), source: root.source)
            guard let value = mapping.value("run"), value.scalar != nil, value.isTagged(.str) else {
                throw mapping.missing("run", allowed: "the directory of a finished run (text)")
            }
            section = mapping
            runNode = value
        }
        let run = runNode.scalar!.string
        /// An error about `key` of the mapping form, or about the scalar itself.
        func error(_ key: String, _ node: Node?, _ message: String) -> ConfigError {
            section?.error(key, node, message) ?? root.error("initial_state", runNode, message)
        }
        let states = (try? FileManager.default.contentsOfDirectory(atPath: run + "/final_state"))?
            .filter { $0.hasSuffix(".state") }.map { String($0.dropLast(6)) }.sorted() ?? []
        guard !states.isEmpty else {
            throw error("run", runNode, "'\(run)' holds no final state (final_state/*.state); allowed: the directory of a finished run")
        }
        let condition: String
        if let conditionNode = section?.value("condition") {
            guard let name = conditionNode.scalar?.string, states.contains(name) else {
                throw error("condition", conditionNode, "value \(ConfigMapping.describe(conditionNode)) is not a final state of '\(run)'; allowed: \(ConfigMapping.oneOf(states))")
            }
            condition = name
        } else {
            guard states.count == 1 else {
                let allowed = "the run has several final states: \(ConfigMapping.oneOf(states))"
                if let section { throw section.missing("condition", allowed: allowed) }
                let path = root.keyPath("initial_state.condition")
                throw ConfigError(location: root.source.location(of: node, keyPath: path), keyPath: path,
                                  message: "is required; allowed: \(allowed) (initial_state: {run: DIR, condition: NAME})")
            }
            condition = states[0]
        }
        try section?.finish()
        return InitialStateSource(run: run, condition: condition)
    }

    /// `recording:`; every default follows the schedule and the dendrites.
    static func readRecording(_ section: ConfigMapping?, schedule: Schedule, population: InitialPopulation,
                              startDay: Int) throws -> MemoryRecording {
        let longest = schedule.longestConditionDays
        let lastDay = startDay + longest
        var recording = MemoryRecording(everyDays: max(1, longest / 50), histogramDays: schedule.phaseBoundaries(from: startDay, thirds: true),
                                        rasterDendrites: min(3, population.dendriteCount),
                                        sizeBins: PopulationConfig.Keys.defaultSizeBins)
        guard let section else { return recording }
        recording.everyDays = try section.int(Keys.everyDays.key, in: 1...max(1, longest), default: recording.everyDays)
        recording.histogramDays = try section.wholeDays(Keys.histogramDays.key, in: startDay...lastDay) ?? recording.histogramDays
        recording.rasterDendrites = try section.int(Keys.rasterDendrites.key, in: 0...population.dendriteCount, default: recording.rasterDendrites)
        if let bins = try section.mapping(Keys.sizeBins.key) { recording.sizeBins = try PopulationConfig.readBins(bins) }
        try section.finish()
        return recording
    }

    public func encode(to encoder: Encoder) throws {
        var pairs: [(String, ConfigTree)] = []
        if let initialState {
            pairs.append(("initial_state", ["run": .text(initialState.run), "condition": .text(initialState.condition)]))
        } else {
            pairs += population.sections
        }
        pairs += settings.sections + [
            ("schedule", schedule.tree),
            ("recording", [Keys.everyDays.key: .number(Double(recording.everyDays)), Keys.histogramDays.key: .numbers(recording.histogramDays),
                           Keys.rasterDendrites.key: .number(Double(recording.rasterDendrites)), Keys.sizeBins.key: recording.sizeBins.tree]),
        ]
        try ConfigTree.map(pairs).encode(to: encoder)
    }
}

extension Schedule {
    /// Whether any session phase trains a task.
    var hasTraining: Bool {
        func trains(_ phases: [Phase]) -> Bool {
            phases.contains { phase in
                switch phase {
                case let .session(session): session.trains
                case .homeCage: false
                case let .fork(branches): branches.contains { trains($0.phases) }
                }
            }
        }
        return trains(phases)
    }

    /// The timeline days on which a phase ends (and the start), over every
    /// branch, sorted; with `thirds`, also the days one and two thirds into
    /// every phase.
    func phaseBoundaries(from start: Int, thirds: Bool) -> [Int] {
        var days: Set<Int> = [start]
        func walk(_ phases: [Phase], from day: Int) {
            var day = day
            for phase in phases {
                if case let .fork(branches) = phase {
                    for branch in branches { walk(branch.phases, from: day) }
                    return
                }
                if thirds { days.insert(day + phase.days / 3); days.insert(day + 2 * phase.days / 3) }
                day += phase.days
                days.insert(day)
            }
        }
        walk(phases, from: start)
        return days.sorted()
    }
}

extension MemoryExperiment {
    /// The keys of `recording` (ranges up to the schedule's days and the dendrites).
    enum Keys {
        static let everyDays = SettingDeclaration(key: "every_days", type: .integer(1...36_500), unit: "days",
                                                  summary: "Interval of the retention records (default: the longest condition / 50)")
        static let histogramDays = SettingDeclaration.wholeGrid("histogram_days", 0...36_500, unit: "days",
                                                                "Days of the size histograms (default: the phase boundaries and thirds)")
        static let rasterDendrites = SettingDeclaration(key: "raster_dendrites", type: .integer(0...ModelSettings.maximumDendrites),
                                                        summary: "Dendrites whose spines the raster records (default: min(3, dendrites); 0: no raster.csv)")
        static let sizeBins = SettingDeclaration.volumeBins("size_bins", default: PopulationConfig.Keys.defaultSizeBins, "Bins of the size histograms")
    }

    /// The keys of the `memory` kind besides the model sections.
    static var declarations: [SettingDeclaration] {
        [
            SettingDeclaration(key: "initial_state", type: .oneOf("text (DIR, short for {run: DIR}) or mapping", [
                .text,
                .section(name: "initial_state", [
                    .init(key: "run", type: .text, required: true, summary: "Directory of a finished run whose final state the schedule continues"),
                    .init(key: "condition", type: .text, summary: "Which of its final states (required when it has several)"),
                ]),
            ]), summary: "Start from a finished run's final state instead of dendrites and initial_population",
               replaces: ["dendrites", "initial_population"]),
            SettingDeclaration(key: "schedule", type: ScheduleReader.phasesType, required: true,
                               summary: "The protocol: a list of phases (docs/MODEL.md §8)"),
            SettingDeclaration(key: "recording", type: .section(name: "recording-memory", [
                Keys.everyDays, Keys.histogramDays, Keys.rasterDendrites, Keys.sizeBins,
            ]), summary: "What the run records"),
        ]
    }
}
