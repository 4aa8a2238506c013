import ArgumentParser
import Foundation
import SpineEngine

@main
struct SpineSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spinesim",
        abstract: "Simulate dendritic spine populations whose synapses learn, grow, shrink, appear and disappear.",
        discussion: """
            Experiments are YAML files (see Experiments/ and README.md); every key, with its \
            range, default and unit, is in docs/CONFIG.md (spinesim schema --markdown), and \
            spinesim schema prints the JSON Schema that editors check files with. Every run \
            writes manifest.json (seed, resolved configuration, versions) and its result files \
            into its output directory.
            """,
        version: BuildInfo.version,
        subcommands: [Run.self, Resume.self, Check.self, SweepCommand.self, SchemaCommand.self, Bench.self, Presets.self]
    )

    /// Parses and runs a subcommand. A command line that cannot be parsed is
    /// rejected like a bad experiment file: one `error:` line, a hint, exit
    /// status 2 (help and --version print as usual).
    static func main() {
        // MPI (the MPI build) starts here, on the main thread, before any worker thread.
        let world = Cluster.world
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            Cluster.finish()
            if exitCode(for: error) == .success { exit(withError: error) }
            guard world.isRoot else { Foundation.exit(2) }
            let message = SpineSim.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let subcommand = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") } ?? ""
            let known = configuration.subcommands.map { $0._commandName }
            let help = known.contains(subcommand) ? "spinesim help \(subcommand)" : "spinesim --help"
            FileHandle.standardError.write(Data("error: \(message)\nhint: \(help) lists what is allowed\n".utf8))
            Foundation.exit(2)
        }
        do {
            var mutable = command
            try mutable.run()
        } catch {
            // A failure (status 1) may be one rank's alone: it stops them all.
            // A rejected file (2) or a stop on request (130) is every rank's.
            if exitCode(for: error) == .failure { Cluster.abort(status: 1) }
            Cluster.finish()
            exit(withError: error)
        }
        Cluster.finish()
    }
}

/// Reports an error the way every subcommand does and picks the exit status:
/// 2 for a rejected experiment file, 1 for a failure while running. Over
/// MPI ranks, rank 0 reports what every rank meets (a rejected file, a stop);
/// any rank reports its own failures.
func reportingErrors(_ body: () throws -> Void) throws {
    let world = Cluster.world
    do {
        try body()
    } catch let error as ConfigError {
        if world.isRoot { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
        throw ExitCode(2)
    } catch let error as ExitCode {
        throw error
    } catch let interrupted as RunInterrupted {
        if world.isRoot { FileHandle.standardError.write(Data("\n\(interrupted)\n".utf8)) }
        throw ExitCode(130)
    } catch {
        FileHandle.standardError.write(Data("error\(world.isRoot ? "" : " (rank \(world.rank))"): \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// How a run executes (shared by `run` and `resume`).
struct ExecutionOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads of each MPI rank, or of the process (default: the CPUs it may use: its affinity mask, at most SLURM_CPUS_PER_TASK; at most 1024 or 4 × the CPUs). Results do not depend on it.")
    var threads: Int?

    @Option(help: "Write a checkpoint every this many simulated days (experiments that run over days: population, learning-vs-notask, memory); resume with `spinesim resume DIR`.")
    var checkpointEvery: Int?

    @Flag(help: "Keep the checkpoints when the run completes (deleted otherwise).")
    var keepCheckpoints = false

    @Option(help: ArgumentHelp("The most memory a run may need, e.g. 8G or 500M (default: this machine's memory).", valueName: "bytes"),
            transform: MemorySize.parse)
    var maxMemory: Double?

    @Option(help: ArgumentHelp("The most work a run may compute, in grid cell-steps, e.g. 1e13 (default: 1e12, about an hour of one core).", valueName: "cell-steps"),
            transform: WorkSize.parse)
    var maxWork: Double?

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        try ThreadLimit.validate(threads)
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1 day, got \(checkpointEvery)") }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment file.",
        discussion: """
            The file is validated completely before anything runs. Results go to --out \
            (default Results/<file name>); an existing non-empty directory is only reused \
            with --force. Results appear in the directory when the run completes; until then \
            they are in DIR/.partial. Progress and ETA are printed on stderr.
            """
    )

    @Argument(help: "The experiment file (YAML), e.g. Experiments/stdp.yaml.")
    var experiment: String

    @Option(help: "Output directory (default: Results/<experiment file name>).")
    var out: String?

    @Option(help: "Run seed; overrides the file's 'seed'. Same seed, same bits, for any --threads.")
    var seed: UInt64?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting, e.g. --set pairing.pairs=30 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Flag(help: "Replace the previous run in the output directory: its manifest, the files it lists, its checkpoints and unfinished results (other files stay).")
    var force = false

    @OptionGroup var execution: ExecutionOptions

    func run() throws {
        try reportingErrors {
            let directory = try ExperimentRunner.run(RunOptions(
                experimentPath: experiment, outputPath: out, seed: seed, threads: execution.threads,
                overrides: overrides, force: force, quiet: execution.quiet, checkpointEveryDays: execution.checkpointEvery,
                keepCheckpoints: execution.keepCheckpoints, maximumMemoryBytes: execution.maxMemory, maximumWork: execution.maxWork))
            if !execution.quiet && Cluster.world.isRoot { FileHandle.standardError.write(Data("results in \(directory.path)\n".utf8)) }
        }
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue an interrupted run from its newest checkpoint.",
        discussion: """
            Uses the configuration, seed and generator recorded in DIR/manifest.json, and the \
            checkpoint interval it was started with unless --checkpoint-every is given. The result \
            files equal those of an uninterrupted run with the same seed, for any --threads.
            """
    )

    @Argument(help: "The run directory (the --out of the interrupted run).")
    var directory: String

    @OptionGroup var execution: ExecutionOptions

    func run() throws {
        try reportingErrors {
            let url = try ExperimentRunner.resume(path: directory, threads: execution.threads,
                                                  checkpointEveryDays: execution.checkpointEvery,
                                                  keepCheckpoints: execution.keepCheckpoints, quiet: execution.quiet)
            if !execution.quiet && Cluster.world.isRoot { FileHandle.standardError.write(Data("results in \(url.path)\n".utf8)) }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate an experiment file without running it; print its resolved configuration.",
        discussion: "The resolved configuration goes to stdout; the memory the run will need (and the limit it is checked against) to stderr."
    )

    @Argument(help: "The experiment file (YAML).")
    var experiment: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(parsing: .unconditional, help: "Worker threads the run would use (default: the CPUs this process may use: its affinity mask, SLURM_CPUS_PER_TASK).")
    var threads: Int?

    @Option(help: ArgumentHelp("The most memory a run may need, e.g. 8G or 500M (default: this machine's memory).", valueName: "bytes"),
            transform: MemorySize.parse)
    var maxMemory: Double?

    @Option(help: ArgumentHelp("The most work a run may compute, in grid cell-steps (default: 1e12).", valueName: "cell-steps"),
            transform: WorkSize.parse)
    var maxWork: Double?

    func validate() throws {
        try ThreadLimit.validate(threads)
    }

    func run() throws {
        try reportingErrors {
            let loaded = try Experiment.load(path: experiment, overrides: overrides)
            if let work = loaded.body.work() { try ResourceLimits.check(work, limit: maxWork) }
            if let estimate = loaded.body.estimate(threads: threads ?? AvailableCPUs.count) {
                try ResourceLimits.check(estimate, limit: maxMemory)
                FileHandle.standardError.write(Data("memory estimate: \(ResourceLimits.format(bytes: estimate.bytes)) (\(estimate.description)); limit \(ResourceLimits.format(bytes: maxMemory ?? ResourceLimits.physicalMemory))\n".utf8))
            }
            FileHandle.standardOutput.write(try JSONOutput.encode(loaded))
        }
    }
}

/// `--threads`: from 1 to `ExperimentRunner.maximumThreads`.
enum ThreadLimit {
    static func validate(_ threads: Int?) throws {
        guard let threads else { return }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if threads > ExperimentRunner.maximumThreads {
            throw ValidationError("--threads must be at most \(ExperimentRunner.maximumThreads) (1024, or 4 × this machine's \(ProcessInfo.processInfo.activeProcessorCount) CPUs), got \(threads)")
        }
    }
}

/// `--max-work` values: a positive number of grid cell-steps.
enum WorkSize {
    static func parse(_ text: String) throws -> Double {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw ValidationError("--max-work \(text): allowed: a positive number of grid cell-steps, e.g. 1e13")
        }
        return value
    }
}

/// `--max-memory` values: bytes, or a number with K, M, G or T (powers of 1000).
enum MemorySize {
    static func parse(_ text: String) throws -> Double {
        let units: [Character: Double] = ["K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12]
        var digits = text.uppercased()
        var scale = 1.0
        if let last = digits.last, let unit = units[last] { scale = unit; digits.removeLast() }
        guard let value = Double(digits), value.isFinite, value > 0 else {
            throw ValidationError("'\(text)' is not a memory size; allowed: bytes, or a number with K, M, G or T, e.g. 8G")
        }
        return value * scale
    }
}

struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the plasticity presets and their parameters.")

    func run() throws {
        FileHandle.standardOutput.write(try JSONOutput.encode(PresetTable()))
    }
}
