import Foundation
import GSL
import SpineEngine
import Testing

@Suite("Memory stability")
struct MemoryTests {
    @Test("half-life: linear between records, none when half is never lost; Pearson's r of exact lines is ±1")
    func retentionMeasures() throws {
        let reached = try #require(Retention.halfLife([(0, 1), (2, 0.8), (4, 0.4), (6, 0.2)]))
        #expect(abs(reached - 3.5) < 1e-12)
        #expect(Retention.halfLife([(0, 1), (2, 0.9), (4, 0.6)]) == nil)
        let x = [0.1, 0.4, 0.2, 0.9]
        #expect(abs(Statistics.correlation(x, x.map { 3 * $0 + 1 }) - 1) < 1e-12)
        #expect(abs(Statistics.correlation(x, x.map { -$0 }) + 1) < 1e-12)
        #expect(Statistics.correlation(x, [0, 0, 0, 0]).isNaN)
    }

    /// The recall signal's null is every set of n of the N spines: enumerated
    /// by hand, its mean and SD must equal the closed form of sampling
    /// without replacement that `recallDPrime` uses.
    @Test("recall d′ equals (S − mean)/SD over every set of n spines, enumerated")
    func recallDPrimeAgainstEnumeration() {
        let weights = [1.0, 2.0, 1.2, 1.9, 1.0, 1.5]
        let task = [1, 3, 5]   // indices of the task's spines
        let s = task.reduce(0) { $0 + weights[$1] }
        var sums: [Double] = []
        for a in 0..<6 { for b in (a + 1)..<6 { for c in (b + 1)..<6 { sums.append(weights[a] + weights[b] + weights[c]) } } }
        let mean = sums.reduce(0, +) / Double(sums.count)
        let sd = (sums.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sums.count)).squareRoot()
        #expect(abs(Retention.recallDPrime(taskWeight: s, taskSpines: 3, weights: weights) - (s - mean) / sd) < 1e-12)
        #expect(Retention.recallDPrime(taskWeight: 6, taskSpines: 6, weights: weights).isNaN)   // every spine: no null
        #expect(Retention.recallDPrime(taskWeight: 2, taskSpines: 2, weights: [1, 1, 1]).isNaN)  // no spread
    }

    /// Without intrinsic noise sizes relax deterministically toward m(ρ) ≥ m₀ > ln v_min, so no
    /// spine reaches v_min and nothing is born: every learned spine lives, and the density can only
    /// fall (new spines still on probation are removed as transient). With noise, a learned spine
    /// that died never returns: the fraction alive cannot rise. Learned spines are those of the
    /// task's axons, so the recall signal d′ of a freshly learned task is positive.
    @Test("memory-stability: noise off keeps every learned spine, noise on only loses them; labels from the schedule")
    func memoryStabilitySmall() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SmallExperiments.write(SmallExperiments.stability, named: "memory.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        #expect(try spinesim(["run", file.path, "--out", out.path, "--quiet"]).status == 0)

        let retention = try csvRows(out.appendingPathComponent("retention.csv"))
        let conditions = ["learning_noise_off", "learning_noise_on", "notask_noise_off", "notask_noise_on"]
        #expect(Set(retention.map { $0["condition"]! }) == Set(conditions))
        #expect(retention.map { $0["condition"]! } == retention.map { $0["condition"]! }.sorted())   // grouped in schedule order
        for condition in conditions {
            let rows = retention.filter { $0["condition"] == condition }
            let alive = rows.map { Double($0["fraction_learned_alive"]!)! }
            let potentiated = rows.map { Double($0["fraction_learned_potentiated"]!)! }
            let all = rows.map { Double($0["fraction_all_alive"]!)! }
            // Training ends on day 5: records at 0 (day 5), then days 6, 9, …, 45 (every 3) — 0, 1, 4, …, 40.
            #expect(rows.map { Int($0["day_after_training"]!)! } == [0] + Array(stride(from: 1, through: 40, by: 3)))
            #expect(rows.allSatisfy { $0["task"] == "A" })
            #expect(alive.first == 1 && all.first == 1 && Double(rows[0]["size_pattern_correlation"]!)! > 1 - 1e-12, "\(condition)")
            if condition.hasPrefix("learning") { #expect(Double(rows[0]["recall_dprime"]!)! > 0, "\(condition)") }
            #expect(alive == alive.sorted(by: >=) && all == all.sorted(by: >=), "\(condition)")
            #expect(zip(potentiated, alive).allSatisfy { $0 <= $1 }, "\(condition)")
            // One potentiation rule (SpineCriteria): learned spines are potentiated when training ends.
            #expect(potentiated.first == 1, "\(condition)")
            if condition.hasSuffix("off") { #expect(alive.allSatisfy { $0 == 1 }, "\(condition)") }
        }
        let schedule = try csvRows(out.appendingPathComponent("schedule.csv"))
        #expect(schedule.filter { $0["condition"] == "learning_noise_off" && $0["kind"] == "home_cage" }.map { $0["intrinsic_noise"]! } == ["off"])
        let density = try csvRows(out.appendingPathComponent("density.csv"))
        for condition in ["learning_noise_off", "notask_noise_off"] {
            let values = density.filter { $0["condition"] == condition && Int($0["day"]!)! >= 5 }.map { Double($0["spine_density_per_um"]!)! }
            #expect(values == values.sorted(by: >=))
        }
        let summary = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        let task = try #require(((summary["conditions"] as? [String: Any])?["learning_noise_off"] as? [String: Any])?["tasks"] as? [String: Any])
        let a = try #require(task["A"] as? [String: Any])
        #expect((a["learned_spines"] as? Int ?? 0) > 0)
        #expect(a["half_life_days"] is NSNull && (a["half_life_days_reason"] as? String)?.contains("more than half") == true)
    }

    /// Histogram days are not recording days in general (the defaults, the
    /// phase boundaries and thirds, include odd days here; `every_days` is
    /// 2): each must still give its histogram, for every condition, while
    /// the other tables keep to the recording days.
    @Test("every histogram day, default or given, has its size histogram for every condition",
          arguments: [[], ["recording.histogram_days=[7, 13, 33]"]])
    func histogramDays(overrides: [String]) throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = SmallExperiments.interference
        let experiment = try #require(Experiment.parse(text, overrides: overrides).body as? MemoryExperiment)
        let days = experiment.recording.histogramDays
        #expect(days.contains { $0 % 2 != 0 }, "the test needs histogram days that are not recording days")
        let file = try SmallExperiments.write(text, named: "interference.yaml", in: folder)
        let out = folder.appendingPathComponent("out")
        let result = try spinesim(["run", file.path, "--out", out.path, "--quiet"] + overrides.flatMap { ["--set", $0] })
        #expect(result.status == 0, "\(result.standardError)")

        let histograms = try csvRows(out.appendingPathComponent("size_histograms.csv"))
        let schedule = try csvRows(out.appendingPathComponent("schedule.csv"))
        let density = try csvRows(out.appendingPathComponent("density.csv"))
        for condition in experiment.schedule.conditions {
            let end = schedule.filter { $0["condition"] == condition }.map { Int($0["end_day"]!)! }.max()!
            let rows = histograms.filter { $0["condition"] == condition }
            let expected = days.filter { $0 <= end }
            #expect(!expected.isEmpty)
            #expect(Set(rows.map { Int($0["day"]!)! }) == Set(expected), "\(condition)")
            for day in expected {
                #expect(rows.filter { Int($0["day"]!)! == day }.count == experiment.recording.sizeBins.count, "\(condition), day \(day)")
            }
            // The days stay in time order, and a histogram day adds no record elsewhere.
            #expect(rows.map { Int($0["day"]!)! } == rows.map { Int($0["day"]!)! }.sorted(), "\(condition)")
            let recorded = density.filter { $0["condition"] == condition }.map { Int($0["day"]!)! }
            #expect(recorded.allSatisfy { $0 % 2 == 0 || $0 == 5 }, "\(condition): \(recorded)")
        }
    }
}
