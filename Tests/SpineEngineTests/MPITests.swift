import Foundation
import Testing

/// The MPI build of spinesim (`make mpi`): $SPINESIM_MPI_BIN, else
/// .build-mpi/release/spinesim of this package; nil when absent.
private let mpiSpinesim: URL? = {
    if let path = ProcessInfo.processInfo.environment["SPINESIM_MPI_BIN"], !path.isEmpty {
        return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
    }
    var folder = spinesimExecutable.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    let binary = folder.appendingPathComponent(".build-mpi/release/spinesim")
    return FileManager.default.isExecutableFile(atPath: binary.path) ? binary : nil
}()

/// `mpirun` on the PATH, nil when absent.
private let mpirun: URL? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    .map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
    .first { FileManager.default.isExecutableFile(atPath: $0.path) }

/// The package's folder (the shipped experiment files).
private let packageFolder: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
        folder = folder.deletingLastPathComponent()
    }
    return folder
}()

/// `mpirun -np ranks` of the MPI build, as root too and with more ranks
/// than cores (Open MPI's flags; the tests start MPI only in subprocesses).
private func mpiArguments(_ ranks: Int, _ arguments: [String]) -> [String] {
    ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), mpiSpinesim!.path] + arguments
}

private func runMPI(_ ranks: Int, _ arguments: [String]) throws -> ProcessResult {
    try runProcess(mpirun!, mpiArguments(ranks, arguments))
}

/// The processes below `pid` (from /proc), children first.
private func descendants(of pid: Int32) -> [Int32] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    let children = names.compactMap(Int32.init).filter { child in
        guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        // Fields after "(name)": state, then the parent's pid.
        return stat[stat.index(after: close)...].split(separator: " ").dropFirst().first.flatMap { Int32($0) } == pid
    }
    return children.flatMap { descendants(of: $0) + [$0] }
}

/// Every experiment kind at a size that runs in seconds: a shipped file and its overrides.
private let reducedExperiments: [(file: String, overrides: [String])] = [
    ("stdp.yaml", ["pairing.delta_t_ms={from: -100, to: 100, step: 40}", "synapses_per_point=100"]),
    ("stdp-frequency.yaml", ["pairing.frequency_hz=[1, 20, 50]", "synapses_per_point=100"]),
    ("stdp-chindemi.yaml", ["pairing.frequency_hz=[5, 20]", "pairing.delta_t_ms=[-10, 10]", "pairing.bursts=2", "synapses_per_point=20"]),
    ("turnover.yaml", ["dendrites.count=5", "duration_days=20", "recording.size_distribution_days=[0, 20]"]),
    ("heterosynaptic.yaml", ["cluster.sizes=[1, 3]", "neighbours.distances_um=[1, 5]", "repetitions=4", "pairing.pairs=5",
                             "timing.delays_ms={from: -20, to: 20, step: 20}", "timing.distances_um=[1]",
                             "diffusion_sweep.diffusion_um2_per_ms=[0.22, 1]", "diffusion_sweep.distances_um=[1]",
                             "diffusion.grid_spacing_um=1", "diffusion.time_step_ms=2", "dendrite.length_um=20"]),
    ("heterosynaptic-oh2015.yaml", ["repetitions=2", "correlation_repetitions=3", "stimulated_counts=[1, 7]",
                                    "neighbours.distances_um=[1, 2.5, 3.7, 5]", "stimulation.pulses=20",
                                    "diffusion.grid_spacing_um=0.5", "diffusion.time_step_ms=2"]),
    ("cooperativity.yaml", ["trials=4", "distances_um=[3, 15]", "delays_min=[0.5, 10]"]),
    ("learning-vs-notask.yaml", ["dendrites.count=4", "dendrites.length_um=30", "days=3", "session.trials=5",
                                 "imaging={first_days: [1], interval_days: 1}", "analysis.movement_shuffles=100"]),
    ("memory-stability.yaml", ["dendrites.count=4", "dendrites.length_um=30", "session.trials=5", "recording.raster_dendrites=2",
                               "schedule.0.fork.learning.0.session.days=2", "schedule.0.fork.notask.0.session.days=2",
                               "schedule.0.fork.learning.1.fork.noise_on.0.home_cage.days=6",
                               "schedule.0.fork.learning.1.fork.noise_off.0.home_cage.days=6",
                               "schedule.0.fork.notask.1.fork.noise_on.0.home_cage.days=6",
                               "schedule.0.fork.notask.1.fork.noise_off.0.home_cage.days=6",
                               "recording.histogram_days=[0, 2, 8]"]),
]

@Suite("MPI: the same bytes for any rank count", .serialized,
       .enabled(if: mpiSpinesim != nil && mpirun != nil,
                "skipped: no MPI build (make mpi, or SPINESIM_MPI_BIN) or no mpirun on the PATH"))
struct MPITests {
    @Test("mpirun -np 1, 2 and 3 write the CSV and JSON results of the default build, for every experiment kind",
          arguments: reducedExperiments.map(\.file))
    func rankCountIdentity(file: String) throws {
        let overrides = reducedExperiments.first { $0.file == file }!.overrides.flatMap { ["--set", $0] }
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiment = packageFolder.appendingPathComponent("Experiments/\(file)").path
        let reference = folder.appendingPathComponent("one-process")
        let alone = try spinesim(["run", experiment, "--out", reference.path, "--threads", "2", "--quiet"] + overrides)
        try #require(alone.status == 0, "\(alone.standardError)")
        let expected = try resultFiles(reference)
        #expect(!expected.isEmpty)
        for ranks in 1...3 {
            let out = folder.appendingPathComponent("np\(ranks)")
            let run = try runMPI(ranks, ["run", experiment, "--out", out.path, "--threads", "1", "--quiet"] + overrides)
            try #require(run.status == 0, "mpirun -np \(ranks): \(run.standardError)")
            let got = try resultFiles(out)
            #expect(got.keys.sorted() == expected.keys.sorted(), "mpirun -np \(ranks)")
            for (name, data) in expected { #expect(got[name] == data, "\(name) differs under mpirun -np \(ranks)") }
            let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
            #expect(manifest["ranks"] as? Int == ranks && manifest["threads"] as? Int == 1)
            #expect((manifest["bytes_gathered_per_rank"] as? [Int])?.count == ranks)
        }
    }

    @Test("a run killed under mpirun -np 2 resumes under -np 3, or in one process, with the bytes of an uninterrupted run")
    func killUnderTwoResumeUnderThree() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("long.yaml")
        try """
            experiment: population
            seed: 11
            dendrites: {count: 200, length_um: 100}
            duration_days: 300
            step_days: 0.5
            initial_population: {density_per_um: 1.5, sizes: stationary}
            turnover: {spinogenesis: {rate_per_um_per_day: 0.12}}
            recording:
              size_distribution_days: {from: 0, to: 300, step: 50}
              survival_cohort_days: [0, 100]
              turnover_events: csv
            """.write(to: file, atomically: true, encoding: .utf8)
        let reference = folder.appendingPathComponent("reference")
        try #require(try runMPI(1, ["run", file.path, "--out", reference.path, "--quiet"]).status == 0)
        let expected = try resultFiles(reference)

        for resumeRanks in [3, 0] {
            let killed = folder.appendingPathComponent("killed-then-\(resumeRanks)")
            let process = Process()
            process.executableURL = mpirun
            process.arguments = mpiArguments(2, ["run", file.path, "--out", killed.path, "--threads", "1",
                                                 "--checkpoint-every", "20", "--quiet"])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            waitForCheckpoint(in: killed, of: process)
            #expect(process.isRunning, "the run ended before it could be killed; make it longer")
            // As if the nodes failed: every rank (Open MPI gives each its own
            // process group) and mpirun get SIGKILL.
            for pid in descendants(of: process.processIdentifier) + [process.processIdentifier] { kill(pid, SIGKILL) }
            process.waitUntilExit()

            let resumed = resumeRanks == 0 ? try spinesim(["resume", killed.path, "--quiet"])
                                           : try runMPI(resumeRanks, ["resume", killed.path, "--threads", "1", "--quiet"])
            try #require(resumed.status == 0, "\(resumed.standardError)")
            let got = try resultFiles(killed)
            #expect(got.keys.sorted() == expected.keys.sorted())
            for (name, data) in expected {
                #expect(got[name] == data, "\(name) differs after a kill under -np 2 and a resume \(resumeRanks == 0 ? "in one process" : "under -np \(resumeRanks)")")
            }
        }
    }
}
