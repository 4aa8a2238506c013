import Foundation
import GSL
import SpineModel
import Testing

@Suite("Chindemi 2022 variant")
struct ChindemiTests {
    let basal = ChindemiParameters.chindemi2022(.basal)

    /// (c, c⋆) integrated as an ODE by GSL rk8pd at 1e-13, independent of the closed form.
    func integratorReference(calcium c0: Double, integrator s0: Double, until t: Double) throws -> (Double, Double) {
        let p = basal
        let solver = ODESolver(dimension: 2, stepper: .rk8pd, initialStep: 1e-3,
                               absoluteTolerance: 1e-13, relativeTolerance: 1e-13) { _, y, dydt in
            dydt[0] = -y[0] / p.tauCalciumMs
            dydt[1] = -y[1] / p.tauIntegratorMs + y[0]
        }
        let y = try solver.solve([c0, s0], from: 0, to: t)
        return (y[0], y[1])
    }

    @Test("c⋆ thresholds are the published coefficients times the c⋆ peaks of isolated events")
    func thresholds() throws {
        // Peak of the unit kernel by brute force on a 1 µs grid of the ODE solution's closed form.
        let p = basal
        var peak = 0.0
        var t = 0.0
        while t < 200 { peak = max(peak, IntegratorPiece(calcium: 1, integrator: 0, parameters: p).value(t)); t += 0.001 }
        #expect(abs(peak - p.kernelPeak) < 1e-9 * peak)
        let (_, s) = try integratorReference(calcium: 1, integrator: 0, until: p.kernelScale * log(p.tauIntegratorMs / p.tauCalciumMs))
        #expect(abs(s - p.kernelPeak) < 1e-9 * peak)
        #expect(abs(p.thetaDepression - (1.00181 * p.calciumPre + 1.95356 * p.calciumPost) * peak) < 1e-6)
        let apical = ChindemiParameters.chindemi2022(.apical)
        #expect(abs(apical.thetaPotentiation - (5.23566 * apical.calciumPre + 1.78222 * apical.calciumPost) * apical.kernelPeak) < 1e-9)
    }

    @Test("crossing times of c⋆ agree with an independent rk8pd integration to 1e-9 ms",
          arguments: [(10.0, 0.0), (3.0, 20.0), (0.5, 45.0), (6.0, 60.0), (0.0, 50.0)])
    func crossingTimes(c0: Double, s0: Double) throws {
        let p = basal
        let piece = IntegratorPiece(calcium: c0, integrator: s0, parameters: p)
        let duration = 600.0
        for theta in [p.thetaDepression, p.thetaPotentiation] {
            let crossings = piece.crossings(level: theta, durationMs: duration)
            // Count the sign changes of the reference on a 0.5 ms grid: the same number of crossings.
            var count = 0
            var previous = s0 - theta
            var t = 0.5
            while t <= duration {
                let (_, s) = try integratorReference(calcium: c0, integrator: s0, until: t)
                if (s - theta) * previous < 0 { count += 1 }
                previous = s - theta
                t += 0.5
            }
            #expect(crossings.count == count, "c₀ \(c0), s₀ \(s0), θ \(theta): \(crossings) vs \(count) sign changes")
            for crossing in crossings {
                let (_, s) = try integratorReference(calcium: c0, integrator: s0, until: crossing)
                let timeError = abs(s - theta) / abs(piece.slope(crossing))
                #expect(timeError < 1e-9, "crossing at \(crossing) ms off by \(timeError) ms")
            }
        }
        // The piece's closed form itself against the reference.
        let (c, s) = try integratorReference(calcium: c0, integrator: s0, until: 123.4)
        #expect(abs(c - c0 * exp(-123.4 / p.tauCalciumMs)) < 1e-10)
        #expect(abs(s - piece.value(123.4)) < 1e-9)
    }

    @Test("below both thresholds rk8pd reproduces the exact cubic relaxation to 1e-9")
    func relaxationAgainstExact() throws {
        let simulation = ChindemiSimulation(parameters: basal, protocol: BurstPairing(pairing: PairingProtocol(pairs: 1, frequencyHz: 1, deltaTMs: 10)),
                                            forceODERelaxation: true)
        for rho in [0.0, 0.02, 0.3, 0.49, 0.51, 0.9, 1.0] {
            for duration in [1.0, 100.0, 4000.0, 1e5] {
                let ode = try simulation.advance(rho, durationMs: duration, gating: .none)
                let exact = ChindemiSimulation.relaxExactly(rho, durationMs: duration, tauMs: basal.tauEfficacyMs)
                #expect(abs(ode - exact) < 1e-9, "ρ₀ \(rho), \(duration) ms: \(ode) vs \(exact)")
            }
        }
    }

    @Test("ρ through a whole protocol agrees with a fine fixed-step RK4 (independent stepper) to 1e-8",
          arguments: [10.0, -10.0, 5.0])
    func protocolAgainstRK4(deltaTMs: Double) throws {
        let p = basal
        let spec = BurstPairing(pairing: PairingProtocol(pairs: 5, frequencyHz: 10, deltaTMs: deltaTMs), bursts: 3, burstIntervalMs: 4000)
        let simulation = ChindemiSimulation(parameters: p, protocol: spec)
        let jumps = RandomStream(seed: 7).withHandle { simulation.jumps(random: $0) }
        let segments = simulation.segments(jumps: jumps)
        #expect(segments.contains { $0.gating == .both })
        let tau = p.tauEfficacyMs
        func rk4(_ start: Double, _ segment: GatingSegment) -> Double {
            let hp = segment.gating.potentiation * p.gammaPotentiation, hd = segment.gating.depression * p.gammaDepression
            func f(_ r: Double) -> Double { (-r * (1 - r) * (0.5 - r) + hp * (1 - r) - hd * r) / tau }
            var r = start
            let steps = max(1, Int((segment.durationMs / 0.05).rounded(.up)))
            let h = segment.durationMs / Double(steps)
            for _ in 0..<steps {
                let k1 = f(r), k2 = f(r + 0.5 * h * k1), k3 = f(r + 0.5 * h * k2), k4 = f(r + h * k3)
                r += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            }
            return r
        }
        for start in [0.0, 0.4, 1.0] {
            var scheme = start, reference = start
            for segment in segments {
                scheme = try simulation.advance(scheme, durationMs: segment.durationMs, gating: segment.gating)
                reference = rk4(reference, segment)
            }
            #expect(abs(scheme - reference) < 1e-8, "ρ₀ \(start): \(scheme) vs RK4 \(reference)")
        }
        #expect(simulation.stepperCalls > 0)
    }

    func change(_ p: ChindemiParameters, frequencyHz: Double, deltaTMs: Double, seed: UInt64) throws -> Double {
        let spec = BurstPairing(pairing: PairingProtocol(pairs: 5, frequencyHz: frequencyHz, deltaTMs: deltaTMs), bursts: 10, burstIntervalMs: 4000)
        let simulation = ChindemiSimulation(parameters: p, protocol: spec)
        return try RandomStream(seed: seed).withHandle {
            try simulation.estimate(synapsesPerState: 300, followUpSeconds: 0, random: $0).change.change
        }
    }

    @Test("Markram 1997 at 10 Hz: LTP at Δt = +10 ms, LTD at −10 ms; without the NMDA supralinearity the timing does not matter")
    func markramSign() throws {
        let ltp = try change(basal, frequencyHz: 10, deltaTMs: 10, seed: 1)
        let ltd = try change(basal, frequencyHz: 10, deltaTMs: -10, seed: 2)
        #expect(ltp > 1.1, "Δt = +10 ms: change \(ltp)")
        #expect(ltd < 0.9, "Δt = −10 ms: change \(ltd)")
        var linear = basal
        linear.nmdaBoost = 0
        let plus = try change(linear, frequencyHz: 10, deltaTMs: 10, seed: 1)
        let minus = try change(linear, frequencyHz: 10, deltaTMs: -10, seed: 2)
        #expect(abs(plus - minus) < 0.1, "η = 0: \(plus) vs \(minus)")
    }

    @Test("Chindemi 2022 Fig. 3d: the change at Δt = +5 ms grows with pairing frequency (5 → 10 → 20 Hz)")
    func frequencyDependence() throws {
        let changes = try [5.0, 10.0, 20.0].enumerated().map { try change(basal, frequencyHz: $0.element, deltaTMs: 5, seed: UInt64(10 + $0.offset)) }
        #expect(changes[0] < changes[1] && changes[1] < changes[2], "\(changes)")
        #expect(changes[2] > 1.3, "\(changes)")
    }

    @Test("the expressed weight relaxes to the readout with τ_change (FunctionalWeight)")
    func expression() throws {
        let spec = BurstPairing(pairing: PairingProtocol(pairs: 5, frequencyHz: 20, deltaTMs: 5), bursts: 10, burstIntervalMs: 4000)
        let simulation = ChindemiSimulation(parameters: basal, protocol: spec)
        let outcome = try RandomStream(seed: 3).withHandle { try simulation.run(from: 0, followUpSeconds: 2400, random: $0) }
        #expect(outcome.rho > 0.5)
        // Fully expressed after 24 τ_change: w = 1 + ρ(b − 1), up to the lag
        // of w behind the still-relaxing ρ (|dρ/dt|·τ_change·(b − 1) ≲ 1e-5).
        #expect(abs(outcome.weightFollowUp - (1 + outcome.rhoFollowUp * (basal.weightRatio - 1))) < 1e-4)
        let early = try RandomStream(seed: 3).withHandle { try simulation.run(from: 0, followUpSeconds: 100, random: $0) }
        // One τ_change after the protocol the weight is still well short of its target.
        #expect(early.weightFollowUp < 1 + early.rhoFollowUp * (basal.weightRatio - 1) - 0.5)
    }
}
