import Foundation
import Yams

/// A sweep file: a base experiment file, fixed `--set` overrides, a grid of
/// overrides and a list of seeds. Every entry (point × seed) is exactly the
/// run `spinesim run BASE --out OUT/point-NNNN-seed-S --seed S --set k=v …`.
///
/// ```yaml
/// description: free text
/// sweep:
///   experiment: memory-stability.yaml     # relative to this file
///   set: {dendrites.count: 5}             # optional: every run
///   grid:                                 # points: the Cartesian product, keys in this order
///     size_dynamics.stationary_sd: [0.5, 0.87, 1.2]
///   seeds: [1, 2]
///   out: Results/sweep-noise              # optional (default Results/<file name>), like --out
///   threads: 1                            # optional: --threads of every run
/// ```
public struct SweepSpec: Sendable {
    /// One `--set key=value` of the file, with where it is written.
    public struct Setting: Sendable, Equatable {
        public let key: String
        /// The value as `--set` text (YAML, as written in the file).
        public let value: String
        /// `file:line:column` of the value.
        public let location: String
        public var argument: String { "\(key)=\(value)" }
    }

    /// One grid key and its values.
    public struct Axis: Sendable {
        public let key: String
        public let values: [Setting]
    }

    public let path: String
    /// The base experiment file, as a path from the current directory.
    public let experimentPath: String
    public let description: String?
    public let fixed: [Setting]
    public let grid: [Axis]
    public let seeds: [UInt64]
    public let out: String?
    public let threads: Int?

    /// The most entries a sweep may have.
    public static let maximumEntries = 100_000

    /// Reads and checks a sweep file (strictly, like an experiment file).
    public static func load(path: String) throws -> SweepSpec {
        let document = try ExperimentDocument(path: path)
        let root = document.root
        let fileName = document.root.source.fileName
        func location(_ node: Node) -> String {
            node.mark.map { "\(fileName):\($0.line):\($0.column)" } ?? fileName
        }
        let description = try root.text(Keys.description.key)
        let allowedSweep = "a mapping with \"experiment\", \"grid\", \"seeds\" and optionally \"set\", \"out\", \"threads\""
        guard let sweep = try root.mapping(Keys.sweep) else { throw root.missing(Keys.sweep, allowed: allowedSweep) }
        try root.finish()

        // Every key is read before the required ones are checked, so that a
        // misspelt key is reported as unknown rather than the right one as missing.
        let experimentNode = sweep.value(Keys.experiment.key)
        _ = (sweep.value(Keys.set.key), sweep.value(Keys.grid.key))   // read below
        let seedsNode = sweep.value(Keys.seeds.key)
        let out = try sweep.text(Keys.out.key)
        let threads = try sweep.integer(ifPresent: Keys.threads)
        try sweep.finish()
        guard let experiment = experimentNode else {
            throw sweep.missing("experiment", allowed: "the path of the base experiment file, relative to this file")
        }
        guard let base = experiment.scalar?.string, experiment.isTagged(.str), !base.isEmpty else {
            throw sweep.error("experiment", experiment, "value \(ConfigMapping.describe(experiment)) is not allowed; allowed: the path of the base experiment file, relative to this file")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let experimentPath = base.hasPrefix("/") ? base : SweepSpec.normalise(directory.isEmpty ? base : "\(directory)/\(base)")

        func settings(of mapping: ConfigMapping, lists: Bool) throws -> [(key: String, keyNode: Node?, values: [Setting])] {
            try mapping.keys.map { key in
                let node = mapping.value(key)!
                let parts = key.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
                    throw mapping.error(key, node, "not a key path; allowed: keys separated by dots, as in --set, e.g. pairing.pairs")
                }
                guard key != "seed" else {
                    throw mapping.error(key, node, "the seed is not an override here; allowed: the seeds under \"seeds\"")
                }
                let elements: [Node]
                if lists {
                    guard case let .sequence(sequence) = node, !sequence.isEmpty else {
                        throw mapping.error(key, node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: a non-empty list of the values of this key (one per grid point)")
                    }
                    elements = Array(sequence)
                } else {
                    elements = [node]
                }
                let values = try elements.map { element in
                    guard let text = SweepSpec.setText(element) else {
                        throw mapping.error(key, element, "value \(ConfigMapping.describe(element)) is not allowed; allowed: plain YAML values (numbers, text, true/false, lists, mappings), no aliases")
                    }
                    return Setting(key: key, value: text, location: location(element))
                }
                return (key, nil, values)
            }
        }
        var fixed: [Setting] = []
        if let set = try sweep.mapping(Keys.set.key) {
            fixed = try settings(of: set, lists: false).flatMap(\.values)
            try set.finish()
        }
        var grid: [Axis] = []
        if let mapping = try sweep.mapping(Keys.grid.key) {
            for (key, _, values) in try settings(of: mapping, lists: true) {
                if fixed.contains(where: { $0.key == key }) {
                    throw mapping.error(key, mapping.peek(key), "is also under \"set\"; allowed: a key in \"set\" or in \"grid\", not both")
                }
                grid.append(Axis(key: key, values: values))
            }
            try mapping.finish()
        }

        guard let seedsNode else {
            throw sweep.missing("seeds", allowed: "a non-empty list of seeds (integers from 0 to \(UInt64.max))")
        }
        guard case let .sequence(seedList) = seedsNode, !seedList.isEmpty else {
            throw sweep.error("seeds", seedsNode, "value \(ConfigMapping.describe(seedsNode)) is not allowed; allowed: a non-empty list of seeds (integers from 0 to \(UInt64.max))")
        }
        var seeds: [UInt64] = []
        for (index, node) in seedList.enumerated() {
            guard let scalar = node.scalar, node.isTagged(.int), let seed = UInt64(scalar.string.replacingOccurrences(of: "_", with: "")) else {
                throw sweep.error("seeds[\(index)]", node, "value \(ConfigMapping.describe(node)) is not allowed; allowed: an integer from 0 to \(UInt64.max)")
            }
            guard !seeds.contains(seed) else {
                throw sweep.error("seeds[\(index)]", node, "seed \(seed) is listed twice; allowed: distinct seeds")
            }
            seeds.append(seed)
        }

        let points = grid.reduce(1.0) { $0 * Double($1.values.count) }
        guard points * Double(seeds.count) <= Double(maximumEntries) else {
            throw ConfigError(location: fileName, keyPath: "sweep.grid",
                              message: "the grid has \(ConfigMapping.format(points)) points × \(seeds.count) seeds; allowed: at most \(maximumEntries) runs")
        }
        return SweepSpec(path: path, experimentPath: experimentPath, description: description, fixed: fixed, grid: grid,
                         seeds: seeds, out: out, threads: threads)
    }

    /// The grid points in order: the Cartesian product of the axes, the last
    /// key varying fastest; each point is its grid settings in key order.
    public var points: [[Setting]] {
        grid.reduce([[]]) { partial, axis in partial.flatMap { point in axis.values.map { point + [$0] } } }
    }

    /// Every entry, point by point and, within a point, seed by seed.
    public func entries(out: String) -> [SweepEntry] {
        points.enumerated().flatMap { point, settings in
            seeds.map { seed in
                let name = SweepEntry.directoryName(point: point, seed: seed)
                return SweepEntry(index: point * seeds.count + seeds.firstIndex(of: seed)!, point: point, grid: settings,
                                  fixed: fixed, seed: seed, directoryName: name,
                                  directory: out.isEmpty ? name : (out.hasSuffix("/") ? out + name : "\(out)/\(name)"))
            }
        }
    }

    /// A YAML value as `--set` text: scalars as written (text quoted when it
    /// would read as something else), lists and mappings in flow style.
    static func setText(_ node: Node) -> String? {
        switch node {
        case let .scalar(scalar):
            let text = scalar.string
            guard node.isTagged(.str) else { return text }
            let plain = text.range(of: #"^[A-Za-z_][A-Za-z0-9_./+-]*$"#, options: .regularExpression) != nil
            if plain, let reread = try? Yams.compose(yaml: text), reread.isTagged(.str), reread.scalar?.string == text {
                return text
            }
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        case let .sequence(sequence):
            var parts: [String] = []
            for element in sequence {
                guard let text = setText(element) else { return nil }
                parts.append(text)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case let .mapping(mapping):
            var parts: [String] = []
            for (key, value) in mapping {
                guard let name = setText(key), let text = setText(value) else { return nil }
                parts.append("\(name): \(text)")
            }
            return "{" + parts.joined(separator: ", ") + "}"
        case .alias:
            return nil
        }
    }

    /// `a/./b/../c` → `a/c` (a path as written, without resolving links).
    static func normalise(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}

/// One run of a sweep: a grid point with one seed.
public struct SweepEntry: Sendable {
    public let index: Int
    public let point: Int
    /// The point's grid settings, in key order.
    public let grid: [SweepSpec.Setting]
    /// The settings every point shares (`set:`).
    public let fixed: [SweepSpec.Setting]
    public let seed: UInt64
    /// `point-NNNN-seed-S`.
    public let directoryName: String
    /// The run directory (the sweep directory joined with `directoryName`).
    public let directory: String

    static func directoryName(point: Int, seed: UInt64) -> String {
        "point-\(String(format: "%04d", point))-seed-\(seed)"
    }

    /// The `--set` overrides of the run: the fixed ones, then the point's.
    public var overrides: [String] { (fixed + grid).map(\.argument) }

    /// The command line of this run: `BINARY run BASE --out DIR --seed S --set k=v … [--threads T]`.
    public func command(binary: String, experiment: String, threads: Int?) -> [String] {
        var arguments = [binary, "run", experiment, "--out", directory, "--seed", String(seed)]
        for override in overrides { arguments += ["--set", override] }
        if let threads { arguments += ["--threads", String(threads)] }
        return arguments
    }
}

/// What the run directory of an entry holds.
public enum SweepStatus: String, Sendable, Encodable {
    /// A completed run with this entry's configuration and seed.
    case completed
    /// A completed run of another configuration (the sweep or its base file changed).
    case outdated
    case failed
    case interrupted
    /// A manifest saying "running": a run going on, or one killed.
    case running
    /// No run was started.
    case missing
}

/// A sweep ready to run: its file read, every point validated, the entries
/// and the configuration digest each one's run will have.
public struct Sweep: Sendable {
    public let spec: SweepSpec
    /// The sweep directory, as given (`--out`, the file's `out`, or `Results/<file name>`).
    public let out: String
    public let entries: [SweepEntry]
    /// The configuration digest of each entry's run (index by entry).
    let digests: [String]

    /// Reads the sweep file and validates every point like `spinesim check`
    /// (the base file with the point's overrides; its memory estimate on
    /// `threads`), before anything runs.
    public init(path: String, out: String? = nil, threads: Int?, maximumMemoryBytes: Double? = nil) throws {
        let spec = try SweepSpec.load(path: path)
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let out = out ?? spec.out ?? "Results/\(stem)"
        let entries = spec.entries(out: out)
        let fileName = (path as NSString).lastPathComponent
        var digests: [String] = []
        for (point, settings) in spec.points.enumerated() {
            let all = spec.fixed + settings
            var experiment: Experiment
            do {
                experiment = try Experiment.load(path: spec.experimentPath, overrides: all.map(\.argument))
                if let estimate = experiment.body.estimate(threads: threads ?? AvailableCPUs.count) {
                    try ResourceLimits.check(estimate, limit: maximumMemoryBytes)
                }
                if let work = experiment.body.work() { try ResourceLimits.check(work, limit: nil) }
            } catch let error as ConfigError {
                if let setting = all.first(where: { error.location == "--set \($0.argument)" }) {
                    throw ConfigError(location: "\(setting.location) (grid point \(point): --set \(setting.argument))",
                                      keyPath: error.keyPath, message: error.message)
                }
                let described = all.isEmpty ? "no overrides" : all.map { "--set \($0.argument)" }.joined(separator: " ")
                throw ConfigError(location: "\(error.location) (\(fileName), grid point \(point): \(described))",
                                  keyPath: error.keyPath, message: error.message)
            }
            for seed in spec.seeds {
                experiment.seed = seed
                digests.append(try experiment.digest())
            }
        }
        self.spec = spec
        self.out = out
        self.entries = entries
        self.digests = digests
    }

    /// The manifest of an entry's run directory (nil: none or unreadable).
    func manifest(_ entry: SweepEntry) -> [String: Any]? {
        RunDirectory.readManifest(URL(fileURLWithPath: entry.directory, isDirectory: true))
    }

    /// What the entry's run directory holds, from its manifest.
    public func status(_ entry: SweepEntry) -> SweepStatus {
        guard let manifest = manifest(entry), let status = manifest["status"] as? String else { return .missing }
        if status == "completed" {
            return manifest["configuration_digest"] as? String == digests[entry.index] ? .completed : .outdated
        }
        if status.hasPrefix("failed") { return .failed }
        if status.hasPrefix("interrupted") { return .interrupted }
        return .running
    }

    /// Whether running the entry replaces a previous run in its directory
    /// (`--force` on its run): a run of this sweep that did not complete, or
    /// any run when `force` is given.
    func replaces(_ entry: SweepEntry, force: Bool) -> Bool {
        let status = status(entry)
        return status != .missing && (force || status != .outdated)
    }

    /// The entries whose directories hold a completed run of another
    /// configuration: not replaced without `--force`.
    public func outdated(_ selection: [SweepEntry]) -> [SweepEntry] {
        selection.filter { status($0) == .outdated }
    }

    /// `sweep.json`: the index of every entry with its status, written atomically.
    public func writeIndex() throws {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: out, isDirectory: true), withIntermediateDirectories: true)
        let index = SweepIndex(
            spec: spec.path, experiment: spec.experimentPath, description: spec.description,
            set: Dictionary(uniqueKeysWithValues: spec.fixed.map { ($0.key, $0.value) }),
            grid: spec.grid.map { SweepIndex.Axis(key: $0.key, values: $0.values.map(\.value)) },
            seeds: spec.seeds,
            entries: entries.map { entry in
                SweepIndex.Row(index: entry.index, point: entry.point,
                               overrides: Dictionary(uniqueKeysWithValues: entry.grid.map { ($0.key, $0.value) }),
                               seed: entry.seed, directory: entry.directoryName, status: status(entry))
            })
        try AtomicFile.write(try JSONOutput.encode(index, file: "sweep.json"),
                             to: URL(fileURLWithPath: out, isDirectory: true).appendingPathComponent("sweep.json"))
    }

    /// The run of one entry in this process, through the same code as `spinesim run`.
    public func run(_ entry: SweepEntry, binary: String, threads: Int?, force: Bool, quiet: Bool) throws {
        try ExperimentRunner.run(RunOptions(
            experimentPath: spec.experimentPath, outputPath: entry.directory, seed: entry.seed, threads: threads,
            overrides: entry.overrides, force: replaces(entry, force: force), quiet: quiet,
            command: entry.command(binary: binary, experiment: spec.experimentPath, threads: threads)))
    }

    /// The child process arguments of one entry (`-j N`): its run command, quiet, with `--force` when it replaces a run.
    func childArguments(_ entry: SweepEntry, threads: Int, force: Bool) -> [String] {
        var arguments = Array(entry.command(binary: "", experiment: spec.experimentPath, threads: threads).dropFirst())
        arguments.append("--quiet")
        if replaces(entry, force: force) { arguments.append("--force") }
        return arguments
    }

    /// Runs `selection` as child processes of `executable`, at most `jobs`
    /// at a time, each with `threads` threads; `sweep.json` is rewritten
    /// after each finishes and `report` is called (serially) with the entry,
    /// its exit status and wall seconds. SIGINT or SIGTERM stops starting
    /// entries and passes SIGTERM to the running ones (which checkpoint and
    /// stop). Returns each entry's exit status.
    public func runChildren(_ selection: [SweepEntry], executable: URL, jobs: Int, threads: Int, force: Bool,
                            report: @escaping @Sendable (SweepEntry, Int32, Double) -> Void) throws -> [Int: Int32] {
        let state = ChildState(selection)
        Interrupts.install()
        let done = DispatchSemaphore(value: 0)
        let workers = min(jobs, selection.count)
        for _ in 0..<workers {
            let thread = Thread { [self] in
                while !Interrupts.requested, let entry = state.next() {
                    let process = Process()
                    process.executableURL = executable
                    process.arguments = childArguments(entry, threads: threads, force: force)
                    process.standardInput = FileHandle.nullDevice
                    let started = Date()
                    var status: Int32
                    do {
                        try process.run()
                        state.started(process)
                        process.waitUntilExit()
                        state.ended(process)
                        status = process.terminationStatus
                        if process.terminationReason == .uncaughtSignal { status = 128 + status }
                    } catch {
                        FileHandle.standardError.write(Data("error: cannot start \(executable.path): \(error.localizedDescription)\n".utf8))
                        status = 1
                    }
                    state.finish(entry, status: status) {
                        try? writeIndex()
                        report(entry, status, Date().timeIntervalSince(started))
                    }
                }
                done.signal()
            }
            thread.start()
        }
        // Passes a stop request on to the running children once.
        var forwarded = false
        for _ in 0..<workers {
            while done.wait(timeout: .now() + 0.2) == .timedOut {
                if Interrupts.requested && !forwarded {
                    forwarded = true
                    state.signalRunning(SIGTERM)
                }
            }
        }
        try writeIndex()
        return state.statuses
    }
}

/// The shared state of the child-process workers, under a lock.
private final class ChildState: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: ArraySlice<SweepEntry>
    private var running: [Process] = []
    private(set) var statuses: [Int: Int32] = [:]

    init(_ entries: [SweepEntry]) { queue = entries[...] }

    func next() -> SweepEntry? { lock.withLock { queue.popFirst() } }
    func started(_ process: Process) { lock.withLock { running.append(process) } }
    func ended(_ process: Process) { lock.withLock { running.removeAll { $0 === process } } }
    func signalRunning(_ signal: Int32) {
        lock.withLock { for process in running where process.isRunning { kill(process.processIdentifier, signal) } }
    }
    func finish(_ entry: SweepEntry, status: Int32, then body: () -> Void) {
        lock.withLock {
            statuses[entry.index] = status
            body()
        }
    }
}

/// `sweep.json`.
struct SweepIndex: Encodable {
    struct Axis: Encodable {
        let key: String
        let values: [String]
    }

    struct Row: Encodable {
        let index: Int
        let point: Int
        /// The point's grid settings, key → `--set` value text.
        let overrides: [String: String]
        let seed: UInt64
        /// The run directory, relative to the sweep directory.
        let directory: String
        let status: SweepStatus
    }

    /// The sweep file and the base experiment file, as given.
    let spec: String
    let experiment: String
    let description: String?
    /// The settings of every run (`set:`).
    let set: [String: String]
    /// The grid keys in order, with their values.
    let grid: [Axis]
    let seeds: [UInt64]
    let entries: [Row]
}

extension SweepSpec {
    /// The keys of a sweep file (read by `load`).
    enum Keys {
        static let description = SettingDeclaration(key: "description", type: .text, summary: "Free text, copied into the sweep's index")
        static let sweep = "sweep"
        static let experiment = SettingDeclaration(key: "experiment", type: .text, required: true,
                                                   summary: "The base experiment file, relative to this file")
        static let keyPath = ConfigTree.map([("pattern", "^[^. ]+(\\.[^. ]+)*$")])
        static let set = SettingDeclaration(key: "set", type: .custom("mapping of key paths to values", schema: [
            "type": "object", "propertyNames": keyPath, "not": ["required": ["seed"]]]), summary: "Overrides of every run, as `--set key.path=value`")
        static let grid = SettingDeclaration(key: "grid", type: .custom("mapping of key paths to non-empty lists", schema: [
            "type": "object", "propertyNames": keyPath, "not": ["required": ["seed"]], "additionalProperties": ["type": "array", "minItems": 1]]),
                                             summary: "Overrides varied over the grid: every combination of the lists' values")
        static let seeds = SettingDeclaration(key: "seeds", type: .custom("non-empty list of distinct integers ≥ 0", schema: [
            "type": "array", "minItems": 1, "uniqueItems": true, "items": ["type": "integer", "minimum": 0]]),
                                              required: true, summary: "The seeds each grid point runs with")
        static let out = SettingDeclaration(key: "out", type: .text, summary: "Output folder of the runs (default: Results/<file name>)")
        static let threads = SettingDeclaration(key: "threads", type: .integer(1...4096), summary: "Worker threads of each run")
    }

    /// The keys of a sweep file, for the schema and docs/CONFIG.md.
    static var declarations: [SettingDeclaration] {
        [Keys.description,
         SettingDeclaration(key: Keys.sweep, type: .section(name: "sweep", [Keys.experiment, Keys.set, Keys.grid, Keys.seeds, Keys.out, Keys.threads]),
                            required: true, summary: "What to run")]
    }
}
