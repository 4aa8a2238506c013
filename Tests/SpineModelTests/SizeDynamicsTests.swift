import Foundation
import GSL
import SpineModel
import Testing

@Suite("Size dynamics and turnover theory")
struct SizeDynamicsTests {
    @Test("the Kesten stationary sampler has the closed-form mean and variance")
    func kestenStationaryMoments() throws {
        for process in [KestenProcess(), KestenProcess(muEpsilon: -0.01, muEta: 0.002, sigmaEpsilonSquared: 0.004, sigmaEtaSquared: 1e-5)] {
            let sampler = try KestenStationarySampler(process)
            // Moments of the tabulated law by the trapezoid rule on its CDF grid.
            var mean = 0.0, second = 0.0
            for i in 1..<sampler.grid.count {
                let mass = sampler.cumulative[i] - sampler.cumulative[i - 1]
                let v = 0.5 * (sampler.grid[i] + sampler.grid[i - 1])
                mean += mass * v
                second += mass * v * v
            }
            // Closed forms of the linear-drift diffusion: m = −μη/με,
            // Var = (σε²m² + ση²)/(2|με| − σε²).
            let m = -process.muEta / process.muEpsilon
            let variance = (process.sigmaEpsilonSquared * m * m + process.sigmaEtaSquared) / (2 * abs(process.muEpsilon) - process.sigmaEpsilonSquared)
            #expect(abs(mean - m) < 1e-4 * m)
            #expect(abs((second - mean * mean) - variance) < 1e-3 * variance)
            #expect(abs(sampler.cdf(sampler.quantile(0.3)) - 0.3) < 1e-9)
        }
    }

    /// Siegert's mean first-passage time must solve the backward equation
    /// (sd²/τ)T'' − ((s−m)/τ)T' = −1 with T(b) = 0 and T' → 0 far above:
    /// checked against a GSL rk8pd integration of that equation, shot from
    /// far above (where T' = 0 and T is the unknown constant) down to b.
    @Test("the mean lifetime (Siegert) solves the backward equation")
    func meanLifetimeSolvesBackwardEquation() throws {
        let size = LogSizeOU()
        let theory = OUTurnoverTheory(size: size, rules: TurnoverRules())
        let b = theory.eliminationLogVolume, m = theory.target
        let sd = size.stationarySD, tau = size.relaxationDays
        // y = (T, T'); from T'' = ((s−m)T' − τ)/sd², integrated downward from s_high.
        let solver = ODESolver(dimension: 2, stepper: .rk8pd, initialStep: 1e-4,
                               absoluteTolerance: 1e-12, relativeTolerance: 1e-12) { s, y, dy in
            dy[0] = y[1]
            dy[1] = ((s - m) * y[1] - tau) / (sd * sd)
        }
        let high = m + 8 * sd
        // T' at s_high from the exact far-field: T'(s) = τ√(2π)/sd · e^{u²/2}Φc(u) → small.
        let u = (high - m) / sd
        let slope = tau * (2 * Double.pi).squareRoot() / sd * exp(0.5 * u * u) * CDF.standardNormalUpper(u)
        // Shooting: T(s) − T(b) is independent of the constant T(high); integrate with T(high) = 0.
        func relative(at s: Double) throws -> Double { try solver.solve([0, slope], from: high, to: s)[0] }
        let atBarrier = try relative(at: b)
        for s0 in [log(0.03), m - 0.5, m, m + 1] {
            let ode = try relative(at: s0) - atBarrier
            let siegert = try theory.meanLifetimeDays(fromLogVolume: s0)
            #expect(abs(ode - siegert) < 1e-6 * siegert, "s0 = \(s0): ODE \(ode), Siegert \(siegert)")
        }
        #expect(try theory.meanLifetimeDays(fromLogVolume: b - 0.1) == 0)
    }

    @Test("the hazard gives the published daily probabilities at w = 0 and w = 1")
    func hazardEndpoints() {
        let rules = TurnoverRules(hazardEnabled: true)
        #expect(abs(rules.dailyEliminationProbability(strength: 0) - 0.582) < 1e-12)
        #expect(abs(rules.dailyEliminationProbability(strength: 1) - 0.058) < 1e-12)
        // Over one day at constant size the survival is exactly 1 − p(w).
        let s = log(0.1)
        let p = rules.dailyEliminationProbability(strength: rules.strength(logVolume: s))
        #expect(abs(rules.hazardSurvival(from: s, to: s, days: 1) - (1 - p)) < 1e-12)
        // Survival over a day composes from any number of sub-steps.
        let quarter = rules.hazardSurvival(from: s, to: s, days: 0.25)
        #expect(abs(pow(quarter, 4) - (1 - p)) < 1e-12)
    }

    @Test("the OU transition has the closed-form mean and variance for any step")
    func ouTransition() {
        let size = LogSizeOU()
        let sigma = size.noiseIntensity
        for days in [0.01, 1.0, 7.0, 100.0] {
            let (decay, sd) = size.transition(days: days)
            // dE/dt = −(E − m)/τ; dVar/dt = −2Var/τ + σ² from zero variance.
            #expect(abs(decay - exp(-days / size.relaxationDays)) < 1e-15)
            let variance = sigma * sigma * size.relaxationDays / 2 * (1 - exp(-2 * days / size.relaxationDays))
            #expect(abs(sd * sd - variance) < 1e-12)
        }
        #expect(abs(size.noiseIntensity * (size.relaxationDays / 2).squareRoot() - 0.87) < 1e-12)
    }
}
