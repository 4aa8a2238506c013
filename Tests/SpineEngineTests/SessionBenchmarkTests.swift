import Foundation
import SpineEngine
import Testing

@Suite("W2 session benchmark (SpineSim against Brian2)")
struct SessionBenchmarkTests {
    /// Two short dendrites, one trial of 6 s: small enough for the test suite,
    /// with enough task input to cross thresholds.
    func setup() -> SessionBenchmark.Setup {
        var setup = SessionBenchmark.Setup(dendrites: 3, minutes: 0.1)
        setup.lengthUm = 20
        return setup
    }

    func bits(_ outcomes: [[SessionBenchmark.SpineOutcome]]) -> [UInt64] {
        outcomes.joined().flatMap { [$0.initialEfficacy, $0.efficacy].map(\.bitPattern) }
    }

    @Test("the same seed gives the same bits for any thread count, and ρ moves")
    func threadIndependent() throws {
        let one = try SessionBenchmark.run(setup(), threads: 1, seed: 7)
        let two = try SessionBenchmark.run(setup(), threads: 2, seed: 7)
        #expect(bits(one.outcomes) == bits(two.outcomes))
        #expect(one.spines == 3 * 30)
        #expect(one.outcomes.joined().contains { abs($0.deltaEfficacy) > 1e-3 })
        let other = try SessionBenchmark.run(setup(), threads: 1, seed: 8)
        #expect(bits(other.outcomes) != bits(one.outcomes))
    }

    @Test("exported inputs read back exactly and reproduce the same Δρ, bitwise, for any thread count")
    func exportRoundTrip() throws {
        let setup = setup()
        let result = try SessionBenchmark.run(setup, threads: 2, seed: 11)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spinesim-session-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SessionBenchmark.export(result, setup: setup, seed: 11, threads: 2, to: folder)
        let inputs = try SessionBenchmark.importInputs(from: folder)
        #expect(inputs.count == result.inputs.count)
        for (a, b) in zip(inputs, result.inputs) {
            #expect(a.positionsUm == b.positionsUm && a.volumesUm3 == b.volumesUm3 && a.initialEfficacy == b.initialEfficacy)
            #expect(a.presynapticSpikesMs == b.presynapticSpikesMs && a.backpropagatingMs == b.backpropagatingMs)
        }
        for threads in [1, 2] {
            let again = try SessionBenchmark.rerun(inputs, setup: setup, threads: threads, seed: 11)
            #expect(bits(again) == bits(result.outcomes))
        }
        let table = try String(contentsOf: folder.appendingPathComponent("spinesim.csv"), encoding: .utf8)
        #expect(table.split(separator: "\n").count == result.spines + 1)
    }
}
