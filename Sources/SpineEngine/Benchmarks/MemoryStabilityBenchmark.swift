import Foundation
import GSL

/// `spinesim bench memory-stability`: the memory-stability experiment of an
/// experiment file (training sessions, home cage, every recorder) with its
/// dendrite count multiplied by `scale`, run into a temporary directory.
public enum MemoryStabilityBenchmark {
    public struct Result: Sendable {
        public let dendrites: Int
        public let initialSpines: Int
        public let threads: Int
        public let wallSeconds: Double
        /// Days of the experiment: training plus home cage.
        public let simulatedDays: Int
        /// Days summed over the conditions: 2 regimes × training + 4 conditions × home cage.
        public let conditionDays: Int
        public var daysPerSecond: Double { Double(simulatedDays) / wallSeconds }
        public var conditionDaysPerSecond: Double { Double(conditionDays) / wallSeconds }
    }

    public static func run(experimentPath: String, scale: Int, threads: Int, seed: UInt64) throws -> Result {
        let base = try Experiment.load(path: experimentPath)
        guard let original = base.body as? MemoryStabilityExperiment else {
            throw RunError("\(experimentPath) is a '\(base.kind.rawValue)' experiment; allowed: a memory-stability experiment file")
        }
        let dendrites = original.training.population.dendriteCount * scale
        let experiment = try Experiment.load(path: experimentPath, overrides: ["dendrites.count=\(dendrites)"])
        let body = experiment.body as! MemoryStabilityExperiment
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spinesim-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let context = RunContext(directory: try RunDirectory(path: folder.path, force: false), seeds: StreamSeeds(runSeed: seed),
                                 generator: experiment.generator, threads: threads, quiet: true)
        let start = DenseKernel.now()
        _ = try body.run(context)
        let wall = DenseKernel.now() - start
        let population = body.training.population
        return Result(dendrites: dendrites, initialSpines: Int((population.initialDensityPerUm * population.dendriteLengthUm).rounded()) * dendrites,
                      threads: threads, wallSeconds: wall, simulatedDays: body.trainingDays + body.homeCageDays,
                      conditionDays: 2 * body.trainingDays + 4 * body.homeCageDays)
    }
}
