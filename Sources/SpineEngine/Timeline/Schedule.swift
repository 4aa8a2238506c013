import Foundation
import SpineModel
import Yams

/// A protocol as data (docs/MODEL.md §8): phases that advance the dendrites
/// day by day, and forks that continue one state under several conditions.
public struct Schedule: Sendable {
    public var phases: [Phase]
    /// Every task the schedule names, in order of first appearance: task k's
    /// axons form ensemble k (bit k of `SpineTable.ensembles`).
    public var tasks: [String]

    public init(phases: [Phase], tasks: [String]) {
        self.phases = phases
        self.tasks = tasks
    }

    /// The ensemble of `task`.
    public func ensemble(of task: String) -> Int { tasks.firstIndex(of: task)! }

    /// The condition names of the leaves, in the order they run: branch names
    /// joined by "_" (`main` for a schedule without forks).
    public var conditions: [String] { Schedule.leaves(phases, path: []).map(Schedule.conditionName) }

    /// The phases of the list reached by `path` (branch names from the root).
    func phases(at path: [String]) -> [Phase] {
        var list = phases
        for name in path {
            guard case let .fork(branches) = list.last, let branch = branches.first(where: { $0.name == name }) else {
                preconditionFailure("no branch \(name) in the schedule")
            }
            list = branch.phases
        }
        return list
    }

    static func conditionName(_ path: [String]) -> String { path.isEmpty ? "main" : path.joined(separator: "_") }

    /// The branch paths of the leaves below `phases` (reached by `path`), in order.
    static func leaves(_ phases: [Phase], path: [String]) -> [[String]] {
        guard case let .fork(branches) = phases.last else { return [path] }
        return branches.flatMap { leaves($0.phases, path: path + [$0.name]) }
    }

    /// Σ value(phase) over every phase of every branch, shared phases once.
    func sum(_ value: (Phase) -> Double) -> Double {
        func total(_ phases: [Phase]) -> Double {
            phases.reduce(0) { sum, phase in
                if case let .fork(branches) = phase { return sum + branches.reduce(0) { $0 + total($1.phases) } }
                return sum + value(phase)
            }
        }
        return total(phases)
    }

    /// Days over all branches, shared phases counted once.
    public var totalDays: Int { Int(sum { Double($0.days) }) }

    /// The session and home-cage phases a leaf (a condition) goes through, in order.
    func phases(alongLeaf path: [String]) -> [Phase] {
        (0...path.count).flatMap { phases(at: Array(path.prefix($0))) }.filter { if case .fork = $0 { false } else { true } }
    }

    /// Days of the longest condition.
    public var longestConditionDays: Int {
        Schedule.leaves(phases, path: []).map { phases(alongLeaf: $0).reduce(0) { $0 + $1.days } }.max() ?? 0
    }
}

/// One phase of a schedule.
public indirect enum Phase: Sendable {
    /// Days with daily sessions (learning, notask or reactivation of a task),
    /// each followed by the rest of the day in the home cage.
    case session(SessionPhase)
    /// Days in the home cage, in exact steps.
    case homeCage(HomeCagePhase)
    /// Named branches that each continue a copy of the current state
    /// (generators included); the last phase of its list. Branches run in
    /// the order of their names.
    case fork([Branch])

    /// Days this phase itself lasts (0 for a fork).
    var days: Int {
        switch self {
        case let .session(phase): phase.days
        case let .homeCage(phase): phase.days
        case .fork: 0
        }
    }
}

public struct Branch: Sendable {
    public var name: String
    public var phases: [Phase]
}

/// Settings a phase changes for its own duration (docs/MODEL.md §8): the
/// intrinsic noise, and whole model sections.
public struct PhaseSettings: Sendable {
    /// The model the phase runs (the global sections with its overrides).
    public var model: ModelSettings
    /// The sections the phase overrides (the resolved configuration lists them).
    var overriddenSections: [String]
}

public struct SessionPhase: Sendable {
    public var regime: SessionActivity.Regime
    public var task: String
    public var days: Int
    public var sessionsPerDay: Int
    public var settings: PhaseSettings

    /// The activity of one session: the session settings, or a day's
    /// reactivation bursts in session form.
    public var activity: SessionActivity {
        let activity = settings.model.activity!
        return regime == .reactivation ? activity.reactivation.session(jitterMs: activity.session.jitterMs) : activity.session
    }

    /// Whether the phase trains its task (its end defines the task's learned spines).
    public var trains: Bool { regime != .reactivation }
}

public struct HomeCagePhase: Sendable {
    public var days: Int
    /// Steps per day (a step is 1/stepsPerDay days).
    public var stepsPerDay: Int
    public var settings: PhaseSettings
}

// MARK: reading

/// Reads `schedule:` lists (docs/MODEL.md §8). Every phase is checked before
/// anything runs; a phase's overrides are merged into the global sections
/// and read by the same readers, so they are validated like them.
struct ScheduleReader {
    let root: ConfigMapping
    let global: ModelSettings
    let population: InitialPopulation
    let withActivity: Bool
    /// The most task ensembles a wiring holds.
    static let maximumTasks = StreamPurpose.maximumEnsembles
    static let phaseKinds = ["session", "home_cage", "fork"]

    /// Tasks in order of first appearance (those of a starting state first).
    private var tasks: [String]
    /// Tasks trained before the schedule starts (by the run a starting state comes from).
    private let trainedBefore: Set<String>

    init(root: ConfigMapping, global: ModelSettings, population: InitialPopulation, withActivity: Bool,
         tasks: [String] = [], trained: Set<String> = []) {
        self.root = root
        self.global = global
        self.population = population
        self.withActivity = withActivity
        self.tasks = tasks
        trainedBefore = trained
    }

    mutating func read(_ key: String) throws -> Schedule {
        guard let node = root.value(key) else {
            throw root.missing(key, allowed: "a list of phases, each {session: …}, {home_cage: …} or {fork: …}")
        }
        let phases = try readList(node, path: key, trained: trainedBefore)
        let schedule = Schedule(phases: phases, tasks: tasks)
        let names = schedule.conditions
        if let clash = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw root.error(key, node, "two branches are both named '\(clash)' once their names are joined with '_'; allowed: distinct condition names")
        }
        return schedule
    }

    /// A list of phases; `trained`: the tasks trained before it on its path.
    private mutating func readList(_ node: Node, path: String, trained: Set<String>) throws -> [Phase] {
        guard case let .sequence(sequence) = node, !sequence.isEmpty else {
            throw ConfigError(location: root.source.location(of: node, keyPath: path), keyPath: path,
                              message: "expected a non-empty list of phases, each {session: …}, {home_cage: …} or {fork: …}; found \(ConfigMapping.describe(node))")
        }
        var phases: [Phase] = []
        var trained = trained
        for (index, element) in sequence.enumerated() {
            let elementPath = "\(path)[\(index)]"
            let item = try ConfigMapping(element, path: elementPath, source: root.source)
            let kinds = item.keys.filter(ScheduleReader.phaseKinds.contains)
            if kinds.count == 1, let extra = item.keys.first(where: { $0 != kinds[0] }) {
                throw item.error(extra, nil, "unknown key; a phase is a mapping with one key, its kind (\(kinds[0]) here), whose settings go inside it")
            }
            guard item.keys.count == 1, let kind = item.keys.first else {
                throw ConfigError(location: root.source.location(of: element, keyPath: elementPath), keyPath: elementPath,
                                  message: "a phase is a mapping with exactly one key, found \(item.keys.count); allowed: \(ConfigMapping.oneOf(ScheduleReader.phaseKinds))")
            }
            guard ScheduleReader.phaseKinds.contains(kind) else {
                throw item.error(kind, nil, "unknown phase; allowed: \(ConfigMapping.oneOf(ScheduleReader.phaseKinds))")
            }
            let body = item.value(kind)!
            let phasePath = "\(elementPath).\(kind)"
            switch kind {
            case "session":
                let phase = try readSession(body, path: phasePath, trained: trained)
                if phase.trains { trained.insert(phase.task) }
                phases.append(.session(phase))
            case "home_cage":
                phases.append(.homeCage(try readHomeCage(body, path: phasePath)))
            default:
                guard index == sequence.count - 1 else {
                    throw item.error(kind, body, "a fork ends its list (each branch continues on its own); allowed: the fork as the last phase, with the later phases inside its branches")
                }
                phases.append(.fork(try readFork(body, path: phasePath, trained: trained)))
            }
        }
        return phases
    }

    private mutating func readFork(_ node: Node, path: String, trained: Set<String>) throws -> [Branch] {
        let fork = try ConfigMapping(node, path: path, source: root.source)
        guard fork.keys.count >= 2 else {
            throw ConfigError(location: root.source.location(of: node, keyPath: path), keyPath: path,
                              message: "a fork has \(fork.keys.count) branch\(fork.keys.count == 1 ? "" : "es"); allowed: two or more named branches, e.g. {noise_on: [...], noise_off: [...]}")
        }
        var branches: [Branch] = []
        for name in fork.keys {
            guard ScheduleReader.isName(name) else {
                throw fork.error(name, nil, "'\(name)' is not a branch name; allowed: letters, digits, '_' and '-', starting with a letter or digit")
            }
            branches.append(Branch(name: name, phases: try readList(fork.value(name)!, path: fork.keyPath(name), trained: trained)))
        }
        try fork.finish()
        // Branches run in the order of their names, whatever the file's order
        // (the resolved configuration is written with sorted keys).
        return branches.sorted { $0.name < $1.name }
    }

    private mutating func readSession(_ node: Node, path: String, trained: Set<String>) throws -> SessionPhase {
        let section = try ConfigMapping(node, path: path, source: root.source)
        guard withActivity else {
            throw ConfigError(location: root.source.location(of: node, keyPath: path), keyPath: path,
                              message: "this experiment kind has no sessions; allowed here: home_cage phases")
        }
        let regimes = SessionActivity.Regime.allCases.map(\.rawValue)
        let regime = SessionActivity.Regime(rawValue: try section.choice(Keys.regime.key, from: regimes))!
        guard let taskNode = section.value(Keys.task.key) else { throw section.missing(Keys.task.key, allowed: "a task name, e.g. A") }
        guard let task = taskNode.scalar?.string, ScheduleReader.isName(task) else {
            throw section.error("task", taskNode, "value \(ConfigMapping.describe(taskNode)) is not a task name; allowed: letters, digits, '_' and '-', e.g. A")
        }
        if regime == .reactivation && !trained.contains(task) {
            throw section.error("task", taskNode, "task '\(task)' is reactivated but never trained before on this branch; allowed: a task trained by an earlier learning or notask phase (\(trained.isEmpty ? "none so far" : trained.sorted().joined(separator: ", ")))")
        }
        if !tasks.contains(task) {
            guard tasks.count < ScheduleReader.maximumTasks else {
                throw section.error("task", taskNode, "a schedule holds at most \(ScheduleReader.maximumTasks) tasks; allowed: one of \(tasks.joined(separator: ", "))")
            }
            tasks.append(task)
        }
        let days = try section.integer(Keys.days)
        let perDay = try section.integer(Keys.sessionsPerDay)
        let excluded = regime == .reactivation ? ["session"] : ["reactivation"]
        let settings = try readSettings(section, path: path, sections: ModelSettings.populationSections + ModelSettings.activitySections,
                                        excluded: excluded, regime: regime)
        try section.finish()
        let phase = SessionPhase(regime: regime, task: task, days: days, sessionsPerDay: perDay, settings: settings)
        try ResourceLimits.checkGrid(settings.model.activity!.diffusion, lengthUm: population.longestDendriteUm,
                                     windowMs: phase.activity.durationMs, in: section)
        return phase
    }

    private func readHomeCage(_ node: Node, path: String) throws -> HomeCagePhase {
        let section = try ConfigMapping(node, path: path, source: root.source)
        let days = try section.integer(Keys.days)
        let stepsPerDay = try section.stepsPerDay()
        let settings = try readSettings(section, path: path, sections: ModelSettings.populationSections, excluded: [], regime: nil)
        try section.finish()
        return HomeCagePhase(days: days, stepsPerDay: stepsPerDay, settings: settings)
    }

    /// The phase's model: `intrinsic_noise` and any overridden section merged
    /// into the global sections and read by the global readers.
    private func readSettings(_ section: ConfigMapping, path: String, sections: [String], excluded: [String],
                              regime: SessionActivity.Regime?) throws -> PhaseSettings {
        var overridden: [String] = []
        var synthetic: [(Node, Node)] = []
        var correlationLength: Node?
        for name in ["dendrites", "initial_population"] + ModelSettings.populationSections + (withActivity ? ModelSettings.activitySections : []) {
            var node = root.peek(name)
            if sections.contains(name), let override = section.value(name) {
                if excluded.contains(name) {
                    throw section.error(name, override, "'\(name)' does not apply to \(regime.map { "\($0.rawValue) phases" } ?? "this phase"); allowed here: \(sections.filter { !excluded.contains($0) }.joined(separator: ", "))")
                }
                if name == "size_dynamics", case let .mapping(mapping) = override, mapping["intrinsic_noise"] != nil {
                    throw section.error(name, override, "a phase sets its noise with its own key 'intrinsic_noise'; allowed: the other size_dynamics keys")
                }
                if name == "activity_guided", case let .mapping(mapping) = override, let length = mapping["task_correlation_length_um"] {
                    correlationLength = length
                }
                try checkNotSetOnCommandLine(override, path: name, phase: section)
                node = ScheduleReader.merged(node, override)
                overridden.append(name)
            }
            if let node { synthetic.append((Node(name), node)) }
        }
        let noise = section.peek(Keys.intrinsicNoise.key)
        let explicitNoise = try section.bool(Keys.intrinsicNoise.key, default: global.size.intrinsicNoise)
        if let noise {
            try checkNotSetOnCommandLine(noise, path: "size_dynamics.intrinsic_noise", phase: section)
        }
        let merged = try ConfigMapping(.mapping(Node.Mapping(synthetic)), path: path, source: root.source)
        var model = try ModelSettings.read(merged, withActivity: withActivity)
        if let correlationLength, model.activity?.guided.taskCorrelationLengthUm != global.activity?.guided.taskCorrelationLengthUm {
            throw section.error("activity_guided.task_correlation_length_um", correlationLength, "value \(ConfigMapping.describe(correlationLength)) differs from the global \(ConfigMapping.format(global.activity?.guided.taskCorrelationLengthUm ?? 0)) µm: it places the task inputs, which are wired once for the whole run (docs/MODEL.md §4); allowed: the global value, or the other activity_guided keys")
        }
        _ = merged.value("dendrites"); _ = merged.value("initial_population")
        try merged.finish()
        model.size.intrinsicNoise = explicitNoise
        model.stationaryDensityPerUm = population.densityPerUm
        return PhaseSettings(model: model, overriddenSections: overridden)
    }

    /// A phase may not override a key given by `--set`: the command-line
    /// value would silently not reach that phase.
    private func checkNotSetOnCommandLine(_ node: Node, path: String, phase: ConfigMapping) throws {
        for leaf in ScheduleReader.leafPaths(node, prefix: path) {
            guard let set = root.source.overrides.keys.first(where: { $0 == leaf || leaf.hasPrefix($0 + ".") || $0.hasPrefix(leaf + ".") }) else { continue }
            throw ConfigError(location: "--set \(set)=\(root.source.overrides[set]!)", keyPath: set,
                              message: "the schedule sets \(leaf) itself in \(phase.path) (\(root.source.location(of: node, keyPath: ""))), so the --set value would not reach that phase; allowed: change the phase in the experiment file, or a key the schedule does not set")
        }
    }

    /// Branch and task names: letters, digits, '_' and '-', starting with a
    /// letter or digit (they become condition names and CSV values).
    static func isName(_ text: String) -> Bool { text.range(of: #"^[A-Za-z0-9][A-Za-z0-9_-]*$"#, options: .regularExpression) != nil }

    /// Dotted paths of the scalar leaves of a node.
    static func leafPaths(_ node: Node, prefix: String) -> [String] {
        guard case let .mapping(mapping) = node else { return [prefix] }
        return mapping.flatMap { key, value in leafPaths(value, prefix: "\(prefix).\(key.scalar?.string ?? "")") }
    }

    /// `override` laid over `base`: mappings merged key by key, anything else replaced.
    static func merged(_ base: Node?, _ override: Node) -> Node {
        guard case var .mapping(result)? = base, case let .mapping(changes) = override else { return override }
        for (key, value) in changes { result[key] = merged(result[key], value) }
        return .mapping(result)
    }
}

extension ConfigMapping {
    /// `step_days`, a step of 1/k day (k = 1…1440); returns k (1 when absent).
    func stepsPerDay() throws -> Int {
        let key = ExperimentKind.stepDays.key
        let stepDays = try number(ExperimentKind.stepDays)
        let stepsPerDay = (1 / stepDays).rounded()
        guard abs(1 / stepDays - stepsPerDay) < 1e-9 * stepsPerDay, stepsPerDay <= 1440 else {
            throw error(key, value(key),
                        "value \(ConfigMapping.format(stepDays)) does not divide a day; allowed: 1/k days for an integer k from 1 to 1440 (1, 0.5, 0.25, 0.1, …)")
        }
        return Int(stepsPerDay)
    }
}

// MARK: the resolved configuration

extension Schedule {
    var tree: ConfigTree { .list(phases.map(\.tree)) }
}

extension Phase {
    var tree: ConfigTree {
        switch self {
        case let .session(phase):
            typealias Keys = ScheduleReader.Keys
            return ["session": .map([(Keys.regime.key, .text(phase.regime.rawValue)), (Keys.task.key, .text(phase.task)),
                                     (Keys.days.key, .number(Double(phase.days))),
                                     (Keys.sessionsPerDay.key, .number(Double(phase.sessionsPerDay)))] + phase.settings.tree)]
        case let .homeCage(phase):
            return ["home_cage": .map([(ScheduleReader.Keys.days.key, .number(Double(phase.days))),
                                       (ExperimentKind.stepDays.key, .number(1 / Double(phase.stepsPerDay)))] + phase.settings.tree)]
        case let .fork(branches):
            return ["fork": .map(branches.map { ($0.name, .list($0.phases.map(\.tree))) })]
        }
    }
}

extension PhaseSettings {
    /// `intrinsic_noise` and the overridden sections, resolved.
    var tree: [(String, ConfigTree)] {
        var pairs: [(String, ConfigTree)] = [(ScheduleReader.Keys.intrinsicNoise.key, .flag(model.size.intrinsicNoise))]
        for (name, section) in model.sections where overriddenSections.contains(name) {
            guard name == "size_dynamics", case let .map(keys) = section else {
                pairs.append((name, section))
                continue
            }
            pairs.append((name, .map(keys.filter { $0.0 != "intrinsic_noise" })))
        }
        return pairs
    }
}

extension ScheduleReader {
    /// The keys of the phases (the model sections besides).
    enum Keys {
        static let regime = SettingDeclaration(key: "regime", type: .choice(SessionActivity.Regime.allCases.map(\.rawValue)), required: true,
                                               summary: "learning, notask, or offline reactivation of a trained task")
        static let task = SettingDeclaration(key: "task", type: .text, required: true,
                                             summary: "The task's name (letters, digits, '_' and '-'); its axons form one ensemble")
        static let days = SettingDeclaration(key: "days", type: .integer(1...36_500), unit: "days", required: true, summary: "Days the phase lasts")
        static let sessionsPerDay = SettingDeclaration(key: "sessions_per_day", type: .integer(1...24), defaultValue: 1, summary: "Sessions per day")
        static let intrinsicNoise = SettingDeclaration(key: "intrinsic_noise", type: .flag,
                                                       summary: "The intrinsic size noise during the phase (default: the global one)")
    }

    /// The declarations of a schedule: a list of session, home-cage and fork phases.
    static var phasesType: SettingType {
        let population = ExperimentKind.modelSections(withActivity: false)
        let activity = ExperimentKind.modelSections(withActivity: true).filter { !population.map(\.key).contains($0.key) }
        let overrides = "; overrides the global section for the phase"
        let session = SettingType.section(name: "session-phase", [Keys.regime, Keys.task, Keys.days, Keys.sessionsPerDay, Keys.intrinsicNoise]
            + (population + activity).map { SettingDeclaration(key: $0.key, type: $0.type, summary: $0.summary + overrides) })
        let homeCage = SettingType.section(name: "home-cage-phase", [Keys.days, ExperimentKind.stepDays, Keys.intrinsicNoise]
            + population.map { SettingDeclaration(key: $0.key, type: $0.type, summary: $0.summary + overrides) })
        let fork = ConfigTree.map([("type", "object"), ("minProperties", 2),
                                   ("propertyNames", ["pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$"]),
                                   ("additionalProperties", ["$ref": "#/$defs/phases"])])
        let phase = SettingType.oneOf("a phase", [
            .section(name: "phase-session", [.init(key: "session", type: session, required: true, summary: "Daily sessions")]),
            .section(name: "phase-home-cage", [.init(key: "home_cage", type: homeCage, required: true, summary: "Home cage")]),
            .section(name: "phase-fork", [.init(key: "fork", type: .custom("named branches, each a list of phases", schema: fork), required: true,
                                                summary: "Named branches that each continue a copy of the state (the last phase of its list)")]),
        ])
        return .list(name: "phases", phase)
    }
}
