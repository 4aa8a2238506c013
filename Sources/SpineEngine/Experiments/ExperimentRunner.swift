import Foundation
import GSL

/// How `spinesim run` was asked to run an experiment.
public struct RunOptions: Sendable {
    public var experimentPath: String
    public var outputPath: String?
    public var seed: UInt64?
    public var threads: Int?
    public var overrides: [String]
    public var force: Bool
    public var quiet: Bool
    /// Write a checkpoint every this many simulated days (experiments that run over days).
    public var checkpointEveryDays: Int?

    public init(experimentPath: String, outputPath: String? = nil, seed: UInt64? = nil, threads: Int? = nil,
                overrides: [String] = [], force: Bool = false, quiet: Bool = false, checkpointEveryDays: Int? = nil) {
        self.experimentPath = experimentPath
        self.outputPath = outputPath
        self.seed = seed
        self.threads = threads
        self.overrides = overrides
        self.force = force
        self.quiet = quiet
        self.checkpointEveryDays = checkpointEveryDays
    }
}

public enum ExperimentRunner {
    /// Validates the experiment completely, then runs it into its output
    /// directory (default `Results/<file name>`), writing `manifest.json`
    /// before (status "running") and after (status "completed", "failed: …"
    /// or "interrupted: …"). Returns the output directory.
    @discardableResult
    public static func run(_ options: RunOptions) throws -> URL {
        var experiment = try Experiment.load(path: options.experimentPath, overrides: options.overrides)
        if let seed = options.seed { experiment.seed = seed }
        let threads = try threadCount(options.threads)
        if let every = options.checkpointEveryDays, !experiment.kind.runsOverDays {
            throw ConfigError(location: "--checkpoint-every \(every)", keyPath: "",
                              message: "'\(experiment.kind.rawValue)' runs in one piece and has no days to checkpoint; allowed: experiments that run over days (\(ExperimentKind.allCases.filter(\.runsOverDays).map(\.rawValue).joined(separator: ", ")))")
        }
        let stem = ((options.experimentPath as NSString).lastPathComponent as NSString).deletingPathExtension
        let directory = try RunDirectory(path: options.outputPath ?? "Results/\(stem)", force: options.force)
        let manifest = Manifest(experiment: experiment.kind.rawValue, experimentFile: options.experimentPath,
                                seed: experiment.seed, generator: experiment.generator.name, threads: threads,
                                checkpointEveryDays: options.checkpointEveryDays,
                                status: "running", startedAt: Date(), outputs: [], configuration: experiment)
        var context = RunContext(directory: directory, seeds: StreamSeeds(runSeed: experiment.seed),
                                 generator: experiment.generator, threads: threads, quiet: options.quiet)
        context.checkpointEveryDays = options.checkpointEveryDays
        try execute(experiment, manifest: manifest, context: context)
        return directory.url
    }

    /// Continues an interrupted run from the newest checkpoint in `path`,
    /// with the configuration, seed and generator recorded in its manifest.
    @discardableResult
    public static func resume(path: String, threads requested: Int?, checkpointEveryDays: Int?, quiet: Bool) throws -> URL {
        let directory = try RunDirectory(existing: path)
        let manifestURL = directory.file("manifest.json")
        guard let data = try? Data(contentsOf: manifestURL),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let configuration = object["configuration"] else {
            throw RunError("\(manifestURL.path) is missing or unreadable: no run was started in \(path) (it was stopped before writing anything); run the experiment again")
        }
        if object["status"] as? String == "completed" {
            throw RunError("the run in \(directory.url.path) is already complete")
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: configuration), as: UTF8.self)
        let experiment = try Experiment.parse(text, fileName: "\(manifestURL.lastPathComponent) (configuration)")
        let threads = try threadCount(requested)
        let every = checkpointEveryDays ?? (object["checkpoint_every_days"] as? Int)
        var manifest = Manifest(experiment: experiment.kind.rawValue, experimentFile: object["experiment_file"] as? String ?? "",
                                seed: experiment.seed, generator: experiment.generator.name, threads: threads,
                                checkpointEveryDays: every, status: "running (resumed)",
                                startedAt: Date(), outputs: [], configuration: experiment)
        if let started = object["started_at"] as? String, let date = ISO8601DateFormatter().date(from: started) {
            manifest.startedAt = date
        }
        manifest.resumedAt = Date()
        var context = RunContext(directory: directory, seeds: StreamSeeds(runSeed: experiment.seed),
                                 generator: experiment.generator, threads: threads, quiet: quiet)
        context.checkpointEveryDays = every
        context.resume = true
        try execute(experiment, manifest: manifest, context: context)
        return directory.url
    }

    private static func threadCount(_ requested: Int?) throws -> Int {
        let threads = requested ?? ProcessInfo.processInfo.activeProcessorCount
        guard threads >= 1 else { throw RunError("--threads \(threads) is not allowed; allowed: an integer ≥ 1") }
        return threads
    }

    private static func execute(_ experiment: Experiment, manifest initial: Manifest<Experiment>, context: RunContext) throws {
        var manifest = initial
        try context.directory.writeJSON("manifest.json", manifest)
        func finish(_ status: String) {
            manifest.status = status
            manifest.finishedAt = Date()
            manifest.wallSeconds = manifest.finishedAt!.timeIntervalSince(manifest.resumedAt ?? manifest.startedAt)
        }
        do {
            manifest.outputs = try experiment.body.run(context)
            finish("completed")
        } catch let interrupted as RunInterrupted {
            finish("interrupted: \(interrupted)")
            try? context.directory.writeJSON("manifest.json", manifest)
            throw interrupted
        } catch {
            finish("failed: \(error)")
            try? context.directory.writeJSON("manifest.json", manifest)
            throw error
        }
        try context.directory.writeJSON("manifest.json", manifest)
        // Streams kept for a resume until the run was complete.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: context.directory.url.path)) ?? []
        for name in names where name.hasSuffix(".partial") { try? FileManager.default.removeItem(at: context.directory.file(name)) }
    }
}
