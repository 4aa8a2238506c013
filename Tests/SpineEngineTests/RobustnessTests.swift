import Foundation
import SpineEngine
import Testing
import Yams

private func manifest(_ directory: URL) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("manifest.json"))) as? [String: Any])
}

/// Stops a run with SIGTERM once it has written `checkpoints` checkpoints.
private func interrupted(_ file: URL, into out: URL, checkpoints: Int, arguments: [String] = []) throws {
    let process = try startSpinesim(["run", file.path, "--out", out.path, "--checkpoint-every", "2", "--quiet", "--threads", "1"] + arguments)
    waitForCheckpoint(in: out, of: process, count: checkpoints)
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
}

@Suite("Run directories, checkpoints and hostile input", .serialized)
struct RobustnessTests {
    @Test("resume refuses a checkpoint of another run, naming both runs")
    func foreignCheckpointRefused() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation, named: "long.yaml", in: folder)
        let other = folder.appendingPathComponent("other"), mine = folder.appendingPathComponent("mine")
        try interrupted(file, into: other, checkpoints: 2)
        #expect(try spinesim(["run", file.path, "--out", mine.path, "--seed", "12", "--quiet", "--threads", "1"]).status == 0)
        // An interrupted run with another run's checkpoints is refused.
        try interrupted(file, into: mine, checkpoints: 1, arguments: ["--force"])
        try FileManager.default.removeItem(at: mine.appendingPathComponent("checkpoints"))
        try FileManager.default.copyItem(at: other.appendingPathComponent("checkpoints"), to: mine.appendingPathComponent("checkpoints"))
        let result = try spinesim(["resume", mine.path, "--quiet"])
        let otherID = try manifest(other)["run_id"] as! String, mineID = try manifest(mine)["run_id"] as! String
        #expect(result.status == 1)
        #expect(result.standardError.contains("belongs to run \(otherID)") && result.standardError.contains("not to the run in \(mine.path) (run \(mineID)"),
                "\(result.standardError)")
    }

    /// The probe's case: `run --force` into a directory holding an earlier
    /// run's checkpoints, killed before its own first checkpoint, then
    /// resumed: the earlier checkpoints went with --force, so the resume starts
    /// the new run again and writes its own results.
    @Test("--force removes an earlier run's checkpoints, so a resume never splices two runs")
    func forceThenResume() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation, named: "long.yaml", in: folder)
        let out = folder.appendingPathComponent("out"), reference = folder.appendingPathComponent("reference")
        try interrupted(file, into: out, checkpoints: 2)
        let process = try startSpinesim(["run", file.path, "--out", out.path, "--force", "--seed", "12", "--quiet"])
        while process.isRunning && !(((try? manifest(out))?["seed"] as? Int) == 12) { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoints").path))
        #expect(try spinesim(["resume", out.path, "--quiet"]).status == 0)
        #expect(try spinesim(["run", file.path, "--out", reference.path, "--seed", "12", "--quiet"]).status == 0)
        let expected = try resultFiles(reference), got = try resultFiles(out)
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, bytes) in expected { #expect(got[name] == bytes, "\(name) is not the new run's") }
    }

    @Test("a second process on a run directory is refused while the first holds it")
    func lockedDirectory() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation, named: "long.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        let first = try startSpinesim(["run", file.path, "--out", out.path, "--quiet", "--threads", "1"])
        while first.isRunning && !FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path) { usleep(5_000) }
        let second = try spinesim(["run", file.path, "--out", out.path, "--force", "--quiet"])
        let resume = try spinesim(["resume", out.path, "--quiet"])
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        for result in [second, resume] {
            #expect(result.status == 1 && result.standardError.contains("is in use by another spinesim process (pid \(first.processIdentifier)"),
                    "\(result.standardError)")
        }
        #expect(try manifest(out)["status"] as? String == "completed")
        #expect(directoryEntries(out).allSatisfy { (!$0.hasPrefix(".") || $0 == ".spinesim.lock") && $0 != "checkpoints" })
    }

    @Test("--force moves the previous run (its files, checkpoints, unfinished results, other files) aside")
    func forceReplacesPreviousRun() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stdp = try SmallExperiments.write(SmallExperiments.stdp, named: "stdp.yaml", in: folder)
        let population = try SmallExperiments.write(SmallExperiments.longPopulation.replacingOccurrences(of: "duration_days: 150", with: "duration_days: 4"), named: "p.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        #expect(try spinesim(["run", stdp.path, "--out", out.path, "--quiet"]).status == 0)
        try "my notes".write(to: out.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: out.appendingPathComponent(".partial"), withIntermediateDirectories: true)
        try "stale".write(to: out.appendingPathComponent(".partial/turnover.csv.stream"), atomically: true, encoding: .utf8)
        let refused = try spinesim(["run", population.path, "--out", out.path, "--quiet"])
        #expect(refused.status == 1 && refused.standardError.contains("is not empty"))
        let replaced = try spinesim(["run", population.path, "--out", out.path, "--force"])
        #expect(replaced.status == 0 && replaced.standardError.contains("replacing the previous run"))
        let entries = directoryEntries(out)
        #expect(!entries.contains("stdp.csv") && !entries.contains("README.md") && entries.contains("density.csv"))
        #expect(try manifest(out)["experiment"] as? String == "population")
        #expect(!entries.contains(".partial") && !entries.contains("checkpoints"))
        let aside = try #require(entries.first { $0.hasPrefix(".previous-") })
        let moved = directoryEntries(out.appendingPathComponent(aside))
        #expect(moved.contains("README.md") && moved.contains("stdp.csv") && moved.contains(".partial") && moved.contains("manifest.json"), "\(moved)")
    }

    @Test("a directory holding only a failed run's manifest is reused without --force")
    func failedRunDirectoryReused() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try #"{"status": "failed: no space left on device", "outputs": []}"#.write(to: out.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        let file = try SmallExperiments.write(SmallExperiments.stdp, named: "stdp.yaml", in: folder)
        #expect(try spinesim(["run", file.path, "--out", out.path, "--quiet"]).status == 0)
        #expect(try manifest(out)["status"] as? String == "completed")
    }

    /// The newest checkpoint damaged (a flipped byte, then cut short): the
    /// resume says so, uses the previous one and still writes the bytes of an
    /// uninterrupted run; with every checkpoint damaged it stops with a message.
    @Test("a damaged newest checkpoint is reported and the previous one used")
    func damagedCheckpoint() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation, named: "long.yaml", in: folder)
        let reference = folder.appendingPathComponent("reference")
        #expect(try spinesim(["run", file.path, "--out", reference.path, "--quiet"]).status == 0)
        for damage in ["flip", "truncate"] {
            let out = folder.appendingPathComponent(damage)
            try interrupted(file, into: out, checkpoints: 2)
            let checkpoints = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("checkpoints").path)
                .filter { $0.hasSuffix(".ckpt") }.sorted()
            let newest = out.appendingPathComponent("checkpoints/\(checkpoints.last!)")
            var data = try Data(contentsOf: newest)
            if damage == "flip" { data[data.count / 2] ^= 0x40 } else { data = data.prefix(data.count / 3) }
            try data.write(to: newest)
            let resumed = try spinesim(["resume", out.path, "--quiet"])
            #expect(resumed.status == 0 && resumed.standardError.contains("warning:") && resumed.standardError.contains(checkpoints.last!),
                    "\(resumed.standardError)")
            let expected = try resultFiles(reference), got = try resultFiles(out)
            #expect(got.keys.sorted() == expected.keys.sorted())
            for (name, bytes) in expected { #expect(got[name] == bytes, "\(name) differs after resuming past a \(damage)ped checkpoint") }
        }
        let broken = folder.appendingPathComponent("broken")
        try interrupted(file, into: broken, checkpoints: 1)
        for name in try FileManager.default.contentsOfDirectory(atPath: broken.appendingPathComponent("checkpoints").path) {
            try Data("SPINESIM CHECKPOINT 3\ngarbage".utf8).write(to: broken.appendingPathComponent("checkpoints/\(name)"))
        }
        let failed = try spinesim(["resume", broken.path, "--quiet"])
        #expect(failed.status == 1 && failed.standardError.contains("every checkpoint in"), "\(failed.standardError)")
    }

    @Test("checkpoints are deleted when a run completes, unless --keep-checkpoints")
    func checkpointsDeleted() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation.replacingOccurrences(of: "duration_days: 150", with: "duration_days: 6"), named: "p.yaml", in: folder)
        let plain = folder.appendingPathComponent("plain"), kept = folder.appendingPathComponent("kept")
        #expect(try spinesim(["run", file.path, "--out", plain.path, "--checkpoint-every", "2", "--quiet"]).status == 0)
        #expect(try spinesim(["run", file.path, "--out", kept.path, "--checkpoint-every", "2", "--keep-checkpoints", "--quiet"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: plain.appendingPathComponent("checkpoints").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: kept.appendingPathComponent("checkpoints").path).count == 2)
    }

    /// A resumed run keeps the command that started it and appends the resume.
    @Test("the manifest keeps the original command and lists every resume")
    func manifestHistory() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation, named: "long.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        try interrupted(file, into: out, checkpoints: 1)
        #expect(try spinesim(["resume", out.path, "--threads", "2", "--quiet"]).status == 0)
        let record = try manifest(out)
        #expect((record["command"] as? [String])?.contains("--checkpoint-every") == true)
        #expect(record["threads"] as? Int == 1)
        let resumes = try #require(record["resumes"] as? [[String: Any]])
        #expect(resumes.count == 1 && resumes[0]["threads"] as? Int == 2 && (resumes[0]["command"] as? [String])?.contains("resume") == true)
        #expect((resumes[0]["wall_seconds"] as? Double ?? -1) >= 0 && (record["wall_seconds"] as? Double ?? -1) >= resumes[0]["wall_seconds"] as! Double)
    }

    /// Every spine shrinks below v_min within days: the run completes, says so
    /// on stderr, and writes empty cells and nulls with reasons — never "nan".
    @Test("a population that empties is reported, and no file carries NaN")
    func emptiedPopulation() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write("""
            experiment: population
            dendrites: {count: 2, length_um: 20}
            duration_days: 30
            initial_population: {density_per_um: 1, sizes: {fixed_um3: 0.021}}
            size_dynamics: {preset: none, relaxation_days: 1, baseline_log_volume: -6}
            """, named: "empty.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["run", file.path, "--out", out.path, "--quiet"])
        #expect(result.status == 0 && result.standardError.contains("warning: no spine is left on day"), "\(result.standardError)")
        for (name, data) in try resultFiles(out) where !name.hasSuffix(".state") {
            let text = String(decoding: data, as: UTF8.self).lowercased()
            #expect(!text.contains("nan") && !text.contains("inf"), "\(name) carries a non-number")
        }
        let summary = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        let last = try #require(summary["size_fit_last"] as? [String: Any])
        #expect(last["lognormal_mu"] is NSNull && (last["lognormal_mu_reason"] as? String)?.contains("fewer than two spines") == true)
    }

    /// Where the machine lets the test mount a tiny tmpfs: a run that fills
    /// it fails with one line naming the file and "no space left on device",
    /// and the manifest records the failure.
    @Test("a full disk fails with one line naming the file")
    func fullDisk() throws {
        let folder = try temporaryDirectory()
        defer {
            _ = try? spinesimShell("umount \(folder.path)/disk")
            try? FileManager.default.removeItem(at: folder)
        }
        let disk = folder.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        guard (try? spinesimShell("mount -t tmpfs -o size=96k tmpfs \(disk.path)")) == 0 else {
            print("skipped: cannot mount a tmpfs here (needs root and mount permission)")
            return
        }
        let file = try SmallExperiments.write(SmallExperiments.longPopulation.replacingOccurrences(of: "duration_days: 150", with: "duration_days: 20"), named: "p.yaml", in: folder)
        let result = try spinesim(["run", file.path, "--out", disk.appendingPathComponent("out").path, "--quiet"])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: cannot write") && lines[0].contains("no space left on device"),
                "\(result.standardError)")
        #expect((try manifest(disk.appendingPathComponent("out"))["status"] as? String)?.hasPrefix("failed: cannot write") == true)
    }

    @Test("command-line errors exit 2 with one error line and a hint")
    func commandLineErrors() throws {
        for arguments in [["run"], ["run", "x.yaml", "--threads", "zero"], ["frobnicate"], ["run", "x.yaml", "--max-memory", "lots"],
                          ["bench", "session", "--activity-scale", "0"]] {
            let result = try spinesim(arguments)
            let lines = result.standardError.split(separator: "\n")
            #expect(result.status == 2 && lines.count == 2 && lines[0].hasPrefix("error: ") && lines[1].hasPrefix("hint: "),
                    "\(arguments): \(result.standardError)")
        }
    }

    @Test("files that are not experiment files are refused with a precise message",
          arguments: [("tag", Data("experiment: stdp\nseed: !!python/object:os.system 1\n".utf8), "the tag tag:yaml.org,2002:python/object:os.system is not allowed"),
                      ("latin1", Data([0x65, 0x78, 0x3a, 0x20, 0xe9, 0xff, 0x0a]), "is not UTF-8 text"),
                      ("huge", Data(repeating: 0x20, count: (4 << 20) + 1), "allowed: an experiment file of at most 4194304 bytes")])
    func notExperimentFiles(name: String, contents: Data, message: String) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("\(name).yaml")
        try contents.write(to: file)
        let result = try spinesim(["run", file.path, "--out", folder.appendingPathComponent("out").path])
        #expect(result.status == 2 && result.standardError.contains(message), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
        let directory = try spinesim(["check", folder.path])
        #expect(directory.status == 2 && directory.standardError.contains("is a directory"))
    }
}

/// Runs a shell command; returns its exit status.
func spinesimShell(_ command: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
