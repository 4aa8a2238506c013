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

    public init(experimentPath: String, outputPath: String? = nil, seed: UInt64? = nil, threads: Int? = nil,
                overrides: [String] = [], force: Bool = false, quiet: Bool = false) {
        self.experimentPath = experimentPath
        self.outputPath = outputPath
        self.seed = seed
        self.threads = threads
        self.overrides = overrides
        self.force = force
        self.quiet = quiet
    }
}

public enum ExperimentRunner {
    /// Validates the experiment completely, then runs it into its output
    /// directory (default `Results/<file name>`), writing `manifest.json`
    /// before (status "running") and after (status "completed" or
    /// "failed"). Returns the output directory.
    @discardableResult
    public static func run(_ options: RunOptions) throws -> URL {
        var experiment = try Experiment.load(path: options.experimentPath, overrides: options.overrides)
        if let seed = options.seed { experiment.seed = seed }
        let threads = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard threads >= 1 else { throw RunError("--threads \(threads) is not allowed; allowed: an integer ≥ 1") }
        let stem = ((options.experimentPath as NSString).lastPathComponent as NSString).deletingPathExtension
        let directory = try RunDirectory(path: options.outputPath ?? "Results/\(stem)", force: options.force)

        var manifest = Manifest(experiment: experiment.kind.rawValue, experimentFile: options.experimentPath,
                                seed: experiment.seed, generator: experiment.generator.name, threads: threads,
                                status: "running", startedAt: Date(), outputs: [], configuration: experiment)
        try directory.writeJSON("manifest.json", manifest)
        let context = RunContext(directory: directory, seeds: StreamSeeds(runSeed: experiment.seed),
                                 generator: experiment.generator, threads: threads, quiet: options.quiet)
        do {
            manifest.outputs = try experiment.body.run(context)
            manifest.status = "completed"
        } catch {
            manifest.status = "failed: \(error)"
            manifest.finishedAt = Date()
            manifest.wallSeconds = manifest.finishedAt!.timeIntervalSince(manifest.startedAt)
            try? directory.writeJSON("manifest.json", manifest)
            throw error
        }
        manifest.finishedAt = Date()
        manifest.wallSeconds = manifest.finishedAt!.timeIntervalSince(manifest.startedAt)
        try directory.writeJSON("manifest.json", manifest)
        return directory.url
    }
}
