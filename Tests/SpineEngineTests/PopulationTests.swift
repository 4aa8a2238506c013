import Foundation
import GSL
import SpineEngine
import SpineModel
import Testing

/// A dendrite of `count` spines, all at log-volume `s` and efficacy `rho`.
func uniformDendrite(count: Int, logVolume s: Double, efficacy rho: Double = 0, seed: UInt64 = 1) -> Dendrite {
    let dendrite = Dendrite(index: 0, lengthUm: 100, expectedSpines: count, random: RandomStream(seed: seed))
    for _ in 0..<count {
        dendrite.table.append(position: 50, logVolume: s, efficacy: rho, weight: 1, birthDay: 0,
                              serial: dendrite.takeSerial(), origin: .initial)
    }
    return dendrite
}

func logVolumes(_ dendrite: Dendrite) -> [Double] { (0..<dendrite.table.count).map { dendrite.table.logVolume[$0] } }

func populationModel(size: LogSizeOU = LogSizeOU(), form: PopulationModel.SizeForm = .ou,
                     turnover: TurnoverRules = TurnoverRules()) -> PopulationModel {
    PopulationModel(plasticity: PlasticityPreset.dp.parameters, sizeForm: form, size: size, kesten: KestenProcess(),
                    weight: FunctionalWeight(), turnover: turnover)
}

let noFluctuationBins = VolumeBins(lowerUm3: 0.01, upperUm3: 1, count: 4)

@Suite("Population dynamics")
struct PopulationTests {
    /// One exact step of Δ and many small steps must both give the closed-form
    /// moments m + (s₀ − m)e^{−Δ/τ} and sd²(1 − e^{−2Δ/τ}). Standard errors of
    /// the sample mean and variance of n normals: sd/√n and var·√(2/(n−1)); 4 SE.
    @Test("sizes after Δ days have the exact OU mean and variance, whether in one step or many")
    func ouTransitionMoments() throws {
        let size = LogSizeOU()
        let kernel = try HomeCageKernel(model: populationModel(size: size, turnover: TurnoverRules(minimumVolume: 1e-9)),
                                        fluctuationBins: noFluctuationBins)
        let n = 20_000, s0 = -2.0, delta = 3.0
        let m = size.baselineLogVolume
        let mean = m + (s0 - m) * exp(-delta / size.relaxationDays)
        let variance = size.stationarySD * size.stationarySD * (1 - exp(-2 * delta / size.relaxationDays))
        for steps in [1, 30] {
            let dendrite = uniformDendrite(count: n, logVolume: s0, seed: UInt64(steps))
            for k in 0..<steps {
                _ = try kernel.advance(dendrite, from: Double(k) * delta / Double(steps), days: delta / Double(steps), wholeDay: false)
            }
            let s = logVolumes(dendrite)
            #expect(s.count == n)
            #expect(abs(sampleMean(s) - mean) < 4 * (variance / Double(n)).squareRoot(), "\(steps) steps")
            #expect(abs(sampleVariance(s) - variance) < 4 * variance * (2 / Double(n - 1)).squareRoot(), "\(steps) steps")
        }
    }

    /// s = z + Δm·e with τ_e = τ_s is algebraically the plain OU toward
    /// m(ρ): with the same draws the two must agree to rounding, noise on.
    /// With τ_e = 2 h and noise off, a spine potentiated at its depressed
    /// target must sit at m₀ + Δm(1 − e^{−Δt/τ_e}) after Δt (docs/MODEL.md §3).
    @Test("a separate structural expression time generalises the OU form and expresses potentiation within hours")
    func structuralExpression() throws {
        func advanced(_ size: LogSizeOU, days: Double) throws -> [Double] {
            let kernel = try HomeCageKernel(model: populationModel(size: size, turnover: TurnoverRules(minimumVolume: 1e-9)),
                                            fluctuationBins: noFluctuationBins)
            let dendrite = uniformDendrite(count: 2000, logVolume: size.baselineLogVolume, efficacy: 0, seed: 7)
            for i in 0..<dendrite.table.count where i % 2 == 0 { dendrite.table.efficacy[i] = 1 }
            _ = try kernel.advance(dendrite, from: 0, days: days, wholeDay: false)
            return logVolumes(dendrite)
        }
        let plain = LogSizeOU(relaxationDays: 28)
        var same = plain
        same.expressionDays = plain.relaxationDays
        for (a, b) in zip(try advanced(plain, days: 3), try advanced(same, days: 3)) {
            #expect(abs(a - b) < 1e-12)
        }
        let fast = LogSizeOU(relaxationDays: 28, intrinsicNoise: false, expressionDays: 2.0 / 24)
        let s = try advanced(fast, days: 0.5)
        let expected = fast.baselineLogVolume + fast.potentiationLogShift * (1 - exp(-0.5 / fast.expressionDays!))
        #expect(abs(s[0] - expected) < 1e-12)
        #expect(abs(s[1] - fast.baselineLogVolume) < 1e-12)
    }

    /// Kesten steps from a point for 10 relaxation times must reach the
    /// stationary law: Kolmogorov–Smirnov against the sampler's CDF, with the
    /// critical value 1.95/√n (α = 0.001).
    @Test("Kesten sizes relax to the Kesten stationary distribution")
    func kestenReachesStationarity() throws {
        let process = KestenProcess()
        let kernel = try HomeCageKernel(model: populationModel(form: .kesten, turnover: TurnoverRules(minimumVolume: 1e-6)),
                                        fluctuationBins: noFluctuationBins)
        let n = 4000
        let dendrite = uniformDendrite(count: n, logVolume: log(process.stationaryMean))
        _ = try kernel.advance(dendrite, from: 0, days: 10 * process.relaxationSeconds / 86_400, wholeDay: false)
        let sampler = try KestenStationarySampler(process)
        let v = logVolumes(dendrite).map { exp($0) }.sorted()
        var d = 0.0
        for (i, x) in v.enumerated() {
            let f = sampler.cdf(x)
            d = max(d, abs(Double(i + 1) / Double(n) - f), abs(f - Double(i) / Double(n)))
        }
        #expect(d < 1.95 / Double(n).squareRoot(), "KS statistic \(d)")
    }

    /// At a constant size the fraction eliminated by the hazard in a day is
    /// p(w), whatever the step: binomial standard error √(p(1−p)/n); 4 SE.
    @Test("the elimination hazard over a day equals 1 − exp(−∫h), in one step or four", arguments: [0.05, 0.3])
    func hazardOverADay(volume: Double) throws {
        let size = LogSizeOU(baselineLogVolume: log(volume), potentiationLogShift: 0, intrinsicNoise: false)
        let rules = TurnoverRules(minimumVolume: 1e-6, hazardEnabled: true)
        let kernel = try HomeCageKernel(model: populationModel(size: size, turnover: rules), fluctuationBins: noFluctuationBins)
        let n = 20_000
        let p = rules.dailyEliminationProbability(strength: rules.strength(logVolume: log(volume)))
        for steps in [1, 4] {
            let dendrite = uniformDendrite(count: n, logVolume: log(volume), seed: UInt64(10 + steps))
            for k in 0..<steps {
                _ = try kernel.advance(dendrite, from: Double(k) / Double(steps), days: 1 / Double(steps), wholeDay: false)
            }
            let eliminated = Double(n - dendrite.table.count) / Double(n)
            #expect(abs(eliminated - p) < 4 * (p * (1 - p) / Double(n)).squareRoot(), "v = \(volume), \(steps) steps: \(eliminated) vs \(p)")
        }
    }

    /// New spines start near v_min; their mean lifetime must match Siegert's
    /// formula (continuous monitoring). A death is seen at the end of its
    /// step, on average Δt/2 late; the lifetime's standard error is sd/√n;
    /// 4 SE, plus 1% for the bridge's boundary linearisation (Turnover.swift).
    @Test("the lifetime of new spines matches the first-passage theory", arguments: [1.0, 0.25])
    func newSpineLifetime(stepDays: Double) throws {
        let rules = TurnoverRules()
        let kernel = try HomeCageKernel(model: populationModel(turnover: rules), fluctuationBins: noFluctuationBins)
        let n = 20_000
        let start = log(rules.newSpineVolume)
        let dendrite = uniformDendrite(count: n, logVolume: start, seed: 99)
        let deaths = try deathTimes(dendrite, kernel: kernel, stepDays: stepDays, untilDay: 400)
        #expect(dendrite.table.count == 0)
        let theory = try OUTurnoverTheory(size: LogSizeOU(), rules: rules).meanLifetimeDays(fromLogVolume: start)
        let tolerance = 4 * (sampleVariance(deaths) / Double(n)).squareRoot() + 0.01 * theory
        #expect(abs(sampleMean(deaths) - theory) < tolerance, "step \(stepDays): mean lifetime \(sampleMean(deaths)) vs \(theory) ± \(tolerance)")
    }

    /// With baseline spinogenesis at the Little's-law rate and day-0 sizes
    /// from the birth–death equilibrium, the density stays at its initial
    /// value. The spine count of this M/G/∞ system is Poisson, SE √N per
    /// day; the mean over days is held to 4 single-day SE.
    @Test("density is stationary with calibrated baseline spinogenesis")
    func stationaryDensity() throws {
        let (rows, _) = try runPopulation("""
            experiment: population
            seed: 3
            dendrites: {count: 200, length_um: 100}
            duration_days: 60
            step_days: 0.25
            initial_population: {density_per_um: 1.5, fraction_potentiated: 0, sizes: equilibrium}
            turnover: {spinogenesis: {rate_per_um_per_day: auto}}
            """)
        let expected = 1.5 * 200 * 100
        let counts = rows.map { Double($0["spines"]!)! }
        #expect(counts.count == 60)
        let mean = sampleMean(counts)
        #expect(abs(mean - expected) < 4 * expected.squareRoot(), "mean spine count \(mean), expected \(expected)")
        // and the early days carry no transient: the first 10 days' mean is as close.
        #expect(abs(sampleMean(Array(counts.prefix(10))) - expected) < 4 * expected.squareRoot())
    }
}

/// Advances `dendrite` in steps of `stepDays` until it is empty (or the
/// day is reached); the death times, each taken at its step's middle.
func deathTimes(_ dendrite: Dendrite, kernel: HomeCageKernel, stepDays: Double, untilDay: Double) throws -> [Double] {
    var deaths: [Double] = []
    var t = 0.0
    while dendrite.table.count > 0 && t < untilDay {
        let report = try kernel.advance(dendrite, from: t, days: stepDays, wholeDay: false)
        t += stepDays
        deaths += report.events.filter { !$0.isBirth }.map { $0.day - stepDays / 2 }
    }
    return deaths
}

func sampleMean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

func sampleVariance(_ x: [Double]) -> Double {
    let m = sampleMean(x)
    return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
}

/// Rows of a CSV file with a header (no quoted fields).
func csvRows(_ url: URL) throws -> [[String: String]] {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    let header = lines[0].split(separator: ",").map(String.init)
    return lines.dropFirst().map { line in
        Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
    }
}
