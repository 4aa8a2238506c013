import Foundation
import GSL
@testable import SpineEngine
import Testing

/// Accepted inputs that used to crash or hang: window
/// lengths, total work, the equilibrium draw, --threads, the order of the
/// spine-count and v_min checks. Each is refused with exit 2, one `error:`
/// line naming the key, and nothing written.
@Suite("Engine limits at validation")
struct EngineLimitTests {
    private func experiment(_ name: String) -> String {
        packageRoot.appendingPathComponent("Experiments/\(name)").path
    }

    /// Runs `run FILE --out DIR` with `arguments`; expects exit 2, one error line containing `expected`, and no DIR.
    /// Cases that ran for hours before they were refused go through `check`
    /// (which validates the same way), so that without the fix the test fails instead of hanging.
    private func refused(_ file: String, _ arguments: [String], naming expected: String, check: Bool = false,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let result = try spinesim((check ? ["check", file] : ["run", file, "--out", out.path, "--quiet"]) + arguments)
        #expect(result.status == 2, "\(arguments): exit \(result.status): \(result.standardError)", sourceLocation: sourceLocation)
        let errors = result.standardError.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1, "\(arguments): \(result.standardError)", sourceLocation: sourceLocation)
        #expect(result.standardError.contains(expected), "\(arguments): \(result.standardError)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(arguments) left \(out.path)", sourceLocation: sourceLocation)
    }

    @Test("tiny frequencies and windows of the window kinds are refused, not Int(huge) crashes")
    func windowLengths() throws {
        try refused(experiment("cooperativity.yaml"), ["--set", "ltp.frequency_hz=1e-300"], naming: "ltp.frequency_hz")
        try refused(experiment("cooperativity.yaml"), ["--set", "test.frequency_hz=1e-9"], naming: "test.frequency_hz")
        try refused(experiment("heterosynaptic.yaml"), ["--set", "pairing.frequency_hz=1e-300"], naming: "pairing.frequency_hz")
        try refused(experiment("heterosynaptic.yaml"), ["--set", "heterosynaptic.dendritic_spikes.window_ms=1e-300"],
                    naming: "heterosynaptic.dendritic_spikes.window_ms")
        try refused(experiment("heterosynaptic-oh2015.yaml"), ["--set", "stimulation.frequency_hz=1e-300"], naming: "stimulation.frequency_hz")
        // In range, but the window is 1e8 s long: too many steps per window.
        try refused(experiment("heterosynaptic.yaml"), ["--set", "pairing.frequency_hz=0.001", "--set", "pairing.pairs=100000"],
                    naming: "diffusion.time_step_ms", check: true)
        try refused(experiment("cooperativity.yaml"), ["--set", "diffusion.time_step_ms=0.0002", "--set", "tail_s=86400"],
                    naming: "diffusion.time_step_ms", check: true)
    }

    @Test("a window too long to step throws a clear error instead of trapping")
    func checkedWindowSteps() throws {
        #expect(try ResourceLimits.windowSteps(durationMs: 1000, timeStepMs: 0.3) == 3334)
        #expect(throws: RunError.self) { try ResourceLimits.windowSteps(durationMs: 1e300, timeStepMs: 1e-4) }
        #expect(throws: RunError.self) { try ResourceLimits.windowSteps(durationMs: .infinity, timeStepMs: 1) }
    }

    @Test("a total-work budget refuses runs of hours, naming the dominant key; --max-work overrides it")
    func workBudget() throws {
        try refused(experiment("heterosynaptic.yaml"),
                    ["--set", "repetitions=2", "--set", "diffusion.grid_spacing_um=0.0051", "--set", "diffusion.time_step_ms=0.00011"],
                    naming: "work: diffusion.time_step_ms:", check: true)
        try refused(experiment("heterosynaptic.yaml"), ["--set", "repetitions=10000000"], naming: "work: repetitions:", check: true)
        try refused(experiment("cooperativity.yaml"), ["--set", "trials=1000000"], naming: "work: trials:", check: true)
        try refused(experiment("memory-stability.yaml"), ["--set", "dendrites.count=400", "--set", "diffusion.grid_spacing_um=0.05"],
                    naming: "work: dendrites.count:", check: true)
        let check = try spinesim(["check", experiment("heterosynaptic.yaml"), "--set", "repetitions=10000000", "--max-work", "1e16"])
        #expect(check.status == 0, "\(check.standardError)")
        let low = try spinesim(["check", experiment("stdp.yaml"), "--max-work", "0"])
        #expect(low.status == 2 && low.standardError.contains("--max-work"), "\(low.standardError)")
    }

    @Test("every shipped experiment passes the default budget with room to spare", arguments: FuzzTests.shipped)
    func shippedWithinBudget(name: String) throws {
        let loaded = try Experiment.load(path: experiment(name))
        if let work = loaded.body.work() {
            #expect(work.cellSteps * 5 < ResourceLimits.defaultMaximumWork, "\(name): \(work.description)")
        }
    }

    @Test("'sizes: equilibrium' whose weighted draw almost never succeeds is refused at validation")
    func equilibriumAcceptance() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("memsmall.yaml")
        try SmallExperiments.drawnMemory.write(to: file, atomically: true, encoding: .utf8)
        #expect(try spinesim(["check", file.path]).status == 0)
        try refused(file.path, ["--set", "size_dynamics.stationary_sd=0.001"], naming: "initial_population.sizes", check: true)
        try refused(file.path, ["--set", "size_dynamics.stationary_sd=1e-9"], naming: "initial_population.sizes", check: true)
        try refused(file.path, ["--set", "turnover.v_min_um3=1e-300"], naming: "error:", check: true)
    }

    @Test("the initial-size sampler stops after a bounded number of draws with an error naming the keys")
    func samplerCap() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("memsmall.yaml")
        try SmallExperiments.drawnMemory.write(to: file, atomically: true, encoding: .utf8)
        let memory = try #require(try Experiment.load(path: file.path).body as? MemoryExperiment)
        var model = try memory.settings.resolvedModel(ensembles: 1).model
        let sampler = try InitialSizeSampler(population: memory.population, model: model)
        #expect(try RandomStream(seed: 5).withHandle { try sampler.draw(efficacy: 0, random: $0) }.logVolume > model.turnover.eliminationLogVolume)
        // A v_min far above every size (validation refuses it): every draw is rejected.
        model.turnover.minimumVolume = 1e6
        let hopeless = try InitialSizeSampler(population: memory.population, model: model)
        for rho in [0.0, 1.0] {
            #expect {
                try RandomStream(seed: 5).withHandle { try hopeless.draw(efficacy: rho, random: $0) }
            } throws: { error in
                "\(error)".contains("initial_population.sizes") && "\(error)".contains("turnover.v_min_um3")
            }
        }
    }

    @Test("--threads outside 1…max(1024, 4 × CPUs) is refused with one error line")
    func threadBounds() throws {
        for (value, expected) in [("-3", "--threads must be at least 1"), ("0", "--threads must be at least 1"),
                                  ("9223372036854775807", "--threads must be at most"), ("1000000000", "--threads must be at most")] {
            try refused(experiment("stdp.yaml"), ["--threads", value], naming: expected, check: true)
        }
        #expect(throws: RunError.self) { try ExperimentRunner.threadCount(Int.max) }
        #expect(try ExperimentRunner.threadCount(2) == 2)
    }

    @Test("a population too large to draw is reported as a spine count, not as a v_min problem")
    func spineCountBeforeVMin() throws {
        try refused(experiment("turnover.yaml"), ["--set", "dendrites.count=1000000", "--set", "dendrites.length_um=100000"],
                    naming: "dendrites: 1000000 dendrites")
    }
}
