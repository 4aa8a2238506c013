import Foundation
import SpineEngine
import Testing

@Suite("Memory stability")
struct MemoryTests {
    @Test("half-life: linear between records, the last day when half is never lost; Pearson's r of exact lines is ±1")
    func retentionMeasures() {
        let reached = Retention.halfLife([(0, 1), (2, 0.8), (4, 0.4), (6, 0.2)])
        #expect(reached.reached && abs(reached.days - 3.5) < 1e-12)
        let censored = Retention.halfLife([(0, 1), (2, 0.9), (4, 0.6)])
        #expect(!censored.reached && censored.days == 4)
        let x = [0.1, 0.4, 0.2, 0.9]
        #expect(abs(Retention.pearson(x, x.map { 3 * $0 + 1 }) - 1) < 1e-12)
        #expect(abs(Retention.pearson(x, x.map { -$0 }) + 1) < 1e-12)
        #expect(Retention.pearson(x, [0, 0, 0, 0]).isNaN)
    }

    /// Without intrinsic noise sizes relax deterministically toward m(ρ) ≥ m₀ > ln v_min, so no
    /// spine reaches v_min and nothing is born: every learned spine lives, and the density can only
    /// fall (new spines still on probation are removed as transient). With noise, a learned spine that died never returns: the fraction alive cannot rise.
    @Test("memory-stability: noise off keeps every learned spine, noise on only loses them; thread-independent")
    func memoryStabilitySmall() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("memory.yaml")
        try """
            experiment: memory-stability
            seed: 11
            dendrites: {count: 3, length_um: 40}
            training_days: 3
            home_cage_days: 12
            record_every_days: 3
            histogram_days: [0, 12]
            plasticity: {preset: DPD}
            diffusion: {enabled: false}
            initial_population: {density_per_um: 1.5, fraction_potentiated: 0.3, sizes: stationary}
            size_dynamics: {relaxation_days: 7, expression_hours: 2}
            session: {trials: 20}
            """.write(to: file, atomically: true, encoding: .utf8)
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two")
        try ExperimentRunner.run(RunOptions(experimentPath: file.path, outputPath: one.path, threads: 1, quiet: true))
        try ExperimentRunner.run(RunOptions(experimentPath: file.path, outputPath: two.path, threads: 2, quiet: true))
        #expect(try resultFiles(one) == resultFiles(two))

        let retention = try csvRows(one.appendingPathComponent("retention.csv"))
        #expect(retention.count == 4 * 5)
        for condition in ["learning_noise_on", "learning_noise_off", "notask_noise_on", "notask_noise_off"] {
            let rows = retention.filter { $0["condition"] == condition }
            let alive = rows.map { Double($0["fraction_learned_alive"]!)! }
            let potentiated = rows.map { Double($0["fraction_learned_potentiated"]!)! }
            #expect(rows.map { $0["day_after_training"]! } == ["0", "3", "6", "9", "12"])
            #expect(alive.first == 1 && Double(rows[0]["size_pattern_correlation"]!)! > 1 - 1e-12, "\(condition)")
            #expect(alive == alive.sorted(by: >=), "\(condition)")
            #expect(zip(potentiated, alive).allSatisfy { $0 <= $1 }, "\(condition)")
            if condition.hasSuffix("off") { #expect(alive.allSatisfy { $0 == 1 }, "\(condition)") }
        }
        let density = try csvRows(one.appendingPathComponent("density.csv"))
        for condition in ["learning_noise_off", "notask_noise_off"] {
            let values = density.filter { $0["condition"] == condition }.map { Double($0["spine_density_per_um"]!)! }
            #expect(values == values.sorted(by: >=))
        }
        let summary = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: one.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect((summary["learned_spines_learning_noise_on"] as? Double ?? 0) > 0)
        #expect(summary["half_life_reached_learning_noise_off"] as? Bool == false)
        #expect(summary["half_life_days_learning_noise_off"] as? Double == 12)
    }
}
