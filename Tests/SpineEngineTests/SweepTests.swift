import Foundation
import SpineEngine
import Testing

/// A small STDP experiment as the base of the sweeps below (a run takes a fraction of a second).
private let base = """
    experiment: stdp
    seed: 5
    pairing: {pairs: 10, frequency_hz: 1, delta_t_ms: [-20, 20]}
    synapses_per_point: 100
    """

/// A sweep of `base` (in the folder above the sweep file's): 2 × 3 points, 2 seeds.
private let spec = """
    description: tiny
    sweep:
      experiment: ../base.yaml
      set: {synapses_per_point: 60}
      grid:
        pairing.pairs: [5, 8]
        plasticity.theta_p: [1.3, 1.4, 1.5]
      seeds: [1, 2]
      threads: 1
    """

/// A folder with base.yaml and specs/sweep.yaml (`text`); returns the folder and the sweep file.
private func sweepFolder(_ text: String = spec) throws -> (folder: URL, file: URL) {
    let folder = try temporaryDirectory()
    try base.write(to: folder.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
    let specs = folder.appendingPathComponent("specs")
    try FileManager.default.createDirectory(at: specs, withIntermediateDirectories: true)
    let file = specs.appendingPathComponent("sweep.yaml")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return (folder, file)
}

private func runID(_ directory: URL) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("manifest.json"))) as? [String: Any]
    return try #require(object?["run_id"] as? String)
}

private func sweepIndex(_ out: URL) throws -> [[String: Any]] {
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("sweep.json"))) as? [String: Any]
    return try #require(object?["entries"] as? [[String: Any]])
}


@Suite("Sweeps", .serialized)
struct SweepTests {
    @Test("the grid expands to the Cartesian product in key order, point-major, with indices and directory names")
    func gridExpansion() throws {
        let (folder, file) = try sweepFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sweep = try Sweep(path: file.path, out: "OUT", threads: 1)
        #expect(sweep.spec.experimentPath == folder.appendingPathComponent("base.yaml").path)
        #expect(sweep.entries.count == 12)
        #expect(sweep.entries.map(\.index) == Array(0..<12))
        let expected: [(String, String)] = [("5", "1.3"), ("5", "1.4"), ("5", "1.5"), ("8", "1.3"), ("8", "1.4"), ("8", "1.5")]
        for entry in sweep.entries {
            #expect(entry.point == entry.index / 2)
            #expect(entry.seed == [1, 2][entry.index % 2])
            let (pairs, theta) = expected[entry.point]
            #expect(entry.overrides == ["synapses_per_point=60", "pairing.pairs=\(pairs)", "plasticity.theta_p=\(theta)"])
            #expect(entry.directoryName == String(format: "point-%04d-seed-%d", entry.point, entry.seed))
            #expect(entry.directory == "OUT/\(entry.directoryName)")
            #expect(sweep.status(entry) == .missing)
        }
        // No grid: one point, every seed.
        let (other, seedsOnly) = try sweepFolder("sweep: {experiment: ../base.yaml, seeds: [7, 3, 9]}\n")
        defer { try? FileManager.default.removeItem(at: other) }
        let seeds = try Sweep(path: seedsOnly.path, out: "o", threads: 1)
        #expect(seeds.entries.map(\.directoryName) == ["point-0000-seed-7", "point-0000-seed-3", "point-0000-seed-9"])
        #expect(seeds.entries.allSatisfy { $0.overrides.isEmpty })
    }

    @Test("every shipped sweep file is valid at every point", arguments: ((try? FileManager.default.contentsOfDirectory(
        atPath: packageRoot.appendingPathComponent("Experiments").path)) ?? []).filter { $0.hasPrefix("sweep-") && $0.hasSuffix(".yaml") }.sorted())
    func shippedSweeps(name: String) throws {
        let sweep = try Sweep(path: packageRoot.appendingPathComponent("Experiments/\(name)").path, threads: 1)
        #expect(sweep.entries.count == sweep.spec.points.count * sweep.spec.seeds.count && !sweep.entries.isEmpty)
    }

    @Test("--list prints one shell command per entry: its spinesim run")
    func listPrintsCommands() throws {
        let (folder, file) = try sweepFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out dir")   // a space: the commands quote it
        let result = try spinesim(["sweep", file.path, "--out", out.path, "--list"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 12)
        let experiment = folder.appendingPathComponent("base.yaml").path
        #expect(lines[0] == "\(spinesimExecutable.path) run \(experiment) --out '\(out.path)/point-0000-seed-1' --seed 1 "
            + "--set synapses_per_point=60 --set pairing.pairs=5 --set plasticity.theta_p=1.3 --threads 1")
        #expect(lines[11] == "\(spinesimExecutable.path) run \(experiment) --out '\(out.path)/point-0005-seed-2' --seed 2 "
            + "--set synapses_per_point=60 --set pairing.pairs=8 --set plasticity.theta_p=1.5 --threads 1")
        // The listed command runs as is, and the sweep then counts that entry as completed.
        #expect(try spinesimShell(lines[4]) == 0)
        let index = try sweepIndex(out)   // written by --list, before the run
        #expect(index.count == 12 && index.allSatisfy { $0["status"] as? String == "missing" })
        let status = try spinesim(["sweep", file.path, "--out", out.path, "--status"])
        #expect(status.status == 1)
        #expect(status.standardOutput.contains("4\t\(out.path)/point-0002-seed-1\tcompleted"))
        #expect(try sweepIndex(out).filter { $0["status"] as? String == "completed" }.map { $0["index"] as? Int } == [4])
    }

    @Test("--index (or SLURM_ARRAY_TASK_ID) runs only that entry, byte-identical to a plain spinesim run")
    func indexRunsOneEntry() throws {
        let (folder, file) = try sweepFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["sweep", file.path, "--out", out.path, "--index", "7", "--quiet"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["point-0003-seed-2"])
        let alone = folder.appendingPathComponent("alone")
        let plain = try spinesim(["run", folder.appendingPathComponent("base.yaml").path, "--out", alone.path, "--seed", "2", "--quiet",
                                  "--set", "synapses_per_point=60", "--set", "pairing.pairs=8", "--set", "plasticity.theta_p=1.3"])
        #expect(plain.status == 0)
        let expected = try resultFiles(alone), got = try resultFiles(out.appendingPathComponent("point-0003-seed-2"))
        #expect(expected.keys.sorted() == ["stdp.csv", "summary.json"])
        #expect(got == expected)
        // The manifest records the entry's equivalent run command.
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("point-0003-seed-2/manifest.json"))) as? [String: Any])
        #expect((manifest["command"] as? [String])?.dropFirst().first == "run")
        // The job-array variable chooses the entry when --index is absent.
        let slurm = try spinesim(["sweep", file.path, "--out", out.path, "--quiet"], environment: ["SLURM_ARRAY_TASK_ID": "0"])
        #expect(slurm.status == 0, "\(slurm.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["point-0000-seed-1", "point-0003-seed-2"])
        let outOfRange = try spinesim(["sweep", file.path, "--out", out.path, "--index", "12"])
        #expect(outOfRange.status == 2 && outOfRange.standardError.contains("allowed: an index from 0 to 11"), "\(outOfRange.standardError)")
        let nothing = try spinesim(["sweep", file.path, "--out", out.path], environment: ["SLURM_ARRAY_TASK_ID": ""])
        #expect(nothing.status == 2)
    }

    @Test("re-running skips completed entries; --force reruns them; a changed configuration is not replaced without --force")
    func rerunSkipsCompleted() throws {
        let (folder, file) = try sweepFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        #expect(try spinesim(["sweep", file.path, "--out", out.path, "--index", "2", "--quiet"]).status == 0)
        let entry2 = out.appendingPathComponent("point-0001-seed-1")
        let first = try runID(entry2)
        let all = try spinesim(["sweep", file.path, "--out", out.path, "-j", "1", "--quiet"])
        #expect(all.status == 0, "\(all.standardError)")
        #expect(try runID(entry2) == first)   // skipped
        #expect(try sweepIndex(out).allSatisfy { $0["status"] as? String == "completed" })
        let ids = try (0..<6).map { try runID(out.appendingPathComponent("point-000\($0)-seed-2")) }
        let again = try spinesim(["sweep", file.path, "--out", out.path, "-j", "1"])
        #expect(again.status == 0 && again.standardError.contains("12 entries already completed, skipped"), "\(again.standardError)")
        #expect(try (0..<6).map { try runID(out.appendingPathComponent("point-000\($0)-seed-2")) } == ids)
        let forced = try spinesim(["sweep", file.path, "--out", out.path, "--index", "2", "--force", "--quiet"])
        #expect(forced.status == 0)
        #expect(try runID(entry2) != first)
        // The base file changed: its completed runs are of another configuration.
        try base.replacingOccurrences(of: "frequency_hz: 1", with: "frequency_hz: 2")
            .write(to: folder.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
        let changed = try spinesim(["sweep", file.path, "--out", out.path, "--index", "3", "--quiet"])
        #expect(changed.status == 1 && changed.standardError.contains("another configuration"), "\(changed.standardError)")
        #expect(try spinesim(["sweep", file.path, "--out", out.path, "--index", "3", "--quiet", "--force"]).status == 0)
    }

    @Test("a bad key or value in the grid fails before any run, with exit 2 naming the file, line, key and what is allowed")
    func badGridFailsUpFront() throws {
        let (folder, file) = try sweepFolder(spec.replacingOccurrences(of: "plasticity.theta_p:", with: "plasticity.theta_q:"))
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["sweep", file.path, "--out", out.path, "-j", "2"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("error: sweep.yaml:7:26 (grid point 0: --set plasticity.theta_q=1.3): plasticity.theta_q: unknown key; allowed keys here:"),
                "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // A value out of range at the last point only: still nothing runs.
        try spec.replacingOccurrences(of: "[1.3, 1.4, 1.5]", with: "[1.3, 1.4, -1]").write(to: file, atomically: true, encoding: .utf8)
        let late = try spinesim(["sweep", file.path, "--out", out.path, "-j", "2"])
        #expect(late.status == 2 && late.standardError.contains("grid point 2: --set plasticity.theta_p=-1"), "\(late.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // The sweep file itself is strict.
        try spec.replacingOccurrences(of: "seeds:", with: "seed:").write(to: file, atomically: true, encoding: .utf8)
        let unknown = try spinesim(["sweep", file.path, "--out", out.path, "--list"])
        #expect(unknown.status == 2 && unknown.standardError.contains("sweep.yaml:8:3: sweep.seed: unknown key; allowed keys here: \"experiment\", \"set\", \"grid\", \"seeds\", \"out\", \"threads\""),
                "\(unknown.standardError)")
    }

    @Test("-j 2 runs every entry as child processes, with the results of the in-process runs")
    func parallelRunsAll() throws {
        let (folder, file) = try sweepFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let parallel = folder.appendingPathComponent("parallel"), serial = folder.appendingPathComponent("serial")
        let result = try spinesim(["sweep", file.path, "--out", parallel.path, "-j", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("[12/12]"))
        let index = try sweepIndex(parallel)
        #expect(index.count == 12 && index.allSatisfy { $0["status"] as? String == "completed" })
        #expect(index.map { $0["directory"] as? String } == (0..<12).map { "point-000\($0 / 2)-seed-\($0 % 2 + 1)" })
        #expect(try spinesim(["sweep", file.path, "--out", serial.path, "-j", "1", "--quiet"]).status == 0)
        for entry in index {
            let name = try #require(entry["directory"] as? String)
            let got = try resultFiles(parallel.appendingPathComponent(name))
            let expected = try resultFiles(serial.appendingPathComponent(name))
            #expect(!got.isEmpty && got == expected, "\(name)")
        }
    }
}
