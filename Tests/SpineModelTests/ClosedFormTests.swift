import Foundation
import GSL
import SpineModel
import Testing

/// The stochastic simulation against the closed-form reduction of GB 2012.
///
/// The two differ by sampling error and by the reduction's two
/// approximations, each bounded here from the protocol itself:
/// - sampling: UP and DOWN are binomial fractions of n synapses, standard
///   error √(p(1−p)/n); allowed: 4 standard errors (two-sided 6e-5);
/// - time averaging: the reduction replaces the pulsed drift by its time
///   average. Its exact effect on the linear dynamics is computed by
///   propagating the Gaussian of ρ exactly through the protocol's segments
///   (`LinearGaussianPropagation`) and taking the difference to the closed form;
/// - the cubic −ρ(1−ρ)(ρ*−ρ), which the reduction neglects, shifts ρ(T) by at
///   most f_max/τ · ∫Φ(t,T)dt (Φ the linear propagator, f_max = max|f| on
///   [0, 1]), which moves UP or DOWN by at most that times the peak density
///   of ρ(T).
@Suite("Closed form versus simulation")
struct ClosedFormTests {
    /// Mean and variance of ρ(T) for the linear SDE (cubic dropped), exact
    /// through every segment, and the sensitivity ∫Φ(t,T)dt.
    struct LinearGaussianPropagation {
        var mean: Double
        var variance = 0.0
        var sensitivityMs = 0.0

        init(parameters p: PlasticityParameters, segments: [GatingSegment], start: Double) {
            mean = start
            let tau = p.tauEfficacyMs
            for segment in segments {
                let hp = segment.gating.potentiation, hd = segment.gating.depression
                let k = (p.gammaPotentiation * hp + p.gammaDepression * hd) / tau
                guard k > 0 else {
                    sensitivityMs += segment.durationMs
                    continue
                }
                let decay = exp(-k * segment.durationMs)
                let target = p.gammaPotentiation * hp / tau / k
                let noise = p.sigma * p.sigma * (hp + hd) / tau
                mean = target + (mean - target) * decay
                variance = variance * decay * decay + noise * (1 - decay * decay) / (2 * k)
                sensitivityMs = sensitivityMs * decay + (1 - decay) / k
            }
        }

        /// P(ρ(T) > ρ*).
        func probabilityAbove(_ threshold: Double) -> Double {
            0.5 * erfc((threshold - mean) / (2 * variance).squareRoot())
        }
    }

    static let cases: [(PlasticityPreset, Int, Double, Double)] = [
        (.dp, 60, 1, -60), (.dp, 60, 1, -25), (.dp, 60, 1, 0), (.dp, 60, 1, 5), (.dp, 60, 1, 20), (.dp, 60, 1, 60),
        (.corticalSlices, 75, 1, -10), (.corticalSlices, 75, 10, -10), (.corticalSlices, 75, 20, 10),
        (.corticalSlices, 75, 40, -10), (.corticalSlices, 75, 50, 10),
    ]

    @Test("UP and DOWN agree with the closed form within sampling error and the reduction's bounded error",
          arguments: cases.indices)
    func simulationAgreesWithClosedForm(caseIndex: Int) throws {
        let (preset, pairs, frequency, deltaT) = ClosedFormTests.cases[caseIndex]
        let p = preset.parameters
        let pairing = PairingProtocol(pairs: pairs, frequencyHz: frequency, deltaTMs: deltaT)
        let n = 20_000
        let simulated = try RandomStream(seeds: StreamSeeds(runSeed: 11), purpose: 0, index: caseIndex).withHandle {
            try PairingSimulation(parameters: p, protocol: pairing).estimate(synapsesPerState: n, random: $0)
        }
        let analytic = ClosedFormReduction(parameters: p, protocol: pairing).result
        let segments = pairing.gatingSegments(p)
        let fMax = 3.0.squareRoot() / 36   // max of |ρ(1−ρ)(½−ρ)| on [0, 1]

        for (label, start, sim, closed) in [("UP", 0.0, simulated.up, analytic.up), ("DOWN", 1.0, simulated.down, analytic.down)] {
            let linear = LinearGaussianPropagation(parameters: p, segments: segments, start: start)
            let linearProbability = start == 0 ? linear.probabilityAbove(p.rhoStar) : 1 - linear.probabilityAbove(p.rhoStar)
            let averagingError = abs(closed - linearProbability)
            let peakDensity = 1 / (2 * Double.pi * linear.variance).squareRoot()
            let cubicError = peakDensity * fMax / p.tauEfficacyMs * linear.sensitivityMs
            let samplingError = 4 * max(closed * (1 - closed), 1 / Double(n)).squareRoot() / Double(n).squareRoot()
            let tolerance = samplingError + averagingError + cubicError
            #expect(abs(sim - closed) <= tolerance,
                    "\(preset.rawValue) f=\(frequency) Δt=\(deltaT) \(label): simulated \(sim), closed form \(closed), tolerance \(tolerance) (sampling \(samplingError), averaging \(averagingError), cubic \(cubicError))")
        }
    }

    @Test("the DP STDP curve has its depression minimum near −25 ms and its maximum near +5 ms (closed form)")
    func stdpShape() {
        let p = PlasticityPreset.dp.parameters
        let grid = stride(from: -100.0, through: 100, by: 5).map { dt in
            (dt, ClosedFormReduction(parameters: p, protocol: PairingProtocol(pairs: 60, frequencyHz: 1, deltaTMs: dt)).result.change)
        }
        let minimum = grid.min { $0.1 < $1.1 }!, maximum = grid.max { $0.1 < $1.1 }!
        #expect((-30.0 ... -20.0).contains(minimum.0) && minimum.1 < 0.8)
        #expect((0.0...10.0).contains(maximum.0) && maximum.1 > 1.15)
        #expect(abs(grid.first!.1 - 1) < 0.02 && abs(grid.last!.1 - 1) < 0.02)
    }
}
