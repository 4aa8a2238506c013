import Foundation
import GSL
import SpineEngine
import Testing

/// The `spinesim` executable built beside this test bundle.
let spinesimExecutable: URL = {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = testBinary.deletingLastPathComponent()
    // Linux: …/debug/SpineSimPackageTests.xctest; macOS: …/debug/X.xctest/Contents/MacOS/X
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("spinesim").path), folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    return folder.appendingPathComponent("spinesim")
}()

struct ProcessResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs the binary with `arguments` (and extra environment variables).
func spinesim(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    try runProcess(spinesimExecutable, arguments, environment: environment)
}

/// Runs `executable` with `arguments` (and extra environment variables) to its end.
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData, as: UTF8.self))
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spinesim-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Runs")
struct RunTests {
    let smallSTDP = """
        experiment: stdp
        seed: 5
        pairing: {pairs: 20, frequency_hz: 1, delta_t_ms: {from: -30, to: 30, step: 15}}
        synapses_per_point: 400
        """

    @Test("results are bit-identical for 1 and 2 threads, and change with the seed")
    func threadCountDoesNotChangeResults() throws {
        let sweep = try #require(Experiment.parse(smallSTDP).body as? PairingSweep)
        func run(seed: UInt64, threads: Int) throws -> [Double] {
            try sweep.simulate(seeds: StreamSeeds(runSeed: seed), generator: .taus2, threads: threads, progress: nil)
                .flatMap { [$0.simulated.up, $0.simulated.down] }
        }
        let one = try run(seed: 5, threads: 1)
        #expect(try run(seed: 5, threads: 2) == one)
        #expect(try run(seed: 5, threads: 5) == one)
        #expect(try run(seed: 6, threads: 2) != one)
    }

    @Test("a run writes its results and a complete manifest; a second run needs --force")
    func runWritesManifestAndRefusesToOverwrite() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiment = folder.appendingPathComponent("small.yaml")
        try smallSTDP.write(to: experiment, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")

        let first = try spinesim(["run", experiment.path, "--out", out.path, "--seed", "77", "--threads", "2", "--quiet"])
        #expect(first.status == 0, "stderr: \(first.standardError)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == [".spinesim.lock", "manifest.json", "stdp.csv", "summary.json"])   // no temporary files left; the lock file stays

        let csv = try String(contentsOf: out.appendingPathComponent("stdp.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "delta_t_ms,change,p_up,p_down,change_analytic")
        #expect(lines.count == 1 + 5)

        let manifest = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        #expect(manifest["seed"] as? Int == 77)   // --seed wins over the file
        #expect(manifest["generator"] as? String == "taus2")
        #expect(manifest["status"] as? String == "completed")
        #expect(manifest["spinesim_version"] as? String == BuildInfo.version)
        #expect(manifest["gsl_version"] as? String == gslVersion)
        #expect(manifest["threads"] as? Int == 2)
        #expect((manifest["wall_seconds"] as? Double ?? -1) >= 0)
        #expect(manifest["started_at"] is String && manifest["finished_at"] is String)
        #expect((manifest["build"] as? [String: Any])?.keys.contains("git_revision") == true)
        #expect((manifest["run_id"] as? String)?.count == 36 && (manifest["configuration_digest"] as? String)?.count == 16)
        let configuration = try #require(manifest["configuration"] as? [String: Any])
        let plasticity = try #require(configuration["plasticity"] as? [String: Any])
        #expect(plasticity["preset"] as? String == "DP" && plasticity["gamma_p"] as? Double == 321.808)

        // Refused without --force; nothing already written is touched.
        let before = try Data(contentsOf: out.appendingPathComponent("stdp.csv"))
        let second = try spinesim(["run", experiment.path, "--out", out.path, "--quiet"])
        #expect(second.status == 1)
        #expect(second.standardError.contains("is not empty") && second.standardError.contains("--force"))
        #expect(try Data(contentsOf: out.appendingPathComponent("stdp.csv")) == before)

        // With --force and the same seed the results are the same bytes.
        let third = try spinesim(["run", experiment.path, "--out", out.path, "--seed", "77", "--threads", "1", "--force", "--quiet"])
        #expect(third.status == 0)
        #expect(try Data(contentsOf: out.appendingPathComponent("stdp.csv")) == before)
    }

    @Test("a rejected experiment file exits with status 2 and writes nothing")
    func rejectedFileExitsTwo() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = testsFolder.appendingPathComponent("Malformed/unknown-key.yaml").path
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["run", bad, "--out", out.path])
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("error: unknown-key.yaml:7:3: pairing.pair: unknown key"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("CSV numbers are written in a fixed, round-trip form")
    func csvFormatting() {
        var table = CSVTable(header: ["a", "b", "c"])
        table.append([.real(-100), .real(0.1), .text("x,y")])
        table.append([.integer(3), .real(1.0 / 3.0), "plain"])
        #expect(table.text == "a,b,c\n-100,0.1,\"x,y\"\n3,0.3333333333333333,plain\n")
    }
}
