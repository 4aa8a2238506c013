import Foundation
import GSL

/// The experiment kinds an experiment file can name with `experiment:`.
public enum ExperimentKind: String, CaseIterable, Sendable, Codable {
    case stdp
    case stdpFrequency = "stdp-frequency"
    case population
    case heterosynaptic
    case heterosynapticShrinkage = "heterosynaptic-shrinkage"
    case cooperativity
    case learningVsNoTask = "learning-vs-notask"
    case memory

    /// Whether the kind runs on the timeline engine (day by day: checkpoints and resume).
    public var runsOverDays: Bool { [.population, .learningVsNoTask, .memory].contains(self) }
}

/// What every experiment needs to run: where to write, the run's seeds and
/// generator, how many threads, progress.
public struct RunContext: Sendable {
    public let directory: RunDirectory
    public let seeds: StreamSeeds
    public let generator: GeneratorType
    public let threads: Int
    public let quiet: Bool
    /// Which run this is (checkpoints carry it; a resume accepts only its own).
    public let identity: RunIdentity
    /// Write a checkpoint every this many simulated days (long runs).
    public var checkpointEveryDays: Int? = nil
    /// Keep the checkpoints when the run completes.
    public var keepCheckpoints = false
    /// Continue from the newest checkpoint in `directory` instead of starting.
    public var resume = false

    public init(directory: RunDirectory, seeds: StreamSeeds, generator: GeneratorType, threads: Int, quiet: Bool,
                identity: RunIdentity? = nil) {
        self.directory = directory
        self.seeds = seeds
        self.generator = generator
        self.threads = threads
        self.quiet = quiet
        self.identity = identity ?? RunIdentity(runID: "unnamed", seed: seeds.runSeed, configurationDigest: "")
    }
}

extension RunContext {
    /// `parallelMap` over the independent conditions of a one-piece
    /// experiment (over MPI ranks: each rank its block of conditions, every
    /// rank gets all results in order), with progress reported as `label`
    /// (and `extra` steps the caller advances itself after this returns).
    func mapConditions<Result: Codable & Sendable>(_ count: Int, label: String, extra: Int = 0,
                                                   _ body: @Sendable (Int) throws -> Result) throws -> (results: [Result], progress: ProgressReporter) {
        let progress = ProgressReporter(label: label, total: Double(count + extra), unit: "conditions", quiet: quiet)
        let results = try Cluster.world.map(count: count, threads: threads) { index in
            defer { progress.advance() }
            return try body(index)
        }
        return (results, progress)
    }
}

/// A run's identity: a checkpoint is only ever restored into the run that wrote it.
public struct RunIdentity: Codable, Sendable, Equatable {
    public var runID: String
    public var seed: UInt64
    public var configurationDigest: String
}

/// A decoded experiment: its resolved configuration and how to run it.
public protocol ExperimentBody: Encodable, Sendable {
    /// Runs the experiment, writes its result files into the context's
    /// directory and returns their names.
    func run(_ context: RunContext) throws -> [String]

    /// The memory a run on `threads` workers will hold at most (nil: small).
    func estimate(threads: Int) -> ResourceLimits.Estimate?

    /// The work of its windows of activity (nil: small), checked against a
    /// budget at validation.
    func work() -> ResourceLimits.Work?
}

extension ExperimentBody {
    public func estimate(threads: Int) -> ResourceLimits.Estimate? { nil }
    public func work() -> ResourceLimits.Work? { nil }
}

/// An experiment file, fully validated, with presets, defaults and
/// overrides resolved.
public struct Experiment: Encodable, Sendable {
    public let kind: ExperimentKind
    public let description: String?
    public var seed: UInt64
    public let generator: GeneratorType
    public let body: any ExperimentBody

    /// The seed of a file that does not give one.
    public static let defaultSeed: UInt64 = 1

    /// Loads and validates an experiment file; `overrides` are
    /// `key.path=value` strings applied before validation.
    public static func load(path: String, overrides: [String] = []) throws -> Experiment {
        try decode(ExperimentDocument(path: path, overrides: overrides))
    }

    /// Validates an experiment given as text (for tests and tools).
    public static func parse(_ text: String, fileName: String = "experiment.yaml", overrides: [String] = []) throws -> Experiment {
        try decode(ExperimentDocument(text: text, fileName: fileName, overrides: overrides))
    }

    private static func decode(_ document: ExperimentDocument) throws -> Experiment {
        let root = document.root
        let kinds = ExperimentKind.allCases.map(\.rawValue)
        guard root.contains(Keys.kind) else {
            throw root.missing(Keys.kind, allowed: ConfigMapping.oneOf(kinds))
        }
        if root.peek(Keys.kind)?.scalar?.string == "memory-stability" {
            throw root.error(Keys.kind, root.value(Keys.kind),
                             "'memory-stability' is now a schedule of the 'memory' kind (see Experiments/memory-stability.yaml); allowed: \(ConfigMapping.oneOf(kinds))")
        }
        let kind = ExperimentKind(rawValue: try root.choice(Keys.kind, from: kinds))!
        let description = try root.text(Keys.description.key)
        let seed = try root.uint64(Keys.seed.key, default: defaultSeed)
        let generatorName = try root.choice(
            Keys.generator.key, from: GeneratorType.allNames, default: GeneratorType.defaultType.name,
            allowed: "a GSL generator name: \"taus2\" (default), \"gfsr4\" or \"mt19937\" are fast; "
                + "all \(GeneratorType.allNames.count) GSL names are accepted (see the GSL manual, 'Random Number Generator Algorithms')")
        let body: any ExperimentBody
        switch kind {
        case .stdp, .stdpFrequency:
            body = try PairingSweep.read(root, kind: kind)
        case .population:
            body = PopulationExperiment(config: try PopulationConfig.read(root))
        case .heterosynaptic:
            body = try HeterosynapticExperiment.read(root)
        case .heterosynapticShrinkage:
            body = try ShrinkageExperiment.read(root)
        case .cooperativity:
            body = try CooperativityExperiment.read(root)
        case .learningVsNoTask:
            body = try LearningExperiment.read(root)
        case .memory:
            body = try MemoryExperiment.read(root)
        }
        try root.finish()
        return Experiment(kind: kind, description: description, seed: seed,
                          generator: GeneratorType(name: generatorName)!, body: body)
    }

    /// The keys every experiment file has (besides its kind's).
    enum Keys {
        static let kind = "experiment"
        static let description = SettingDeclaration(key: "description", type: .text, summary: "Free text, copied into the manifest")
        static let seed = SettingDeclaration(key: "seed", type: .custom("integer ≥ 0", schema: ["type": "integer", "minimum": 0]),
                                             defaultValue: .number(Double(Experiment.defaultSeed)),
                                             summary: "The run seed (every generator stream derives from it)")
        static let generator = SettingDeclaration(key: "generator", type: .choice(GeneratorType.allNames),
                                                  defaultValue: .text(GeneratorType.defaultType.name),
                                                  summary: "The GSL random number generator (taus2, gfsr4 and mt19937 are fast)")
    }

    enum CodingKeys: String, CodingKey { case experiment, description, seed, generator }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .experiment)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(seed, forKey: .seed)
        try container.encode(generator.name, forKey: .generator)
        try body.encode(to: encoder)
    }
}
