import Foundation
import GSL
import SpineEngine
import SpineModel
import Testing

/// The processes of docs/MODEL.md §2b–2d inside a window of activity.
@Suite("Heterosynaptic processes in a window of activity")
struct HeterosynapticProcessTests {
    let p = PlasticityPreset.dp.parameters

    /// Time above θ_d in a spine's segments.
    func timeAboveDepression(_ segments: [GatingSegment]) -> Double {
        segments.reduce(0) { $0 + $1.durationMs * $1.gating.depression }
    }

    @Test("store calcium's time above θ_d at a neighbour converges to a fine-step reference of the Green's function")
    func storeCrossings() throws {
        let length = 30.0, source = 10.0, neighbour = 12.0
        var store = StoreReleaseParameters(enabled: true, halfActivation: 0.1)
        store.releasePerEvent = 1
        let pulses = (0..<6).map { 5 + 40 * Double($0) }
        let inputs = WindowInputs(durationMs: 1500, presynapticSpikesMs: [pulses, []], backpropagatingMs: [])
        let geometry = SpineGeometry(positionsUm: [source, neighbour], volumesUm3: [0.1, 0.1])
        // The reference: c_ER(p(t)) from the closed-form Green's function, sampled every 0.5 µs.
        let diffusionOff = DiffusionParameters(enabled: false)
        func excess(_ time: Double) -> Double {
            let level = pulses.filter { $0 < time }.reduce(0) {
                $0 + SealedCableField.greensFunction(amount: 1, fromUm: source, toUm: neighbour, afterMs: time - $1, lengthUm: length,
                                                     diffusionUm2PerMs: store.diffusionUm2PerMs, tauMs: store.tauMs,
                                                     sourceWidthUm: diffusionOff.dendriteRadiusUm)
            }
            return store.storeCalcium(messenger: level, thetaDepression: p.thetaDepression) - p.thetaDepression
        }
        // Sampled every 10 µs, each crossing refined by bisection to 1e-10 ms.
        var reference = 0.0, previous = excess(0), upward = 0.0
        for k in 1...150_000 {
            let time = Double(k) * 0.01, value = excess(time)
            if (previous > 0) != (value > 0) {
                var low = time - 0.01, high = time
                while high - low > 1e-10 {
                    let mid = 0.5 * (low + high)
                    if (excess(mid) > 0) == (value > 0) { high = mid } else { low = mid }
                }
                if value > 0 { upward = high } else { reference += high - upward }
            }
            previous = value
        }
        if previous > 0 { reference += 1500 - upward }
        #expect(reference > 50, "the protocol must push the neighbour over θ_d for a while (\(reference) ms)")
        var errors: [Double] = []
        for step in [4.0, 1, 0.25] {
            var d = diffusionOff
            d.timeStepMs = step
            let window = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: length, plasticity: p, diffusion: d,
                                               processes: HeterosynapticProcesses(storeRelease: store))
            errors.append(abs(timeAboveDepression(window.segments[1]) - reference))
        }
        // Linear between exact samples: the error falls with the step, second order.
        #expect(errors[2] < errors[0] / 8, "\(errors)")
        #expect(errors[2] < 1e-3 * reference, "\(errors) of \(reference) ms")
        print("store-release crossing error vs step 4, 1, 0.25 ms:", errors, "of", reference, "ms")
    }

    @Test("processes that are switched on but inert leave the calcium of version 1 unchanged, bit for bit")
    func inertProcesses() throws {
        let inputs = WindowInputs(durationMs: 800, presynapticSpikesMs: [[10, 50, 300], [12, 400], [], [700]],
                                  backpropagatingMs: [20, 310])
        let geometry = SpineGeometry(positionsUm: [5, 5.7, 6.4, 20], volumesUm3: [0.1, 0.05, 0.2, 0.1])
        let diffusion = DiffusionParameters(timeStepMs: 1)
        let plain = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 30, plasticity: p, diffusion: diffusion)
        var inert = HeterosynapticProcesses()
        inert.storeRelease = StoreReleaseParameters(enabled: true, releasePerEvent: 0)
        inert.dendriticSpikes = DendriticSpikeParameters(enabled: true, minimumEvents: 1000)
        let switched = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 30, plasticity: p, diffusion: diffusion, processes: inert)
        #expect(plain.segments == switched.segments)
        #expect(plain.peakExchange == switched.peakExchange)
    }

    @Test("a dendritic spike gives every spine of its stretch a jump κ·C_post at the spike time (diffusion off: closed form)")
    func spikeJump() throws {
        // Eight spines with one coincident input each; a ninth, silent, on the same stretch; a tenth on the next.
        let positions = (0..<8).map { 1 + Double($0) } + [12, 25]
        let spikes = (0..<8).map { [100 + Double($0)] } + [[], []]
        let inputs = WindowInputs(durationMs: 400, presynapticSpikesMs: spikes, backpropagatingMs: [])
        let geometry = SpineGeometry(positionsUm: positions, volumesUm3: Array(repeating: 0.1, count: 10))
        let rule = DendriticSpikeParameters(enabled: true, minimumEvents: 8, windowMs: 10, stretchUm: 20, calciumOverPost: 1.5)
        let window = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 40, plasticity: p,
                                           diffusion: DiffusionParameters(enabled: false, timeStepMs: 1),
                                           processes: HeterosynapticProcesses(dendriticSpikes: rule))
        #expect(window.dendriticSpikes == 1)
        let spikeTime = 107 + p.delayMs
        let calcium = CalciumDynamics(p)
        let expectedSilent = calcium.segments(jumps: [(spikeTime, 1.5 * p.calciumPost)], from: 0, to: 400)
        #expect(zip(window.segments[8], expectedSilent).allSatisfy { abs($0.durationMs - $1.durationMs) < 1e-9 && $0.gating == $1.gating })
        #expect(window.segments[8].count == expectedSilent.count)
        #expect(window.segments[9] == [GatingSegment(durationMs: 400, gating: .none)])
    }

    @Test("ρ integrated interval by interval (cooperativity on, without effect) equals ρ integrated after the window, noiseless")
    func chunkedEfficacy() throws {
        var noiseless = p
        noiseless.sigma = 0
        let inputs = WindowInputs(durationMs: 3000, presynapticSpikesMs: [[10, 1010, 2010], [15, 1015]], backpropagatingMs: [20, 1020, 2020])
        let geometry = SpineGeometry(positionsUm: [5, 8], volumesUm3: [0.1, 0.1])
        let integrator = EfficacyIntegrator(parameters: noiseless)
        let diffusion = DiffusionParameters(timeStepMs: 1)
        let plain = try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 20, plasticity: noiseless, diffusion: diffusion)
        let stream = RandomStream(type: .taus2, seed: 1)
        let after = try stream.withHandle { random in
            try [0.2, 0.9].enumerated().map { try integrator.advance($0.element, through: plain.segments[$0.offset], random: random) }
        }
        let inert = CooperativityParameters(enabled: true, maximumLowering: 0)
        let inside = try stream.withHandle { random in
            try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 20, plasticity: noiseless, diffusion: diffusion,
                                  processes: HeterosynapticProcesses(cooperativity: inert),
                                  efficacy: EfficacyCoupling(integrator: integrator, initial: [0.2, 0.9], random: random))
        }
        let final = try #require(inside.finalEfficacy)
        for i in 0..<2 { #expect(abs(final[i] - after[i]) < 1e-6, "spine \(i): \(final[i]) vs \(after[i])") }
    }
}

/// The processes act in the sessions of the timeline.
@Suite("Heterosynaptic processes in sessions", .serialized)
struct HeterosynapticSessionTests {
    /// Two short days of learning sessions (3 trials a day; the messengers are read every step), then home cage.
    static let allOn = "experiment: memory\n" + SmallExperiments.model
        .replacingOccurrences(of: "session: {trials: 20}", with: "session: {trials: 3}")
        .replacingOccurrences(of: "count: 6", with: "count: 2") + """
        schedule:
          - session: {regime: learning, task: A, days: 2}
          - home_cage: {days: 2}
        recording: {every_days: 1}
        heterosynaptic:
          dendritic_spikes: {enabled: true, min_events: 4}
          store_release: {enabled: true}
          cooperativity: {enabled: true}
        """

    @Test("learning sessions with all three processes on are independent of the thread count and differ from sessions without them")
    func sessions() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let on = try SmallExperiments.write(HeterosynapticSessionTests.allOn, named: "on.yaml", in: folder)
        let off = try SmallExperiments.write(HeterosynapticSessionTests.allOn.replacingOccurrences(of: "enabled: true}", with: "enabled: false}"),
                                             named: "off.yaml", in: folder)
        let one = folder.appendingPathComponent("one"), three = folder.appendingPathComponent("three"), without = folder.appendingPathComponent("without")
        #expect(try spinesim(["run", on.path, "--out", one.path, "--threads", "1", "--quiet"]).status == 0)
        #expect(try spinesim(["run", on.path, "--out", three.path, "--threads", "3", "--quiet"]).status == 0)
        #expect(try spinesim(["run", off.path, "--out", without.path, "--threads", "2", "--quiet"]).status == 0)
        let a = try resultFiles(one), b = try resultFiles(three), c = try resultFiles(without)
        #expect(a.keys.sorted() == b.keys.sorted() && !a.isEmpty)
        for (name, data) in a { #expect(b[name] == data, "\(name) depends on the thread count") }
        #expect(a["summary.json"] != c["summary.json"], "the processes changed nothing")
        let manifest = try String(contentsOf: one.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("store_release") && manifest.contains("cooperativity"))
    }
}
