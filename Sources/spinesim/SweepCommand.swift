import ArgumentParser
import Foundation
import SpineEngine

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a sweep: a base experiment file over a grid of --set overrides and a list of seeds.",
        discussion: """
            Every entry (grid point × seed) is exactly `spinesim run BASE --out OUT/point-NNNN-seed-S \
            --seed S --set k=v …`, with the same results as that run alone. Every point is validated \
            before anything runs. OUT/sweep.json indexes the entries (point, overrides, seed, directory, \
            status read from each run's manifest). Entries whose directory holds a completed run of the \
            same configuration are skipped; --force reruns them. Choose what to do: --list (one shell \
            command per entry), --index I (one entry; default $SLURM_ARRAY_TASK_ID), -j N (all, on N \
            processes) or --status. Exit status: 0 when every requested entry completed, 1 when one \
            failed, 2 for bad input.
            """
    )

    @Argument(help: "The sweep file (YAML), e.g. Experiments/sweep-noise.yaml.")
    var spec: String

    @Option(help: "The sweep directory (default: the file's 'out', else Results/<file name>).")
    var out: String?

    @Flag(help: "Print one shell command per entry (its `spinesim run`), for GNU parallel or a job array.")
    var list = false

    @Flag(help: "Print each entry's status and rewrite OUT/sweep.json; exit 1 unless all completed.")
    var status = false

    @Option(help: "Run entry I only (from 0; default: $SLURM_ARRAY_TASK_ID when set).")
    var index: Int?

    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Run every entry, N at a time (N > 1: as child processes).")
    var jobs: Int?

    @Option(help: "Worker threads of each run (default: the file's 'threads', else the CPUs this process may use, or those / N with -j N).")
    var threads: Int?

    @Flag(help: "Rerun entries that already completed, and replace runs of another configuration.")
    var force = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let jobs, jobs < 1 { throw ValidationError("-j must be at least 1, got \(jobs)") }
        if let index, index < 0 { throw ValidationError("--index must be at least 0, got \(index)") }
        let modes = [list, status, index != nil, jobs != nil].filter { $0 }.count
        if modes > 1 { throw ValidationError("--list, --status, --index and -j exclude each other; give one") }
    }

    func run() throws {
        try reportingErrors {
            let perRun = threads
            let sweep = try Sweep(path: spec, out: out, threads: perRun)
            let binary = CommandLine.arguments[0]
            let threads = perRun ?? sweep.spec.threads
            if list {
                for entry in sweep.entries {
                    let command = entry.command(binary: binary, experiment: sweep.spec.experimentPath, threads: threads)
                    print(command.map(shellQuoted).joined(separator: " "))
                }
                try sweep.writeIndex()
                return
            }
            if status {
                try sweep.writeIndex()
                var incomplete = 0
                for entry in sweep.entries {
                    let state = sweep.status(entry)
                    if state != .completed { incomplete += 1 }
                    print("\(entry.index)\t\(entry.directory)\t\(state.rawValue)")
                }
                if incomplete > 0 {
                    FileHandle.standardError.write(Data("\(incomplete) of \(sweep.entries.count) entries not completed\n".utf8))
                    throw ExitCode(1)
                }
                return
            }
            var selection = sweep.entries
            let jobs: Int
            if let requested = self.jobs {
                jobs = requested
            } else {
                let chosen: Int
                if let index {
                    chosen = index
                } else if let text = ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"] {
                    guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                        throw ConfigError(location: "SLURM_ARRAY_TASK_ID=\(text)", keyPath: "",
                                          message: "not an entry index; allowed: an integer from 0 to \(sweep.entries.count - 1)")
                    }
                    chosen = value
                } else {
                    throw ConfigError(location: "spinesim sweep \(spec)", keyPath: "",
                                      message: "say which entries to run; allowed: -j N (every entry, N at a time), --index I (entry I; default $SLURM_ARRAY_TASK_ID), --list or --status")
                }
                guard sweep.entries.indices.contains(chosen) else {
                    throw ConfigError(location: index != nil ? "--index \(chosen)" : "SLURM_ARRAY_TASK_ID=\(chosen)", keyPath: "",
                                      message: "the sweep has \(sweep.entries.count) entries; allowed: an index from 0 to \(sweep.entries.count - 1)")
                }
                selection = [sweep.entries[chosen]]
                jobs = 1
            }
            let outdated = sweep.outdated(selection)
            if !outdated.isEmpty && !force {
                throw RunError("\(outdated.map(\.directory).joined(separator: ", ")) hold\(outdated.count == 1 ? "s" : "") a completed run of another configuration (the sweep file or its base file changed); pass --force to replace \(outdated.count == 1 ? "it" : "them")")
            }
            let skipped = force ? [] : selection.filter { sweep.status($0) == .completed }
            selection.removeAll { entry in skipped.contains { $0.index == entry.index } }
            let note = { (text: String) in if !quiet { FileHandle.standardError.write(Data("sweep: \(text)\n".utf8)) } }
            if !skipped.isEmpty {
                note("\(skipped.count) entr\(skipped.count == 1 ? "y" : "ies") already completed, skipped (--force reruns): \(skipped.map { String($0.index) }.joined(separator: ", "))")
            }
            let writesIndex = self.jobs != nil
            var failed: [SweepEntry] = []
            if jobs == 1 || selection.count <= 1 {
                for (position, entry) in selection.enumerated() {
                    note("entry \(entry.index) (point \(entry.point), seed \(entry.seed)) → \(entry.directory) [\(position + 1)/\(selection.count)]")
                    let started = Date()
                    do {
                        try sweep.run(entry, binary: binary, threads: threads, force: force, quiet: quiet)
                        note(String(format: "entry %d completed in %.1f s", entry.index, Date().timeIntervalSince(started)))
                    } catch let interrupted as RunInterrupted {
                        if writesIndex { try? sweep.writeIndex() }
                        throw interrupted
                    } catch {
                        FileHandle.standardError.write(Data("error: entry \(entry.index) (\(entry.directory)): \(error)\n".utf8))
                        failed.append(entry)
                    }
                    if writesIndex { try sweep.writeIndex() }
                }
                if writesIndex { try sweep.writeIndex() }
            } else {
                let perRun = threads ?? max(1, AvailableCPUs.count / jobs)
                let executable = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/proc/self/exe")
                    ? (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? binary : binary)
                note("\(selection.count) entries, \(jobs) at a time, \(perRun) thread\(perRun == 1 ? "" : "s") each")
                let total = selection.count
                let counter = Counter()
                let statuses = try sweep.runChildren(selection, executable: executable, jobs: jobs, threads: perRun, force: force) { entry, status, seconds in
                    let finished = counter.increment()
                    let outcome = status == 0 ? "completed" : "failed (exit status \(status))"
                    if !quiet || status != 0 {
                        FileHandle.standardError.write(Data(String(format: "sweep: entry %d (%@) %@ in %.1f s [%d/%d]\n",
                                                                   entry.index, entry.directory, outcome, seconds, finished, total).utf8))
                    }
                }
                if statuses.values.contains(130) || statuses.count < selection.count {
                    FileHandle.standardError.write(Data("\nsweep stopped by a signal; run the same command again to continue (completed entries are skipped)\n".utf8))
                    throw ExitCode(130)
                }
                failed = selection.filter { statuses[$0.index] != 0 }
            }
            if !failed.isEmpty {
                throw RunError("\(failed.count) of \(selection.count) entr\(selection.count == 1 ? "y" : "ies") failed: \(failed.map { "\($0.index) (\($0.directory))" }.joined(separator: ", ")); see their manifest.json")
            }
        }
    }
}

/// A count shared by the workers' reports.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}

/// A word as the shell reads it back: unquoted when it is safe, else in single quotes.
func shellQuoted(_ word: String) -> String {
    if !word.isEmpty, word.range(of: #"^[A-Za-z0-9_./=:,+@%-]+$"#, options: .regularExpression) != nil { return word }
    return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
