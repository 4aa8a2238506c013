import Foundation
import GSL

/// `spinesim bench population`: a home-cage population (OU sizes, v_min
/// elimination, calibrated baseline spinogenesis, every recorder but the
/// per-event turnover log) advanced in daily steps through the same code
/// path as `spinesim run`, into a temporary directory.
public enum PopulationBenchmark {
    public struct Result: Sendable {
        public let spines: Int
        public let dendrites: Int
        public let days: Int
        public let threads: Int
        public let wallSeconds: Double
        /// Growth of the peak resident set size during the run, per spine.
        public let bytesPerSpine: Double
        /// The spine tables' own buffers, per spine.
        public let storageBytesPerSpine: Double
        public var daysPerSecond: Double { Double(days) / wallSeconds }
    }

    public static func run(spines: Int, days: Int, threads: Int, seed: UInt64) throws -> Result {
        let lengthUm = 100.0, density = 1.5
        let dendrites = max(1, Int((Double(spines) / (density * lengthUm)).rounded()))
        let experiment = try Experiment.parse("""
            experiment: population
            seed: \(seed)
            dendrites: {count: \(dendrites), length_um: \(lengthUm)}
            duration_days: \(days)
            step_days: 1
            initial_population: {density_per_um: \(density), fraction_potentiated: 0, sizes: equilibrium}
            turnover: {spinogenesis: {rate_per_um_per_day: auto}}
            recording: {size_distribution_days: [0, \(days)], survival_cohort_days: [0], turnover_events: false}
            """, fileName: "bench-population")
        let body = experiment.body as! PopulationExperiment
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spinesim-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = try RunDirectory(path: folder.path, force: false)
        let context = RunContext(directory: directory, seeds: StreamSeeds(runSeed: seed), generator: .taus2,
                                 threads: threads, quiet: true)
        let residentBefore = peakResidentBytes()
        let start = DenseKernel.now()
        _ = try body.run(context)
        let wall = DenseKernel.now() - start
        let count = Int(density * lengthUm) * dendrites
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.staged("summary.json"))) as? [String: Any]
        let finalSpines = summary?["spines_final"] as? Int ?? count
        return Result(spines: count, dendrites: dendrites, days: days, threads: threads, wallSeconds: wall,
                      bytesPerSpine: Double(peakResidentBytes() - residentBefore) / Double(max(finalSpines, 1)),
                      storageBytesPerSpine: Double(SpineTable.bytesPerSlot) * 1.5)
    }

    /// Peak resident set size of this process (bytes).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
