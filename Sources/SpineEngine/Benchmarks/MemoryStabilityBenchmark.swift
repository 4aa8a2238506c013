import Foundation
import GSL

/// `spinesim bench memory-stability`: a memory experiment file (by default
/// the memory-stability schedule: training sessions, home cage, every
/// recorder) with its dendrite count multiplied by `scale`, run into a
/// temporary directory.
public enum MemoryStabilityBenchmark {
    public struct Result: Sendable {
        public let dendrites: Int
        public let initialSpines: Int
        public let threads: Int
        public let wallSeconds: Double
        /// Days of the longest condition.
        public let simulatedDays: Int
        /// Days simulated over all branches (shared phases once).
        public let conditionDays: Int
        public var daysPerSecond: Double { Double(simulatedDays) / wallSeconds }
        public var conditionDaysPerSecond: Double { Double(conditionDays) / wallSeconds }
    }

    public static func run(experimentPath: String, scale: Int, threads: Int, seed: UInt64) throws -> Result {
        let base = try Experiment.load(path: experimentPath)
        guard let original = base.body as? MemoryExperiment else {
            throw RunError("\(experimentPath) is a '\(base.kind.rawValue)' experiment; allowed: a memory experiment file")
        }
        let dendrites = original.population.dendriteCount * scale
        let experiment = try Experiment.load(path: experimentPath, overrides: ["dendrites.count=\(dendrites)"])
        let body = experiment.body as! MemoryExperiment
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spinesim-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let context = RunContext(directory: try RunDirectory(path: folder.path, force: false), seeds: StreamSeeds(runSeed: seed),
                                 generator: experiment.generator, threads: threads, quiet: true)
        let start = DenseKernel.now()
        _ = try body.run(context)
        let wall = DenseKernel.now() - start
        let population = body.population
        return Result(dendrites: dendrites, initialSpines: Int((population.densityPerUm * population.totalLengthUm).rounded()),
                      threads: threads, wallSeconds: wall, simulatedDays: body.schedule.longestConditionDays,
                      conditionDays: body.schedule.totalDays)
    }
}
