import Foundation
import GSL
import SpineModel

/// The `memory-stability` experiment (MODEL.md §6): dendrites train for
/// `trainingDays` in the learning or the no-task regime (sessions, ρ, sizes,
/// turnover, activity-guided spinogenesis, exactly as in `learning-vs-notask`),
/// then live `homeCageDays` in the home cage with the intrinsic size noise on
/// or off. The two home-cage conditions of a regime start from one and the
/// same trained state (copies of the dendrites and their generators), so the
/// noise is the only difference between them; both regimes use the same
/// dendrites and seeds.
///
/// Learned spines are those potentiated (ρ > ρ*) and enlarged (v ≥
/// `enlargementThreshold` × their baseline volume) at the end of training.
/// Without intrinsic noise no spine reaches v_min, so turnover stops; the
/// baseline spinogenesis that balances noise-driven elimination (Little's
/// law) is then zero too.
public struct MemoryStabilityExperiment: ExperimentBody {
    /// Dendrites, sizes, turnover, sessions and spinogenesis of the training
    /// (its population's durationDays are the training days).
    public var training: LearningExperiment
    public var homeCageDays: Int
    public var recordEveryDays: Int
    /// Days after training at which the size histograms are written.
    public var histogramDays: [Int]
    /// How many dendrites (the first ones) the raster records.
    public var rasterDendrites: Int

    var trainingDays: Int { training.population.durationDays }

    /// One of the four conditions.
    struct Condition: Sendable {
        var regime: SessionActivity.Regime
        var intrinsicNoise: Bool
        var name: String { "\(regime == .learning ? "learning" : "notask")_noise_\(intrinsicNoise ? "on" : "off")" }
    }

    public func run(_ context: RunContext) throws -> [String] {
        let (model, _) = try training.resolvedModel()
        let trainingKernel = try HomeCageKernel(model: model, fluctuationBins: training.population.recording.fluctuationBins)
        var quiet = model
        quiet.size.intrinsicNoise = false
        quiet.turnover.spinogenesisRate = 0
        let quietKernel = try HomeCageKernel(model: quiet, fluctuationBins: training.population.recording.fluctuationBins)
        // A training day costs about as much as `trainingWeight` home-cage days of the four conditions.
        let trainingWeight = 50.0
        let progress = ProgressReporter(label: "memory-stability",
                                        total: 2 * Double(trainingDays) * trainingWeight + 4 * Double(homeCageDays),
                                        unit: "work units", quiet: context.quiet)
        var recorder = MemoryRecorder(experiment: self, rhoStar: model.plasticity.rhoStar)
        for regime in SessionActivity.Regime.allCases {
            let trained = try LearningExperiment.Training(regime, experiment: training, model: model, context: context)
            for day in 1...trainingDays {
                _ = try trained.day(day, kernel: trainingKernel, imaging: false, threads: context.threads)
                if (day - trainingDays) % recordEveryDays == 0 {
                    for noise in [true, false] {
                        recorder.raster(Condition(regime: regime, intrinsicNoise: noise), day: day - trainingDays, dendrites: trained.dendrites)
                    }
                }
                progress.advance(by: trainingWeight)
            }
            let learned = trained.dendrites.map { recorder.trainedPattern($0) }
            let copies = try trained.dendrites.map { try $0.copy() }
            for (noise, dendrites) in [(true, trained.dendrites), (false, copies)] {
                let condition = Condition(regime: regime, intrinsicNoise: noise)
                let kernel = noise ? trainingKernel : quietKernel
                recorder.record(condition, day: 0, dendrites: dendrites, learned: learned)
                for day in 1...homeCageDays {
                    _ = try parallelMap(count: dendrites.count, threads: context.threads) { index in
                        try kernel.advance(dendrites[index], from: Double(trainingDays + day - 1), days: 1, wholeDay: true)
                    }
                    if day % recordEveryDays == 0 || day == homeCageDays {
                        recorder.record(condition, day: day, dendrites: dendrites, learned: learned)
                    }
                    progress.advance()
                }
            }
        }
        progress.finish()
        return try recorder.write(to: context.directory)
    }
}
