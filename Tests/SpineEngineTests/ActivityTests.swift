import Foundation
import GSL
import SpineEngine
import SpineModel
import Testing

@Suite("Activity windows and heterosynaptic experiment")
struct ActivityTests {
    /// The DP pairing protocol as window inputs for `spines` identical spines.
    func pairingWindow(spines: Int, deltaT: Double) -> (WindowInputs, PairingProtocol) {
        let pairing = PairingProtocol(pairs: 20, frequencyHz: 1, deltaTMs: deltaT)
        let lead = 50.0
        let pre = (0..<pairing.pairs).map { lead + Double($0) * 1000 }
        let inputs = WindowInputs(durationMs: lead + 21_000, presynapticSpikesMs: Array(repeating: pre, count: spines),
                                  backpropagatingMs: pre.map { $0 + deltaT })
        return (inputs, pairing)
    }

    @Test("with diffusion off, a window gives the event-driven engine's segments and the same UP/DOWN outcomes",
          arguments: [-25.0, 5.0])
    func diffusionOffEqualsEventDriven(deltaT: Double) throws {
        let p = PlasticityPreset.dp.parameters
        let (inputs, pairing) = pairingWindow(spines: 1, deltaT: deltaT)
        var off = DiffusionParameters()
        off.enabled = false
        let window = try CalciumWindow.run(inputs, geometry: SpineGeometry(positionsUm: [10], volumesUm3: [0.1]),
                                           lengthUm: 20, plasticity: p, diffusion: off)
        let segments = window.segments[0]
        let protocolSegments = pairing.gatingSegments(p)
        // The window adds only the quiet lead-in and tail; the rest equals the protocol's
        // segments (to rounding: the window's times carry a 50 ms offset).
        #expect(segments.first?.gating == Gating.none && segments.last?.gating == Gating.none)
        let inner = Array(segments.dropFirst().dropLast())
        #expect(inner.count == protocolSegments.count)
        for (a, b) in zip(inner, protocolSegments) {
            #expect(a.gating == b.gating)
            #expect(abs(a.durationMs - b.durationMs) < 1e-9)
        }
        // The same generator stream gives the same synapses ending UP.
        let integrator = EfficacyIntegrator(parameters: p)
        let simulation = PairingSimulation(parameters: p, protocol: pairing)
        let fromWindow = try RandomStream(seed: 9).withHandle { random in
            try (0..<500).map { _ in try integrator.advance(0, through: segments, random: random) > 0.5 }
        }
        let fromEngine = try RandomStream(seed: 9).withHandle { random in
            try (0..<500).map { _ in try simulation.finalEfficacy(from: 0, random: random) > 0.5 }
        }
        #expect(fromWindow == fromEngine)
    }

    @Test("with diffusion on, neighbours' calcium falls with distance and a sealed-neck spine keeps the isolated segments")
    func diffusionNeighbours() throws {
        let p = PlasticityPreset.dp.parameters
        let pre = (0..<5).map { 50 + Double($0) * 1000 }
        // Spine 0 stimulated; spines 1–3 at 1, 3 and 10 µm receive nothing; spine 4 sealed, with its own input.
        let inputs = WindowInputs(durationMs: 6000, presynapticSpikesMs: [pre, [], [], [], pre.map { $0 + 3 }],
                                  backpropagatingMs: pre.map { $0 + 5 }, reachedByBackpropagation: [true, false, false, false, true])
        let geometry = SpineGeometry(positionsUm: [20, 21, 23, 30, 20.5], volumesUm3: [0.1, 0.1, 0.1, 0.1, 0.1],
                                     neckCoupling: [1, 1, 1, 1, 0])
        let window = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 40, plasticity: p, diffusion: DiffusionParameters())
        let peaks = try #require(window.peakExchange)
        #expect(peaks[1] > peaks[2] && peaks[2] > peaks[3] && peaks[3] > 0)
        #expect(peaks[4] == 0)
        var off = DiffusionParameters()
        off.enabled = false
        let isolated = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 40, plasticity: p, diffusion: off)
        // The sealed spine's segments match the isolated engine's to rounding.
        let a = window.segments[4], b = isolated.segments[4]
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.gating == y.gating)
            #expect(abs(x.durationMs - y.durationMs) < 1e-9)
        }
    }

    @Test("the heterosynaptic experiment runs, is thread-independent, and its controls see no cluster calcium")
    func heterosynapticSmall() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("het.yaml")
        try """
            experiment: heterosynaptic
            seed: 4
            diffusion: {grid_spacing_um: 0.5, time_step_ms: 4}
            dendrite: {length_um: 30}
            cluster: {sizes: [1, 3]}
            pairing: {pairs: 4}
            neighbours: {distances_um: [0.5, 2, 6]}
            repetitions: 200
            timing: {cluster_size: 3, delays_ms: [-20, 20], distances_um: [1]}
            diffusion_sweep: {cluster_size: 3, diffusion_um2_per_ms: [0.1, 1], distances_um: [1, 4]}
            """.write(to: file, atomically: true, encoding: .utf8)
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two")
        try ExperimentRunner.run(RunOptions(experimentPath: file.path, outputPath: one.path, threads: 1, quiet: true))
        try ExperimentRunner.run(RunOptions(experimentPath: file.path, outputPath: two.path, threads: 2, quiet: true))
        let files = try resultFiles(one)
        #expect(Set(files.keys) == ["heterosynaptic_distance.csv", "heterosynaptic_timing.csv", "heterosynaptic_diffusion.csv",
                                     "heterosynaptic_control.csv", "heterosynaptic_calcium.csv", "summary.json"])
        #expect(files == (try resultFiles(two)))

        let distance = try csvRows(one.appendingPathComponent("heterosynaptic_distance.csv"))
        #expect(distance.count == 2 * 3)
        let calcium = try csvRows(one.appendingPathComponent("heterosynaptic_calcium.csv"))
        let profile = calcium.filter { $0["sweep"] == "distance" && $0["n_stimulated"] == "3" }.map { Double($0["cluster_peak_neck_calcium"]!)! }
        #expect(profile == profile.sorted(by: >) && profile.last! > 0)
        // λ grows with D.
        let summary = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: one.appendingPathComponent("summary.json"))) as? [String: Any])
        let sweep = try #require(summary["diffusion"] as? [[String: Any]])
        let lambdas = sweep.compactMap { $0["calcium_length_constant_um"] as? Double }
        #expect(lambdas.count == 2 && lambdas[1] > lambdas[0])
    }
}
