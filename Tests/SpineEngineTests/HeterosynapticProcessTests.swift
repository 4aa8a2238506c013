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

    /// The crossings the cooperativity messenger causes (docs/MODEL.md §2d):
    /// a source spine's ρ crosses ρ* and releases r, which lowers θ_p at a
    /// test spine 2 µm away while that spine's pulses cross θ_p(t).
    ///
    /// The reference is computed here without the window: the source's ρ by
    /// RK4 on its closed-form calcium gives the exact release time t_c; the
    /// field r(t) at the test spine is the Gaussian of variance σ₀² + 2D_r t
    /// with its images in the sealed ends, decayed by e^{−t/τ_r}; θ_p(t) =
    /// θ_p (1 − δ_θ r/(r + K_r)); the test spine's calcium is its sum of
    /// decaying jumps, and every crossing of θ_p(t) is refined by bisection
    /// to 1e-10 ms.
    ///
    /// The window holds θ_p at its value at the start of each update
    /// interval Δ and releases at the end of the interval in which ρ
    /// crossed, so both errors are first order in Δ: at a crossing x the
    /// held θ_p is off by at most 2Δ·max|θ̇_p| (max over [x − 2Δ, x]; the
    /// field depends on t − t_c only, so a late release is a shift in time),
    /// which moves the crossing by that over |ċ − θ̇_p|. Summed over the
    /// crossings this is the bound the finest interval must meet. Both
    /// errors make θ_p too high (it is falling), so the window's time above
    /// θ_p is short of the reference, never long. t_c is placed 0.3 ms after
    /// a common multiple of the intervals, so the release lag is Δ − 0.3 ms
    /// for every Δ and the error is close to linear in Δ.
    @Test("time above θ_p lowered by the cooperativity messenger converges, first order in the update interval, to a closed-form reference")
    func cooperativityCrossings() throws {
        // Noiseless; γ_d = 0 so that the test spine, at ρ = 1, stays there and never releases.
        var q = p
        q.sigma = 0
        q.gammaDepression = 0
        let length = 40.0, source = 10.0, target = 12.0, durationMs = 1200.0
        let rule = CooperativityParameters(enabled: true)
        let sigma0 = DiffusionParameters().dendriteRadiusUm
        let sourceSpikes = (0..<8).map { 20 * Double($0) }
        var testSpikes: [Double] = []
        var next = 40.0
        while next < durationMs - 30 { testSpikes.append(next); next += 23.7 }
        let sourceScale = 3.0, testScale = 1.2
        // ρ of the source at the window's start: its crossing of ρ* comes at t_c ≈ 50.3 ms.
        let initialSourceRho = 0.4629513471176959

        // Reference 1: the source's crossing time, RK4 (h = 0.005 ms) between the exact θ_p crossings of its calcium.
        let sourceJumps = sourceSpikes.map { $0 + q.delayMs }
        func sourceCalcium(_ t: Double) -> Double {
            sourceJumps.filter { $0 <= t }.reduce(0) { $0 + sourceScale * q.calciumPre * exp(-(t - $1) / q.tauCalciumMs) }
        }
        var edges = sourceJumps
        for jump in sourceJumps {
            let peak = sourceCalcium(jump)
            if peak > q.thetaPotentiation { edges.append(jump + q.tauCalciumMs * log(peak / q.thetaPotentiation)) }
        }
        edges = edges.filter { $0 < 200 }.sorted() + [200]
        func drift(_ rho: Double, _ above: Bool) -> Double {
            (-rho * (1 - rho) * (q.rhoStar - rho) + (above ? q.gammaPotentiation * (1 - rho) : 0)) / q.tauEfficacyMs
        }
        var rho = initialSourceRho, clock = 0.0, crossing: Double?
        search: for edge in edges {
            let above = sourceCalcium(0.5 * (clock + edge)) > q.thetaPotentiation
            let pieces = max(1, Int(((edge - clock) / 0.005).rounded(.up))), h = (edge - clock) / Double(pieces)
            for _ in 0..<pieces {
                let k1 = drift(rho, above), k2 = drift(rho + 0.5 * h * k1, above)
                let k3 = drift(rho + 0.5 * h * k2, above), k4 = drift(rho + h * k3, above)
                let after = rho + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
                if rho < q.rhoStar && after >= q.rhoStar { crossing = clock + h * (q.rhoStar - rho) / (after - rho); break search }
                rho = after
                clock += h
            }
            clock = edge
        }
        let releaseTime = try #require(crossing)
        #expect(releaseTime > 50.05 && releaseTime < 50.6, "t_c = \(releaseTime)")

        // Reference 2: θ_p(t) at the test spine from the closed-form field, and the test spine's time above it.
        func field(_ t: Double) -> Double {
            guard t > releaseTime else { return 0 }
            let elapsed = t - releaseTime
            let variance = sigma0 * sigma0 + 2 * rule.diffusionUm2PerMs * elapsed
            var sum = 0.0
            for n in -2...2 {
                for image in [source + 2 * Double(n) * length, -source + 2 * Double(n) * length] {
                    sum += exp(-(target - image) * (target - image) / (2 * variance))
                }
            }
            return rule.releasePerCrossing * sum / (2 * Double.pi * variance).squareRoot() * exp(-elapsed / rule.tauMs)
        }
        func theta(_ t: Double) -> Double {
            let r = field(t)
            return q.thetaPotentiation * (1 - rule.maximumLowering * r / (r + rule.halfEffect))
        }
        let testJumps = testSpikes.map { $0 + q.delayMs }
        func testCalcium(_ t: Double) -> Double {
            testJumps.filter { $0 <= t }.reduce(0) { $0 + testScale * q.calciumPre * exp(-(t - $1) / q.tauCalciumMs) }
        }
        // Each jump crosses θ_p upward at its time (the calcium jumps over it); the downward crossing by bisection.
        var referenceAbove = 0.0, crossings: [Double] = []
        for (k, jump) in testJumps.enumerated() {
            let end = k + 1 < testJumps.count ? testJumps[k + 1] : durationMs
            func excess(_ t: Double) -> Double { testCalcium(t) - theta(t) }
            guard excess(jump) > 0 else { continue }
            #expect(excess(end - 1e-9) < 0, "every pulse must fall back below θ_p before the next")
            var low = jump, high = end - 1e-9
            while high - low > 1e-10 {
                let mid = 0.5 * (low + high)
                if excess(mid) > 0 { low = mid } else { high = mid }
            }
            referenceAbove += low - jump
            crossings.append(low)
        }
        #expect(crossings.count >= 40, "\(crossings.count) crossings")
        func rate(_ f: (Double) -> Double, _ t: Double) -> Double { (f(t + 1e-4) - f(t - 1e-4)) / 2e-4 }
        func bound(_ interval: Double) -> Double {
            crossings.reduce(0) { sum, x in
                let steepest = (0...20).map { abs(rate(theta, x - 2 * interval * Double($0) / 20)) }.max()!
                return sum + 2 * interval * steepest / abs(rate(testCalcium, x) - rate(theta, x))
            }
        }

        // The window at update intervals 10, 5, 2.5, 1.25 ms (steps of 0.25 ms; diffusion off: every spine's calcium exact).
        var inputs = WindowInputs(durationMs: durationMs, presynapticSpikesMs: [sourceSpikes, testSpikes], backpropagatingMs: [])
        inputs.presynapticScale = [sourceScale, testScale]
        let geometry = SpineGeometry(positionsUm: [source, target], volumesUm3: [0.1, 0.1])
        var diffusion = DiffusionParameters(enabled: false)
        diffusion.timeStepMs = 0.25
        let integrator = EfficacyIntegrator(parameters: q)
        let intervals = [10.0, 5, 2.5, 1.25]
        var above: [Double] = []
        for interval in intervals {
            var processes = HeterosynapticProcesses()
            processes.cooperativity = rule
            processes.cooperativity.updateIntervalMs = interval
            let window = try RandomStream(type: .taus2, seed: 1).withHandle { random in
                try CalciumWindow.run(inputs, geometry: geometry, lengthUm: length, plasticity: q, diffusion: diffusion, processes: processes,
                                      efficacy: EfficacyCoupling(integrator: integrator, initial: [initialSourceRho, 1], random: random))
            }
            #expect(window.cooperativityReleaseMs[0] == (releaseTime / interval).rounded(.up) * interval, "released at the end of t_c's interval")
            #expect(window.cooperativityReleaseMs[1] == nil)
            above.append(window.timeAbovePotentiationMs[1])
        }
        let errors = above.map { referenceAbove - $0 }
        let differences = (1..<above.count).map { above[$0] - above[$0 - 1] }
        let tolerance = bound(intervals.last!)
        print("cooperativity θ_p crossings: reference \(referenceAbove) ms above θ_p over \(crossings.count) crossings (t_c \(releaseTime) ms);",
              "window at Δ = \(intervals) ms: \(above); errors \(errors); successive differences \(differences); bound at 1.25 ms \(tolerance)")
        // The lowering is large: without it the test spine is above θ_p for far less time.
        #expect(referenceAbove > 1.5 * testJumps.reduce(0) { sum, jump in
            let peak = testCalcium(jump)
            return sum + (peak > q.thetaPotentiation ? q.tauCalciumMs * log(peak / q.thetaPotentiation) : 0)
        })
        // One-sided errors, successive differences that halve with Δ (first order: ratio 2, within the scatter of
        // where the crossings fall inside an interval), and the finest within the derived bound.
        #expect(errors.allSatisfy { $0 > 0 }, "\(errors)")
        for k in 1..<differences.count {
            let ratio = differences[k - 1] / differences[k]
            #expect(ratio > 1.5 && ratio < 2.7, "successive differences \(differences)")
        }
        #expect(errors.last! < tolerance, "error \(errors.last!) ms against the bound \(tolerance) ms")
        // First order: Richardson extrapolation from the two finest removes the leading term.
        let extrapolated = 2 * above[3] - above[2]
        #expect(abs(extrapolated - referenceAbove) < 0.25 * tolerance, "extrapolated \(extrapolated) against \(referenceAbove)")
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

    @Test("two windows computed together (their grids stepped side by side) give the bits of each computed alone, every process on")
    func windowsTogether() throws {
        var processes = HeterosynapticProcesses()
        processes.dendriticSpikes = DendriticSpikeParameters(enabled: true, minimumEvents: 3, windowMs: 20, stretchUm: 10)
        processes.storeRelease = StoreReleaseParameters(enabled: true)
        processes.cooperativity = CooperativityParameters(enabled: true)
        let diffusion = DiffusionParameters(timeStepMs: 1)
        let integrator = EfficacyIntegrator(parameters: p)
        // Two dendrites of different lengths (cell counts 60 and 91) and spine counts.
        let first = (inputs: WindowInputs(durationMs: 1200, presynapticSpikesMs: [[10, 15, 300], [12, 18, 400], [14, 20], [700], [100, 900]],
                                          backpropagatingMs: [22, 310, 905]),
                     geometry: SpineGeometry(positionsUm: [5, 5.7, 6.4, 20, 27], volumesUm3: [0.1, 0.05, 0.2, 0.1, 0.3]),
                     lengthUm: 30.0, rho: [0.2, 0.9, 0.6, 0.1, 0.95])
        let second = (inputs: WindowInputs(durationMs: 1200, presynapticSpikesMs: [[50, 52, 54], [51, 600], [53], []],
                                           backpropagatingMs: [60, 610]),
                      geometry: SpineGeometry(positionsUm: [3, 4, 4.5, 40], volumesUm3: [0.2, 0.1, 0.1, 0.05]),
                      lengthUm: 45.5, rho: [0.5, 0.45, 0.3, 0.8])
        func request(_ d: (inputs: WindowInputs, geometry: SpineGeometry, lengthUm: Double, rho: [Double]), _ random: RandomHandle) -> CalciumWindow.Request {
            CalciumWindow.Request(d.inputs, geometry: d.geometry, lengthUm: d.lengthUm, plasticity: p, diffusion: diffusion, processes: processes,
                                  efficacy: EfficacyCoupling(integrator: integrator, initial: d.rho, random: random),
                                  recordPeakExchange: true, recordPeakMessenger: true)
        }
        func alone(_ r: CalciumWindow.Request) throws -> CalciumWindow.Result {
            try CalciumWindow.run(r.inputs, geometry: r.geometry, lengthUm: r.lengthUm, plasticity: r.plasticity, diffusion: r.diffusion,
                                  processes: r.processes, efficacy: r.efficacy, recordPeakExchange: r.recordPeakExchange,
                                  recordPeakMessenger: r.recordPeakMessenger)
        }
        // Each window draws from its own stream, seeded alike for both ways.
        func twice<T>(_ body: (RandomHandle, RandomHandle) throws -> T) throws -> T {
            try RandomStream(type: .taus2, seed: 11).withHandle { a in try RandomStream(type: .taus2, seed: 12).withHandle { b in try body(a, b) } }
        }
        let separately = try twice { a, b in (try alone(request(first, a)), try alone(request(second, b))) }
        let together = try twice { a, b in try CalciumWindow.run(request(first, a), together: request(second, b)) }
        for (one, other) in [(separately.0, together.0), (separately.1, together.1)] {
            #expect(one.segments == other.segments)
            #expect(one.peakExchange == other.peakExchange)
            #expect(one.timeAboveDepressionMs == other.timeAboveDepressionMs && one.timeAbovePotentiationMs == other.timeAbovePotentiationMs)
            #expect(one.peakMessenger == other.peakMessenger && one.dendriticSpikes == other.dendriticSpikes)
            #expect(one.finalEfficacy == other.finalEfficacy && one.cooperativityReleaseMs == other.cooperativityReleaseMs)
        }
        // The windows did exchange calcium, fire dendritic spikes and release the messenger.
        #expect(separately.0.peakExchange!.max()! > 0 && separately.1.peakMessenger!.max()! > 0 && separately.0.dendriticSpikes > 0)
    }

    @Test("the store messenger read only where it can move a crossing gives the bits of reading it at every spine and step")
    func lazyStoreReadOut() throws {
        // A busy dendrite: the messenger saturates (docs/MODEL.md §2c), and the
        // cooperativity messenger moves θ_p below c_max, so spines sit in both bands.
        var processes = HeterosynapticProcesses()
        processes.dendriticSpikes = DendriticSpikeParameters(enabled: true)
        processes.storeRelease = StoreReleaseParameters(enabled: true)
        processes.cooperativity = CooperativityParameters(enabled: true)
        let count = 60, durationMs = 3000.0
        let (inputs, rho) = RandomStream(type: .taus2, seed: 5).withHandle { random in
            (WindowInputs(durationMs: durationMs,
                          presynapticSpikesMs: (0..<count).map { _ in
                              var times: [Double] = [], t = random.exponential(mean: 250)
                              while t < durationMs { times.append(t); t += random.exponential(mean: 250) }
                              return times
                          },
                          backpropagatingMs: stride(from: 13.0, to: durationMs, by: 400).map { $0 }),
             (0..<count).map { _ in random.uniform() })
        }
        let geometry = SpineGeometry(positionsUm: (0..<count).map { 0.25 + 0.5 * Double($0) }, volumesUm3: Array(repeating: 0.1, count: count))
        func run(recordPeakMessenger: Bool) throws -> CalciumWindow.Result {
            try RandomStream(type: .taus2, seed: 9).withHandle { random in
                try CalciumWindow.run(inputs, geometry: geometry, lengthUm: 30, plasticity: p, diffusion: DiffusionParameters(),
                                      processes: processes, efficacy: EfficacyCoupling(integrator: EfficacyIntegrator(parameters: p),
                                                                                        initial: rho, random: random),
                                      recordPeakMessenger: recordPeakMessenger)
            }
        }
        let everyStep = try run(recordPeakMessenger: true), lazy = try run(recordPeakMessenger: false)
        #expect(lazy.timeAboveDepressionMs == everyStep.timeAboveDepressionMs)
        #expect(lazy.timeAbovePotentiationMs == everyStep.timeAbovePotentiationMs)
        #expect(lazy.finalEfficacy == everyStep.finalEfficacy && lazy.cooperativityReleaseMs == everyStep.cooperativityReleaseMs)
        #expect(lazy.peakMessenger == nil && everyStep.skippedStoreReadOuts == 0)
        // Most read-outs were skipped, and spines spent time both in and out of each band.
        let spineSteps = count * 750
        #expect(lazy.skippedStoreReadOuts > spineSteps / 2, "skipped \(lazy.skippedStoreReadOuts) of \(spineSteps)")
        let aboveD = lazy.timeAboveDepressionMs.reduce(0, +) / Double(count), aboveP = lazy.timeAbovePotentiationMs.reduce(0, +) / Double(count)
        #expect(aboveD > 0.5 * durationMs && aboveP > 0 && aboveP < aboveD, "above θ_d \(aboveD) ms, θ_p \(aboveP) ms")
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
