import Foundation
import SpineEngine
import SpineModel
import GSL
import Testing

/// `diffusion.method: events` against the grid it sums (docs/MODEL.md §2a,
/// "Event-driven exchange").
@Suite("Event-driven received calcium")
struct ExchangeEventsTests {
    /// One minute of the learning session on three dendrites (450 spines): the
    /// time above each threshold per spine and ρ at the end agree with the grid.
    @Test func sessionAgreesWithTheGrid() throws {
        var setup = SessionBenchmark.Setup(dendrites: 3, minutes: 1)
        setup.diffusion.method = .grid
        let grid = try SessionBenchmark.run(setup, threads: 2, seed: 7)
        setup.diffusion.method = .events
        let events = try SessionBenchmark.run(setup, threads: 2, seed: 7)
        let a = grid.outcomes.joined().map(\.efficacy), b = events.outcomes.joined().map(\.efficacy)
        #expect(a.count == 450)
        let largest = zip(a, b).map { abs($0 - $1) }.max()!
        // ε = 1e-6 of each jump's response: ρ moves by far less than its noise.
        #expect(largest < 1e-5, "largest |ρ difference| \(largest)")

        // The window itself: time above θ_d and θ_p per spine.
        let inputs = SessionBenchmark.inputs(setup, dendrite: 0, seeds: StreamSeeds(runSeed: 7))
        let window = WindowInputs(durationMs: setup.session.durationMs, presynapticSpikesMs: inputs.presynapticSpikesMs,
                                  backpropagatingMs: inputs.backpropagatingMs)
        let geometry = SpineGeometry(positionsUm: inputs.positionsUm, volumesUm3: inputs.volumesUm3)
        setup.diffusion.method = .grid
        let stepped = try CalciumWindow.run(window, geometry: geometry, lengthUm: setup.lengthUm, plasticity: setup.plasticity, diffusion: setup.diffusion)
        setup.diffusion.method = .events
        let summed = try CalciumWindow.run(window, geometry: geometry, lengthUm: setup.lengthUm, plasticity: setup.plasticity, diffusion: setup.diffusion)
        #expect(summed.peakExchange == nil && stepped.peakExchange != nil)
        for i in 0..<geometry.count {
            #expect(abs(summed.timeAboveDepressionMs[i] - stepped.timeAboveDepressionMs[i]) < 1e-3)
            #expect(abs(summed.timeAbovePotentiationMs[i] - stepped.timeAbovePotentiationMs[i]) < 1e-3)
            #expect(summed.segments[i].map(\.gating) == stepped.segments[i].map(\.gating))
        }
        #expect(stepped.timeAboveDepressionMs.reduce(0, +) > 1000)
    }

    /// Against the grid refined to Δx = 0.25 µm and Δt = 1 ms (a neighbour's
    /// peak moves by about 0.5 % between the two grids, docs/MODEL.md §2a):
    /// half a minute of the session on 3000 spines, Δρ by two-sample
    /// Kolmogorov–Smirnov.
    @Test func deltaRhoMatchesTheRefinedGrid() throws {
        let (events, refined) = try Self.againstTheRefinedGrid(SessionBenchmark.Setup(dendrites: 20, minutes: 0.5), seed: 11)
        #expect(events.count == 3000 && refined.count == 3000)
        #expect(events.contains { abs($0) > 0.01 }, "ρ should move")
        let (distance, p) = Self.kolmogorovSmirnov(events, refined)
        #expect(p > 0.01, "KS D = \(distance), p = \(p)")
    }

    /// With every process of docs/MODEL.md §2 on (the events method then runs
    /// the grid): the shipped grid against the grid refined to Δx = 0.25 µm,
    /// Δt = 1 ms, Δρ of 3000 spines over one trial (6 s) of the learning
    /// session by two-sample Kolmogorov–Smirnov; and the processes do change Δρ
    /// (mean Δρ 0.40 with them, 0.02 without).
    @Test func everyProcessMatchesTheRefinedGrid() throws {
        var setup = SessionBenchmark.Setup(dendrites: 20, minutes: 0.1)
        let without = try SessionBenchmark.run(setup, threads: 2, seed: 13).outcomes.joined().map(\.deltaEfficacy)
        setup.processes = DiffusionBenchmark.allProcesses
        let (shipped, refined) = try Self.againstTheRefinedGrid(setup, seed: 13)
        #expect(shipped.count == 3000 && refined.count == 3000)
        let (distance, p) = Self.kolmogorovSmirnov(shipped, refined)
        #expect(p > 0.01, "KS D = \(distance), p = \(p)")
        let (changed, _) = Self.kolmogorovSmirnov(shipped, without)
        #expect(changed > 5 * distance, "the processes should change Δρ: KS D \(changed) against \(distance) between the grids")
    }

    /// Every spine's Δρ through the session of `setup` with the events method
    /// (the grid when any of §2b–2d is on), and on the grid refined to
    /// Δx = 0.25 µm, Δt = 1 ms.
    static func againstTheRefinedGrid(_ setup: SessionBenchmark.Setup, seed: UInt64) throws -> ([Double], [Double]) {
        var setup = setup
        setup.diffusion.method = .events
        let shipped = try SessionBenchmark.run(setup, threads: 2, seed: seed)
        setup.diffusion.method = .grid
        setup.diffusion.gridSpacingUm = 0.25
        setup.diffusion.timeStepMs = 1
        let refined = try SessionBenchmark.run(setup, threads: 2, seed: seed)
        return (shipped.outcomes.joined().map(\.deltaEfficacy), refined.outcomes.joined().map(\.deltaEfficacy))
    }

    /// Two-sample KS distance and its asymptotic p-value,
    /// Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, λ = (√n_e + 0.12 + 0.11/√n_e) D, n_e = n m/(n + m).
    static func kolmogorovSmirnov(_ x: [Double], _ y: [Double]) -> (Double, Double) {
        let a = x.sorted(), b = y.sorted()
        var i = 0, j = 0, distance = 0.0
        while i < a.count && j < b.count {
            let t = min(a[i], b[j])
            while i < a.count && a[i] <= t { i += 1 }
            while j < b.count && b[j] <= t { j += 1 }
            distance = max(distance, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        let n = Double(a.count * b.count) / Double(a.count + b.count)
        let lambda = (n.squareRoot() + 0.12 + 0.11 / n.squareRoot()) * distance
        var q = 0.0
        for k in 1...100 { q += 2 * (k % 2 == 1 ? 1 : -1) * exp(-2 * Double(k * k) * lambda * lambda) }
        return (distance, lambda < 1e-3 ? 1 : min(max(q, 0), 1))
    }
}
