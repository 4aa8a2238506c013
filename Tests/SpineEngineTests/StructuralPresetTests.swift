import Foundation
import GSL
import SpineEngine
import SpineModel
import Testing

/// Volatile and stable spines and the structural presets (docs/MODEL.md §3–4).
@Suite("Structural presets")
struct StructuralPresetTests {
    /// A fast two-state model, so that whole lifetimes are short enough to simulate.
    static let fast = LogSizeOU(relaxationDays: 1, stability: SpineStability(stableRelaxationDays: 3, stabilisationVolume: 0.06))

    /// New spines of the two-state model, stepped by the home-cage kernel
    /// until every one has died: the mean lifetime must match the closed
    /// form (volatile Green's function + stabilisation probability × the
    /// stable state's Siegert time). A death is seen at the end of its
    /// step, on average Δt/2 late; standard error sd/√n, 4 SE, plus 2 % for
    /// the bridge's boundary linearisation at both levels.
    @Test("the two-state lifetime of new spines matches the closed form")
    func twoStateLifetime() throws {
        let rules = TurnoverRules()
        let model = populationModel(size: Self.fast, turnover: rules)
        let kernel = try HomeCageKernel(model: model, fluctuationBins: noFluctuationBins)
        let n = 10_000, stepDays = 0.1
        let start = log(rules.newSpineVolume)
        let dendrite = uniformDendrite(count: n, logVolume: start, seed: 7)
        let deaths = try deathTimes(dendrite, kernel: kernel, stepDays: stepDays, untilDay: 2_000)
        #expect(dendrite.table.count == 0)
        let theory = try OUTurnoverTheory(size: Self.fast, rules: rules).meanLifetimeDays(fromLogVolume: start)
        let tolerance = 4 * (sampleVariance(deaths) / Double(n)).squareRoot() + 0.02 * theory
        #expect(abs(sampleMean(deaths) - theory) < tolerance, "mean lifetime \(sampleMean(deaths)) vs \(theory) ± \(tolerance)")
        // The stable state must matter: the one-state lifetime is several times shorter.
        let oneState = try OUTurnoverTheory(size: LogSizeOU(relaxationDays: 1), rules: rules).meanLifetimeDays(fromLogVolume: start)
        #expect(theory > 2 * oneState)
    }

    /// Volatile spines stepped one at a time until they die or stabilise:
    /// the stabilised fraction must be the scale-function ratio
    /// (S(u₀) − S(u_b))/(S(u_a) − S(u_b)); binomial SE, 4 SE + 0.01 for the
    /// bridge at two levels over steps of 0.05 τ.
    @Test("the stabilisation probability is the OU scale-function ratio")
    func stabilisationProbability() throws {
        let rules = TurnoverRules()
        let model = populationModel(size: Self.fast, turnover: rules)
        let stepper = SizeStepper(model: model, samplers: nil, days: 0.05)
        let start = log(rules.newSpineVolume)
        let n = 20_000
        var stabilised = 0
        RandomStream(seed: 11).withHandle { random in
            for _ in 0..<n {
                var s = start
                while true {
                    let (s1, _, cause, stable) = stepper.step(from: s, efficacy: 0, expressed: 0, random: random)
                    if cause != nil { break }
                    if stable { stabilised += 1; break }
                    s = s1
                }
            }
        }
        let p = OUTurnoverTheory(size: Self.fast, rules: rules).stabilisationProbability(fromLogVolume: start)
        let observed = Double(stabilised) / Double(n)
        #expect(abs(observed - p) < 4 * (p * (1 - p) / Double(n)).squareRoot() + 0.01, "stabilised \(observed) vs \(p)")
    }

    /// The volatile time of the closed form solves the backward equation
    /// T'' − u T' = −τ on (u_b, u_a) with T = 0 at both ends: checked by
    /// finite differences of the closed form at interior points.
    @Test("the volatile time solves the backward equation with both exits")
    func volatileTimeSolvesBackwardEquation() throws {
        let theory = OUTurnoverTheory(size: Self.fast, rules: TurnoverRules())
        let sd = Self.fast.stationarySD, m = theory.target
        let b = theory.eliminationLogVolume, a = Self.fast.stability!.stabilisationLogVolume
        #expect(try theory.meanVolatileDays(fromLogVolume: b) == 0)
        #expect(try theory.meanVolatileDays(fromLogVolume: a) == 0)
        let h = 1e-3
        for fraction in [0.2, 0.5, 0.8] {
            let s = b + fraction * (a - b), u = (s - m) / sd
            let values = try [s - h * sd, s, s + h * sd].map { try theory.meanVolatileDays(fromLogVolume: $0) }
            let second = (values[0] - 2 * values[1] + values[2]) / (h * h)
            let first = (values[2] - values[0]) / (2 * h)
            #expect(abs(second - u * first + Self.fast.relaxationDays) < 1e-3, "u = \(u): residual \(second - u * first + 1)")
        }
    }

    /// The presets keep density stationary with 'auto' spinogenesis and an
    /// equilibrium start (two-state equilibrium for adult-cortex); the
    /// spine count is Poisson, SE √N per day, the mean over days within 4 SE
    /// plus the daily-step bridge's bias (1 % for ca1's fast τ_s).
    @Test("the presets hold density stationary from their equilibrium", arguments: ["adult-cortex", "ca1"])
    func presetStationaryDensity(preset: String) throws {
        let (rows, summary) = try runPopulation("""
            experiment: population
            seed: 5
            dendrites: {count: 100, length_um: 100}
            duration_days: 30
            step_days: 1
            size_dynamics: {preset: \(preset)}
            initial_population: {density_per_um: 1.5, fraction_potentiated: 0, sizes: equilibrium}
            turnover: {spinogenesis: {rate_per_um_per_day: auto}}
            recording: {turnover_events: false, survival_cohort_days: [0]}
            """)
        let expected = 1.5 * 100 * 100
        let mean = sampleMean(rows.map { Double($0["spines"]!)! })
        #expect(abs(mean - expected) < 4 * expected.squareRoot() + 0.01 * expected, "\(preset): mean spine count \(mean), expected \(expected)")
        // At stationarity formed and eliminated per 14 days balance (each a count of O(N·f) spines).
        let formed = summary["formed_fraction_per_14_days"] as! Double, eliminated = summary["eliminated_fraction_per_14_days"] as! Double
        #expect(abs(formed - eliminated) < 0.1 * max(formed, eliminated) + 4 / expected.squareRoot(), "\(preset): \(formed) vs \(eliminated)")
        if preset == "ca1" {
            let lifetime = summary["mean_spine_lifetime_days"] as! Double
            #expect(lifetime > 7 && lifetime < 14)
        } else {
            let survival = summary["cohort_survival_30_days"] as! Double
            #expect(survival > 0.9)
        }
    }

    /// Without intrinsic noise and births nothing is formed or eliminated,
    /// whatever the interval, the day-0 cohort survives whole, and its
    /// lifetime cannot be extrapolated (null with the reason).
    @Test("turnover per imaging interval of a population that does not turn over")
    func turnoverWindowByHand() throws {
        let (_, summary) = try runPopulation("""
            experiment: population
            seed: 1
            dendrites: {count: 2, length_um: 50}
            duration_days: 20
            step_days: 1
            size_dynamics: {preset: none, intrinsic_noise: false}
            initial_population: {density_per_um: 1, fraction_potentiated: 0, sizes: stationary}
            recording: {turnover_events: false, survival_cohort_days: [0]}
            """)
        #expect(summary["formed_fraction_per_14_days"] as? Double == 0 && summary["eliminated_fraction_per_14_days"] as? Double == 0)
        #expect(summary["cohort_survival_14_days"] as? Double == 1)
        #expect(summary["mean_spine_lifetime_days"] is NSNull)
    }
}

/// Runs a population experiment given as YAML text in a temporary directory;
/// returns the rows of its turnover_daily.csv and its summary.json.
func runPopulation(_ yaml: String) throws -> (daily: [[String: String]], summary: [String: Any]) {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let experiment = folder.appendingPathComponent("population.yaml")
    try yaml.write(to: experiment, atomically: true, encoding: .utf8)
    let out = folder.appendingPathComponent("out")
    try ExperimentRunner.run(RunOptions(experimentPath: experiment.path, outputPath: out.path, quiet: true))
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
    return (try csvRows(out.appendingPathComponent("turnover_daily.csv")), summary)
}
