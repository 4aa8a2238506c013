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
}
