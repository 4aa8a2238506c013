import Foundation
import GSL
import SpineModel
import Testing

@Suite("Spine calcium")
struct CalciumTests {
    let dp = PlasticityPreset.dp.parameters

    @Test("free decay and threshold times equal a GSL rk8pd solution of dc/dt = −c/τ_Ca")
    func decayMatchesODE() throws {
        let calcium = CalciumDynamics(dp)
        let tau = dp.tauCalciumMs
        let solver = ODESolver(dimension: 1, stepper: .rk8pd, initialStep: 1e-3,
                               absoluteTolerance: 1e-14, relativeTolerance: 1e-14) { _, c, dcdt in dcdt[0] = -c[0] / tau }
        for start in [0.4, 1.0, 1.7, 3.0] {
            for duration in [0.5, 5, 13.7, 60] {
                let numeric = try solver.solve([start], from: 0, to: duration)[0]
                #expect(abs(calcium.decayed(start, afterMs: duration) - numeric) < 1e-11)
            }
            // Calcium integrated numerically up to the closed-form crossing time sits on the threshold.
            for threshold in [dp.thetaDepression, dp.thetaPotentiation] where start > threshold {
                let crossing = calcium.timeAbove(threshold, from: start)
                let atCrossing = try solver.solve([start], from: 0, to: crossing)[0]
                #expect(abs(atCrossing - threshold) < 1e-11)
            }
        }
        #expect(calcium.timeAbove(1.0, from: 1.0) == 0)   // H(0) = 0: at the threshold is not above it
    }

    /// c(t) = Σ_{t_j ≤ t} A_j e^{−(t−t_j)/τ}: the trace by superposition,
    /// written independently of CalciumDynamics.
    func superposed(_ jumps: [(timeMs: Double, amplitude: Double)], at t: Double, tau: Double) -> Double {
        jumps.reduce(0) { sum, jump in jump.timeMs <= t ? sum + jump.amplitude * exp(-(t - jump.timeMs) / tau) : sum }
    }

    @Test("a protocol's gating segments agree with the superposed calcium trace",
          arguments: [(PlasticityPreset.dp, 1.0, -25.0), (.dp, 1.0, 5.0), (.dp, 20.0, 10.0),
                      (.corticalSlices, 50.0, -10.0), (.hippocampalSlices, 5.0, 15.0)])
    func segmentsMatchSuperposition(preset: PlasticityPreset, frequencyHz: Double, deltaTMs: Double) {
        let p = preset.parameters
        let pairing = PairingProtocol(pairs: 10, frequencyHz: frequencyHz, deltaTMs: deltaTMs)
        let jumps = pairing.calciumJumps(p)
        let segments = pairing.gatingSegments(p)
        var t = jumps[0].timeMs
        for (index, segment) in segments.enumerated() {
            // Inside a segment the trace is on the segment's side of both thresholds
            // (checked at 9 interior points).
            for fraction in stride(from: 0.1, through: 0.9, by: 0.1) {
                let c = superposed(jumps, at: t + fraction * segment.durationMs, tau: p.tauCalciumMs)
                #expect((c > p.thetaDepression) == (segment.gating.depression == 1), "segment \(index) at \(fraction)")
                #expect((c > p.thetaPotentiation) == (segment.gating.potentiation == 1), "segment \(index) at \(fraction)")
            }
            t += segment.durationMs
            // A boundary that is not a jump is a threshold crossing: calcium is on a threshold there.
            let isJump = jumps.contains { abs($0.timeMs - t) < 1e-9 }
            if !isJump && index + 1 < segments.count {
                let c = superposed(jumps, at: t, tau: p.tauCalciumMs)
                let distance = min(abs(c - p.thetaDepression), abs(c - p.thetaPotentiation))
                #expect(distance < 1e-9, "boundary after segment \(index): c = \(c)")
            }
        }
        // The list ends when calcium has fallen below both thresholds after the last jump.
        let end = superposed(jumps, at: t, tau: p.tauCalciumMs)
        #expect(abs(end - min(p.thetaDepression, p.thetaPotentiation)) < 1e-9)
    }

    @Test("with θ_p below θ_d the lower threshold's segment is potentiation only")
    func invertedThresholds() {
        var p = dp
        p.thetaPotentiation = 0.8
        let segments = CalciumDynamics(p).segments(from: 1.5, durationMs: 100)
        #expect(segments.map(\.gating) == [.both, .potentiation, .none])
        #expect(abs(segments[0].durationMs - p.tauCalciumMs * log(1.5)) < 1e-12)
        #expect(abs(segments[1].durationMs - p.tauCalciumMs * log(1.0 / 0.8)) < 1e-12)
    }
}
