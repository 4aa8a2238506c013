import Foundation
import SpineEngine
import Testing

/// Files of a run directory that must not depend on how the run was
/// executed (thread count, interruptions): everything but the manifest and
/// the checkpoints, with the final states (`final_state/NAME`).
func resultFiles(_ directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
    where name != "manifest.json" && name != "checkpoints" && !name.hasPrefix(".") {
        let url = directory.appendingPathComponent(name)
        if name == "final_state" {
            for state in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                files["\(name)/\(state)"] = try Data(contentsOf: url.appendingPathComponent(state))
            }
        } else {
            files[name] = try Data(contentsOf: url)
        }
    }
    return files
}

func startSpinesim(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = spinesimExecutable
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

/// Waits until `count` checkpoint files exist in `directory` (or the process ended).
func waitForCheckpoint(in directory: URL, of process: Process, count: Int = 1) {
    let folder = directory.appendingPathComponent("checkpoints")
    while process.isRunning {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if names.filter({ $0.hasSuffix(".ckpt") }).count >= count { return }
        usleep(5_000)
    }
}

@Suite("Checkpoints and resume", .serialized)
struct CheckpointTests {
    let experiment = """
        experiment: population
        seed: 11
        dendrites: {count: 100, length_um: 100}
        duration_days: 200
        step_days: 0.5
        initial_population: {density_per_um: 1.5, sizes: stationary}
        turnover: {spinogenesis: {rate_per_um_per_day: 0.12}}
        recording:
          size_distribution_days: {from: 0, to: 200, step: 50}
          survival_cohort_days: [0, 100]
          turnover_events: csv
        """

    @Test("a run killed with SIGKILL and resumed writes the same bytes as an uninterrupted run, for any thread count; with the event log plain or gzip",
          arguments: ["csv", "gzip"])
    func killAndResume(turnoverEvents: String) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("long.yaml")
        try experiment.replacingOccurrences(of: "turnover_events: csv", with: "turnover_events: \(turnoverEvents)")
            .write(to: file, atomically: true, encoding: .utf8)
        let reference = folder.appendingPathComponent("reference")
        let whole = try spinesim(["run", file.path, "--out", reference.path, "--threads", "2", "--quiet"])
        #expect(whole.status == 0, "\(whole.standardError)")

        let killed = folder.appendingPathComponent("killed")
        let process = try startSpinesim(["run", file.path, "--out", killed.path, "--threads", "1", "--checkpoint-every", "10", "--quiet"])
        waitForCheckpoint(in: killed, of: process)
        usleep(150_000)   // somewhere in the middle of later steps
        #expect(process.isRunning, "the run ended before it could be killed; make it longer")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let resumed = try spinesim(["resume", killed.path, "--threads", "2", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let expected = try resultFiles(reference)
        let got = try resultFiles(killed)
        #expect(expected[turnoverEvents == "gzip" ? "turnover.csv.gz" : "turnover.csv"] != nil)
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, data) in expected { #expect(got[name] == data, "\(name) differs after kill and resume") }
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: killed.appendingPathComponent("manifest.json"))) as? [String: Any])
        #expect(manifest["status"] as? String == "completed" && (manifest["resumes"] as? [Any])?.count == 1)
    }

    @Test("SIGTERM writes a checkpoint and exits with a message saying how to resume")
    func terminateAndResume() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("long.yaml")
        try experiment.write(to: file, atomically: true, encoding: .utf8)
        let reference = folder.appendingPathComponent("reference")
        #expect(try spinesim(["run", file.path, "--out", reference.path, "--quiet"]).status == 0)

        let stopped = folder.appendingPathComponent("stopped")
        let process = Process()
        process.executableURL = spinesimExecutable
        process.arguments = ["run", file.path, "--out", stopped.path, "--quiet"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until the run is stepping (its streamed files exist), then ask it to stop.
        while process.isRunning && !FileManager.default.fileExists(atPath: stopped.appendingPathComponent(".partial/density.csv.stream").path) {
            usleep(10_000)
        }
        usleep(100_000)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "status \(process.terminationStatus): \(message)")
        #expect(message.contains("spinesim resume \(stopped.path)"))
        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: stopped.appendingPathComponent("manifest.json"))) as? [String: Any])
        #expect((manifest["status"] as? String)?.hasPrefix("interrupted") == true)

        #expect(try spinesim(["resume", stopped.path, "--quiet"]).status == 0)
        let expected = try resultFiles(reference)
        let got = try resultFiles(stopped)
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, data) in expected { #expect(got[name] == data, "\(name) differs after SIGTERM and resume") }
        // Resuming a finished run is refused.
        let again = try spinesim(["resume", stopped.path])
        #expect(again.status == 1 && again.standardError.contains("already complete"))
    }
}
