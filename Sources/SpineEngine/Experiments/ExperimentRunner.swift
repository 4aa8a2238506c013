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
    /// Keep the checkpoints of a completed run (deleted otherwise).
    public var keepCheckpoints: Bool
    /// The most memory the run may need (bytes; nil: this machine's memory).
    public var maximumMemoryBytes: Double?
    /// The most work the run may compute (grid cell-steps; nil: `ResourceLimits.defaultMaximumWork`).
    public var maximumWork: Double?
    /// The command the manifest records (default: this process's command
    /// line; a sweep records each entry's equivalent `spinesim run`).
    public var command: [String]?

    public init(experimentPath: String, outputPath: String? = nil, seed: UInt64? = nil, threads: Int? = nil,
                overrides: [String] = [], force: Bool = false, quiet: Bool = false, checkpointEveryDays: Int? = nil,
                keepCheckpoints: Bool = false, maximumMemoryBytes: Double? = nil, maximumWork: Double? = nil, command: [String]? = nil) {
        self.experimentPath = experimentPath
        self.outputPath = outputPath
        self.seed = seed
        self.threads = threads
        self.overrides = overrides
        self.force = force
        self.quiet = quiet
        self.checkpointEveryDays = checkpointEveryDays
        self.keepCheckpoints = keepCheckpoints
        self.maximumMemoryBytes = maximumMemoryBytes
        self.maximumWork = maximumWork
        self.command = command
    }
}

public enum ExperimentRunner {
    /// Validates the experiment completely, then runs it into its output
    /// directory (default `Results/<file name>`), holding the directory's
    /// lock: whatever the directory held (a previous run, with `--force`) is
    /// moved aside into `.previous-<time>`, `manifest.json` is written before
    /// (status "running") and after (status "completed", "failed: …" or
    /// "interrupted: …"), and the results are published, the completed
    /// manifest last. Returns the output directory.
    ///
    /// Over MPI ranks every rank validates and runs the experiment; rank 0
    /// alone touches the output directory, the others write nothing there
    /// (what a one-piece experiment writes on them goes to a scratch
    /// directory, removed at the end).
    @discardableResult
    public static func run(_ options: RunOptions) throws -> URL {
        var experiment = try Experiment.load(path: options.experimentPath, overrides: options.overrides)
        if let seed = options.seed { experiment.seed = seed }
        let threads = try threadCount(options.threads)
        if let every = options.checkpointEveryDays, !experiment.kind.runsOverDays {
            throw ConfigError(location: "--checkpoint-every \(every)", keyPath: "",
                              message: "'\(experiment.kind.rawValue)' runs in one piece and has no days to checkpoint; allowed: experiments that run over days (\(ExperimentKind.allCases.filter(\.runsOverDays).map(\.rawValue).joined(separator: ", ")))")
        }
        if let estimate = experiment.body.estimate(threads: threads) {
            try ResourceLimits.check(estimate, limit: options.maximumMemoryBytes)
        }
        if let work = experiment.body.work() { try ResourceLimits.check(work, limit: options.maximumWork) }
        let stem = ((options.experimentPath as NSString).lastPathComponent as NSString).deletingPathExtension
        let world = Cluster.world
        let directory: RunDirectory, lock: RunLock?
        if world.isRoot {
            directory = try RunDirectory(path: options.outputPath ?? "Results/\(stem)", force: options.force)
            lock = try RunLock(directory)
            if let moved = try directory.movePreviousRunAside() {
                // Said even with --quiet: files were moved where the user may not look.
                let shown = moved.entries.prefix(6).joined(separator: ", ") + (moved.entries.count > 6 ? ", …" : "")
                FileHandle.standardError.write(Data("replacing the previous run in \(directory.url.path): moved its \(moved.entries.count) entries (\(shown)) aside into \(directory.url.appendingPathComponent(moved.folder).path); delete that folder when you no longer need it\n".utf8))
            }
        } else {
            (directory, lock) = (try RunDirectory.scratch(rank: world.rank), nil)
        }
        let runID = String(decoding: world.broadcast(Array(UUID().uuidString.lowercased().utf8)), as: UTF8.self)
        let manifest = Manifest(runID: runID, configurationDigest: try experiment.digest(),
                                experiment: experiment.kind.rawValue, experimentFile: options.experimentPath,
                                command: options.command ?? CommandLine.arguments, seed: experiment.seed, generator: experiment.generator.name,
                                threads: threads, checkpointEveryDays: options.checkpointEveryDays,
                                status: "running", startedAt: Date(), outputs: [], configuration: experiment)
        var context = RunContext(directory: directory, seeds: StreamSeeds(runSeed: experiment.seed),
                                 generator: experiment.generator, threads: threads, quiet: options.quiet || !world.isRoot,
                                 identity: RunIdentity(runID: manifest.runID, seed: experiment.seed, configurationDigest: manifest.configurationDigest))
        context.checkpointEveryDays = options.checkpointEveryDays
        context.keepCheckpoints = options.keepCheckpoints
        try execute(experiment, manifest: manifest, context: context, lock: lock)
        return directory.url
    }

    /// Continues an interrupted run from its newest sound checkpoint in
    /// `path`, with the configuration, seed and generator its manifest
    /// records; the manifest keeps the original command and gains a resume.
    @discardableResult
    public static func resume(path: String, threads requested: Int?, checkpointEveryDays: Int?, keepCheckpoints: Bool = false,
                              quiet: Bool) throws -> URL {
        let world = Cluster.world
        let directory: RunDirectory, lock: RunLock?
        let manifestURL = try RunDirectory(existing: path).file("manifest.json")
        if world.isRoot {
            directory = try RunDirectory(existing: path)
            let missing = RunError("\(manifestURL.path) is missing: no run was started in \(directory.url.path) (it was stopped before writing anything); run the experiment again")
            // Checked before locking too: a directory that holds no run gets no lock file.
            guard FileManager.default.fileExists(atPath: manifestURL.path) else { throw missing }
            lock = try RunLock(directory)
            guard FileManager.default.fileExists(atPath: manifestURL.path) else { throw missing }
        } else {
            (directory, lock) = (try RunDirectory.scratch(rank: world.rank), nil)
        }
        // Every rank continues from rank 0's reading of the manifest.
        let data = Data(world.broadcast(world.isRoot ? [UInt8]((try? Data(contentsOf: manifestURL)) ?? Data()) : []))
        let record: ManifestRecord
        let configuration: Any
        do {
            record = try JSONDecoder().decode(ManifestRecord.self, from: data)
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let found = object["configuration"] else {
                throw RunError("no configuration")
            }
            // The configuration is an experiment: a mapping (null, a number or a text is damage).
            guard let mapping = found as? [String: Any] else { throw RunError("its configuration is not a mapping") }
            configuration = mapping
        } catch {
            throw RunError("\(manifestURL.path) is damaged or not a SpineSim manifest of this version (\(ExperimentRunner.reason(error))); the run cannot be resumed: run the experiment again")
        }
        if record.status == "completed" && world.isRoot {
            throw RunError("the run in \(directory.url.path) is already complete")
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: configuration), as: UTF8.self)
        let experiment = try Experiment.parse(text, fileName: "\(manifestURL.lastPathComponent) (configuration)")
        guard try experiment.digest() == record.configurationDigest else {
            throw RunError("\(manifestURL.path): its configuration does not match its digest (the file was edited); the run cannot be resumed")
        }
        let threads = try threadCount(requested)
        let every = checkpointEveryDays ?? record.checkpointEveryDays
        var manifest = Manifest(runID: record.runID, configurationDigest: record.configurationDigest, experiment: experiment.kind.rawValue,
                                experimentFile: record.experimentFile, command: record.command, seed: experiment.seed,
                                generator: experiment.generator.name, threads: record.threads, checkpointEveryDays: every,
                                status: "running (resumed)", startedAt: ISO8601DateFormatter().date(from: record.startedAt) ?? Date(),
                                outputs: [], configuration: experiment)
        manifest.resumes = record.resumes + [ManifestResume(at: Manifest<Experiment>.timestamp(Date()), command: CommandLine.arguments,
                                                    threads: threads, ranks: manifest.ranks, wallSeconds: nil)]
        manifest.wallSeconds = record.wallSeconds
        if world.isRoot { directory.removeTemporaryFiles() }
        var context = RunContext(directory: directory, seeds: StreamSeeds(runSeed: experiment.seed),
                                 generator: experiment.generator, threads: threads, quiet: quiet || !world.isRoot,
                                 identity: RunIdentity(runID: record.runID, seed: experiment.seed, configurationDigest: record.configurationDigest))
        context.checkpointEveryDays = every
        context.keepCheckpoints = keepCheckpoints
        context.resume = true
        try execute(experiment, manifest: manifest, context: context, lock: lock)
        return directory.url
    }

    static func threadCount(_ requested: Int?) throws -> Int {
        let threads = requested ?? AvailableCPUs.count
        guard threads >= 1 else { throw RunError("--threads \(threads) is not allowed; allowed: an integer ≥ 1") }
        guard threads <= maximumThreads else {
            throw RunError("--threads \(threads) is not allowed; allowed: at most \(maximumThreads) (1024, or 4 × this machine's \(ProcessInfo.processInfo.activeProcessorCount) CPUs)")
        }
        return threads
    }

    /// The most worker threads a run may ask for: 1024, or 4 × the CPUs.
    public static var maximumThreads: Int { max(1024, 4 * ProcessInfo.processInfo.activeProcessorCount) }

    /// An error's message without Foundation's dump.
    static func reason(_ error: Error) -> String {
        if let error = error as? RunError { return error.description }
        if let error = error as? DecodingError {
            switch error {
            case let .keyNotFound(key, _): return "no \(key.stringValue)"
            case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
                return context.codingPath.isEmpty ? "not JSON" : "bad \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            @unknown default: return "not readable"
            }
        }
        return (error as NSError).localizedDescription
    }

    private static func execute(_ experiment: Experiment, manifest initial: Manifest<Experiment>, context: RunContext, lock: RunLock?) throws {
        let world = Cluster.world
        guard world.isRoot else {
            defer { try? FileManager.default.removeItem(at: context.directory.url) }
            _ = try experiment.body.run(context)
            _ = try world.gathered([world.bytesGathered])
            return
        }
        var manifest = initial
        let started = Date()
        try context.directory.writeManifest(manifest)
        // Signals are caught before any work. A run over days stops at its next
        // day with a checkpoint; a run in one piece records the stop and exits.
        Interrupts.install()
        // A process may run several experiments (a sweep): this run's stop
        // action must not outlive it.
        defer { Interrupts.onRequest(nil) }
        if !experiment.kind.runsOverDays {
            var stopped = manifest
            stopped.status = "interrupted: stopped by a signal before completion; this experiment runs in one piece, run it again"
            let directory = context.directory, record = stopped
            let data = try JSONOutput.encode(record, file: "manifest.json")
            Interrupts.onRequest {
                try? AtomicFile.write(data, to: directory.file("manifest.json"), durable: true)
                FileHandle.standardError.write(Data("\nstopped by a signal; the run is incomplete (its manifest says so)\n".utf8))
                exit(130)
            }
        }
        func finished(_ status: String, outputs: [String] = []) -> Manifest<Experiment> {
            var final = manifest
            final.status = status
            final.outputs = outputs
            final.finishedAt = Date()
            let seconds = final.finishedAt!.timeIntervalSince(started)
            final.wallSeconds = (final.wallSeconds ?? 0) + seconds
            if !final.resumes.isEmpty { final.resumes[final.resumes.count - 1].wallSeconds = seconds }
            return final
        }
        do {
            let outputs = try experiment.body.run(context)
            if Cluster.isMPIBuild { manifest.bytesGatheredPerRank = try world.gathered([world.bytesGathered]) }
            // The completed manifest is written (synced) beside the staged
            // results, then published after them: when it cannot be written
            // (a full disk), no result is published and the failure is recorded
            // below; results never appear under a "running" manifest.
            try context.directory.stageManifest(finished("completed", outputs: outputs))
            try context.directory.publish(outputs + ["manifest.json"])
        } catch let interrupted as RunInterrupted {
            context.directory.dropStagedManifest()
            context.directory.recordStop(finished("interrupted: \(interrupted)"))
            throw interrupted
        } catch {
            context.directory.dropStagedManifest()
            context.directory.recordStop(finished("failed: \(error)"))
            throw error
        }
        context.directory.cleanUp(keepCheckpoints: context.keepCheckpoints)
        lock?.release()
    }
}

extension Experiment {
    /// A digest of the resolved configuration with seed and generator.
    func digest() throws -> String { String(format: "%016llx", fnv1a64(try JSONOutput.encode(self))) }
}
